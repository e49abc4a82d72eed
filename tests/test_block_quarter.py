"""The quarter's start and end for a block of runs (issue 17): one call for every run."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from sim.model import streams
from sim.model.block import ModelBlock
from sim.model.mechanisms.record import record_outcomes
from sim.model.model import _FLOWS_OF_CLOSED, ClusterModel, _close_exited
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.state import FirmArrays, State
from sim.model.streams import QuarterStreams, next_quarters
from sim.run.seeds import replicate_seeds
from sim.scenario.files import default_scenario

NAMES = ("market", "membership", "matching", "projects", "qualification", "entry")
#: Parents of different prefix lengths (short and long entropy, spawn keys) and one generator
#: of another kind (it spawns), streamed together.
PARENTS = (
    lambda: np.random.default_rng(0),
    lambda: np.random.default_rng(2**70 + 3),
    lambda: np.random.default_rng(np.random.SeedSequence(7).spawn(3)[2]),
    lambda: np.random.Generator(np.random.MT19937(5)),
    lambda: np.random.default_rng(np.random.SeedSequence(11, spawn_key=(2**33, 5))),
)


def _same_streams(expected: list[np.random.Generator], got: dict) -> None:
    assert list(got) == list(NAMES)
    for a, name in zip(expected, NAMES, strict=True):
        b = got[name]
        if isinstance(a.bit_generator, np.random.PCG64):
            assert a.bit_generator.state == b.bit_generator.state
        assert np.array_equal(a.random(3), b.random(3))
        assert np.array_equal(a.integers(0, 2**40, 2), b.integers(0, 2**40, 2))
        assert np.array_equal(a.normal(size=3), b.normal(size=3))
        # a buffered 32-bit half, which next quarter's loading must clear
        assert a.integers(0, 99, dtype=np.uint32) == b.integers(0, 99, dtype=np.uint32)


@pytest.mark.parametrize("direct", [True, False], ids=["into-memory", "state-setter"])
def test_a_block_of_streams_equals_each_runs_spawn(monkeypatch, direct: bool) -> None:
    if not direct:  # the fallback for another memory layout: NumPy's state setter
        monkeypatch.setattr(streams, "_DIRECT", False)
    else:
        QuarterStreams(np.random.default_rng(1), NAMES)  # the probe has run
        assert streams._DIRECT  # the test has teeth: this platform writes into memory
    references = [make() for make in PARENTS]
    block = [QuarterStreams(make(), NAMES) for make in PARENTS]
    for _quarter in range(5):
        got = next_quarters(block)
        for ref, run in zip(references, got, strict=True):
            _same_streams(ref.spawn(len(NAMES)), run)


def test_close_exited_zeroes_each_runs_own_exits_only() -> None:
    sc = default_scenario()
    block = ModelBlock.of_seeds(sc, "de_facto", replicate_seeds(4, 3))
    for m in block.models:
        for name in _FLOWS_OF_CLOSED:
            getattr(m.firms, name)[: m.firms.n] = 1.0
    exits = [np.array([2, 5]), np.zeros(0, dtype=np.int64), np.array([0])]
    for m, e in zip(block.models, exits, strict=True):
        m.state.exited = e
    _close_exited(block.models)
    for m, e in zip(block.models, exits, strict=True):
        for name in _FLOWS_OF_CLOSED:
            col = getattr(m.firms, name)[: m.firms.n]
            want = np.ones(m.firms.n)
            want[e] = 0.0
            np.testing.assert_array_equal(col, want)
        assert m.state.exited.size == 0


def _standalone_copy(state: State) -> State:
    """The same state on firm columns of its own (not a block's row)."""
    f = state.firms
    own = FirmArrays(f.n)
    own.add(f.n)
    for name in (
        "alive",
        "participant",
        "last_contract_quarter",
        "productivity",
        "employment",
        "capacity",
        "order_book",
        "role",
        "purchases",
        "purchases_from_participants",
    ):
        getattr(own, name)[: f.n] = getattr(f, name)[: f.n]  # fmt: skip
    copy = State(state.spec, f.n, own)
    copy.quarter, copy.agglo_base = state.quarter, state.agglo_base
    return copy


def test_queries_of_a_block_row_equal_those_of_columns_of_their_own() -> None:
    sc = default_scenario()
    block = ModelBlock.of_seeds(sc, "cluster_support_2020s", replicate_seeds(9, 2))
    for _ in range(12):
        block.step()
    for m in block.models:
        st, alone = m.state, _standalone_copy(m.state)
        n = st.firms.n
        np.testing.assert_array_equal(st.roster(), alone.roster())
        assert st.roster().shape == (n,)
        assert st.functional_dependence() == alone.functional_dependence()
        for query in ("delivery", "free_capacity"):
            full = getattr(st, query)()
            assert full.tobytes() == getattr(alone, query)().tobytes()
            mask = np.arange(n) % 3 == 0
            for idx in (slice(2, 9), mask, np.array([4, 0, 7])):
                np.testing.assert_array_equal(getattr(st, query)(idx), full[idx])


def test_recorded_rows_are_record_outcomes_in_catalogue_order() -> None:
    sc = default_scenario()
    m = ClusterModel(sc, "cluster_support_2020s", rng=5)
    m.run_for(6)
    row = record_outcomes(m.state, m.government)  # the quarter just recorded, again
    want = np.array([row[name] for name in OUTCOME_NAMES])
    assert m.outcomes[5].tobytes() == want.tobytes()


def test_a_lone_runs_step_is_a_block_of_one() -> None:
    sc = default_scenario()
    seeds = replicate_seeds(2, 2)
    block = ModelBlock.of_seeds(sc, "loans_only", seeds)
    lone = [ClusterModel(sc, "loans_only", rng=s) for s in seeds]
    for _ in range(8):
        block.step()
        for m in lone:
            m.step()
    for a, b in zip(block.models, lone, strict=True):
        assert a.outcomes.tobytes() == b.outcomes.tobytes()
        assert a.running == b.running


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copied_streams_load_their_own_generators(how: str) -> None:
    # The streams write each quarter's states straight into their generators' memory: a copy
    # must write into its own generators, never into the original's.
    reference = np.random.default_rng(8)
    original = QuarterStreams(np.random.default_rng(8), NAMES)
    for _ in range(3):
        reference.spawn(len(NAMES))
        original.next_quarter()
    twin = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    assert not set(twin._core.tolist()) & set(original._core.tolist())
    before = [g.bit_generator.state for g in original._generators]
    expected = reference.spawn(len(NAMES))
    again = copy.deepcopy(expected)
    _same_streams(expected, twin.next_quarter())
    assert [g.bit_generator.state for g in original._generators] == before
    _same_streams(again, original.next_quarter())
