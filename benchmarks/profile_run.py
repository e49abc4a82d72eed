"""Where one Astrakhan run's time goes (issue 17 groundwork).

``python -m benchmarks.profile_run [--seeds 10] [--arm cluster_support_2020s] [--top 15]
[--block 1] [--firms N] [--baseline REV]``

Prints, for the shipped Astrakhan scenario (40 quarters, one arm; with ``--firms N`` scaled to
about N firms by :func:`sim.scenario.scaling.scale_scenario`, as benchmark item 1 does):

1. CPU ms per run (``time.process_time``), median of ``--seeds`` seeds, no profiler attached;
2. CPU per stage of the quarter (docs/model.md 3: the stages of ``sim.model.model.QUARTER``,
   and the quarter's start and end), timed around each stage (no profiler), as ms per run and
   share of the run; ``--block N`` steps the runs in blocks of N (as a sweep's workers do);
   then, in a second pass over the same runs, how much of each stage is spent inside the
   compiled kernels (every numba dispatcher a ``sim`` module calls from Python, timed around
   the call, dispatch included) and how much in Python around them;
3. a cProfile of the same runs: self time per ``sim/model`` module, the top functions by self
   and by cumulative time, Python-visible numpy calls per quarter, and the Mesa part (agent
   creation and removal, AgentSet and event machinery: everything in Mesa's files).

With ``--baseline REV`` it first measures CPU ms per run of the tree at git revision ``REV``
(exported with ``git archive`` to a temporary directory) and of this tree, each in fresh child
processes, interleaved over 3 rounds, and prints the ratio (REV / this tree).

Every figure is measured in this one run of the script; the profiler's overhead inflates the
cProfile times (compare shares, not absolute figures, with section 1).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sim.model import ClusterModel
from sim.model.block import ModelBlock
from sim.model.model import QUARTER, begin_quarters, end_quarters
from sim.scenario.files import default_scenario

CLOCK = time.process_time
ROOT = Path(__file__).resolve().parents[1]
_CHILD = """
import json, sys, time
import sim
from sim.model import ClusterModel
from sim.scenario.files import default_scenario
sc = default_scenario()
ClusterModel(sc, arm=sys.argv[1], rng=10_000).run()
ms = []
for seed in range(int(sys.argv[2])):
    t = time.process_time()
    ClusterModel(sc, arm=sys.argv[1], rng=seed).run()
    ms.append((time.process_time() - t) * 1e3)
