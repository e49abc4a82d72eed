"""The page's estimate split across worker processes, and its cache of de-facto runs.

Real worker processes (:mod:`sim.app.jobs`), no mocks: the split estimate must equal
:func:`sim.app.session.estimate` exactly (the run results, the outcome frame, the effect
cards), with and without the de-facto runs cached; the premise of the cache (the de-facto runs
do not depend on a regime's levers, but do on the world) is checked on real runs; cancel ends
every worker of an estimate; an error or a death in one part ends the estimate.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.api import results_frame, run_pairs
from sim.app import jobs
from sim.app import state as app_state
from sim.app.live import default_scenario_file
from sim.app.session import (
    de_facto_key,
    effect_cards,
    estimate,
    estimate_part,
    levers,
    with_levels,
)
from sim.run.results import RunKey, RunResult
from sim.scenario import apply_overrides, load_scenario
from sim.scenario.files import default_scenario
from sim.scenario.schema import ARM_DE_FACTO

ROOT = Path(__file__).resolve().parents[1]
REGIME = "cluster_support_2020s"
RATE = f"regimes.{REGIME}.joint_project_subsidy.rate"
SEED = 11


@pytest.fixture(scope="module")
def sc():
    """The default scenario over 8 quarters (the page's scenario, quick)."""
    return apply_overrides(default_scenario(), {"scenario.horizon_quarters": 8})


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    jobs.de_facto_cache.clear()
    yield
    jobs.de_facto_cache.clear()
    for job in jobs.running():
        job.cancel()
    with jobs._lock:
        prefetches = list(jobs._prefetches.values())
    for job in prefetches:
        job.cancel()
    _wait_until(lambda: jobs.prefetching() == 0, 30, "the prefetches to end")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a living process (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _nice(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except (OSError, IndexError, ValueError):
        return None


def _wait_until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := pred()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return value


def _same_outcomes(xs: list[RunResult], ys: list[RunResult]) -> bool:
    return all(np.array_equal(x.outcomes, y.outcomes) for x, y in zip(xs, ys, strict=True))


def _assert_same(out: jobs.EstimateOutcome, sc, regime: str, n: int, seed: int) -> None:
    """The job's outcome is exactly :func:`estimate` and :func:`effect_cards` in this process."""
    df, results = estimate(sc, regime, n, seed)
    assert [r.key for r in out.results] == [r.key for r in results]
    for mine, theirs in zip(out.results, results, strict=True):
        assert mine.seed == theirs.seed and mine.status == theirs.status == "completed"
        assert np.array_equal(mine.outcomes, theirs.outcomes)
        assert mine.registered_quarter == theirs.registered_quarter
    assert_frame_equal(out.df, df, check_exact=True)
    assert_frame_equal(pd.DataFrame(out.cards), pd.DataFrame(effect_cards(df, sc, regime)),
                       check_exact=True)  # fmt: skip


def test_split_estimate_equals_the_api(sc) -> None:
    """Two workers, contiguous blocks, run_pairs's seeds and order: the same numbers."""
    n = 7
    job = jobs.start_estimate("split", sc, REGIME, n, SEED)
    assert len(job.pids) == jobs.parts_for(n) == min(2, os.cpu_count() or 1)
    assert os.getpid() not in job.pids and not job.cached and job.total == 2 * n
    seen: list[tuple[int, int]] = []
    out = job.wait(progress=lambda d, t: seen.append((d, t)), poll_seconds=0.01)
    assert seen and {t for _, t in seen} == {2 * n} and seen[-1] == (2 * n, 2 * n)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # the sum over the parts
    _assert_same(out, sc, REGIME, n, SEED)
    assert not any(map(_alive, job.pids)) and jobs.running() == []
    assert jobs.parts_for(jobs.SPLIT_MIN_REPLICATIONS - 1) == 1  # a tiny N: one process


def test_parts_are_blocks_of_run_pairs(sc) -> None:
    """estimate_part: a block's runs are run_pairs's runs of those replicates, in order."""
    arms = [ARM_DE_FACTO, REGIME]
    whole = run_pairs(sc, replications=5, seed=SEED, arms=arms)
    assert [(r.key.replicate, r.key.arm) for r in whole] == [(r, a) for r in range(5) for a in arms]
    parts = estimate_part(sc, arms, range(0, 2), 5, SEED) + estimate_part(sc, arms, range(2, 5),
                                                                          5, SEED)  # fmt: skip
    assert [r.key for r in parts] == [r.key for r in whole]
    assert all(np.array_equal(a.outcomes, b.outcomes) for a, b in zip(parts, whole, strict=True))
    with pytest.raises(ValueError, match="not a block"):
        estimate_part(sc, arms, range(4, 6), 5, SEED)


def test_de_facto_runs_do_not_depend_on_the_levers(sc) -> None:
    """The cache's premise: de facto is the same for two settings of the regime's levers (and
    their keys are equal), and differs when a world parameter changes (and so does the key)."""
    moved = with_levels(sc, {RATE: 0.05})
    world = apply_overrides(sc, {"market.demand_growth_per_year": 0.10})
    assert moved.regimes[REGIME] != sc.regimes[REGIME]

    def de_facto(s) -> list[RunResult]:
        return run_pairs(s, replications=3, seed=SEED, arms=[ARM_DE_FACTO])

    def regime(s) -> list[RunResult]:
        return run_pairs(s, replications=3, seed=SEED, arms=[REGIME])

    base = de_facto(sc)
    assert _same_outcomes(base, de_facto(moved))
    assert de_facto_key(sc, 3, SEED) == de_facto_key(moved, 3, SEED)
    assert not _same_outcomes(regime(sc), regime(moved))  # the lever does move the regime
    assert not _same_outcomes(base, de_facto(world))
    assert de_facto_key(world, 3, SEED) != de_facto_key(sc, 3, SEED)
    for other in (
        de_facto_key(sc, 4, SEED),
        de_facto_key(sc, 3, SEED + 1),
        de_facto_key(apply_overrides(sc, {"scenario.horizon_quarters": 9}), 3, SEED),
    ):
        assert other != de_facto_key(sc, 3, SEED)  # N, the root seed, the horizon


def test_cache_hit_runs_only_the_regime(sc) -> None:
    """After a lever moves, the workers run N runs (the regime's); the result is still exact."""
    n = 6
    cold = jobs.start_estimate("cache", sc, REGIME, n, SEED)
    assert not cold.cached and cold.total == 2 * n
    _assert_same(cold.wait(), sc, REGIME, n, SEED)
    assert len(jobs.de_facto_cache) == 1

    moved = with_levels(sc, {RATE: 0.05})
    warm = jobs.start_estimate("cache", moved, REGIME, n, SEED)
    assert warm.cached and warm.total == n
    seen: list[tuple[int, int]] = []
    out = warm.wait(progress=lambda d, t: seen.append((d, t)), poll_seconds=0.01)
    assert seen[-1] == (n, n) and {t for _, t in seen} == {n}
    assert sum(r.key.arm == REGIME for r in out.results) == n
    _assert_same(out, moved, REGIME, n, SEED)

    # another world, another N or another seed: a miss, both arms run
    world = apply_overrides(sc, {"market.demand_growth_per_year": 0.10})
    for s, reps, seed in ((world, n, SEED), (sc, n + 1, SEED), (sc, n, SEED + 1)):
        job = jobs.start_estimate("cache", s, REGIME, reps, seed)
        assert not job.cached and job.total == 2 * reps
        job.cancel()

    # the cache is an LRU of DE_FACTO_CACHE_SIZE entries
    cache = jobs.DeFactoCache(size=2)
    cache.put("a", out.results[:2])
    cache.put("b", [])
    assert cache.get("a") is not None  # "a" used last: "b" goes first
    cache.put("c", [])
    assert cache.get("b") is None and len(cache) == 2
    first, second = cache.get("a"), cache.get("a")
    assert first is not None and second is not None and first[0] is not second[0]  # copies
    cache.clear()
    assert len(cache) == 0


def test_cancel_kills_every_worker(sc) -> None:
    """Cancel, a session's end and a newer estimate end both workers at once."""
    slow = apply_overrides(sc, {"scenario.horizon_quarters": 80})
    job = jobs.start_estimate("cancel", slow, REGIME, 200)
    pids = job.pids
    assert len(pids) == jobs.parts_for(200) and all(map(_alive, pids))
    assert len(jobs.running()) == 1  # an estimate counts once, however many processes
    for pid in pids:  # nice 10 each (the 19th field of /proc/PID/stat); a worker sets it as
        # it starts, which took over 5 s once on a machine at load 9
        _wait_until(
            lambda p=pid: _nice(p) == jobs.WORKER_NICE, 30, "the worker to lower its priority"
        )
    job.cancel()
    with pytest.raises(jobs.EstimateCancelledError):
        job.wait()
    _wait_until(lambda: not any(map(_alive, pids)), 5, "both workers to end")
    assert jobs.running() == []

    job = jobs.start_estimate("cancel", slow, REGIME, 200)
    assert jobs.cancel_owner("cancel") == 1
    with pytest.raises(jobs.EstimateCancelledError):
        job.wait()
    _wait_until(lambda: not any(map(_alive, job.pids)), 5, "the session's workers to end")


def test_an_error_in_a_part_ends_the_estimate(sc) -> None:
    """A part that fails raises its error from wait(); the other part is killed."""
    slow = apply_overrides(sc, {"scenario.horizon_quarters": 80})
    job = jobs.EstimateJob("error", slow, REGIME, 200, None)
    # the second part asks for replicates outside the estimate: estimate_part refuses them in
    # its worker while the first part is still running its 100 pairs
    job._parts[-1] = ("part", slow, [ARM_DE_FACTO, REGIME], range(300, 310), 200, None)
    job._start()
    pids = job.pids
    with pytest.raises(ValueError, match="not a block"):
        job.wait()
    _wait_until(lambda: not any(map(_alive, pids)), 5, "every worker to end")

    # a root seed the seed sequence refuses: every part fails with the same error
    with pytest.raises(ValueError):
        jobs.start_estimate("error", sc, REGIME, 6, -1).wait()


def test_a_part_that_dies_ends_the_estimate(sc) -> None:
    """kill -9 of one worker: wait() says so and the other worker is killed."""
    slow = apply_overrides(sc, {"scenario.horizon_quarters": 80})
    job = jobs.start_estimate("dies", slow, REGIME, 200)
    pids = job.pids
    if len(pids) < 2:
        pytest.skip("one CPU: the estimate is not split")
    os.kill(pids[-1], signal.SIGKILL)
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        job.wait()
    _wait_until(lambda: not any(map(_alive, pids)), 5, "the other worker to end")
    assert jobs.running() == []


def test_results_frame_is_one_frame_per_run_concatenated(sc) -> None:
    """The column-by-column results_frame equals its definition, failed runs and points too."""
    results = run_pairs(sc, replications=2, seed=SEED, arms=[ARM_DE_FACTO, REGIME])
    failed = RunResult(key=RunKey(0, 9, REGIME), seed=1, status="failed", error="boom")
    other = RunResult(key=RunKey(3, 1, ARM_DE_FACTO), seed=2, status="completed",
                      outcomes=results[0].outcomes[:5].copy())  # fmt: skip
    mixed = [results[1], failed, other, *results]
    frames = []
    for r in mixed:
        if r.status != "completed":
            continue
        f = pd.DataFrame(r.outcomes, columns=list(results_frame(results).columns[4:]))
        f.insert(0, "quarter", np.arange(1, len(f) + 1))
        f.insert(0, "arm", r.key.arm)
        f.insert(0, "replicate", r.key.replicate)
        f.insert(0, "point", r.key.point)
        frames.append(f)
    assert_frame_equal(results_frame(mixed), pd.concat(frames, ignore_index=True),
                       check_exact=True)  # fmt: skip
    assert results_frame([failed]).empty


def test_every_lever_of_a_shipped_scenario_leaves_the_key() -> None:
    """On a shipped scenario file, none of the page's levers changes the de-facto key."""
    sc = load_scenario(ROOT / "scenarios" / "astrakhan_shipbuilding.toml")
    for regime in sc.regimes:
        for lever in levers(sc, regime):
            moved = with_levels(sc, {lever.key: lever.max})
            assert moved != sc or float(lever.param.value) == lever.max
            assert de_facto_key(moved, 20) == de_facto_key(sc, 20), lever.key


def _prefetched(sc, n: int) -> bool:
    return jobs.de_facto_cache.get(de_facto_key(sc, n, SEED)) is not None


def test_prefetch_fills_the_cache_so_the_first_estimate_runs_only_the_regime(sc) -> None:
    """The page prefetches de facto when a scenario opens: the first estimate is a cache hit,
    with exactly the numbers of estimate()."""
    n = 6
    assert jobs.prefetch_de_facto(sc, n, SEED)
    assert not jobs.prefetch_de_facto(sc, n, SEED)  # already running: not twice
    assert jobs.running() == []  # it counts against no session's estimate limit
    _wait_until(lambda: _prefetched(sc, n) and jobs.prefetching() == 0, 120, "the prefetch")
    assert not jobs.prefetch_de_facto(sc, n, SEED)  # cached: nothing to do
    moved = with_levels(sc, {RATE: 0.05})  # levers moved after the page opened
    job = jobs.start_estimate("first", moved, REGIME, n, SEED)
    assert job.cached and job.total == n
    _assert_same(job.wait(), moved, REGIME, n, SEED)


def test_an_estimate_started_during_the_prefetch_ends_it_and_runs_de_facto_itself(sc) -> None:
    n = 40  # long enough to be running still when the estimate starts
    assert jobs.prefetch_de_facto(sc, n, SEED)
    prefetch = next(iter(jobs._prefetches.values()))
    pids = _wait_until(lambda: prefetch.pids, 30, "the prefetch's workers")
    job = jobs.start_estimate("eager", sc, REGIME, n, SEED)
    assert not job.cached and job.total == 2 * n
    _wait_until(lambda: not any(map(_alive, pids)), 30, "the prefetch's workers to end")
    out = job.wait()
    _assert_same(out, sc, REGIME, n, SEED)
    _wait_until(lambda: jobs.prefetching() == 0, 30, "the prefetch thread")
    assert _prefetched(sc, n)  # the estimate's own de-facto runs


def test_no_prefetch_outside_the_pages_bounds(sc) -> None:
    assert not jobs.prefetch_de_facto(sc, 10**6, SEED)
    assert jobs.prefetching() == 0


def test_a_new_pair_on_the_page_prefetches_unless_turned_off(monkeypatch) -> None:
    """state.new_pair (a scenario opened, levels applied) starts the prefetch; 0 turns it off."""
    file = default_scenario_file()
    monkeypatch.setenv(jobs.PREFETCH_ENV, "0")
    app_state.new_pair(file, REGIME, horizon_quarters=8)
    assert jobs.prefetching() == 0
    monkeypatch.setenv(jobs.PREFETCH_ENV, "1")
    app_state.new_pair(file, REGIME, horizon_quarters=8)
    m = app_state.model_r.value
    key = de_facto_key(m.spec, app_state.reps_r.value, m.spec.experiment.seed)
    _wait_until(lambda: jobs.de_facto_cache.get(key) is not None, 120, "the page's prefetch")
