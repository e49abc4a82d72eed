"""Session 32, helper 2: what stages 5, 7, 8 and 9 now do with less per-run Python.

* stage 5 reads the subsidy's roster in its kernel (not from the government in Python): the
  claimants are still the roster members, a contract at the window's start not counting;
* stage 8 books a block's tax totals without making bills (:meth:`Ledger.add_tax_totals`): the
  ledgers are those :meth:`Ledger.add_taxes` makes of each run's bill, types included;
* stage 7 repays the one loan book of a block that has loans in its own columns: its balances,
  the kept loans and the ledger are those of the run amortised alone;
* investment keeps each scenario's terms (``investment._constants``): a block of design points
  differing in them is stepped as each would be alone;
* stage 9 keeps each run's entry terms on its population (``Population.entry_terms``).
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import financing, investment, sourcing, starter_batches, taxes
from sim.model.model import QUARTER, ClusterModel, begin_quarters
from sim.model.state import LoanBook, cost_params
from sim.scenario.files import default_scenario
from sim.scenario.overrides import apply_overrides

ARM = "cluster_support_2020s"
NAMES = [name for name, _ in QUARTER]


def _before(models, label: str):
    """Step ``models`` (a block) to just before stage ``label`` of the next quarter."""
    rngs = begin_quarters(models)
    for _name, stage in QUARTER[: NAMES.index(label)]:
        stage(models, rngs)
    return rngs


def _quarters(m: ClusterModel, quarters: int) -> None:
    for _ in range(quarters):
        m.step()


def test_the_subsidy_is_claimed_by_the_roster_members_only() -> None:
    """Quarter 25 of seed 5: large final producers 0 and 1 claim starter batches. Firm 0 on the
    roster (a contract in the window) is paid; with its last contract at the window's start
    (``roster_since``: not in the window) it is off the roster and paid nothing, firm 1 still."""
    m = ClusterModel(default_scenario(), ARM, rng=5)
    _quarters(m, 24)
    _before((m,), "5 purchases, starter-batch subsidy")
    st, gov = m.state, m.government
    since = st.roster_since()
    paid = {}
    for last in (since + 1, since):
        s, g = copy.deepcopy((st, gov))
        s.firms.last_contract_quarter[0] = last
        roster = starter_batches.offer(s, g)[0]  # the government's rule
        assert bool(roster[0]) == (last > since) and roster[1]
        before = g.starter_paid.copy()
        sourcing.source_block([s], [g])
        paid[last] = g.starter_paid[:2] - before[:2]
    assert paid[since + 1][0] > 0 and paid[since + 1][1] > 0
    assert paid[since][0] == 0 and paid[since][1] > 0


def test_offer_is_the_roster_and_the_offer_terms() -> None:
    m = ClusterModel(default_scenario(), ARM, rng=5)
    _quarters(m, 25)
    st, gov = m.state, m.government
    roster, *terms = starter_batches.offer(st, gov)
    paid, *rest = starter_batches.offer_terms(st, gov)
    assert roster.tobytes() == gov.eligible_for_preferences(st).tobytes()
    assert terms[0].tobytes() == paid.tobytes() and terms[1:] == rest


def _ledger(st) -> bytes:
    return repr(sorted(vars(st.ledger).items())).encode()


def test_a_block_books_each_runs_tax_totals_as_its_bill() -> None:
    """The ledgers after :func:`taxes.book_taxes` on a block (totals) equal those after each
    run's bill from :func:`taxes.compute_taxes_block` booked by ``add_taxes``: values and types
    (the sums are numpy scalars in both); one run has the regime's tax relief in force."""
    scs = [default_scenario(), apply_overrides(default_scenario(), {"taxes.vat.rate.value": 0.1})]
    block = ModelBlock([
        (scs[0], ARM, 3), (scs[1], "tax_relief_only", 4), (scs[0], "tax_relief_only", 4),
        (scs[0], "de_facto", 5),
    ])  # fmt: skip
    models = block.models
    for _ in range(24):
        block.step()
    _before(models, "8 taxes, tax expenditure, cash")
    states, govs = [m.state for m in models], [m.government for m in models]
    copies = copy.deepcopy((states, govs))
    taxes.book_taxes(states, govs)
    for st, bill in zip(copies[0], taxes.compute_taxes_block(*copies), strict=True):
        st.ledger.add_taxes(bill)
    assert [_ledger(st) for st in states] == [_ledger(st) for st in copies[0]]
    assert any(st.ledger.tax["federal"] > 0 for st in states)
    assert states[2].ledger.cost[("tax_relief", "regional")] > 0  # the relief is booked too