print(json.dumps({"ms": ms, "sim": sim.__file__}))
"""


#: Firms to scale the scenario to (``--firms``); None: the shipped scenario.
FIRMS: int | None = None


def scenario() -> Any:
    """The scenario measured: the shipped one, or scaled to :data:`FIRMS` firms."""
    if FIRMS is None:
        return default_scenario()
    from sim.scenario.scaling import scale_scenario

    return scale_scenario(default_scenario(), FIRMS)


def one_run(arm: str, seed: int) -> float:
    """CPU seconds of one 40-quarter run (model construction included)."""
    sc = scenario()
    t = CLOCK()
    ClusterModel(sc, arm=arm, rng=seed).run()
    return CLOCK() - t


def run_cpu_ms(arm: str, seeds: int) -> list[float]:
    """CPU ms per run for seeds ``0 .. seeds-1`` after one warm-up run."""
    one_run(arm, 10_000)
    return [one_run(arm, s) * 1e3 for s in range(seeds)]


def compare(rev: str, arm: str, seeds: int, rounds: int = 3) -> dict[str, list[float]]:
    """CPU ms per run of the tree at ``rev`` and of this tree, child processes interleaved."""
    trees = {}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {f"{rev}": tmp, "this tree": str(ROOT)}
        out: dict[str, list[float]] = {k: [] for k in trees}
        for _ in range(rounds):
            for name, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": tree}
                r = subprocess.run(
                    [sys.executable, "-c", _CHILD, arm, str(seeds)],
                    cwd=tree, env=env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                res = json.loads(r.stdout)
                if not res["sim"].startswith(tree):
                    raise RuntimeError(f"{name}: imported {res['sim']}, not the tree's sim")
                out[name] += res["ms"]
    return out


def stage_times(arm: str, seeds: int, block: int = 1) -> tuple[dict[str, float], float]:
    """CPU ms per run in each stage of ``QUARTER`` and the quarter's start and end, and the
    whole stepping (construction excluded); the runs stepped in blocks of ``block``."""
    spent: dict[str, float] = defaultdict(float)
    sc = scenario()
    seed_list = list(range(seeds))
    total = 0.0
    for lo in range(0, seeds, block):
        models = ModelBlock.of_seeds(sc, arm, seed_list[lo : lo + block]).models
        t0 = CLOCK()
        while models[0].state.quarter < models[0].horizon:
            t = CLOCK()
            rngs = begin_quarters(models)
            spent["start of the quarter"] += CLOCK() - t
            for label, stage in QUARTER:
                t = CLOCK()
                stage(models, rngs)
                spent[label] += CLOCK() - t
            t = CLOCK()
            end_quarters(models)
            spent["end of the quarter (outcomes)"] += CLOCK() - t
        total += CLOCK() - t0
    return {k: v * 1e3 / seeds for k, v in spent.items()}, total * 1e3 / seeds


def _timed_kernels(spent: list[float]) -> list[tuple[Any, str, Any]]:
    """Wrap every numba dispatcher in a ``sim`` module's globals to add its CPU to ``spent[0]``.

    Returns what was replaced, for :func:`_restore`. Calls from one kernel to another are
    compiled in and not seen; a call from Python (what a stage's glue makes) is timed whole,
    numba's dispatch (argument unboxing, result boxing) included.
    """
    from numba.core.registry import CPUDispatcher

    def wrap(kernel: Any) -> Any:
        def timed(*args: Any, **kw: Any) -> Any:
            t = CLOCK()
            try:
                return kernel(*args, **kw)
            finally:
                spent[0] += CLOCK() - t

        return timed

    replaced = []
    for mod in list(sys.modules.values()):
        if not getattr(mod, "__name__", "").startswith("sim."):
            continue
        for name, value in list(vars(mod).items()):
            if isinstance(value, CPUDispatcher):
                replaced.append((mod, name, value))
                setattr(mod, name, wrap(value))
    return replaced


def _restore(replaced: list[tuple[Any, str, Any]]) -> None:
    for mod, name, value in replaced:
        setattr(mod, name, value)


def kernel_times(arm: str, seeds: int, block: int = 1) -> dict[str, float]:
    """CPU ms per run inside compiled kernels, per stage (:func:`stage_times`' labels)."""
    spent: dict[str, float] = defaultdict(float)
    clock = [0.0]
    sc = scenario()
    seed_list = list(range(seeds))
    replaced = _timed_kernels(clock)
    try:
        for lo in range(0, seeds, block):
            models = ModelBlock.of_seeds(sc, arm, seed_list[lo : lo + block]).models
            while models[0].state.quarter < models[0].horizon:
                t = clock[0]
                rngs = begin_quarters(models)
                spent["start of the quarter"] += clock[0] - t
                for label, stage in QUARTER:
                    t = clock[0]
                    stage(models, rngs)
                    spent[label] += clock[0] - t
                t = clock[0]
                end_quarters(models)
                spent["end of the quarter (outcomes)"] += clock[0] - t
    finally:
        _restore(replaced)
    return {k: v * 1e3 / seeds for k, v in spent.items()}


def profile(arm: str, seeds: int) -> pstats.Stats:
    """cProfile of ``seeds`` runs (construction included)."""
    sc = scenario()
    pr = cProfile.Profile()
    pr.enable()
    for seed in range(seeds):
        ClusterModel(sc, arm=arm, rng=seed).run()
    pr.disable()
    return pstats.Stats(pr)


def _short(key: tuple[str, int, str]) -> str:
    file, line, func = key
    if "/sim/" in file:
        return f"sim/{file.split('/sim/', 1)[1]}:{line}({func})"
    if "/mesa/" in file:
        return f"mesa/{file.split('/mesa/', 1)[1]}:{line}({func})"
    if "/numpy/" in file:
        return f"numpy/{file.split('/numpy/', 1)[1]}:{line}({func})"
    return func if file == "~" else f"{file.rsplit('/', 1)[-1]}:{line}({func})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--arm", default="cluster_support_2020s")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--block", type=int, default=1, help="runs per block in the stage table")
    ap.add_argument("--firms", type=int, help="scale the scenario to about this many firms")
    ap.add_argument("--baseline", metavar="REV", help="also measure git revision REV, same run")
    args = ap.parse_args(argv)
    global FIRMS
    FIRMS = args.firms
    if args.firms and args.baseline:
        ap.error("--baseline measures the shipped scenario; leave out --firms")
    quarters = default_scenario().scenario.horizon_quarters

    if args.baseline:
        both = compare(args.baseline, args.arm, args.seeds)
        print(f"Before/after, arm {args.arm}: CPU ms per run, median of 3 interleaved rounds x "
              f"{args.seeds} seeds, fresh child processes")  # fmt: skip
        med = {k: statistics.median(v) for k, v in both.items()}
        for k, v in both.items():
            print(f"  {k:>12s}: median {med[k]:.1f} ms (min {min(v):.1f}, max {max(v):.1f})")
        old, new = med.values()
        print(f"  ratio {args.baseline} / this tree: {old / new:.2f}x\n")

    ms = run_cpu_ms(args.arm, args.seeds)
    size = f", scaled to {args.firms} firms" if args.firms else ""
    print(f"Astrakhan{size}, arm {args.arm}, {quarters} quarters, {args.seeds} seeds")
    print(
        f"CPU ms per run: median {statistics.median(ms):.1f} "
        f"(min {min(ms):.1f}, max {max(ms):.1f})  [time.process_time, no profiler]"
    )

    stages, run_ms = stage_times(args.arm, args.seeds, args.block)
    print(f"\nStages (CPU ms per run, blocks of {args.block}; stepping = {run_ms:.1f} ms, "
          "no construction)")  # fmt: skip
    inside = kernel_times(args.arm, args.seeds, args.block)
    print(f"{'stage':44s} {'ms/run':>8s} {'share':>7s} {'kernels':>8s} {'Python':>8s}")
    for label, v in stages.items():
        k = inside.get(label, 0.0)
        print(f"{label:44s} {v:8.2f} {v / run_ms:7.1%} {k:8.2f} {max(v - k, 0.0):8.2f}")
    k = sum(inside.values())
    print(f"{'all stages':44s} {run_ms:8.2f} {1:7.1%} {k:8.2f} {max(run_ms - k, 0.0):8.2f}")
    print("  kernels: CPU inside the compiled kernels called from Python, dispatch included "
          "(a second pass); Python: the rest of the stage")  # fmt: skip

    st = profile(args.arm, args.seeds)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, dict]] = st.stats  # type: ignore[attr-defined]
    total = st.total_tt  # type: ignore[attr-defined]
    per_module: dict[str, float] = defaultdict(float)
    numpy_calls = 0
    mesa_self = 0.0
    for (file, _line, func), (_, nc, tt, _ct, _) in raw.items():
        if "/sim/" in file:
            per_module["sim/" + file.split("/sim/", 1)[1]] += tt
        elif "/mesa/" in file:
            mesa_self += tt
        else:
            per_module["(numpy, builtins, stdlib)"] += tt
        if "numpy" in file or "numpy" in func:
            numpy_calls += nc
    print(f"\ncProfile of {args.seeds} runs: {total:.2f} s with the profiler")
    print("\nSelf time per module (share of the profiled total)")
    for mod, tt in sorted(per_module.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {mod:52s} {tt / total:7.1%}")
    print(f"  {'mesa (all files)':52s} {mesa_self / total:7.1%}")
    quarters_run = args.seeds * quarters
    print(
        f"\nPython-visible numpy calls (functions/methods in numpy, ufunc.reduce etc.; "
        f"operators on arrays are not counted): {numpy_calls / quarters_run:,.0f} per quarter"
    )
    mesa_keys = {
        "Agent.create_agents": ("mesa/agent.py", "create_agents"),
        "Agent.remove": ("mesa/agent.py", "remove"),
        "Agent.__init__": ("mesa/agent.py", "__init__"),
    }
    print("\nMesa (cumulative, share of the profiled total)")
    for label, (path, fn) in mesa_keys.items():
        ct = sum(v[3] for k, v in raw.items() if k[0].endswith(path) and k[2] == fn)
        nc = sum(v[1] for k, v in raw.items() if k[0].endswith(path) and k[2] == fn)
        print(f"  {label:30s} {nc / args.seeds:8.0f} calls/run {ct / total:7.1%}")
    for title, key in (("self", 2), ("cumulative", 3)):
        print(f"\nTop {args.top} functions by {title} time")
        print(f"  {'calls/run':>10s} {'self':>7s} {'cum':>7s}  function")
        rows = sorted(raw.items(), key=lambda kv: -kv[1][key])
        if key == 3:  # skip the run/step wrappers that hold everything
            rows = [r for r in rows if r[1][3] < 0.95 * total]
        for k, (_, nc, tt, ct, _) in rows[: args.top]:
            print(f"  {nc / args.seeds:10.0f} {tt / total:7.1%} {ct / total:7.1%}  {_short(k)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
