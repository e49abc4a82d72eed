"""Stage 2, sim.model.mechanisms.membership: firms join or leave the cluster (7.3)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import (
    KIND_LARGE,
    ROLE_COMPONENT,
    government,
    organisation,
    scenario,
    state,
    supplier,
    yard,
)

from sim.model.agents import CriteriaCheck, Firm
from sim.model.mechanisms import membership


class _Uniforms:
    """A stand-in generator whose uniform draws the test chooses."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=float)

    def random(self, size):
        assert size == self.u.size
        return self.u


def _check(n, fd, n_min=10, fd_thr=0.20):
    return CriteriaCheck(
        n_participants=n,
        n_min=n_min,
        functional_dependence=fd,
        fd_threshold=fd_thr,
        n_non_producing=0,
        max_non_producing=3,
        all_have_contracts=True,
        organisation=True,
    )


def _three_firms():
    # revenue R = Y * p: yard 40 * 1.1 = 44, component plant 30 * 1.0 = 30, SME 4 * 1.04 = 4.16
    # outsiders; every firm earns an EBITDA of 6 (borrowing room 3.5 * 4 * 6 = 84, no debt)
    # the yard wants to invest 0.25 * (640 / 8 - 50) * 5 = 37.5 and bought 5 from participants,
    # 3 of them starter batches (from new participant suppliers)
    return [
        yard(
            output=40.0,
            price=1.1,
            purchases_local=5.0,
            purchases_from_participants=5.0,
            purchases_starter=3.0,
            order_book=640.0,
            profit=3.0,
            capacity=50.0,
        ),
        {
            "kind": KIND_LARGE,
            "role": ROLE_COMPONENT,
            "trade": 1,
            "output": 30.0,
            "price": 1.0,
            "sales_cluster": 10.0,
            "purchases_from_participants": 4.0,
        },
        supplier(0, output=4.0, price=1.04, sales_cluster=3.0, profit=-1.0, capacity=5.0),
    ]


def test_net_benefit_without_a_regime_is_network_benefit_minus_fees():
    sc = scenario()
    st = state(_three_firms(), sc)
    nb = membership.net_benefit(st, government(sc), organisation(sc), 0.0)
    # 0.01 * R - (0.15 + 0.25) / 4
    assert nb == pytest.approx([0.01 * 44 - 0.1, 0.01 * 30 - 0.1, 0.01 * 4.16 - 0.1], rel=1e-12)


def test_net_benefit_with_the_2020s_package_by_hand():
    sc = scenario()
    firms = _three_firms()
    for large in firms[:2]:
        large["ebitda"] = 30.0  # borrowing room 3.5 * 4 * 30 = 420
    st = state(firms, sc)
    gov = government(sc, "cluster_support_2020s")  # expectations as a roster member
    nb = membership.net_benefit(st, gov, organisation(sc, exists=True), 0.5)
    base = np.array([0.01 * 44 - 0.1, 0.01 * 30 - 0.1, 0.01 * 4.16 - 0.1])
    # joint projects: each large outsider would lead 2 / 4 * K / (0 + K) = 0.5 proposals a
    # quarter as a participant; subsidy min(0.30 * 250, 300) = 75 (25 a year fits the budget).
    # Its plan for capex 250 (room 420 + 75 due): IDF 0.8 * 250 = 200 at 3 %, market 50 at
    # 20 % -> hurdle 16 / 250 = 6.4 %; it goes ahead when r >= 6.4 % * (1 - 0.3) = 4.48 %:
    # P = 1 - Phi((ln 0.0448 - mu) / sigma) = 1 - Phi(-1.849592) = 0.967814 (mean 12 %, cv 0.5)
    go = 0.9678138443
    jp = np.array([0.5 * go * 75, 0.5 * go * 75, 0.0])
    # starter batches (buyers only): the yard 0.5 * 3 starter batches bought (not the 5 it
    # bought from all participants)
    sb = np.array([0.5 * 3.0, 0.0, 0.0])
    # regional 5 % loans: nothing for the project (IDF's 200 fills the 80 % co-financing
    # limit); the yard's capacity outlay 37.5: min(0.8 * 37.5, 200, 300, 420) = 30, worth
    # (20 % - 5 %) / 4 / (5 % + 1 / 20) = 0.375 per mln lent
    loans = np.array([30 * 0.375, 0.0, 0.0])
    expected = base + 0.5 * (jp + sb + loans)
    assert nb == pytest.approx(expected, rel=1e-9)
    # a large firm that cannot finance a project (room 84 + 75 = 159 < 250) expects no subsidy
    poor = state(_three_firms(), sc)
    nb = membership.net_benefit(poor, gov, organisation(sc, exists=True), 0.5)
    assert nb == pytest.approx(base + 0.5 * (sb + loans), rel=1e-9)