def test_the_one_book_with_loans_in_a_block_is_repaid_as_alone() -> None:
    """A block where only one run has loans (the others' books emptied): that run's balances,
    kept loans, ledger, cash and debts after :func:`financing.amortise_block` equal the run's
    amortised alone (a block of one); the others repay market debt only."""
    block = ModelBlock([(default_scenario(), ARM, 6), (default_scenario(), ARM, 7)])
    for _ in range(20):
        block.step()
    states = [m.state for m in block.models]
    states[0].loans = LoanBook()
    assert len(states[1].loans) > 0
    alone = copy.deepcopy(states)
    owed = states[1].loans.balance.sum()
    financing.amortise_block(states, [m.government for m in block.models])
    for st, lone in zip(states, alone, strict=True):
        financing.amortise_block([lone], [None])
        book, ref = st.loans, lone.loans
        assert len(book) == len(ref)
        for name in ("firm", "balance", "rate", "term_quarters", "federal_share", "world"):
            assert getattr(book, name).tobytes() == getattr(ref, name).tobytes()
        n = st.firms.n
        for name in ("cash", "debt_market", "debt_pref", "pref_rate"):
            assert getattr(st.firms, name)[:n].tobytes() == getattr(lone.firms, name)[:n].tobytes()
        assert _ledger(st) == _ledger(lone)
    # the test has teeth: the loans were repaid
    assert states[1].loans.balance.sum() < owed


def test_investment_keeps_each_scenarios_terms() -> None:
    """Two design points differing in every term of ``investment._constants``, stepped in one
    block after a third: each run's capacity, productivity and ledger are its own alone."""
    varied = [
        apply_overrides(
            default_scenario(),
            {
                "finance.investment_share_of_gap": 0.3 + 0.3 * k,
                "finance.capital_mln_rub_per_capacity": 5.0 - 1.5 * k,
                "finance.productivity_gain_per_investment": 0.02 + 0.04 * k,
                "finance.depreciation_rate_per_year": 0.05 + 0.05 * k,
                "production.capacity_retirement_per_year": 0.04 + 0.04 * k,
                "market.target_cover_quarters": 4 + 3 * k,
            },
        )
        for k in range(2)
    ]
    runs = [(varied[0], ARM, 2), (varied[1], ARM, 2), (default_scenario(), "de_facto", 2)]
    block = ModelBlock(runs)
    for _ in range(16):
        block.step()
    for m, (sc, arm, seed) in zip(block.models, runs, strict=True):
        alone = ClusterModel(sc, arm, rng=seed)
        _quarters(alone, 16)
        n = m.state.firms.n
        for name in ("capacity", "productivity", "cash"):
            a, b = getattr(m.state.firms, name)[:n], getattr(alone.state.firms, name)[:n]
            assert a.tobytes() == b.tobytes(), name
        assert _ledger(m.state) == _ledger(alone.state)
    assert len(investment._BY_SCENARIO) >= 2


def test_each_runs_entry_terms_are_its_own() -> None:
    """``Population.entry_terms`` (kept for the run) are the run's own: its unit-cost scalars
    (``cost_params``: its reference employment differs by seed, the wage by design point), its
    trades' entry groups and price indices; the entrants are of their trade's entry group."""
    varied = apply_overrides(
        default_scenario(),
        {"sourcing.trades.0.local_price_premium": 0.2, "labour.wage_mln_rub_per_worker_year": 1.1},
    )
    sc = default_scenario()  # one scenario object for two runs (seeds)
    runs = [(sc, ARM, 1), (sc, ARM, 2), (varied, ARM, 3)]
    block = ModelBlock(runs)
    for _ in range(12):
        block.step()
    costs = []
    for m in block.models:
        st = m.state
        trades, cost = m.population.entry_terms()
        assert cost.tobytes() == cost_params([st]).tobytes()
        costs.append(cost.tobytes())
        specs = st.spec.sourcing.trades
        for j, name in enumerate(st.trades):
            gi = st.entry_group.get(name)
            assert trades[j] == (None if gi is None else (gi, 1 + specs[j].local_price_premium))
        f, n = st.firms, st.firms.n
        born = f.born_quarter[:n] > 0  # the entrants
        assert born.any()
        for i in np.flatnonzero(born).tolist():
            assert trades[f.trade[i]][0] == f.group[i]
    assert len(set(costs)) == 3


def test_a_second_run_finds_every_quarters_programme_table(monkeypatch) -> None:
    """The key rate follows the scenario's path in every run, so a second run of the same
    scenario in the process rebuilds no programme table (``financing._TABLES_KEPT`` holds the
    40 quarters'); the tables it finds are those a rebuild makes."""
    sc = default_scenario()
    ClusterModel(sc, ARM, rng=1).run()
    built = []
    rules = financing._rules

    def counted(*args):
        built.append(args)
        return rules(*args)

    monkeypatch.setattr(financing, "_rules", counted)
    m = ClusterModel(sc, ARM, rng=2)
    m.run()
    assert built == []
    st, gov = m.state, m.government
    _, _, tried, _, table, _, _ = financing._programme_rules(st, gov)
    fresh_tried, fresh = rules(financing.offered(gov, st.spec.loan_programmes), st.key_rate,
                               st.market_rate)  # fmt: skip
    assert table.tobytes() == fresh.tobytes() and tried == fresh_tried
