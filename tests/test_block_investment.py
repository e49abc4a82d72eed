"""Block stage 7 (loans amortised; capacity investment): each run of a block as if alone."""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import investment
from sim.model.model import QUARTER, ClusterModel, begin_quarters
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.state import LoanBook
from sim.scenario.files import SHIPPED_DIR, default_scenario
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"
REGIME_LOANS = f"regimes.{ARM}.preferential_loans"
#: The quarter's stages before stage 7.
BEFORE = [stage for name, stage in QUARTER[: [n for n, _ in QUARTER].index(
    "7 loans amortised; capacity investment")]]  # fmt: skip


def _varied(k: int) -> Scenario:
    """A design point whose amortisation, investment and loan parameters differ by ``k``."""
    return apply_overrides(
        default_scenario(),
        {
            "finance.investment_share_of_gap": 0.25 + 0.15 * k,
            "finance.capital_mln_rub_per_capacity": 5.0 - 1.0 * k,
            "finance.productivity_gain_per_investment": 0.02 + 0.02 * k,
            "finance.loan_term_years": 5 - k,
            "finance.cash_buffer_quarters": 0.5 + 0.5 * k,
            "finance.max_debt_to_ebitda": 3.5 - 1.0 * k,
            "finance.depreciation_rate_per_year": 0.05 + 0.03 * k,
            "production.capacity_retirement_per_year": 0.04 + 0.02 * k,
            "market.target_cover_quarters": 4 + 2 * k,
            "loan_programmes.0.annual_budget_mln_rub.value": 1500.0 - 700.0 * k,
            "loan_programmes.1.key_rate_multiplier.value": 0.3 + 0.2 * k,
            f"{REGIME_LOANS}.annual_budget_mln_rub.value": 300.0 + 400.0 * k,
            f"{REGIME_LOANS}.max_share_of_project.value": 0.5 + 0.2 * k,
        },
    )


def _runs() -> list[tuple[Scenario, str, int]]:
    ural = load_scenario(SHIPPED_DIR / "ural_machine_building.toml")
    return [
        (_varied(0), ARM, 6),
        (_varied(1), "de_facto", 4),
        (default_scenario(), ARM, 5),
        (_varied(2), ARM, 6),
        (_varied(1), "loans_only", 8),
        (_varied(0), "decree41_full", 4),
        (ural, ARM, 10),
        (_varied(2), "tax_relief_only", 3),
    ]


def _books(m: ClusterModel) -> bytes:
    """A run's loan book, government spending and stage-7 ledger lines, as bytes."""
    book = m.state.loans
    cols = [book.firm, book.balance, book.rate, book.term_quarters, book.federal_share, book.world]
    return repr(
        (
            [c.tobytes() for c in cols],
            book.programme,
            sorted(m.government.spent.items()),
        )
    ).encode()


def _firm_columns(m: ClusterModel) -> list[bytes]:
    f, n = m.state.firms, m.state.firms.n
    names = ("capacity", "productivity", "cash", "debt_market", "debt_pref", "pref_rate")
    return [getattr(f, name)[:n].tobytes() for name in names]