def test_joint_project_benefit_needs_the_organisation():
    sc = scenario()
    st = state(_three_firms(), sc)
    gov = government(sc, "cluster_support_2020s")
    nb = membership.net_benefit(st, gov, organisation(sc, exists=False), 1.0)
    # no projects to lead, so no subsidy and no project loan; the yard keeps its starter
    # batches 0.5 * 3 = 1.5 and the loan for its capacity outlay 30 * 0.375 = 11.25
    assert nb == pytest.approx([0.34 + 1.5 + 11.25, 0.2, -0.0584], rel=1e-12)


def test_net_benefit_with_tax_relief_only_by_hand():
    sc = scenario()
    st = state(_three_firms(), sc)
    st.firms.sez[1] = True  # the component plant is an SEZ resident: on its own tax regime
    gov = government(sc, "tax_relief_only", registered=True)
    nb = membership.net_benefit(st, gov, organisation(sc), 1.0)
    # 0.045 * max(profit, 0) + 0.009 / 4 * capacity * kappa (kappa = 5)
    yard_v = 0.045 * 3.0 + 0.009 / 4 * 50.0 * 5.0  # 0.135 + 0.5625
    sme_v = 0.045 * 0.0 + 0.009 / 4 * 5.0 * 5.0  # loss-making: property tax only
    assert nb[0] == pytest.approx(0.34 + yard_v, rel=1e-12)
    assert nb[0] == pytest.approx(1.0375, rel=1e-12)
    assert nb[1] == pytest.approx(0.2, rel=1e-12)  # SEZ resident: no relief term
    assert nb[2] == pytest.approx(-0.0584 + sme_v, rel=1e-12)
    # 5 years after registration (quarter 21, registered in quarter 1) the relief is over
    st.quarter = 21
    nb = membership.net_benefit(st, gov, organisation(sc), 1.0)
    assert nb == pytest.approx([0.34, 0.2, -0.0584], rel=1e-12)


def test_net_benefit_ignores_instruments_when_the_prospect_is_zero():
    sc = scenario()
    st = state(_three_firms(), sc)
    gov = government(sc, "cluster_support_2020s")
    nb = membership.net_benefit(st, gov, organisation(sc), 0.0)
    assert nb == pytest.approx([0.34, 0.2, -0.0584], rel=1e-12)


def test_peer_share_counts_alive_firms_of_the_same_kind():
    st = state(
        [
            yard(participant=True),
            yard(participant=False),
            supplier(0, participant=True),
            supplier(1, participant=True),
            supplier(2, participant=False),
            supplier(3, participant=True, alive=False),  # closed: not counted
        ]
    )
    peer = membership.peer_share(st)
    # large: 1 of 2 alive; SMEs: 2 of 3 alive
    assert peer[:5] == pytest.approx([0.5, 0.5, 2 / 3, 2 / 3, 2 / 3], rel=1e-12)


