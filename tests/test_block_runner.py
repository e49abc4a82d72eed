"""Workers step a chunk's runs together as blocks: the same results as runs made one by one."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sim.model.mechanisms import demography
from sim.run.results import RunKey
from sim.run.runner import BLOCK_RUNS, CHUNKS_PER_WORKER, chunk_runs
from sim.run.tasks import RunTask, execute_chunk, execute_task, run_models
from sim.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def short():
    sc = load_scenario(ROOT / "scenarios" / "astrakhan_shipbuilding.toml")
    return apply_overrides(sc, {"scenario.horizon_quarters": 8}, source="test")


def _same(a, b) -> None:
    assert (a.key, a.seed, a.status, a.registered_quarter) == (
        b.key, b.seed, b.status, b.registered_quarter)  # fmt: skip
    assert a.outcomes.tobytes() == b.outcomes.tobytes()
    if a.network is None:
        assert b.network is None
    else:
        for x, y in zip(a.network, b.network, strict=True):
            assert x.equals(y)


def test_a_chunk_equals_its_runs_made_one_by_one(short):
    other = apply_overrides(short, {"market.price_sensitivity": 2.5}, source="test")
    tasks = [RunTask(sc, RunKey(p, r, arm), 100 * p + r)
             for p, sc in enumerate((short, other)) for r in range(2)
             for arm in ("de_facto", "cluster_support_2020s", "placebo")]  # fmt: skip
    got = execute_chunk(tasks)
    assert [r.key for r in got] == [t.key for t in tasks]  # task order
    for r, t in zip(got, tasks, strict=True):
        _same(r, execute_task(t))
    assert sum(r.network is not None for r in got) == 6  # replicate 0 of each point and arm
    assert all(r.extra["cpu_seconds"] > 0 and r.wall_seconds > 0 for r in got)


def test_runs_of_different_horizons_go_in_blocks_of_their_own(short):
    longer = apply_overrides(short, {"scenario.horizon_quarters": 10}, source="test")
    tasks = [RunTask(short, RunKey(0, 0, "de_facto"), 1),
             RunTask(longer, RunKey(1, 0, "de_facto"), 1),
             RunTask(short, RunKey(0, 1, "de_facto"), 2)]  # fmt: skip
    made = run_models(tasks)
    assert [m.model.state.quarter for m in made] == [8, 10, 8]
    for r, t in zip(execute_chunk(tasks), tasks, strict=True):
        _same(r, execute_task(t))


def test_a_run_failing_mid_block_fails_alone_with_its_own_error(short, monkeypatch):
    bad = apply_overrides(short, {"market.price_sensitivity": 2.5}, source="test")
    real = demography.entry_exit_block

    def entry_exit_block(states, populations, rngs):
        if any(st.spec is bad and st.quarter == 4 for st in states):
            raise RuntimeError("injected failure in quarter 4")
        return real(states, populations, rngs)

    tasks = [RunTask(short, RunKey(0, 0, "de_facto"), 1),
             RunTask(bad, RunKey(1, 0, "de_facto"), 1),
             RunTask(short, RunKey(0, 0, "placebo"), 1)]  # fmt: skip
    clean = [execute_task(t) for t in (tasks[0], tasks[2])]
    monkeypatch.setattr(demography, "entry_exit_block", entry_exit_block)
    got = execute_chunk(tasks)
    assert [r.status for r in got] == ["completed", "failed", "completed"]
    assert got[1].outcomes is None
    assert got[1].error.startswith("RuntimeError: injected failure in quarter 4 at ")
    for r, c in zip((got[0], got[2]), clean, strict=True):
        _same(r, c)
    np.testing.assert_array_equal(got[0].outcomes, got[2].outcomes)  # placebo = de facto


@pytest.mark.parametrize(("runs", "arms", "workers"),
                         [(51_200, 2, 2), (10_000, 6, 2), (40, 2, 2), (18, 6, 2), (7, 7, 8),
                          (600, 6, None), (50, 5, 1)])  # fmt: skip
def test_chunks_hold_whole_groups_up_to_a_block_and_feed_every_worker(runs, arms, workers):
    size = chunk_runs(runs, arms, workers)
    assert size % arms == 0 and arms <= size <= max(arms, BLOCK_RUNS)
    chunks = -(-runs // size)
    if size > arms:  # larger chunks only while every worker still gets its share of chunks
        assert chunks >= CHUNKS_PER_WORKER * (workers or os.cpu_count())
    if runs >= BLOCK_RUNS * CHUNKS_PER_WORKER * (workers or os.cpu_count()) * 2:
        assert size > BLOCK_RUNS - arms  # long sweeps get full blocks


def test_in_this_process_a_chunk_is_a_whole_block():
    # No worker waits for a chunk when they run one after the other (the local executor).
    assert chunk_runs(40, 2, None, spread=False) == BLOCK_RUNS
    assert chunk_runs(40, 6, None, spread=False) == 30
    assert chunk_runs(40, 64, None, spread=False) == 64  # a group is never split
