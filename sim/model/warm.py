"""Compile the model's numba kernels ahead of use: ``python -m sim.model.warm``.

The kernels (:mod:`sim.model.compiled`) compile on their first call and are cached next to the
sources, so only the first run on a machine pays for it. ``make venv`` runs this module once
after installing, so neither the first ``clustersim run`` nor every worker process of the
first test session compiles the same kernels at once. It runs every arm of the default
scenario over the full horizon, alone and as a block, which calls every kernel the shipped
scenarios use; a kernel it misses still compiles on its first call.
"""

from __future__ import annotations

import contextlib
import gc
import time

from sim.model.block import ModelBlock
from sim.model.model import ClusterModel
from sim.scenario.files import default_scenario

__all__ = ["warm", "warm_for_fork"]


def warm() -> float:
    """Run each arm of the default scenario alone, then all arms as one block; return seconds.

    Lone runs (live play, the API) and blocks (sweeps, the page's estimates: sim.model.block)
    may pass the kernels differently laid-out arrays, so both are run.
    """
    t0 = time.perf_counter()
    scenario = default_scenario()
    for arm in scenario.arms:
        model = ClusterModel(scenario, arm=arm, rng=1)
        model.run_for(scenario.scenario.horizon_quarters)
    ModelBlock([(scenario, arm, 2) for arm in scenario.arms]).run()
    return time.perf_counter() - t0


def warm_for_fork() -> None:
    """Prepare a fork server: :func:`warm` (its failure ignored), then ``gc.freeze()``.

    The kernels are then loaded in every process forked from this one. A failure of the
    warm-up is ignored: the workers load or compile on first use, and a broken model reports
    its error from the runs themselves. The freeze keeps what this process holds out of the
    collector's passes, which would otherwise write to (and so copy) those pages in every
    forked worker (Python's ``gc.freeze`` advice).
    """
    with contextlib.suppress(Exception):
        warm()
    gc.freeze()


if __name__ == "__main__":
    print(f"clustersim: model kernels compiled and cached ({warm():.1f} s)")
