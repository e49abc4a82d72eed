"""Items of the fast-engine issue (17): compile cost, one run beside a baseline, the page.

* ``compile``: the numba kernels' first compile, in a child process with an empty cache
  directory, against the same child with that cache filled (what every later process pays);
* ``baseline``: CPU ms per run of this tree and of :data:`BASELINE_REV` (the commit before the
  issue-17 work, exported with ``git archive``), fresh child processes interleaved
  (:func:`benchmarks.profile_run.compare`); its ratio is "fewer CPU-ms than before"; and CPU
  ms per run of this tree with the runs stepped in blocks of :data:`BLOCK_SIZE`, as a sweep's
  workers step them (:func:`block_cpu_ms`);
* ``page``: the page's 20-pair estimate (:func:`sim.app.session.estimate`, in this process:
  the figure before the estimate was split), the same estimate as the page runs it
  (:func:`sim.app.jobs.start_estimate` to ``wait()``, its worker processes forked from the
  page's fork server, in a fresh child process): cold (no de-facto runs cached) and warm (a
  lever of the regime moved, the de-facto runs cached), and 40 quarters of live play: the
  model's time per quarter (:class:`sim.app.live.LivePair.step`) against the time to draw that
  quarter's two live charts (timeline and output, PNG).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the issue-17 engine work (its run cost is the "before" figure).
BASELINE_REV = "125af31"
#: The issue's figure for one run "today" (issue 17), before the model was re-specified.
ISSUE_RUN_MS = 60.0
ARM = "cluster_support_2020s"

_COMPILE_CHILD = """
import json, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
from sim.model import ClusterModel
from sim.scenario.files import default_scenario
sc = default_scenario()
t1 = time.perf_counter()
ClusterModel(sc, arm=sys.argv[1], rng=1).run()
t2 = time.perf_counter()
ClusterModel(sc, arm=sys.argv[1], rng=2).run()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_run_s": t2 - t1, "second_run_s": t3 - t2,
                  "cpu_s": time.process_time() - c0}))
"""

# CPU ms per run of this tree when a sweep's worker steps its runs as blocks (sim.model.block):
# argv = arm, block size, blocks. One warm-up block first.
_BLOCK_CHILD = """
import json, sys, time
from sim.model.block import ModelBlock
from sim.run.seeds import replicate_seeds
from sim.scenario.files import default_scenario
sc = default_scenario()
arm, size, blocks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seeds = replicate_seeds(10_000, size * (blocks + 1))
ModelBlock.of_seeds(sc, arm, seeds[:size]).run()
ms = []
for b in range(1, blocks + 1):
    t = time.process_time()
    ModelBlock.of_seeds(sc, arm, seeds[b * size:(b + 1) * size]).run()
    ms.append((time.process_time() - t) * 1e3 / size)
print(json.dumps({"ms": ms}))
"""
#: Runs per block in the block figure: a sweep's chunk (sim.run.runner.BLOCK_RUNS).
BLOCK_SIZE = 32


def block_cpu_ms(arm: str, size: int, blocks: int) -> list[float]:
    """CPU ms per run of this tree, runs stepped in blocks of ``size``, in a child process."""
    r = subprocess.run([sys.executable, "-c", _BLOCK_CHILD, arm, str(size), str(blocks)],
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(r.stdout)["ms"]


# The page's estimate as the page runs it, in a fresh process (so that the fork server is the
# page's, with the kernels loaded, whatever the harness ran before): argv = repeats, regime.
_PAGE_JOB_CHILD = """
import json, os, statistics, sys, time
from sim.app import jobs
from sim.app.session import levers, with_levels
from sim.scenario.files import default_scenario
repeats, arm = int(sys.argv[1]), sys.argv[2]
sc = default_scenario()
t = time.perf_counter()
jobs.start_estimate("bench", sc, arm, 2).wait()  # the fork server started and warm (the page
start_s = time.perf_counter() - t                # starts it with the server: jobs.warm_up)
load = os.getloadavg()
def timed(s):
    t = time.perf_counter()
    job = jobs.start_estimate("bench", s, arm, 20)
    out = job.wait()
    seconds = time.perf_counter() - t
    made = [r for r in out.results if not job.cached or r.key.arm == arm]
    return seconds, job, sum(r.extra["cpu_seconds"] for r in made) / len(job.pids)
cold, cold_cpu = [], []
for _ in range(repeats):
    jobs.de_facto_cache.clear()
    seconds, job, cpu = timed(sc)
    assert not job.cached and job.total == 40
    cold.append(seconds)
    cold_cpu.append(cpu)
lever = levers(sc, arm)[0]
warm, warm_cpu = [], []
for i in range(repeats):
    moved = with_levels(sc, {lever.key: float(lever.param.value) * (0.9 - 0.1 * i)})
    seconds, job, cpu = timed(moved)
    assert job.cached and job.total == 20
    warm.append(seconds)
    warm_cpu.append(cpu)
