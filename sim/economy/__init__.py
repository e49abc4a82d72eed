"""Pure economic submodels on numpy arrays: market, sourcing, registry rules, finance, taxes.

Nothing here holds state or draws random numbers by itself: callers pass arrays and the
generator to use, so every mechanism is testable on its own and documented in docs/model.md.
"""
