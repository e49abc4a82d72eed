"""The execution loop: seeds, failed runs, crashed workers (real process pools, no mocks)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pytest

from sim.run.results import RunKey
from sim.run.runner import run_tasks
from sim.run.seeds import replicate_seeds
from sim.run.tasks import RunTask, execute_chunk, execute_task
from sim.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def short():
    sc = load_scenario(ROOT / "scenarios" / "astrakhan_shipbuilding.toml")
    return apply_overrides(sc, {"scenario.horizon_quarters": 6}, source="test")


def test_replicate_seeds_are_distinct_and_reproducible():
    a = replicate_seeds(123, 500)
    assert len(set(a)) == 500
    assert a == replicate_seeds(123, 500)
    assert a[:10] == replicate_seeds(123, 10)  # spawning more keeps the first ones
    assert set(a).isdisjoint(replicate_seeds(124, 500))
    assert all(0 <= s < 2**63 for s in a)


def test_a_run_that_raises_is_returned_as_failed_with_its_error(short):
    bad = execute_task(RunTask(short, RunKey(0, 0, "nope"), 1))
    assert bad.status == "failed" and bad.outcomes is None
    assert "unknown arm 'nope'" in bad.error


def test_failed_runs_do_not_stop_the_others(short):
    tasks = [
        RunTask(short, RunKey(0, r, arm), 10 + r) for r in range(3) for arm in ("de_facto", "nope")
    ]
    got = []
    counts = run_tasks(tasks, executor="processes", workers=2, chunk_size=2, on_results=got.extend)
    assert counts == {"completed": 3, "failed": 3}
    assert {r.key.arm for r in got if r.status == "failed"} == {"nope"}


def crash_once(marker, tasks):
    """Kill the worker process the first time it gets replicate 1 (marker file records it)."""
    marker = Path(marker)
    if any(t.key.replicate == 1 for t in tasks) and not marker.exists():
        marker.write_text("crashed")
        os._exit(1)
    return execute_chunk(tasks)


def crash_always(tasks):
    """Kill the worker process every time it gets replicate 1."""
    if any(t.key.replicate == 1 for t in tasks):
        os._exit(1)
    return execute_chunk(tasks)


def _tasks(sc, reps=4):
    seeds = replicate_seeds(5, reps)
    return [RunTask(sc, RunKey(0, r, arm), seeds[r]) for r in range(reps) for arm in sc.arms[:2]]


def test_crashed_worker_is_replaced_and_its_runs_retried_once(short, tmp_path):
    got = []
    counts = run_tasks(
        _tasks(short),
        executor="processes",
        workers=2,
        chunk_size=2,
        on_results=got.extend,
        chunk_fn=functools.partial(crash_once, str(tmp_path / "marker")),
    )
    assert (tmp_path / "marker").exists()  # the worker really died once
    assert counts == {"completed": 8, "failed": 0}
    keys = [r.key for r in got]
    assert len(keys) == len(set(keys)) == 8
    # The retried runs equal the runs made without any crash.
    clean = []
    run_tasks(_tasks(short), executor="local", chunk_size=2, on_results=clean.extend)
    by_key = {r.key: r.outcomes for r in clean}
    for r in got:
        np.testing.assert_array_equal(r.outcomes, by_key[r.key])


def test_a_run_that_kills_its_worker_twice_is_stored_as_failed(short):
    got = []
    counts = run_tasks(
        _tasks(short),
        executor="processes",
        workers=2,
        chunk_size=2,
        on_results=got.extend,
        chunk_fn=crash_always,
    )
    assert counts == {"completed": 6, "failed": 2}
    failed = [r for r in got if r.status == "failed"]
    assert {r.key.replicate for r in failed} == {1}
    assert all("worker died twice" in r.error for r in failed)


def test_compare_with_a_single_replication_has_empty_intervals(short):
    import sim
    from sim.analysis import compare

    df = sim.simulate(short, replications=1, arms=["de_facto", "decree41_full"])
    table = compare(df, outcomes=["output"], discount_rate=0.08)
    assert len(table) == 1
    assert np.isnan(table.loc[0, "output_pct_ci_low"])
    assert np.isfinite(table.loc[0, "output_pct"])
