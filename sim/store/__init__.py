"""The results database: scenarios, sweeps, design points, runs and quarterly outcomes.

Open it with :func:`open_store`; the schema is created and upgraded by the Alembic migrations
shipped in ``sim/store/migrations`` every time a store is opened for writing. Opened with
``readonly=True`` it creates and changes nothing (no file, directory, schema or journal mode) and
reads a database in a read-only folder too. Sweep names are checked by :func:`check_sweep_name`.

Example:
    >>> from sim.store import open_store
    >>> with open_store("sqlite:///results/demo.sqlite") as store:  # doctest: +SKIP
    ...     frame = store.outcomes("baseline", ["output", "employment"])
"""

from importlib import import_module

#: Public name -> module. Loaded on first use (PEP 562): ``sim.store.errors`` alone (as the CLI's
#: error path needs it) does not import SQLAlchemy and Alembic.
_EXPORTS = {
    "DEFAULT_SQLITE_PATH": "sim.store.engine",
    "ENV_VAR": "sim.store.engine",
    "mask_url": "sim.store.engine",
    "resolve_url": "sim.store.engine",
    "StoreError": "sim.store.errors",
    "StoreUnavailable": "sim.store.errors",
    "SweepConflict": "sim.store.errors",
    "SweepNotFound": "sim.store.errors",
    "MAX_SWEEP_NAME": "sim.store.store",
    "Store": "sim.store.store",
    "check_sweep_name": "sim.store.store",
    "open_store": "sim.store.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    """Load a public name on first use."""
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.store' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
