"""Stage 9 (SME entry and exit) as a block stage: each run of a block computed as if alone."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from sim.model.block import ModelBlock
from sim.model.firms import FirmBlock
from sim.model.mechanisms import demography
from sim.model.model import QUARTER, ClusterModel, begin_quarters, end_quarters
from sim.model.state import KIND_SME
from sim.scenario.files import SHIPPED_DIR, default_scenario
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"
#: Every column of the firm table (stage 9 writes those of the entrants, closes the exiting
#: firms and recomputes the unit costs of a run with entrants).
COLUMNS = tuple(FirmBlock(1, 16).tables)


def _varied(k: int) -> Scenario:
    """A design point whose entry and exit parameters (and entrants' draws) differ by ``k``."""
    return apply_overrides(
        default_scenario(),
        {
            "sme_demography.entry_rate_per_year": 0.06 + 0.3 * k,
            "sme_demography.entry_demand_sensitivity": 1.0 + 0.5 * k,
            "sme_demography.exit_after_loss_quarters": 4 - k,
            "firm_groups.2.employment.cv": 0.5 + 0.2 * k,
        },
    )


def _four_trades() -> Scenario:
    """The scenario without its fifth trade (and that trade's SMEs): fewer trades than the rest."""
    data = default_scenario().model_dump()
    data["sourcing"]["trades"] = data["sourcing"]["trades"][:4]
    data["sourcing"]["trades"][3]["purchase_share"] += 0.10  # the shares add up to 1
    data["firm_groups"] = [g for g in data["firm_groups"] if g["trade"] != "design"]
    return Scenario.model_validate(data)


def _run_state(m: ClusterModel) -> list[bytes]:
    """What stage 9 writes of one run: its firm columns, references, exits and agents."""
    st, n = m.state, m.firms.n
    agents = m.population.agents if m.population.has_agents else []
    made = [(a.idx, type(a).__name__, a.group) for a in agents]
    return [
        *(getattr(m.firms, name)[:n].tobytes() for name in COLUMNS),
        st.supplier_cost0[:n].tobytes(),
        st.local_sales0.tobytes(),
        st.sme_count0.tobytes(),
        st.exited.tobytes(),
        repr((n, st.exits_this_quarter, made, len(m.agents))).encode(),
    ]


@pytest.fixture(scope="module")
def mixed_block():
    """A block of arms and design points differing in stage 9, some runs with their agents made.

    ``_varied(0)`` at rate 0 draws no entrants: a run without entrants sits between runs with.
    """
    no_entry = apply_overrides(default_scenario(), {"sme_demography.entry_rate_per_year": 0.0})
    ural = load_scenario(SHIPPED_DIR / "ural_machine_building.toml")
    runs = [
        (_varied(1), ARM, 6),
        (_varied(0), "de_facto", 4),
        (no_entry, ARM, 5),
        (_varied(2), ARM, 6),
        (_varied(1), "loans_only", 8),
        (_four_trades(), ARM, 9),
        (ural, ARM, 10),
        (default_scenario(), "placebo", 3),
    ]
    with_agents = (1, 4)
    block = ModelBlock(runs)
    for row in with_agents:
        assert block.models[row].population.agents  # made before the first quarter
    entrants = np.zeros((len(runs), block.models[0].horizon + 1), dtype=np.int64)
    while block.models[0].running:
        before = [m.firms.n for m in block.models]
        block.step()
        q = block.models[0].state.quarter
        entrants[:, q] = [m.firms.n - b for m, b in zip(block.models, before, strict=True)]
    alone = []
    for row, (scenario, arm, seed) in enumerate(runs):
        m = ClusterModel(scenario, arm, rng=seed)
        if row in with_agents:
            assert m.population.agents
        m.run()
        alone.append(m)
    return runs, block, alone, entrants


def test_a_mixed_block_gives_each_run_its_lone_outcomes_and_firm_table(mixed_block):
    _, block, alone, _ = mixed_block
    for m, lone in zip(block.models, alone, strict=True):
        assert m.outcomes.tobytes() == lone.outcomes.tobytes()
        assert _run_state(m) == _run_state(lone)


def test_the_mixed_block_has_teeth(mixed_block):
    runs, block, _, entrants = mixed_block
    assert (entrants[2] == 0).all()  # entry rate 0
    assert (entrants[[0, 1, 3, 4, 5, 6, 7], 1:].sum(axis=1) > 0).all()
    assert (entrants[[1, 5, 7], 1:] == 0).any()  # quarters without entrants in runs with
    # the design points' entry parameters show: higher rates, more entrants
    assert entrants[1].sum() < entrants[0].sum() < entrants[3].sum()
    # SMEs exited in every run (at 2 to 4 quarters of losses)
    for m in block.models:
        f, n = m.firms, m.firms.n
        assert (~f.alive[:n] & (f.kind[:n] == KIND_SME)).any()
    assert len(block.models[1].population.agents) == block.models[1].firms.n
    assert len(block.models[4].agents) < block.models[4].firms.n  # the closed firms' removed
    assert len({len(r[0].sourcing.trades) for r in runs}) > 1


def _step_to_stage_9(models):
    """Start a quarter and run its stages up to stage 9; return the runs' generators."""
    rngs = begin_quarters(models)
    for name, stage in QUARTER:
        if name.startswith("9 "):
            return rngs
        stage(models, rngs)
    raise AssertionError("no stage 9")


def test_the_block_stage_on_some_rows_in_another_order_equals_the_runs_one_by_one():
    # The rows a call is given are not 0..k-1: run k of the call is not row k of the tables.
    runs = [(_varied(1), ARM, 4), (_varied(2), ARM, 6), (_varied(0), ARM, 4)]
    blocks = [ModelBlock(runs) for _ in range(2)]
    for b in blocks:
        b.models[2].population.agents  # noqa: B018 - made in one run
    entered = 0
    for _ in range(10):
        got, want = (_step_to_stage_9(b.models) for b in blocks)
        ms = blocks[0].models
        order = (2, 0)
        before = [m.firms.n for m in ms]
        demography.entry_exit_block(
            [ms[k].state for k in order], [ms[k].population for k in order],
            [got[k]["entry"] for k in order],
        )  # fmt: skip
        assert ms[1].firms.n == before[1]  # the row left out is untouched
        demography.entry_exit_block([ms[1].state], [ms[1].population], [got[1]["entry"]])
        for m, r in zip(blocks[1].models, want, strict=True):
            demography.entry_exit(m.state, m.population, r["entry"])
        for b in blocks:
            end_quarters(b.models)
        entered += sum(m.firms.n - n for m, n in zip(ms, before, strict=True))
        for a, b in zip(blocks[0].models, blocks[1].models, strict=True):
            assert _run_state(a) == _run_state(b)
        for name, table in blocks[0].firms.tables.items():
            assert table.tobytes() == blocks[1].firms.tables[name].tobytes(), name
    assert entered > 0


def test_entrants_reference_costs_are_their_unit_costs_at_entry():
    """Each trade's entrants: unit cost with the firms entered so far; then every cost anew."""
    m = ClusterModel(_varied(2), ARM, rng=6)
    several = 0
    for _ in range(12):
        rngs = _step_to_stage_9([m])
        st, f = m.state, m.firms
        lo = f.n
        demography.entry_exit(st, m.population, rngs[0]["entry"])
        end_quarters([m])
        hi = f.n
        if hi == lo:
            continue
        costs = f.unit_cost[:hi].copy()
        st.update_costs()  # the table is the one recomputed after the last trade
        assert costs.tobytes() == f.unit_cost[:hi].tobytes()
        trades = f.trade[lo:hi]
        cuts = [lo, *(lo + np.flatnonzero(np.diff(trades)) + 1).tolist(), hi]
        several += len(cuts) > 3
        for a, b in pairwise(cuts[:-1]):  # all but the last trade
            f.n = b  # as when they entered: the later trades' entrants not yet there
            assert st.supplier_cost0[a:b].tobytes() == st.unit_costs(slice(a, b)).tobytes()
            f.n = hi
        a = cuts[-2]
        assert st.supplier_cost0[a:hi].tobytes() == f.unit_cost[a:hi].tobytes()
    assert several > 0  # quarters with entrants of several trades


def test_scalar_poisson_draws_equal_one_array_draw() -> None:
    """Stage 9 draws a run's entrants by one ``rng.poisson`` per trade: the premise that this
    gives the values and the generator state of one ``rng.poisson`` of the run's means (the
    draws before the block form), for means with zeros, tiny and large values."""
    src = np.random.default_rng(7)
    for seed in range(500):
        lam = src.exponential(src.choice([0.01, 0.5, 3.0, 50.0]), size=int(src.integers(0, 9)))
        lam[src.random(lam.size) < 0.2] = 0.0
        one, each = np.random.default_rng(seed), np.random.default_rng(seed)
        assert one.poisson(lam).tolist() == [each.poisson(x) for x in lam.tolist()]
        assert one.bit_generator.state == each.bit_generator.state
