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

from sim.store.engine import DEFAULT_SQLITE_PATH, ENV_VAR, mask_url, resolve_url
from sim.store.errors import StoreError, StoreUnavailable, SweepConflict, SweepNotFound
from sim.store.store import MAX_SWEEP_NAME, Store, check_sweep_name, open_store

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "ENV_VAR",
    "MAX_SWEEP_NAME",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SweepConflict",
    "SweepNotFound",
    "check_sweep_name",
    "mask_url",
    "open_store",
    "resolve_url",
]
