"""Stage 4's compiled decisions (session 33, helper 2): what they read and leave.

:func:`sim.model.mechanisms.joint_projects._decide_run` decides a run's proposals in one
compiled call: the lead's preferential debt after a programme loan is summed over its loan
book there, and its eligibility (the roster) is found there. These tests check both against
the state's own definitions, in quarters where they matter.
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import financing
from sim.model.model import QUARTER, ClusterModel, begin_quarters, end_quarters
from sim.model.state import KIND_LARGE
from sim.scenario.files import default_scenario

ARM = "cluster_support_2020s"
STAGE = "4 joint projects"


def _until_stage(m: ClusterModel) -> list[dict]:
    """Begin ``m``'s next quarter and run its stages before stage 4; returns its generators."""
    rngs = begin_quarters([m])
    for label, stage in QUARTER:
        if label == STAGE:
            break
        stage([m], rngs)
    return rngs


def _finish(m: ClusterModel, rngs: list[dict]) -> None:
    """Run stage 4 and the rest of ``m``'s quarter."""
    after = False
    for label, stage in QUARTER:
        if label == STAGE:
            after = True
        if after:
            stage([m], rngs)
    end_quarters([m])


def test_a_leads_preferential_debt_after_a_project_loan_is_its_book() -> None:
    """After stage 4, a lead that borrowed has the debt and rate its whole loan book sums to.

    Checked in every quarter of a few runs, where a lead that already had programme loans on
    the book borrows again (counted: the test has teeth).
    """
    again = 0
    for seed in range(3):
        m = ClusterModel(default_scenario(), ARM, rng=seed)
        while m.state.quarter < m.horizon:
            st = m.state
            rngs = _until_stage(m)
            before = len(st.loans)
            had = set(st.loans.firm.tolist())
            QUARTER[[label for label, _ in QUARTER].index(STAGE)][1]([m], rngs)
            book, f = st.loans, st.firms
            new = sorted(set(book.firm[before:].tolist()))
            if new:
                debt, interest = financing._pref_sums(
                    book.firm, book.balance, book.rate, np.ones(len(book), dtype=np.bool_),
                    0, f.n,
                )  # fmt: skip
                for i in new:
                    assert f.debt_pref[i] == debt[i], (seed, st.quarter, i)
                    assert f.pref_rate[i] == interest[i] / debt[i], (seed, st.quarter, i)
                    again += i in had
            after = False
            for label, stage in QUARTER:
                if after:
                    stage([m], rngs)
                after = after or label == STAGE
            end_quarters([m])
    assert again > 0


def _new_grants(m: ClusterModel) -> int:
    """Grants committed this quarter (every older one has paid an instalment in stage 4)."""
    quarters = 4 * m.government.regime.joint_project_subsidy.payout_years.value
    return sum(1 for g in m.government.grants if g.quarters_left == quarters)


def _granted(seed: int, quarter: int, shift: int) -> int:
    """Grants committed by stage 4 of ``quarter`` when every participant large enterprise's
    last contract is ``roster_since + shift`` (1: on the roster; 0: just off it)."""
    m = ClusterModel(default_scenario(), ARM, rng=seed)
    m.run_for(quarter - 1)
    rngs = _until_stage(m)
    st = m.state
    f, n = st.firms, st.firms.n
    large = f.alive[:n] & f.participant[:n] & (f.kind[:n] == KIND_LARGE)
    assert large.any()
    f.last_contract_quarter[np.flatnonzero(large)] = st.roster_since() + shift
    QUARTER[[label for label, _ in QUARTER].index(STAGE)][1]([m], rngs)
    return _new_grants(m)


def test_the_subsidy_goes_to_leads_on_the_roster_only() -> None:
    """A lead whose last contract is the roster window's first quarter is eligible; one just
    before it is not (the window of :meth:`State.roster`, found inside the kernel)."""
    found = None
    for seed in range(4):
        m = ClusterModel(default_scenario(), ARM, rng=seed)
        while m.state.quarter < m.horizon and found is None:
            rngs = _until_stage(m)
            registered = m.government.registered
            _finish(m, rngs)
            if registered and _new_grants(m):
                found = (seed, m.state.quarter)
        if found:
            break
    assert found is not None
    seed, quarter = found
    assert _granted(seed, quarter, 1) > 0
    assert _granted(seed, quarter, 0) == 0


def test_each_organisations_draw_terms_are_its_own() -> None:
    """The proposals' draw terms kept per organisation are that organisation's, in a block
    mixing two design points (and a cv of 0: the mean, nothing drawn)."""
    from sim.model.block import ModelBlock
    from sim.model.distributions import lognormal_params
    from sim.model.mechanisms import joint_projects
    from sim.scenario.overrides import apply_overrides

    varied = [
        apply_overrides(
            default_scenario(),
            {
                "organisation.joint_projects_per_year": 4.0 + 4.0 * k,
                "organisation.project_capex_mln_rub.mean": 200.0 + 100.0 * k,
                "organisation.project_capex_mln_rub.cv": 0.5 * k,
                "organisation.project_return_per_year.mean": 0.15 + 0.05 * k,
            },
        )
        for k in range(2)
    ]
    block = ModelBlock([(varied[0], ARM, 1), (varied[1], ARM, 1)])
    for _ in range(3):
        block.step()
    for sc in varied:
        org = sc.organisation
        kept_org, (per_quarter, capex, ret) = joint_projects._DRAWS[id(org)]
        assert kept_org is org
        assert per_quarter == org.joint_projects_per_year / 4.0
        c, r = org.project_capex_mln_rub, org.project_return_per_year
        assert capex == (c.mean, c.cv, None if c.cv <= 0 else lognormal_params(c.mean, c.cv))
        assert ret == (r.mean, r.cv, lognormal_params(r.mean, r.cv))
