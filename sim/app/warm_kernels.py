"""Imported by the page's fork server only: load the model's compiled kernels before forking.

:mod:`sim.app.jobs` preloads this module in its fork server. Importing it runs every arm of the
default scenario once and freezes the server's objects (:func:`sim.model.warm.warm_for_fork`),
so the numba kernels are loaded (from their cache next to the sources) in the fork server and
every estimate worker forked from it starts with them. Without it each worker spends about a
second loading them on its first run, longer than the whole 20-pair estimate it was forked for.
The fork server starts with the page (:func:`sim.app.jobs.warm_up`), so no visitor waits.

The fork server runs at nice 10 from here on, as its workers do (:data:`sim.app.jobs.WORKER_NICE`),
so the warm-up does not take CPU from the server as it starts. Do not import this module
elsewhere: it runs the model on import. A failure here is ignored (a worker then loads the
kernels itself), so it can never stop the fork server from starting.
"""

from __future__ import annotations

import contextlib
import os

from sim.model.warm import warm_for_fork

__all__: list[str] = []

with contextlib.suppress(OSError):  # the warm-up must not slow the server down as it starts
    os.setpriority(os.PRIO_PROCESS, 0, max(10, os.getpriority(os.PRIO_PROCESS, 0)))
warm_for_fork()  # the kernels loaded, the objects frozen (sim.model.warm)
