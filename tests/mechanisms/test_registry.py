"""Stage 3, sim.model.mechanisms.registry: Decree 779 application, decision, lapse (7.4)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, organisation, scenario, state, supplier, yard

from sim.model.mechanisms import registry

REGIME = "cluster_support_2020s"


def _criteria_kwargs(**changes):
    kwargs = {
        "n_participants": 10,
        "functional_dependence": 0.20,
        "special_share": 0.0,
        "n_non_producing": 3,
        "all_have_contracts": True,
        "organisation": True,
    }
    return {**kwargs, **changes}


def _three_yards(fd_purchases=(2.0, 2.0, 2.0), quarter=1):
    """Three participant yards with purchases 10 each and recent contracts."""
    return [
        yard(participant=True, purchases=10.0, purchases_from_participants=p,
             last_contract_quarter=quarter - 1)
        for p in fd_purchases
    ]  # fmt: skip


def _small_cluster():
    # N_min = 3 so that three yards can register; every other rule as in the Astrakhan file
    return scenario({"registry.min_industrial_participants": 3})


def _step(st, gov, org, q, fd_purchases=None):
    """Run the stage in quarter ``q``; the yards had a contract last quarter."""
    st.quarter = q
    st.firms.last_contract_quarter[: st.firms.n] = q - 1
    if fd_purchases is not None:
        st.firms.purchases_from_participants[: st.firms.n] = fd_purchases
    registry.apply_and_decide(st, gov, org)


def test_eligible_exactly_at_the_functional_dependence_threshold():
    sc = scenario()
    gov = government(sc, REGIME)
    # Astrakhan: N_min = 10, FD >= 0.20, at most 3 non-producing, an organisation
    check = gov.check_criteria(**_criteria_kwargs())
    assert check.n_min == 10
    assert check.fd_threshold == 0.20
    assert check.eligible
    assert not gov.check_criteria(**_criteria_kwargs(functional_dependence=0.1999)).eligible
    assert not gov.check_criteria(**_criteria_kwargs(n_participants=9)).eligible
    assert not gov.check_criteria(**_criteria_kwargs(n_non_producing=4)).eligible
    assert not gov.check_criteria(**_criteria_kwargs(organisation=False)).eligible


def test_reduced_threshold_when_the_special_territory_share_reaches_030():
    gov = government(scenario(), REGIME)
    at = gov.check_criteria(**_criteria_kwargs(functional_dependence=0.10, special_share=0.30))
    assert at.fd_threshold == 0.10
    assert at.eligible
    below = gov.check_criteria(
        **_criteria_kwargs(functional_dependence=0.10, special_share=0.2999)
    )
    assert below.fd_threshold == 0.20
    assert not below.eligible


def test_criteria_of_a_hand_built_roster_at_the_threshold():
    sc = _small_cluster()
    # FD = (2 + 2 + 2) / (10 + 10 + 10) = 0.20 = threshold
    st = state(_three_yards((2.0, 2.0, 2.0)), sc)
    check = registry.criteria(st, government(sc, REGIME), organisation(sc))
    assert check.n_participants == 3
    assert check.functional_dependence == pytest.approx(0.20, rel=1e-15)
    assert check.eligible
    # FD = 5.99 / 30 = 0.1997: just below
    st = state(_three_yards((2.0, 2.0, 1.99)), sc)
    check = registry.criteria(st, government(sc, REGIME), organisation(sc))
    assert check.functional_dependence == pytest.approx(5.99 / 30.0, rel=1e-12)
    assert not check.eligible


def test_roster_needs_a_contract_in_the_memory_window_and_counts_non_producing():
    sc = _small_cluster()
    # quarter 10, memory 4: a contract counts when last_contract_quarter > 10 - 1 - 4 = 5
    st = state(
        [
            yard(participant=True, last_contract_quarter=9, born_quarter=7, purchases=10.0,
                 purchases_from_participants=3.0),
            supplier(0, participant=True, last_contract_quarter=6, born_quarter=8),
            supplier(0, participant=True, last_contract_quarter=5),
            supplier(0, participant=False, last_contract_quarter=9),
            supplier(0, participant=True, last_contract_quarter=9, alive=False),
        ],
        sc,
        quarter=10,
    )  # fmt: skip
    check = registry.criteria(st, government(sc, REGIME), organisation(sc))
    # roster: the yard and the supplier with a quarter-6 contract
    assert check.n_participants == 2
    # non-producing: 10 - 8 = 2 <= 2 quarters (the yard: 10 - 7 = 3)
    assert check.n_non_producing == 1
    assert check.functional_dependence == pytest.approx(0.3, rel=1e-12)  # 3 / 10
    assert not check.eligible  # 2 < N_min = 3


def test_three_special_territory_members_of_ten_give_the_reduced_threshold():
    sc = scenario()  # N_min = 10
    # two yards (FD = (1.2 + 1.2) / (10 + 10) = 0.12) and eight participant SMEs
    firms = [
        yard(participant=True, purchases=10.0, purchases_from_participants=1.2,
             last_contract_quarter=3)
        for _ in range(2)
    ] + [
        supplier(k % 5, participant=True, last_contract_quarter=3, special_territory=k < 3)
        for k in range(8)
    ]  # fmt: skip
    st = state(firms, sc, quarter=4)
    gov, org = government(sc, REGIME), organisation(sc)
    check = registry.criteria(st, gov, org)
    # special share 3 / 10 = 0.30 >= 0.30: FD 0.12 >= 0.10
    assert check.n_participants == 10
    assert check.fd_threshold == 0.10
    assert check.eligible
    st.firms.special_territory[4] = False  # 2 / 10 = 0.20 < 0.30: FD 0.12 < 0.20
    check = registry.criteria(st, gov, org)
    assert check.fd_threshold == 0.20
    assert not check.eligible


def test_too_many_non_producing_participants():
    sc = _small_cluster()
    # four roster SMEs born in quarter 4 are non-producing in quarter 5 (5 - 4 = 1 <= 2)
    firms = _three_yards(quarter=5) + [
        supplier(0, participant=True, last_contract_quarter=4, born_quarter=4) for _ in range(4)
    ]
    st = state(firms, sc, quarter=5)
    check = registry.criteria(st, government(sc, REGIME), organisation(sc))
    assert check.n_participants == 7
    assert check.n_non_producing == 4
    assert not check.eligible  # 4 > max_non_producing = 3


def test_file_decide_after_the_lag_and_reconfirm_without_a_gap():
    sc = _small_cluster()
    st = state(_three_yards(), sc)
    gov, org = government(sc, REGIME), organisation(sc)
    _step(st, gov, org, 1)  # eligible in quarter 1: files an application
    assert org.applications == [1]
    assert gov.pending_decision_quarter == 1 + 2
    assert st.last_check.eligible
    _step(st, gov, org, 2)  # still pending: no new filing, no decision
    assert org.applications == [1]
    assert not gov.registered
    _step(st, gov, org, 3)  # decided after the 2-quarter lag
    assert gov.registered
    assert gov.registered_quarter == 3
    assert gov.expires_quarter == 3 + 4 * 5
    assert gov.decisions[-1][:2] == (3, "application")
    assert gov.decisions[-1][3] is True
    assert gov.pending_decision_quarter is None
    for q in range(4, 20):
        _step(st, gov, org, q)
    assert org.applications == [1]
    # re-confirmation filed at expires - lag - 1 = 23 - 2 - 1 = 20, decided at 22
    _step(st, gov, org, 20)
    assert org.applications == [1, 20]
    assert gov.pending_kind == "reconfirmation"
    _step(st, gov, org, 21)
    _step(st, gov, org, 22)
    assert gov.decisions[-1][:2] == (22, "reconfirmation")
    assert gov.expires_quarter == 23 + 20
    assert gov.registered_quarter == 3
    _step(st, gov, org, 23)
    assert gov.registered  # no gap


def test_an_application_is_decided_on_the_criteria_at_decision_time():
    sc = _small_cluster()
    st = state(_three_yards(), sc)
    gov, org = government(sc, REGIME), organisation(sc)
    _step(st, gov, org, 1)
    _step(st, gov, org, 2, fd_purchases=1.0)  # FD falls to 3 / 30 = 0.10 < 0.20
    _step(st, gov, org, 3)
    assert not gov.registered
    assert gov.decisions == [(3, "application", st.last_check, False)]
    assert org.applications == [1]  # not eligible in quarter 3: no new filing


def test_registration_lapses_after_five_years_without_reconfirmation():
    sc = _small_cluster()
    st = state(_three_yards(), sc)
    gov, org = government(sc, REGIME), organisation(sc)
    for q in (1, 2, 3):
        _step(st, gov, org, q)
    assert gov.registered and gov.expires_quarter == 23
    for q in range(4, 23):  # FD 0.10: the re-confirmation (due from quarter 20) is not filed
        _step(st, gov, org, q, fd_purchases=1.0)
    assert org.applications == [1]
    assert gov.registered  # quarter 22: still within 3 + 20 quarters
    _step(st, gov, org, 23, fd_purchases=1.0)
    assert not gov.registered
    assert gov.decisions[-1][:2] == (23, "lapse")
    # eligible again: a new application in 24, registered again in 26 for 20 quarters
    _step(st, gov, org, 24, fd_purchases=2.0)
    assert org.applications == [1, 24]
    assert gov.pending_kind == "application"
    _step(st, gov, org, 25)
    _step(st, gov, org, 26)
    assert gov.registered
    assert gov.registered_quarter == 3  # the first registration
    assert gov.expires_quarter == 26 + 20


def test_a_registration_made_in_quarter_1_lapses_at_quarter_21():
    sc = scenario({"registry.reconfirm": False})
    # a government registered by hand (tiny.government) since quarter 1, as after a decision
    st = state(_three_yards(), sc)
    gov, org = government(sc, REGIME, registered=True, since=1), organisation(sc)
    assert gov.expires_quarter == 21  # 1 + 4 * 5
    _step(st, gov, org, 20)
    assert gov.registered
    _step(st, gov, org, 21)  # 21 >= expires_quarter: the registration ends
    assert not gov.registered
    assert gov.decisions[-1][:2] == (21, "lapse")


def test_the_de_facto_arm_and_a_cluster_without_organisation_never_file():
    sc = _small_cluster()
    for gov, org in (
        (government(sc), organisation(sc, True)),
        (government(sc, REGIME), organisation(sc, False)),
    ):
        st = state(_three_yards(), sc)
        for q in range(1, 6):
            _step(st, gov, org, q)
        assert org.applications == []
        assert not gov.registered
        assert gov.pending_decision_quarter is None
    # the check is still made: without an organisation the cluster is not eligible
    assert st.last_check.organisation is False
    assert not st.last_check.eligible


def test_roster_counts_are_numpys_mask_sums_and_mean():
    rng = np.random.default_rng(7)
    for n in (0, 5, 140, 300):
        roster, special, late = (rng.random(n) < p for p in (0.6, 0.3, 0.1))
        members, in_special, not_producing = registry._counts(roster, special, late)
        assert members == int(roster.sum())
        assert not_producing == int((roster & late).sum())
        share = in_special / members if members > 0 else 0.0
        assert share == (float(special[roster].mean()) if roster.any() else 0.0)
