"""The end of the quarter as a block call: each run's outcome rows as the run's alone.

``sim.model.mechanisms.record`` gathers what the outcomes read outside the firm tables (the
ledgers, loan books, grants and world variables) in one pass over the runs and computes every
run's row in one compiled call; the committed cost, the ledger's sums and the market share are
computed there as the one-run code computed them (Python's compensated ``sum``).
"""

from __future__ import annotations

import math
import pickle
import struct

import numpy as np
import pytest

from sim.model.block import ModelBlock
from sim.model.ledger import FLOWS, LEVELS, Ledger
from sim.model.mechanisms import financing, joint_projects, record, tax_relief
from sim.model.model import ClusterModel
from sim.model.outcomes import OUTCOME_INDEX, OUTCOME_NAMES
from sim.model.streams import QuarterStreams, next_quarters
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def test_the_sum_kernel_is_pythons_sum_bit_for_bit():
    rng = np.random.default_rng(17)
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1.0, 1e16,
               -1e16, 0.1, 0.2, 0.3, 2.0**53, -3.0]  # fmt: skip
    cases = [[a, b, c] for a in special for b in special for c in special]
    for _ in range(20_000):
        n = int(rng.integers(1, 9))
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-18, 18, size=n)
        if n > 1:
            values[-1] = -values[0] * (1.0 + 1e-15 * rng.standard_normal())  # cancellation
        cases.append(values.tolist())
    differ = 0
    for values in cases:
        got = record._py_sum(np.array(values))
        assert _bits(got) == _bits(sum(values)), values
        naive = 0.0
        for v in values:
            naive += v
        differ += _bits(naive) != _bits(got)
    assert differ > 100  # the cases tell compensated from plain summation


def test_the_ledgers_flows_are_its_values_in_order():
    led = Ledger()
    led.start_quarter()
    costs = [(i, lvl) for i in ("joint_project", "starter_batch", "loans", "tax_relief")
             for lvl in LEVELS]  # fmt: skip
    for k, (i, lvl) in enumerate(costs):
        led.book_cost(i, lvl, 1.5 + k)
    led.tax.update(federal=7.25, regional=8.25, social_fund=9.25)
    led.programme_cost.update(federal=0.5, regional=0.75)
    led.vat_collected, led.sez_tax_expenditure, led.investment = 2.0, 3.0, 4.0
    led.joint_projects, led.paid_to_firms, led.grant_equivalent = 5, 6.0, 7.0
    led.credit_constrained = 11

    def value(name: str) -> float:
        kind, _, key = name.partition(".")
        if kind == "cost":
            return led.cost[tuple(key.split("."))]
        return getattr(led, kind)[key] if key else getattr(led, kind)

    flows = led.flows()
    assert list(flows) == [value(name) for name in FLOWS]
    assert len(set(flows)) == len(flows)  # every flow its own value: a swap would show
    # the costs in the order level_cost adds them (the dict's, booking order)
    fed = [v for k, v in zip(FLOWS, flows, strict=True) if k.startswith("cost.") and
           k.endswith(".federal")]  # fmt: skip
    assert sum(fed) == led.level_cost("federal") and fed == [1.5, 3.5, 5.5, 7.5]


@pytest.fixture(scope="module")
def mixed_block():
    """A block mixing arms (loans, grants, tax relief or none) and design points.

    The design points differ in what the outcomes read outside the firm table: the discount
    rate and the key rate's path (committed cost), the relief's years, the qualification
    threshold, the purchases share, the rivals' Russian share and the roster's memory.
    """
    sc = default_scenario()
    other = apply_overrides(sc, {
        "experiment.discount_rate": 0.15, "finance.key_rate_adjustment_per_quarter": 0.25,
        "finance.key_rate_long_run": 0.06, "sourcing.qualification_threshold": 0.5,
        "market.russian_share_of_rivals": 0.4, "registry.contract_memory_quarters": 2,
    })  # fmt: skip
    short = apply_overrides(sc, {
        "regimes.tax_relief_only.tax_relief.years": 2, "experiment.discount_rate": 0.03,
        "sourcing.purchases_share_of_output": 0.45,
    })  # fmt: skip
    runs = [
        (sc, "cluster_support_2020s", 5), (other, "tax_relief_only", 7), (sc, "de_facto", 5),
        (other, "loans_only", 9), (short, "tax_relief_only", 4), (short, "decree41_full", 3),
        (other, "cluster_support_2020s", 2), (sc, "placebo", 8),
    ]  # fmt: skip
    return runs


