"""Stages 1 (market) and 8 (taxes) as block stages: each run of a block as it is alone."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.block import ModelBlock
from sim.model.mechanisms import market, taxes
from sim.model.model import ClusterModel
from sim.model.outcomes import OUTCOME_INDEX
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario

#: Firm columns the two stages write.
_WRITTEN = ("cash", "loss_quarters", "profit", "ebitda", "order_book")


@pytest.fixture(scope="module")
def mixed_block():
    """A block mixing arms (tax relief or not) and design points (taxes and market differ).

    The small market of ``thin`` leaves some of its quarters without orders, so a run with no
    draws sits between runs with draws.
    """
    sc = default_scenario()
    other = apply_overrides(sc, {
        "taxes.vat.net_share": 0.3, "taxes.profit_tax_regional": 0.2,
        "market.demand_volatility": 0.35, "market.order_size_mln_rub.cv": 0.5,
    })  # fmt: skip
    thin = apply_overrides(sc, {"market.market_orders_mln_rub_per_year": 1500.0})
    runs = [
        (sc, "tax_relief_only", 5), (thin, "de_facto", 3), (other, "tax_relief_only", 7),
        (sc, "de_facto", 5), (other, "cluster_support_2020s", 9), (thin, "tax_relief_only", 4),
    ]  # fmt: skip
    block = ModelBlock(runs)
    return runs, block, block.run()


def test_a_mixed_block_gives_each_run_its_lone_outcomes_and_firm_table(mixed_block):
    runs, block, got = mixed_block
    for (scenario, arm, seed), m, outcomes in zip(runs, block.models, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        alone.run()
        assert outcomes.tobytes() == alone.outcomes.tobytes()
        n = alone.firms.n
        assert m.firms.n == n
        for name in _WRITTEN:
            assert getattr(m.firms, name)[:n].tobytes() == getattr(alone.firms, name)[:n].tobytes()


def test_the_mixed_block_has_teeth(mixed_block):
    runs, _, got = mixed_block
    relief = [out[:, OUTCOME_INDEX["cost_tax_relief"]] for out in got]
    for (_, arm, _), cost in zip(runs, relief, strict=True):
        if arm == "tax_relief_only":
            assert (cost > 0).any() and (cost == 0).any()  # in force in some quarters only
        else:
            assert (cost == 0).all()
    orders = got[1][:, OUTCOME_INDEX["new_orders"]]
    assert (orders == 0).any() and (orders > 0).any()  # quarters with and without orders


def test_the_per_run_entries_are_the_block_kernels_for_one_row():
    # compute_taxes / new_orders on one run of a block equal the block call on that run.
    sc = default_scenario()
    pair = [ModelBlock.of_seeds(sc, "tax_relief_only", [11, 12]) for _ in range(2)]
    for b in pair:
        for _ in range(30):  # registered, relief in force
            b.step()
    one, two = pair
    assert any(m.government.registered for m in one.models)
    rngs = [np.random.default_rng(s) for s in (1, 2)]
    market.new_orders_block(
        [m.state for m in one.models], [sc.market] * 2, [np.random.default_rng(s) for s in (1, 2)]
    )
    for m, rng in zip(two.models, rngs, strict=True):
        market.new_orders(m.state, sc.market, rng)
    bills = taxes.compute_taxes_block(
        [m.state for m in one.models], [m.government for m in one.models]
    )
    for m, bill in zip(two.models, bills, strict=True):
        alone = taxes.compute_taxes(m.state, m.government)
        for field in ("federal", "regional", "social_fund", "vat_collected", "sez_expenditure",
                      "relief_expenditure"):  # fmt: skip
            assert getattr(alone, field) == getattr(bill, field)
        assert alone.per_firm.tobytes() == bill.per_firm.tobytes()
    for name, table in one.firms.tables.items():
        assert table.tobytes() == two.firms.tables[name].tobytes(), name
    for a, b in zip(one.models, two.models, strict=True):
        assert a.state.market_share_hist == b.state.market_share_hist
        assert (a.state.rival_price, a.state.new_orders) == (
            b.state.rival_price,
            b.state.new_orders,
        )