print(json.dumps({"job_cold_s": statistics.median(cold), "job_warm_s": statistics.median(warm),
                  "job_cold_all_s": cold, "job_warm_all_s": warm, "job_parts": len(job.pids),
                  "job_cold_runs_cpu_per_worker_s": statistics.median(cold_cpu),
                  "job_warm_runs_cpu_per_worker_s": statistics.median(warm_cpu),
                  "job_lever": lever.key, "fork_server_start_s": start_s,
                  "load_before": list(load)}))
"""


def _page_job_child(repeats: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", _PAGE_JOB_CHILD, str(repeats), ARM]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True,
                       timeout=600)  # fmt: skip
    return json.loads(r.stdout)


def _compile_child(cache: str) -> dict[str, float]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", _COMPILE_CHILD, ARM], cwd=ROOT, env=env,
                       capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(r.stdout)


def item_compile(quick: bool) -> dict[str, Any]:
    """First-compile cost of the kernels: a cold cache against the same cache warm."""
    with tempfile.TemporaryDirectory(prefix="clustersim-numba-") as cache:
        cold = _compile_child(cache)
        warm = [_compile_child(cache) for _ in range(1 if quick else 3)]
    warm_total = statistics.median(w["import_s"] + w["first_run_s"] for w in warm)
    cold_total = cold["import_s"] + cold["first_run_s"]
    return {
        "cold": cold,
        "warm": warm,
        "compile_s": cold_total - warm_total,
        "warm_import_and_first_run_s": warm_total,
    }


def item_baseline(quick: bool) -> dict[str, Any]:
    """CPU ms per run of this tree beside :data:`BASELINE_REV`, interleaved child processes."""
    from benchmarks.profile_run import compare

    seeds, rounds = (3, 1) if quick else (5, 3)
    try:
        out = compare(BASELINE_REV, ARM, seeds, rounds)
    except (OSError, subprocess.CalledProcessError) as exc:  # no git, or a shallow clone
        return {"skipped": f"not measured: {BASELINE_REV} not available ({exc})"}
    before = statistics.median(out[BASELINE_REV])
    after = statistics.median(out["this tree"])
    block = statistics.median(block_cpu_ms(ARM, BLOCK_SIZE, 1 if quick else 3))
    return {
        "rev": BASELINE_REV,
        "arm": ARM,
        "runs_each": seeds * rounds,
        "before_ms": before,
        "after_ms": after,
        "ratio": before / after,
        "issue_figure_ms": ISSUE_RUN_MS,
        "ratio_to_issue_figure": ISSUE_RUN_MS / after,
        "block_size": BLOCK_SIZE,
        "block_ms": block,
        "block_ratio": before / block,
        "block_ratio_to_issue_figure": ISSUE_RUN_MS / block,
    }


def item_page(quick: bool) -> dict[str, Any]:
    """The page's paired estimate (20 pairs: in process, and as the page runs it, cold and warm)
    and live play: model vs drawing per quarter."""
    import pandas as pd

    from sim.app.chart_png import png
    from sim.app.live import LivePair, default_scenario_file
    from sim.app.session import estimate
    from sim.report import charts
    from sim.scenario.files import default_scenario
    from sim.scenario.loader import scenario_hash
    from sim.scenario.schema import ARM_DE_FACTO

    sc = default_scenario()
    estimate(sc, ARM, 1)  # warm: imports and compiled kernels loaded
    times = []
    for _ in range(1 if quick else 3):
        t = time.perf_counter()
        estimate(sc, ARM, 20)
        times.append(time.perf_counter() - t)
    pair = LivePair(default_scenario_file(), ARM)
    r = pair.spec.registry
    info = charts.SourceInfo(pair.spec.scenario.name, scenario_hash(pair.spec), 1)
    quarters = 10 if quick else 40
    model_s = draw_s = 0.0
    for _ in range(quarters):
        t = time.perf_counter()
        pair.step()
        model_s += time.perf_counter() - t
        t = time.perf_counter()
        frame = pair.outcomes_frame()
        png(charts.timeline_chart, frame, lang="ru", arms=[ARM_DE_FACTO, pair.regime], info=info,
            min_industrial_participants=r.min_industrial_participants.value,
            fd_default=r.functional_dependence_default.value,
            fd_reduced=r.functional_dependence_reduced.value)  # fmt: skip
        runs = pd.DataFrame([{"point": 0, "replicate": pair.replicate, "arm": pair.regime,
                              "registered_quarter": pair.registered_quarter}])  # fmt: skip
        png(charts.fan_chart, frame, "output", pair.regime, lang="ru", runs=runs, info=info)
        draw_s += time.perf_counter() - t
    return {
        "estimate_20_pairs_s": statistics.median(times),
        "estimate_runs": 40,
        **_page_job_child(1 if quick else 3),
        "live_quarters": quarters,
        "live_model_ms_per_quarter": 1e3 * model_s / quarters,
        "live_draw_ms_per_quarter": 1e3 * draw_s / quarters,
    }