def test_registration_prospect():
    assert Firm.registration_prospect(False, True, _check(20, 0.5)) == 0.0  # de-facto arm
    assert Firm.registration_prospect(True, True, _check(1, 0.0)) == 1.0  # registered
    assert Firm.registration_prospect(True, False, None) == 0.5  # before the first check
    # min(1, 5 / 10) * min(1, 0.15 / 0.20) = 0.5 * 0.75
    assert Firm.registration_prospect(True, False, _check(5, 0.15)) == pytest.approx(0.375)
    # min(1, 12 / 10) * min(1, 0.06 / 0.10) = 1 * 0.6 (reduced threshold)
    assert Firm.registration_prospect(True, False, _check(12, 0.06, fd_thr=0.10)) == (
        pytest.approx(0.6)
    )
    assert Firm.registration_prospect(True, False, _check(12, 0.30)) == 1.0


def test_reconsidering_firms_join_and_leave_by_the_sign_of_z():
    sc = scenario({"membership.reconsider_share_per_quarter": 1.0})  # everyone reconsiders
    st = state(
        [
            yard(participant=True, matched=True, taste=-3.0),
            yard(participant=False, taste=1.0),
            supplier(0, output=4.0, participant=True, matched=True, taste=-3.0),
            supplier(0, output=4.0, participant=False, taste=0.5),
        ],
        sc,
    )
    # de-facto arm: NB = 0.01 * R - 0.1 (yards 0.3, SMEs -0.06); peers 1/2 of each kind
    # z = NB / 2 + 1.5 * (0.5 - 0.5) + taste:
    #   yard 0: 0.15 - 3 < 0 (leaves), yard 1: 0.15 + 1 > 0 (joins),
    #   SME 2: -0.03 - 3 < 0 (leaves), SME 3: -0.03 + 0.5 > 0 (joins)
    membership.reconsider(st, government(sc), organisation(sc), np.random.default_rng(0))
    f = st.firms
    assert f.participant[:4].tolist() == [False, True, False, True]
    # leavers lose the matched flag; a large joiner is matched at once, an SME waits
    assert f.matched[:4].tolist() == [False, True, False, False]


def test_peer_pull_is_by_kind_and_the_group_constant_adds():
    sc = scenario({"membership.reconsider_share_per_quarter": 1.0})
    st = state(
        [
            yard(participant=True, taste=5.0),
            supplier(0, output=4.0, participant=True, taste=5.0),
            supplier(0, output=4.0, participant=False, taste=0.25, group=0),
            supplier(0, output=4.0, participant=False, taste=0.25, group=1),
        ],
        sc,
    )
    st.group_constant[1] = 0.05
    # SME peers: 1 of 3 SMEs (the yard does not count): 1.5 * (1/3 - 0.5) = -0.25
    # z = -0.06 / 2 - 0.25 + 0.25 + c_g: group 0 -> -0.03 (stays out), group 1 -> +0.02 (joins)
    membership.reconsider(st, government(sc), organisation(sc), np.random.default_rng(0))
    assert st.firms.participant[:4].tolist() == [True, True, False, True]


def test_the_organisation_makes_outsiders_reconsider_more_often():
    # rate 0.15 for participants, 0.15 * (1 + 0.5) = 0.225 for outsiders when it recruits
    firms = [
        yard(participant=True, taste=-3.0),  # would leave, but U = 0.2 >= 0.15
        supplier(0, output=4.0, participant=False, taste=3.0),  # would join
    ]
    sc = scenario()
    st = state(firms, sc)
    membership.reconsider(st, government(sc), organisation(sc, True), _Uniforms([0.2, 0.2]))
    assert st.firms.participant[:2].tolist() == [True, True]  # 0.2 < 0.225: the SME joins

    st = state(firms, sc)
    membership.reconsider(st, government(sc), organisation(sc, False), _Uniforms([0.2, 0.2]))
    assert st.firms.participant[:2].tolist() == [True, False]  # 0.2 >= 0.15: nobody moves
