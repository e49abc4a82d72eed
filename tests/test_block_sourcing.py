"""Block stages 3b and 5 (matching; sourcing and the starter-batch subsidy): each run of a block
computed as if alone."""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import matching, sourcing
from sim.model.model import ClusterModel
from sim.model.outcomes import OUTCOME_NAMES
from sim.scenario.files import SHIPPED_DIR, default_scenario
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"
SB = f"regimes.{ARM}.starter_batch_subsidy"


def _varied(k: int) -> Scenario:
    """A design point whose sourcing, starter-batch and matching parameters differ by ``k``."""
    return apply_overrides(
        default_scenario(),
        {
            "sourcing.price_sensitivity": 7.0 + 1.0 * k,
            "sourcing.unmatched_search_cost": 0.04 + 0.02 * k,
            "sourcing.localisable_share": 0.55 - 0.05 * k,
            "sourcing.trades.0.local_price_premium": 0.02 * k,
            "sourcing.trades.1.purchase_share": 0.20 + 0.05 * k,
            "sourcing.trades.4.purchase_share": 0.15 - 0.05 * k,  # the shares add up to 1
            "organisation.matching_rate_per_quarter": 0.04 + 0.06 * k,
            f"{SB}.rate.value": 0.3 + 0.2 * k,
            f"{SB}.cap_per_applicant_mln_rub.value": 5.0 + 70.0 * k,
            f"{SB}.annual_budget_mln_rub.value": 12.0 + 90.0 * k,
            f"{SB}.first_batches_quarters.value": 2 + 2 * k,
        },
    )


def _four_trades() -> Scenario:
    """The scenario without its fifth trade (and that trade's SMEs): fewer trades than the rest."""
    data = default_scenario().model_dump()
    data["sourcing"]["trades"] = data["sourcing"]["trades"][:4]
    data["sourcing"]["trades"][3]["purchase_share"] += 0.10  # the shares add up to 1
    data["firm_groups"] = [g for g in data["firm_groups"] if g["trade"] != "design"]
    return Scenario.model_validate(data)


def test_a_block_of_arms_and_design_points_differing_in_these_stages_equals_lone_runs() -> None:
    no_organisation = apply_overrides(default_scenario(), {"organisation.exists": False})
    ural = load_scenario(SHIPPED_DIR / "ural_machine_building.toml")
    runs = [
        (_varied(0), ARM, 6),  # the cap of 5 per applicant binds
        (_varied(1), "de_facto", 4),
        (default_scenario(), ARM, 5),
        (no_organisation, ARM, 6),
        (_varied(0), ARM, 4),  # the year's budget of 12 binds
        (_varied(2), ARM, 6),
        (_varied(1), "loans_only", 8),
        (_four_trades(), ARM, 9),
        (ural, ARM, 10),
    ]
    assert len(runs[7][0].sourcing.trades) < len(runs[0][0].sourcing.trades)
    block = ModelBlock(runs)
    got = block.run()
    for (scenario, arm, seed), outcomes in zip(runs, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes()
    # the test has teeth: the subsidy was paid where it is offered, up to the caps and budgets
    paid = OUTCOME_NAMES.index("cost_starter_batch")
    subsidy = [float(np.nansum(outcomes[:, paid])) for outcomes in got]
    assert all(subsidy[k] > 0 for k in (0, 2, 4, 5)) and len({*subsidy[:7]}) == 5
    assert subsidy[1] == subsidy[3] == subsidy[6] == 0
    assert block.models[0].government.starter_paid.max() == 5.0
    spent = block.models[4].government.spent
    assert max(v for (instrument, _), v in spent.items() if instrument == "starter_batch") == 12.0
    matched = block.firms.tables["matched"]
    assert matched[5].sum() > matched[0].sum()  # matching rates 0.16 and 0.04


def _state_of(block: ModelBlock) -> list[bytes]:
    govs = [m.government for m in block.models]
    books = [
        (m.state.ledger.paid_to_firms, sorted(m.state.ledger.cost.items())) for m in block.models
    ]
    money = [(g.spent, g.starter_paid.tolist()) for g in govs]
    tables = [t.tobytes() for t in block.firms.tables.values()]
    return [*tables, repr(books).encode(), repr(money).encode()]


def test_the_block_stages_on_some_rows_in_another_order_equal_the_runs_one_by_one() -> None:
    # The rows a stage is given are not 0..k-1: run k of the call is not row k of the tables.
    runs = [(_varied(1), ARM, 4), (_varied(2), ARM, 6), (_varied(2), ARM, 4)]
    blocks = [ModelBlock(runs) for _ in range(2)]
    for b in blocks:
        for _ in range(18):
            b.step()
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    assert all(m.government.registered for m in blocks[0].models)
    paid_before = [m.state.ledger.paid_to_firms for m in blocks[0].models]
    left_out = {name: t[1].copy() for name, t in blocks[0].firms.tables.items()}
    order = (2, 0)
    models = [blocks[0].models[row] for row in order]
    draws = [np.random.default_rng(row) for row in order]
    matching.match_block([m.state for m in models], [m.organisation for m in models], draws)
    sourcing.source_block([m.state for m in models], [m.government for m in models])
    for row in order:
        m = blocks[1].models[row]
        matching.match(m.state, m.organisation, np.random.default_rng(row))
        sourcing.source(m.state, m.government)
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    paid_after = [m.state.ledger.paid_to_firms for m in blocks[0].models]
    assert paid_after[0] > paid_before[0] and paid_after[1] == paid_before[1]  # teeth
    # and the row left out is untouched
    for name, row in left_out.items():
        assert blocks[0].firms.tables[name][1].tobytes() == row.tobytes()