def test_a_block_of_arms_and_design_points_differing_in_this_stage_equals_lone_runs() -> None:
    runs = _runs()
    block = ModelBlock(runs)
    got = block.run()
    for m, (scenario, arm, seed), outcomes in zip(block.models, runs, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        assert outcomes.tobytes() == alone.run().tobytes()
        assert _firm_columns(m) == _firm_columns(alone)
        assert _books(m) == _books(alone)
    # the test has teeth: the runs invest, borrow, are constrained, and differently so
    out = {name: OUTCOME_NAMES.index(name) for name in (
        "investment", "loan_grant_equivalent", "credit_constrained", "cost_programme_loans",
        "cost_loans")}  # fmt: skip
    total = {name: [float(np.nansum(o[:, c])) for o in got] for name, c in out.items()}
    assert all(v > 0 for v in total["investment"]) and len({*total["investment"]}) == len(runs)
    assert all(v > 0 for v in total["loan_grant_equivalent"])
    assert all(v > 0 for v in total["cost_programme_loans"])
    assert max(total["credit_constrained"]) > 0 and min(total["credit_constrained"]) == 0
    regime = [total["cost_loans"][k] > 0 for k in range(len(runs))]  # the regime's own loans
    assert regime == [True, False, True, True, True, False, True, False]
    # a world programme's budget of 100 a year binds in run 3
    idf = runs[3][0].loan_programmes[0]
    spent = [v for (p, _), v in block.models[3].government.spent.items() if p == idf.programme]
    assert max(spent) == idf.annual_budget_mln_rub.value == 100.0


def _state_of(block: ModelBlock) -> list[bytes]:
    tables = [t.tobytes() for t in block.firms.tables.values()]
    ledgers = [
        repr(
            (
                m.state.ledger.investment,
                m.state.ledger.grant_equivalent,
                m.state.ledger.credit_constrained,
                sorted(m.state.ledger.cost.items()),
                sorted(m.state.ledger.programme_cost.items()),
            )
        ).encode()
        for m in block.models
    ]
    return [*tables, *ledgers, *(_books(m) for m in block.models)]


def test_the_block_stage_on_some_rows_in_another_order_equals_the_runs_one_by_one() -> None:
    # The rows the stage is given are not 0..k-1: run k of the call is not row k of the tables.
    runs = _runs()[:4]
    blocks = [ModelBlock(runs) for _ in range(2)]
    for b in blocks:
        for _ in range(14):
            b.step()
        rngs = begin_quarters(b.models)
        for stage in BEFORE:
            stage(b.models, rngs)
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    left_out = {name: t[1].copy() for name, t in blocks[0].firms.tables.items()}
    before = [(len(m.state.loans), m.state.ledger.investment) for m in blocks[0].models]
    order = (3, 2, 0)
    models = [blocks[0].models[row] for row in order]
    investment.invest_block([m.state for m in models], [m.government for m in models])
    for row in order:
        m = blocks[1].models[row]
        investment.invest(m.state, m.government)
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    # teeth: the runs called invest, one borrows, two are constrained; the row left out is
    # untouched
    after = [(len(m.state.loans), m.state.ledger.investment) for m in blocks[0].models]
    assert all(after[row][1] > before[row][1] for row in order) and after[1] == before[1]
    assert after[0][0] > before[0][0]
    assert [blocks[0].models[row].state.ledger.credit_constrained for row in order] == [3, 0, 3]
    for name, row in left_out.items():
        assert blocks[0].firms.tables[name][1].tobytes() == row.tobytes()


def test_runs_where_no_firm_wants_to_invest_or_no_loan_is_on_the_book_mix_with_the_rest() -> None:
    # Only the runs where a firm wants to invest plan (their own rows of the planning call):
    # run 1 has no orders (no firm wants to invest), run 0 no loans on its book.
    runs = _runs()[:4]
    blocks = [ModelBlock(runs) for _ in range(2)]
    for b in blocks:
        for _ in range(14):
            b.step()
        rngs = begin_quarters(b.models)
        for stage in BEFORE:
            stage(b.models, rngs)
        b.firms.tables["order_book"][1] = 0.0
        b.models[0].state.loans = LoanBook()
    before = [m.state.ledger.investment for m in blocks[0].models]
    capacity = blocks[0].firms.tables["capacity"][1].copy()
    investment.invest_block(
        [m.state for m in blocks[0].models], [m.government for m in blocks[0].models]
    )
    for m in blocks[1].models:
        investment.invest(m.state, m.government)
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    # teeth: run 1 only retires capacity; the others invest, run 0 with its first loans
    after = [m.state.ledger.investment for m in blocks[0].models]
    assert after[1] == before[1] and all(after[k] > before[k] for k in (0, 2, 3))
    n = blocks[0].models[1].state.firms.n
    assert (blocks[0].firms.tables["capacity"][1, :n] < capacity[:n]).any()
    assert len(blocks[0].models[0].state.loans) > 0


def test_runs_without_loan_programmes_mix_with_runs_that_borrow() -> None:
    data = default_scenario().model_dump()
    data["loan_programmes"] = []
    none = Scenario.model_validate(data)
    runs = [(none, "de_facto", 1), (default_scenario(), ARM, 2), (none, "loans_only", 3)]
    block = ModelBlock(runs)
    got = block.run()
    for m, (scenario, arm, seed), outcomes in zip(block.models, runs, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        assert outcomes.tobytes() == alone.run().tobytes()
        assert _books(m) == _books(alone)
    # teeth: the run without programmes in the de-facto arm borrows from none, the others do
    loans = [len(m.state.loans) for m in block.models]
    assert loans[0] == 0 and loans[1] > 0 and loans[2] > 0
