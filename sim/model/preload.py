"""The model with its compiled kernels loaded: what a fork server imports before it forks.

Numba loads a cached kernel into a process on the kernel's first call, not at import, so a
freshly forked worker spent its first run loading every kernel from ``__pycache__`` (about
0.45 s on an idle 2-core machine, 10 times a run; more under load). Workers forked from a
process that has run the model inherit the loaded machine code instead. Importing this module
runs :func:`sim.model.warm.warm` (every arm of the default scenario over its horizon, about
0.3 s once the cache exists); the sweep's fork server (:mod:`sim.run.executors`) and the
page's estimate fork server (:mod:`sim.app.jobs`) list it in their preload, so every worker
they fork starts with the kernels ready. The warm-up runs draw from their own generators and
share nothing with the runs that follow, so results are the same with or without it.

If the warm-up fails (a broken model), the import still succeeds: the workers then load or
compile on first use as before, and report the model's error from the run itself.
:func:`sim.model.compiled.loaded_kernels` tells how many kernels a process has loaded.
"""

from __future__ import annotations

from sim.model.warm import warm_for_fork

__all__: list[str] = []

warm_for_fork()