def _by_the_modules(state, gov) -> dict[str, float]:
    """The committed cost as the three modules' one-run functions give it, added by Python."""
    rho = state.spec.experiment.discount_rate.value
    relief = {lvl: state.ledger.cost[("tax_relief", lvl)] for lvl in LEVELS}
    parts = (
        financing.committed_interest_subsidy(state, rho),
        joint_projects.committed_grants(gov, rho),
        tax_relief.committed_relief(gov, state.quarter, relief, rho),
    )
    return {lvl: sum(part[lvl] for part in parts) for lvl in LEVELS}


def test_a_mixed_block_gives_each_run_its_lone_outcome_rows(mixed_block):
    block = ModelBlock(mixed_block)
    got = block.run()
    for (scenario, arm, seed), outcomes in zip(mixed_block, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes(), (arm, seed)
    # no two runs alike: a run given another's values would show
    assert len({out.tobytes() for out in got}) == len(got)


def test_recording_the_runs_in_another_order_or_alone_gives_the_same_rows(mixed_block):
    block = ModelBlock(mixed_block)
    models = block.models
    parts = {"loans": 0, "grants": 0, "relief": 0, "none": 0}
    for _ in range(block.models[0].horizon):
        block.step()  # records the quarter, the runs in order
        q = models[0].state.quarter
        rows = [m.outcomes[q - 1].copy() for m in models]
        order = [3, 0, 7, 5, 1, 6, 4, 2]
        record.record_quarter([models[k] for k in order])
        for m, row in zip(models, rows, strict=True):
            assert m.outcomes[q - 1].tobytes() == row.tobytes()
            alone = record.record_outcomes(m.state, m.government)
            assert np.array([alone[name] for name in OUTCOME_NAMES]).tobytes() == row.tobytes()
            committed = record.committed_cost(m.state, m.government)
            expected = _by_the_modules(m.state, m.government)
            assert [_bits(committed[lvl]) for lvl in LEVELS] == [
                _bits(expected[lvl]) for lvl in LEVELS
            ]
            assert (
                row[OUTCOME_INDEX["committed_federal"]],
                row[OUTCOME_INDEX["committed_regional"]],
            ) == (committed["federal"], committed["regional"])
            # which parts of the committed cost this run-quarter has (the test's teeth)
            st, gov = m.state, m.government
            has = {
                "loans": bool(len(st.loans)) and not st.loans.world.all(),
                "grants": bool(gov.grants),
                "relief": st.ledger.instrument_cost("tax_relief") > 0,
            }
            for name, present in has.items():
                parts[name] += present
            parts["none"] += not any(has.values()) and committed == {"federal": 0.0,
                                                                     "regional": 0.0}  # fmt: skip
    assert all(count > 10 for count in parts.values()), parts


def test_the_block_has_teeth(mixed_block):
    got = ModelBlock(mixed_block).run()
    column = {name: np.array([out[:, OUTCOME_INDEX[name]] for out in got]) for name in (
        "committed_federal", "committed_regional", "cost_loans", "cost_tax_relief",
        "cost_joint_project", "preference_cost",
    )}  # fmt: skip
    for name, values in column.items():
        assert (values > 0).any() and (values == 0).any(), name
    # every run's committed cost differs from every other run's in some quarter it is not 0
    committed = column["committed_regional"]
    active = [k for k in range(len(got)) if (committed[k] > 0).any()]
    assert len(active) >= 5
    assert len({committed[k].tobytes() for k in active}) == len(active)


def test_the_quarters_streams_of_blocks_served_in_turn_are_each_runs_spawn():
    # next_quarters keeps the arrays of the block it served last: blocks served in turn, a
    # block's runs in another order or fewer of them, and a copy of a run get their own.
    names = ("market", "membership", "matching", "projects", "qualification", "entry")
    seeds = (1, 2, 3, 4, 5)
    refs = {s: np.random.default_rng(s) for s in seeds}
    runs = {s: QuarterStreams(np.random.default_rng(s), names) for s in seeds}
    served = [
        (1, 2, 3), (1, 2, 3), (4, 5), (3, 2, 1), (1, 2), (1, 3), (4,), (5, 4), (1, 2, 3, 4, 5),
        (1, 2, 3, 4, 5),
    ]  # fmt: skip
    for block in served:
        got = next_quarters([runs[s] for s in block])
        for s, gens in zip(block, got, strict=True):
            for a, b in zip(refs[s].spawn(len(names)), gens.values(), strict=True):
                assert a.bit_generator.state == b.bit_generator.state, (block, s)
    copy = pickle.loads(pickle.dumps(runs[2]))  # its own generators, at their own addresses
    got = next_quarters([runs[1], copy, runs[3]])
    for s, gens in zip((1, 2, 3), got, strict=True):
        for a, b in zip(refs[s].spawn(len(names)), gens.values(), strict=True):
            assert a.bit_generator.state == b.bit_generator.state
