"""Stage 4, sim.model.mechanisms.joint_projects: joint projects and their subsidy.

Proposals are made known by fixing their number (a seeded generator whose Poisson draw is
replaced) and giving capex and return a cv of 0, so every proposal has the mean capex and return.
Astrakhan values used below: Decree 41 (``decree41_full``) 50 %, cap 300 per project, paid over
5 years, budget 400 a year; the 2020s package 30 %, cap 300, 3 years, budget 300, and regional
fund loans for roster members (5 %, loans 20-200, <= 80 % of the project); in every arm IDF
lends at 3 % (loans 100-1000, projects >= 125, <= 80 % of the project, budget 1500 a year);
market rate 20 % (own funds count at it too); cash buffer 0.5 quarters of revenue; borrowing
limit 3.5 x 4 x EBITDA plus grant instalments due, the project's own committed grant included
(hand-built firms earn an EBITDA of 6: a limit of 84); kappa 5; productivity gain 0.02;
qualification step 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import KIND_LARGE, ROLE_COMPONENT, government, scenario, state, supplier, yard

from sim.model.agents import Grant, LargeEnterprise
from sim.model.mechanisms import joint_projects
from sim.scenario.schema import Distribution

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1
IDF = "IDF Development projects"


class _Proposals(np.random.Generator):
    """A seeded generator whose Poisson draw (the number of proposals) is fixed.

    ``uniforms``, if given, are returned by successive ``random`` calls instead of draws (the
    stage calls it twice: the leads' uniforms, then the partners' uniforms).
    """

    def __init__(self, count: int, seed: int = 7, uniforms: list | None = None) -> None:
        super().__init__(np.random.PCG64(seed))
        self._count = count
        self._uniforms = list(uniforms or [])

    def poisson(self, lam=1.0, size=None):
        return self._count

    def random(self, size=None, dtype=np.float64, out=None):
        if self._uniforms:
            return np.asarray(self._uniforms.pop(0), dtype=float).reshape(size)
        return super().random(size, dtype, out)


def _spec(capex: float = 250.0, ret: float = 0.12, overrides: dict | None = None):
    return scenario({
        "organisation.project_capex_mln_rub.mean": capex,
        "organisation.project_capex_mln_rub.cv": 0.0,
        "organisation.project_return_per_year.mean": ret,
        "organisation.project_return_per_year.cv": 0.0,
        **(overrides or {}),
    })  # fmt: skip


def test_undertakes_project_at_the_boundary():
    # r / (1 - s) >= r_f: 0.10 / (1 - 0.5) = 0.20 >= 0.20 goes ahead
    assert LargeEnterprise.undertakes_project(0.10, 0.5, 0.20)
    # 0.0999 / 0.5 = 0.1998 < 0.20 does not
    assert not LargeEnterprise.undertakes_project(0.0999, 0.5, 0.20)
    # without subsidy the return itself must reach the rate
    assert LargeEnterprise.undertakes_project(0.20, 0.0, 0.20)
    assert not LargeEnterprise.undertakes_project(0.12, 0.0, 0.20)
    # 0.12 / (1 - 0.4) = 0.20 against 0.2001 falls just short, against 0.1999 just clears
    assert not LargeEnterprise.undertakes_project(0.12, 0.4, 0.2001)
    assert LargeEnterprise.undertakes_project(0.12, 0.4, 0.1999)


def test_subsidy_share_is_the_rate_when_under_the_cap():
    sc = _spec(capex=250.0)
    st = state([yard(cash=100.0, output=40.0, price=1.0, **MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # s = min(0.5, 300 / 250) = 0.5: subsidy 0.5 x 250 = 125 over 5 years = 20 quarters
    # financing: room 84 + 125 due = 209; IDF min(0.8 x 250, 1000, 1500, 209, 250) = 200 at 3 %,
    # own funds min(100 - 20, 50) = 50; hurdle (200 x 3 % + 50 x 20 %) / 250 = 6.4 %
    # 0.12 / (1 - 0.5) = 0.24 >= 6.4 % -> the project goes ahead
    assert st.ledger.joint_projects == 1
    assert len(gov.grants) == 1
    g = gov.grants[0]
    assert (g.firm, g.quarters_left, g.level) == (0, 20, "federal")
    assert g.per_quarter == pytest.approx(125.0 / 20.0, rel=1e-12)
    # the year's budget is charged one year's payout: 125 / 5 = 25; IDF books its loan
    assert gov.spent == {
        ("joint_project", 0): pytest.approx(25.0, rel=1e-12),
        (IDF, 0): pytest.approx(200.0, rel=1e-12),
    }


def test_subsidy_share_is_cap_over_capex_for_a_large_project():
    # IDF's year's budget is spent, so the hurdle is the market rate: 80 of own funds (cash
    # 100 - buffer 20) and market debt within the room 3.5 x 4 x 30 + 300 due = 720, all at 20 %
    rich = {"capacity": 40.0, "cash": 100.0, "ebitda": 30.0, **MEMBER}
    for ret, goes in ((0.12, False), (0.13, True)):
        sc = _spec(capex=800.0, ret=ret)
        st = state([yard(**rich)], sc)
        gov = government(sc, "decree41_full", registered=True)
        gov.book(IDF, 1500.0, 1)
        joint_projects.run(st, gov, sc.organisation, _Proposals(1))
        # s = min(0.5, 300 / 800) = 0.375: 0.12 / 0.625 = 0.192 < 0.20 -> no project;
        # 0.13 / 0.625 = 0.208 >= 0.20 -> project (at s = 0.5 both would go ahead)
        assert st.ledger.joint_projects == int(goes)
        if not goes:
            assert gov.grants == []
            assert ("joint_project", 0) not in gov.spent
            assert (st.firms.cash[0], st.firms.debt_market[0]) == (100.0, 0.0)
            continue
        # subsidy 300 = 15 a quarter for 20 quarters; 300 / 5 = 60 charged to the year
        assert gov.grants[0].per_quarter == pytest.approx(300.0 / 20.0, rel=1e-12)
        assert gov.spent[("joint_project", 0)] == pytest.approx(60.0, rel=1e-12)
        # 80 of own funds (cash 100 -> 20) and 720 of market debt
        assert st.firms.cash[0] == pytest.approx(20.0, rel=1e-12)
        assert st.firms.debt_market[0] == pytest.approx(720.0, rel=1e-12)


def test_project_adds_capacity_productivity_and_qualifies_a_partner():
    sc = _spec(capex=250.0)
    st = state([
        yard(capacity=40.0, productivity=1.6, cash=100.0, output=40.0, price=1.0, **MEMBER),
        supplier(0, qualification=0.45, **MEMBER),
    ], sc)  # fmt: skip
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    f = st.firms
    # as above: hurdle 6.4 %, 0.12 / (1 - 0.5) = 0.24 >= 6.4 % -> the project goes ahead
    assert st.ledger.joint_projects == 1
    assert st.ledger.investment == pytest.approx(250.0, rel=1e-12)
    # capacity 40 + 250 / 5 = 90; productivity 1.6 x (1 + 0.02 x 250 / (40 x 5)) = 1.6 x 1.025
    assert f.capacity[0] == pytest.approx(90.0, rel=1e-12)
    assert f.productivity[0] == pytest.approx(1.64, rel=1e-12)
    # the lead pays all 250: an IDF loan of 200 at 3 % and 50 of its own funds (cash 100 -> 50)
    assert f.cash[0] == pytest.approx(50.0, rel=1e-12)
    assert f.debt_pref[0] == pytest.approx(200.0, rel=1e-12)
    assert f.pref_rate[0] == pytest.approx(0.03, abs=1e-12)
    assert f.debt_market[0] == 0.0
    # the only participant SME is the partner: qualification 0.45 + 2 x 0.1, matched
    assert f.qualification[1] == pytest.approx(0.65, rel=1e-12)
    assert bool(f.matched[1])
    # nothing paid yet: the first instalment comes next quarter
    assert st.ledger.instrument_cost("joint_project") == 0.0


def test_idf_finances_a_project_in_the_de_facto_arm():
    sc = _spec(capex=250.0)
    st = state([yard(capacity=40.0, cash=100.0, ebitda=30.0, **MEMBER),
                supplier(0, qualification=0.45, **MEMBER)], sc)  # fmt: skip
    gov = government(sc)  # de facto: no subsidy, but IDF lends to every firm
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    f = st.firms
    # IDF min(0.8 x 250, 1000, 1500, room 3.5 x 4 x 30 = 420, 250) = 200 at 3 %, own funds
    # min(100 - 20, 50) = 50; hurdle (200 x 3 % + 50 x 20 %) / 250 = 6.4 % <= 12 % -> goes ahead
    assert st.ledger.joint_projects == 1
    assert f.capacity[0] == pytest.approx(90.0, rel=1e-12)
    assert f.qualification[1] == pytest.approx(0.65, rel=1e-12)
    assert gov.grants == []
    assert gov.spent == {(IDF, 0): pytest.approx(200.0, rel=1e-12)}
    assert (f.debt_pref[0], f.debt_market[0], f.cash[0]) == (
        pytest.approx(200.0), 0.0, pytest.approx(50.0))  # fmt: skip
    (loan,) = st.loans
    assert (loan.programme, loan.world, loan.term_quarters) == (IDF, True, 20)
    # grant-equivalent 200 x (20 % - 3 %) / 4 / (5 % + 1 / 20) = 85
    assert st.ledger.grant_equivalent == pytest.approx(85.0, rel=1e-12)


def test_without_subsidy_or_idf_loan_a_12_percent_project_is_dropped():
    sc = _spec(capex=100.0)  # below IDF's 125 minimum project
    st = state([yard(capacity=40.0, cash=100.0, ebitda=30.0, **MEMBER),
                supplier(0, qualification=0.45, **MEMBER)], sc)  # fmt: skip
    gov = government(sc)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # financeable (own funds 80 + market 20 within the room 420) but all at 20 %:
    # 0.12 / (1 - 0) = 0.12 < 0.20
    assert st.ledger.joint_projects == 0
    assert st.firms.capacity[0] == 40.0
    assert st.firms.qualification[1] == 0.45
    assert (st.firms.cash[0], st.firms.debt_market[0]) == (100.0, 0.0)
    assert gov.grants == [] and gov.spent == {}


def test_a_project_the_lead_cannot_finance_is_skipped():
    sc = _spec(capex=250.0, ret=0.5)  # the return clears any hurdle
    st = state([yard(cash=0.0, **MEMBER), supplier(0, qualification=0.45, **MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # subsidy 125 committed -> room 84 + 125 = 209: IDF 200, no own funds (cash 0), market
    # min(50, 209 - 200) = 9: 209 < 250 financed -> skipped, and nothing committed or lent
    assert st.ledger.joint_projects == 0
    assert gov.grants == [] and gov.spent == {}
    assert len(st.loans) == 0
    assert (st.firms.debt_market[0], st.firms.debt_pref[0]) == (0.0, 0.0)
    assert st.firms.capacity[0] == 40.0
    assert st.firms.qualification[1] == 0.45


def test_the_committed_grant_counts_toward_the_borrowing_limit():
    sc = _spec(capex=250.0, ret=0.5)  # the return clears any hurdle
    lead = yard(cash=100.0, output=40.0, price=1.0, **MEMBER)  # own funds 80, room 84
    # de facto: room 84 < IDF's 100 minimum loan; own 80 + market 84 = 164 < 250 -> skipped
    st = state([lead], sc)
    joint_projects.run(st, government(sc), sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 0
    # Decree 41: subsidy 125 due -> room 84 + 125 = 209; IDF 200 + own funds 50 = 250 -> goes
    st = state([lead], sc)
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    assert (st.firms.debt_pref[0], st.firms.cash[0]) == (pytest.approx(200.0), pytest.approx(50.0))
    assert gov.grants[0].per_quarter * gov.grants[0].quarters_left == pytest.approx(125.0)


def test_subsidy_needs_a_years_payout_of_budget_left():
    sc = _spec(capex=250.0)
    rich = {"cash": 100.0, "ebitda": 30.0, **MEMBER}  # own funds 80, room 420
    # one year's payout is 125 / 5 = 25: 400 - 375 = 25 left is just enough
    st = state([yard(**rich)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.book("joint_project", 375.0, 1)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    assert len(gov.grants) == 1
    assert gov.spent[("joint_project", 0)] == pytest.approx(400.0, rel=1e-12)
    # 400 - 376 = 24 < 25: no subsidy; the project still goes ahead on IDF's loan (hurdle
    # (200 x 3 % + 50 x 20 %) / 250 = 6.4 % <= 12 %), with no grant and no budget charged
    st = state([yard(**rich)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.book("joint_project", 376.0, 1)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    assert gov.grants == []
    assert gov.spent[("joint_project", 0)] == pytest.approx(376.0, rel=1e-12)


def test_package_of_the_2020s_subsidises_30_percent_and_idf_lends_80_percent():
    sc = _spec(capex=250.0)
    st = state([yard(cash=0.0, ebitda=30.0, **MEMBER)], sc)
    gov = government(sc, "cluster_support_2020s", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(2))
    # two proposals, both 250 at 12 %, subsidy 0.3 x 250 = 75 each
    # first: room 420 + 75 due = 495; IDF min(200, 1000, 1500, 495, 250) = 200 at 3 %; the
    #   regional 5 % loan gets min(0.8 x 250 - 200, ...) = 0 (80 % co-financing already used);
    #   no own funds; market 50. Hurdle (200 x 3 % + 50 x 20 %) / 250 = 6.4 % <= 0.12 / 0.7
    # second: room 420 + 75 + 75 due - 250 debt = 320; IDF (1300 left) 200, market 50
    assert st.ledger.joint_projects == 2
    # 75 each over 3 years = 12 quarters of 6.25; 25 a year charged each
    assert [(g.per_quarter, g.quarters_left) for g in gov.grants] == [(6.25, 12), (6.25, 12)]
    assert gov.spent == {
        ("joint_project", 0): pytest.approx(50.0, rel=1e-12),
        (IDF, 0): pytest.approx(400.0, rel=1e-12),
    }
    assert st.firms.debt_pref[0] == pytest.approx(400.0, rel=1e-12)
    assert st.firms.pref_rate[0] == pytest.approx(0.03, abs=1e-12)
    assert st.firms.debt_market[0] == pytest.approx(100.0, rel=1e-12)


def test_lead_drawn_by_capacity_and_partners_among_participant_smes():
    # 100 < IDF's 125 minimum project: market debt at 20 % within the room 3.5 x 4 x 30 = 420;
    # 0.25 >= 0.20: goes ahead even without subsidy
    sc = _spec(capex=100.0, ret=0.25)
    st = state([
        yard(capacity=10.0, ebitda=30.0, **MEMBER),
        yard(capacity=30.0, ebitda=30.0, **MEMBER),
        yard(capacity=100.0),  # not a participant: never leads
        supplier(0, qualification=0.1, **MEMBER),
        supplier(1, qualification=0.2, **MEMBER),
        supplier(2, qualification=0.3),  # not a participant: never a partner
        supplier(3, qualification=0.9, **MEMBER),
    ], sc)  # fmt: skip
    # leads: cumulative capacity [10, 40]; u x 40 = 10 -> first yard, 10.4 -> second
    # partners [3, 4, 6]: int(u x 3) = [0, 0, 2] -> {3, 6}; [1, 1, 1] -> {4}
    rng = _Proposals(2, uniforms=[[0.25, 0.26], [[0.0, 0.2, 0.99], [0.5, 0.5, 0.5]]])
    joint_projects.run(st, government(sc), sc.organisation, rng)
    f = st.firms
    assert st.ledger.joint_projects == 2
    # each yard gets 100 / 5 = 20 of capacity
    assert f.capacity[:3].tolist() == pytest.approx([30.0, 50.0, 100.0], rel=1e-12)
    # partners: +0.2 once each (duplicates collapse), capped at 1
    assert f.qualification[3:7].tolist() == pytest.approx([0.3, 0.4, 0.3, 1.0], rel=1e-12)
    assert f.matched[3:7].tolist() == [True, True, False, True]


def test_no_projects_without_an_organisation_but_grants_still_paid():
    sc = _spec(ret=0.5, overrides={"organisation.exists": False})
    st = state([yard(cash=0.0, **MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.grants = [Grant(0, 2.5, 4, "federal")]
    joint_projects.run(st, gov, sc.organisation, _Proposals(3))
    assert st.ledger.joint_projects == 0
    assert st.firms.capacity[0] == 40.0
    assert st.firms.cash[0] == pytest.approx(2.5, rel=1e-12)
    assert st.ledger.cost[("joint_project", "federal")] == pytest.approx(2.5, rel=1e-12)


def test_pay_grants_pays_instalments_until_the_payout_ends():
    sc = scenario()
    gov = government(sc, "decree41_full", registered=True)
    gov.grants = [Grant(0, 15.0, 2, "federal"), Grant(2, 5.0, 1, "regional")]
    cash, fed, reg = gov.pay_grants(3)
    assert cash.tolist() == [15.0, 0.0, 5.0]
    assert (fed, reg) == (15.0, 5.0)
    cash, fed, reg = gov.pay_grants(3)
    assert cash.tolist() == [15.0, 0.0, 0.0]
    assert (fed, reg) == (15.0, 0.0)
    assert gov.grants == []
    cash, fed, reg = gov.pay_grants(3)
    assert cash.tolist() == [0.0, 0.0, 0.0]
    assert (fed, reg) == (0.0, 0.0)


def test_grant_is_paid_in_full_over_the_payout_years():
    sc = _spec(capex=250.0)
    st = state([yard(ebitda=30.0, **MEMBER)], sc)  # IDF 200 + market 50, as above
    gov = government(sc, "cluster_support_2020s", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    # 75 over 3 years: 12 instalments of 6.25, then nothing
    paid = [gov.pay_grants(1)[1] for _ in range(13)]
    assert paid[:12] == [6.25] * 12
    assert paid[12] == 0.0
    assert sum(paid) == pytest.approx(75.0, rel=1e-12)


def test_run_pays_running_grants_into_cash_and_books_them():
    sc = _spec(overrides={"organisation.joint_projects_per_year": 0.0})
    st = state([yard(cash=1.0), yard(cash=2.0)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.grants = [Grant(0, 6.25, 12, "federal"), Grant(1, 4.0, 3, "regional")]
    joint_projects.run(st, gov, sc.organisation, np.random.default_rng(11))
    # poisson(0) proposals = 0; instalments 6.25 (federal) and 4 (regional) are paid
    assert st.firms.cash[:2].tolist() == pytest.approx([7.25, 6.0], rel=1e-12)
    assert st.ledger.cost[("joint_project", "federal")] == pytest.approx(6.25, rel=1e-12)
    assert st.ledger.cost[("joint_project", "regional")] == pytest.approx(4.0, rel=1e-12)
    assert st.ledger.paid_to_firms == pytest.approx(10.25, rel=1e-12)
    assert [g.quarters_left for g in gov.grants] == [11, 2]
    assert st.ledger.joint_projects == 0


def test_committed_grants_are_the_instalments_still_due_discounted():
    sc = scenario()
    gov = government(sc, "decree41_full", registered=True)
    gov.grants = [Grant(0, 6.25, 3, "federal"), Grant(1, 4.0, 1, "regional")]
    v = 1.08**-0.25
    committed = joint_projects.committed_grants(gov, 0.08)
    # 6.25 in each of the next 3 quarters; 4 next quarter
    assert committed["federal"] == pytest.approx(6.25 * (v + v**2 + v**3), rel=1e-12)
    assert committed["regional"] == pytest.approx(4.0 * v, rel=1e-12)
    # undiscounted, the instalments due: the grants' receivable
    undiscounted = joint_projects.committed_grants(gov, 0.0)
    assert undiscounted == {"federal": pytest.approx(18.75), "regional": pytest.approx(4.0)}
    assert sum(undiscounted.values()) == pytest.approx(gov.receivable(2).sum())
    # paying them one by one: what is booked equals what was committed, quarter by quarter
    booked = 0.0
    for k in range(1, 5):
        _, fed, reg = gov.pay_grants(2)
        booked += v**k * (fed + reg)
    assert booked == pytest.approx(sum(committed.values()), rel=1e-12)
    assert joint_projects.committed_grants(gov, 0.08) == {"federal": 0.0, "regional": 0.0}


def test_a_new_grant_is_committed_in_full_at_the_end_of_its_quarter():
    sc = _spec(capex=250.0)
    st = state([yard(ebitda=30.0, **MEMBER)], sc)
    gov = government(sc, "cluster_support_2020s", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # 75 over 3 years, nothing paid yet: 12 instalments of 6.25 from next quarter
    v = 1.08**-0.25
    due = 6.25 * sum(v**k for k in range(1, 13))
    assert joint_projects.committed_grants(gov, 0.08) == {
        "federal": pytest.approx(due, rel=1e-12),
        "regional": 0.0,
    }


def _leads():
    """Large firms of capacity 10, 30 and 60 (a component plant) in the cluster, 100 outside."""
    return [
        yard(capacity=10.0, participant=True),
        yard(capacity=30.0, participant=True),
        {"kind": KIND_LARGE, "role": ROLE_COMPONENT, "trade": 1, "capacity": 60.0,
         "participant": True},
        yard(capacity=100.0),  # an outsider: would lead as a participant
        yard(capacity=50.0, participant=True, alive=False),  # closed: never leads
        supplier(0, capacity=5.0, participant=True),  # SMEs never lead
    ]  # fmt: skip


def test_projects_led_by_hand():
    sc = scenario()
    st = state(_leads(), sc)
    p = joint_projects.projects_led(st, sc.organisation)
    # 2 proposals a year -> 0.5 a quarter, shared by the participants' capacity 10 + 30 + 60 = 100
    # (the closed firm does not count); the outsider's share is 100 / (100 + 100)
    assert p == pytest.approx([0.05, 0.15, 0.30, 0.25, 0.0, 0.0], abs=1e-12)
    # the participants' expected projects add up to the expected proposals
    assert p[:3].sum() == pytest.approx(0.5, abs=1e-12)


def test_go_probability_of_a_lognormal_return():
    ret = Distribution(mean=0.12, cv=0.5)  # sigma^2 = ln(1.25), mu = ln 0.12 - sigma^2 / 2
    # P(r >= mean) = 1 - Phi(sigma / 2) = 1 - Phi(0.236190) = 0.406642
    assert joint_projects.go_probability(ret, 0.0, 0.12) == pytest.approx(0.406642, abs=1e-6)
    # a subsidy of half the capex halves the threshold: P(r >= 0.06) = 1 - Phi(-1.231158)
    assert joint_projects.go_probability(ret, 0.5, 0.12) == pytest.approx(0.890868, abs=1e-6)
    # no spread: all or nothing
    fixed = Distribution(mean=0.12, cv=0.0)
    assert joint_projects.go_probability(fixed, 0.0, 0.12) == 1.0
    assert joint_projects.go_probability(fixed, 0.0, 0.121) == 0.0


def test_expected_benefit_is_projects_undertaken_times_the_subsidy():
    sc = _spec(capex=250.0, ret=0.12)  # no spread in capex or return
    leads = [{**a, "ebitda": 30.0} for a in _leads()]
    st = state(leads, sc)
    jp = sc.regimes["decree41_full"].joint_project_subsidy
    gov = government(sc, "decree41_full")  # as a roster member: registration is not asked
    value = joint_projects.expected_benefit(st, gov, jp, sc.organisation)
    # subsidy min(0.5 x 250, 300) = 125. Plan of a member (room 3.5 x 4 x 30 = 420, + 125 due):
    # IDF 0.8 x 250 = 200 at 3 %, market 50 at 20 %: hurdle 16 / 250 = 6.4 %;
    # 0.12 >= 6.4 % x (1 - 0.5): every proposal it leads goes ahead -> 125 x projects led
    assert value == pytest.approx(125 * np.array([0.05, 0.15, 0.30, 0.25, 0.0, 0.0]), abs=1e-12)
    # a firm that cannot finance the project expects nothing: room 3.5 x 4 x 6 + 125 = 209
    poor = state(_leads(), sc)
    assert joint_projects.expected_benefit(poor, gov, jp, sc.organisation)[:4].tolist() == [0.0] * 4
    # 400 - 380 = 20 left < a year's payout 125 / 5 = 25: nothing to expect
    gov.book("joint_project", 380.0, 1)
    value = joint_projects.expected_benefit(st, gov, jp, sc.organisation)
    assert value.tolist() == [0.0] * 6


def test_subsidy_for_is_the_rate_up_to_the_cap_while_a_years_payout_fits_the_budget():
    sc = scenario()
    d41 = sc.regimes["decree41_full"].joint_project_subsidy  # 50 %, cap 300, 5 years, 400 a year
    gov = government(sc, "decree41_full")
    # min(0.5 x 250, 300) = 125; min(0.5 x 800, 300) = 300
    assert joint_projects.subsidy_for(d41, gov, 1, 250.0) == pytest.approx(125.0, rel=1e-12)
    assert joint_projects.subsidy_for(d41, gov, 1, 800.0) == pytest.approx(300.0, rel=1e-12)
    gov.book("joint_project", 340.0, 1)  # 60 left: exactly a year's payout of 300 / 5
    assert joint_projects.subsidy_for(d41, gov, 1, 800.0) == pytest.approx(300.0, rel=1e-12)
    gov.book("joint_project", 1.0, 1)  # 59 left: too little for 300, enough for 125 (25 a year)
    assert joint_projects.subsidy_for(d41, gov, 1, 800.0) == 0.0
    assert joint_projects.subsidy_for(d41, gov, 4, 250.0) == pytest.approx(125.0, rel=1e-12)
    # quarter 5 is the next budget year: 400 left again
    assert joint_projects.subsidy_for(d41, gov, 5, 800.0) == pytest.approx(300.0, rel=1e-12)
    # the 2020s package: 30 %, cap 300, 3 years: 0.3 x 250 = 75; 0.3 x 1200 = 360 -> 300
    pkg = sc.regimes["cluster_support_2020s"].joint_project_subsidy
    gov = government(sc, "cluster_support_2020s")
    assert joint_projects.subsidy_for(pkg, gov, 1, 250.0) == pytest.approx(75.0, rel=1e-12)
    assert joint_projects.subsidy_for(pkg, gov, 1, 1200.0) == pytest.approx(300.0, rel=1e-12)


def test_committed_grants_is_its_numpy_code_bit_for_bit():
    from sim.model.mechanisms import financing

    gov = government(scenario(), "cluster_support_2020s", registered=True)
    gov.grants = [
        Grant(k % 5, 0.37 * (k + 1), q, "federal" if k % 3 else "regional")
        for k, q in enumerate([1, 2, 3, 7, 12, 19, 20, 1, 8])
    ]
    for rho in (0.0, 0.08, 0.31):
        out = {"federal": 0.0, "regional": 0.0}
        v = financing.discount_per_quarter(rho)
        per_quarter = np.array([g.per_quarter for g in gov.grants])
        left = np.array([g.quarters_left for g in gov.grants], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            tail = v ** (left - 1.0 + 1.0)
            geo = np.where(v == 1.0, left, (np.asarray(v) ** np.asarray(0.0) - tail) / (1.0 - v))
        for g, value in zip(gov.grants, (per_quarter * v * geo).tolist(), strict=True):
            out[g.level] += value
        assert joint_projects.committed_grants(gov, rho) == out
