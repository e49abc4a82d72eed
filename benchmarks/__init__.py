"""The clustersim performance harness: ``python -m benchmarks [--quick]``.

Every figure is a ratio or a rate measured in the same run (never a timed assertion in tests);
see docs/performance.md for the targets, the machine and the before/after figures.
"""
