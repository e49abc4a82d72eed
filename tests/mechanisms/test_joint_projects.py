"""Stage 4, sim.model.mechanisms.joint_projects: joint projects and their subsidy.

Proposals are made known by fixing their number (a seeded generator whose Poisson draw is
replaced) and giving capex and return a cv of 0, so every proposal has the mean capex and return.
Astrakhan values used below: Decree 41 (``decree41_full``) 50 %, cap 300 per project, paid over
5 years, budget 400 a year; the 2020s package 30 %, cap 300, 3 years, budget 300, IDF loans at
3 %; market rate 20 %; kappa 5; productivity gain 0.02; qualification step 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.agents import Grant, LargeEnterprise
from sim.model.mechanisms import joint_projects

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1


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
    assert st.ledger.joint_projects == 1
    assert len(gov.grants) == 1
    g = gov.grants[0]
    assert (g.firm, g.quarters_left, g.level) == (0, 20, "federal")
    assert g.per_quarter == pytest.approx(125.0 / 20.0, rel=1e-12)
    # the year's budget is charged one year's payout: 125 / 5 = 25
    assert gov.spent == {("joint_project", 0): pytest.approx(25.0, rel=1e-12)}


def test_subsidy_share_is_cap_over_capex_for_a_large_project():
    sc = _spec(capex=800.0)
    st = state([yard(capacity=40.0, **MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # s = min(0.5, 300 / 800) = 0.375: subsidy 300; 0.12 / 0.625 = 0.192 < 0.20 -> no project
    assert st.ledger.joint_projects == 0
    assert gov.grants == []
    # with a 13 % return: 0.13 / 0.625 = 0.208 >= 0.20 -> project, subsidy 300 = 15 a quarter
    sc = _spec(capex=800.0, ret=0.13)
    st = state([yard(capacity=40.0, **MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    assert gov.grants[0].per_quarter == pytest.approx(300.0 / 20.0, rel=1e-12)
    assert gov.spent[("joint_project", 0)] == pytest.approx(60.0, rel=1e-12)


def test_project_adds_capacity_productivity_and_qualifies_a_partner():
    sc = _spec(capex=250.0)
    st = state([
        yard(capacity=40.0, productivity=1.6, cash=100.0, output=40.0, price=1.0, **MEMBER),
        supplier(0, qualification=0.45, **MEMBER),
    ], sc)  # fmt: skip
    gov = government(sc, "decree41_full", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    f = st.firms
    # 0.12 / (1 - 0.5) = 0.24 >= 0.20 -> the project goes ahead
    assert st.ledger.joint_projects == 1
    assert st.ledger.investment == pytest.approx(250.0, rel=1e-12)
    # capacity 40 + 250 / 5 = 90; productivity 1.6 x (1 + 0.02 x 250 / (40 x 5)) = 1.6 x 1.025
    assert f.capacity[0] == pytest.approx(90.0, rel=1e-12)
    assert f.productivity[0] == pytest.approx(1.64, rel=1e-12)
    # the lead pays all 250: own funds 100 - 0.5 x 40 = 80, market debt 170 (no loan instrument)
    assert f.cash[0] == pytest.approx(20.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(170.0, rel=1e-12)
    # the only participant SME is the partner: qualification 0.45 + 2 x 0.1, matched
    assert f.qualification[1] == pytest.approx(0.65, rel=1e-12)
    assert bool(f.matched[1])
    # nothing paid yet: the first instalment comes next quarter
    assert st.ledger.instrument_cost("joint_project") == 0.0


def test_no_subsidy_in_the_de_facto_arm_so_a_12_percent_project_is_dropped():
    sc = _spec(capex=250.0)
    st = state([yard(capacity=40.0, **MEMBER), supplier(0, qualification=0.45, **MEMBER)], sc)
    gov = government(sc)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    # 0.12 / (1 - 0) = 0.12 < 0.20
    assert st.ledger.joint_projects == 0
    assert st.firms.capacity[0] == 40.0
    assert st.firms.qualification[1] == 0.45
    assert gov.grants == []


def test_subsidy_needs_a_years_payout_of_budget_left():
    sc = _spec(capex=250.0)
    # one year's payout is 125 / 5 = 25: 400 - 375 = 25 left is just enough
    st = state([yard(**MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.book("joint_project", 375.0, 1)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 1
    assert gov.spent[("joint_project", 0)] == pytest.approx(400.0, rel=1e-12)
    # 400 - 376 = 24 < 25: no subsidy, and 0.12 < 0.20 -> no project
    st = state([yard(**MEMBER)], sc)
    gov = government(sc, "decree41_full", registered=True)
    gov.book("joint_project", 376.0, 1)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
    assert st.ledger.joint_projects == 0
    assert gov.grants == []


def test_package_of_the_2020s_subsidises_30_percent_and_lends_at_idf_rate():
    sc = _spec(capex=250.0)
    st = state([yard(cash=0.0, **MEMBER)], sc)
    gov = government(sc, "cluster_support_2020s", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(2))
    # two proposals, both 250 at 12 %: 0.12 / 0.7 = 0.171 >= 3 % -> both go ahead
    assert st.ledger.joint_projects == 2
    # subsidy 0.3 x 250 = 75 each over 3 years = 12 quarters of 6.25; 25 a year charged each
    assert [(g.per_quarter, g.quarters_left) for g in gov.grants] == [(6.25, 12), (6.25, 12)]
    assert gov.spent[("joint_project", 0)] == pytest.approx(50.0, rel=1e-12)
    # no free cash: 2 x 250 = 500 borrowed as IDF loans (under max 1000 and budget 1500)
    assert st.firms.debt_pref[0] == pytest.approx(500.0, rel=1e-12)
    assert st.firms.debt_market[0] == 0.0
    assert gov.spent[("loans", 0)] == pytest.approx(500.0, rel=1e-12)


def test_lead_drawn_by_capacity_and_partners_among_participant_smes():
    sc = _spec(capex=100.0, ret=0.25)  # 0.25 >= 0.20: goes ahead even without subsidy
    st = state([
        yard(capacity=10.0, **MEMBER),
        yard(capacity=30.0, **MEMBER),
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
    st = state([yard(**MEMBER)], sc)
    gov = government(sc, "cluster_support_2020s", registered=True)
    joint_projects.run(st, gov, sc.organisation, _Proposals(1))
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


def test_expected_benefit_of_joint_projects():
    sc = scenario()
    st = state([yard(), yard(), supplier(0)], sc)
    value = np.array([1.0, 0.0, 0.0])
    jp = sc.regimes["decree41_full"].joint_project_subsidy
    joint_projects.add_expected_benefit(value, st, jp, sc.organisation)
    # 2 proposals a year / 4 / 2 large firms = 0.25 a quarter each
    # average subsidy min(0.5 x 250, 300) = 125 -> 0.25 x 125 = 31.25; the SME 3.125
    np.testing.assert_allclose(value, [32.25, 31.25, 3.125], rtol=1e-12)
    # capped: mean capex 800 -> min(0.5 x 800, 300) = 300 -> 75 and 7.5
    big = _spec(capex=800.0)
    value = np.zeros(3)
    joint_projects.add_expected_benefit(value, st, jp, big.organisation)
    np.testing.assert_allclose(value, [75.0, 75.0, 7.5], rtol=1e-12)
