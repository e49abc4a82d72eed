"""Properties of the cluster economy, with fixed seeds and enough replications to be stable."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.analysis import effects, t_interval
from sim.model import ClusterModel
from sim.model.ledger import TAX_LEVELS
from sim.model.mechanisms import financing, prices, tax_relief, taxes
from sim.model.outcomes import OUTCOME_INDEX, OUTCOME_NAMES
from sim.model.state import KIND_LARGE, ROLE_COMPONENT, ROLE_FINAL
from sim.run.targets import TARGETS, calibration_figures
from sim.scenario import apply_overrides, load_scenario, scale_scenario

ROOT = Path(__file__).resolve().parents[1]
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def astrakhan():
    return load_scenario(ASTRAKHAN)


def test_same_seed_identical_different_seed_differs(astrakhan):
    a = ClusterModel(astrakhan, "cluster_support_2020s", rng=7).run()
    b = ClusterModel(astrakhan, "cluster_support_2020s", rng=7).run()
    c = ClusterModel(astrakhan, "cluster_support_2020s", rng=8).run()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[:, OUTCOME_INDEX["output"]], c[:, OUTCOME_INDEX["output"]])
    assert not np.isnan(a).any()


def test_default_keywords_build_a_model():
    m = ClusterModel()
    m.step()
    assert m.quarter == 1 and m.time == 1.0


def test_unknown_arm_is_refused(astrakhan):
    with pytest.raises(ValueError, match="unknown arm 'nope'"):
        ClusterModel(astrakhan, "nope", rng=1)


@pytest.mark.parametrize("arm", ["de_facto", "cluster_support_2020s", "tax_relief_only"])
def test_accounting_identities_hold_every_quarter(astrakhan, arm, monkeypatch):
    bills = []

    def compute_and_keep(state, gov):
        bill = compute_taxes(state, gov)
        bills.append((bill, state.firms.n))
        return bill

    compute_taxes = taxes.compute_taxes
    monkeypatch.setattr(taxes, "compute_taxes", compute_and_keep)
    m = ClusterModel(astrakhan, arm, rng=11)
    f = m.firms
    loc = astrakhan.sourcing.localisable_share
    tx = astrakhan.taxes
    for _ in range(astrakhan.scenario.horizon_quarters):
        m.step()
        n = f.n
        alive = f.alive[:n].copy()
        alive[m.state.exited] = True  # closed at the end of this quarter, after trading in it
        fin = alive & (f.role[:n] == ROLE_FINAL)
        sup = alive & (f.role[:n] == ROLE_COMPONENT)
        # Purchases of large enterprises = sales of their local suppliers + outside purchases.
        local_bought = f.purchases_local[:n][fin].sum()
        assert local_bought == pytest.approx(f.sales_cluster[:n][sup].sum(), rel=1e-9, abs=1e-6)
        outside = f.purchases[:n][fin] - f.purchases_local[:n][fin]
        assert (outside >= -1e-9).all()
        assert (f.purchases_local[:n][fin] <= loc * f.purchases[:n][fin] + 1e-9).all()
        assert (f.purchases_from_participants[:n] <= f.purchases_local[:n] + 1e-9).all()
        # Suppliers' sales = their output (at their price).
        sales = f.sales_cluster[:n][sup] + f.sales_other[:n][sup]
        np.testing.assert_allclose(sales, (f.output[:n] * f.price[:n])[sup], rtol=1e-9, atol=1e-9)
        # Budget flows balance: costs by instrument = costs by level; subsidies paid = received.
        row = m.outcomes[m.quarter - 1]
        by_instr = sum(
            row[OUTCOME_INDEX[c]]
            for c in ("cost_joint_project", "cost_starter_batch", "cost_loans", "cost_tax_relief")
        )
        by_level = row[OUTCOME_INDEX["cost_federal"]] + row[OUTCOME_INDEX["cost_regional"]]
        assert by_instr == pytest.approx(row[OUTCOME_INDEX["preference_cost"]])
        assert by_level == pytest.approx(by_instr)
        paid = row[OUTCOME_INDEX["cost_joint_project"]] + row[OUTCOME_INDEX["cost_starter_batch"]]
        assert m.state.ledger.paid_to_firms == pytest.approx(paid)
        assert (f.employment[:n][f.alive[:n]] > 0).all()
        assert np.isfinite(f.cash[:n]).all()
        # Taxes by budget: the firms' taxes by level sum to the ledger and to the outcomes.
        bill, n_taxed = bills[-1]
        names = {"federal": "tax_federal", "regional": "tax_regional",
                 "social_fund": "tax_social_fund"}  # fmt: skip
        for level in TAX_LEVELS:
            booked = m.state.ledger.tax[level]
            assert bill.by_level[level].sum() == pytest.approx(booked, rel=1e-12, abs=1e-9)
            assert row[OUTCOME_INDEX[names[level]]] == booked
        assert row[OUTCOME_INDEX["vat_collected"]] == pytest.approx(bill.vat.sum(), rel=1e-12)
        # Contributions (and only they) go to the Social Fund: rate x wage bill of the firms
        # taxed this quarter (entrants of stage 9 come after them).
        wage = astrakhan.labour.wage_mln_rub_per_worker_year * (
            1 + astrakhan.labour.wage_growth_per_year
        ) ** (m.quarter / 4)
        ic = np.where(f.kind[:n_taxed] == KIND_LARGE, tx.insurance_contributions.value,
                      tx.insurance_contributions_sme.value)  # fmt: skip
        contributions = (ic * wage * f.employment[:n_taxed] / 4).sum()
        assert row[OUTCOME_INDEX["tax_social_fund"]] == pytest.approx(contributions, rel=1e-9)
        # The relief's tax expenditure is its cost, level by level; nothing committed de facto.
        te = row[OUTCOME_INDEX["tax_expenditure_federal"]]
        te += row[OUTCOME_INDEX["tax_expenditure_regional"]]
        assert te == pytest.approx(row[OUTCOME_INDEX["cost_tax_relief"]], rel=1e-12, abs=0)
        if arm == "de_facto":
            assert row[OUTCOME_INDEX["committed_federal"]] == 0.0
            assert row[OUTCOME_INDEX["committed_regional"]] == 0.0
        # Bought outside the region: the yards' outside purchases + all suppliers' purchases.
        bought_outside = outside.sum() + f.purchases[:n][sup].sum()
        assert row[OUTCOME_INDEX["purchases_outside_region"]] == pytest.approx(bought_outside)


def _registered_scenario(astrakhan, **extra):
    overrides = {"registry.functional_dependence_default": 0.05}
    overrides.update(extra)
    return apply_overrides(astrakhan, overrides, source="test")


def test_registration_only_when_criteria_hold(astrakhan):
    for arm in astrakhan.arms[1:]:
        for seed in (1, 2, 3):
            m = ClusterModel(astrakhan, arm, rng=seed)
            m.run()
            approved = [d for d in m.government.decisions if d[1] != "lapse" and d[3]]
            for _q, _kind, check, ok in m.government.decisions:
                if _kind != "lapse":
                    assert ok == check.eligible
            reg = m.outcomes[:, OUTCOME_INDEX["registered"]]
            if reg.any():
                first = int(np.argmax(reg > 0)) + 1
                assert approved and approved[0][0] == first
                assert m.government.registered_quarter == first
            else:
                assert not approved


def test_de_facto_arm_never_registers(astrakhan):
    sc = _registered_scenario(astrakhan)
    m = ClusterModel(sc, "de_facto", rng=3)
    m.run()
    assert m.outcomes[:, OUTCOME_INDEX["registered"]].sum() == 0
    assert m.government.decisions == []


def test_registration_lapses_after_five_years_without_reconfirmation(astrakhan):
    sc = _registered_scenario(astrakhan, **{"registry.reconfirm": False})
    m = ClusterModel(sc, "decree41_full", rng=5)
    m.run()
    reg = m.outcomes[:, OUTCOME_INDEX["registered"]]
    first = m.government.registered_quarter
    assert first is not None and first <= 4
    validity = 4 * sc.registry.validity_years.value
    assert reg[first - 1 : first - 1 + validity].all()
    assert reg[first - 1 + validity] == 0  # lapsed exactly at expiry
    assert any(d[1] == "lapse" and d[0] == first + validity for d in m.government.decisions)


def test_registration_is_reconfirmed_when_allowed(astrakhan):
    sc = _registered_scenario(astrakhan)
    m = ClusterModel(sc, "decree41_full", rng=5)
    m.run()
    reg = m.outcomes[:, OUTCOME_INDEX["registered"]]
    first = m.government.registered_quarter
    assert reg[first - 1 :].all()
    assert any(d[1] == "reconfirmation" and d[3] for d in m.government.decisions)


@pytest.fixture(scope="module")
def paired(astrakhan):
    return sim.simulate(astrakhan, replications=12, seed=99, executor="processes", workers=2)


def test_placebo_effect_ci_covers_zero(paired):
    eff = effects(paired, ["output", "employment", "market_share"])
    placebo = eff[eff.arm == "placebo"]
    assert len(placebo) == 3
    for _, r in placebo.iterrows():
        assert r.ci_low <= 0.0 <= r.ci_high, r


def test_preference_cost_zero_in_de_facto_and_placebo(paired):
    for arm in ("de_facto", "placebo"):
        assert paired.loc[paired.arm == arm, "preference_cost"].sum() == 0


def _subsidy_sweep(astrakhan, rate, reps=10):
    sc = apply_overrides(
        _registered_scenario(astrakhan),
        {"regimes.decree41_full.joint_project_subsidy.rate": rate},
        source="test",
    )
    df = sim.simulate(
        sc, replications=reps, seed=5, arms=["decree41_full"], executor="processes", workers=2
    )
    last = df[df.quarter > sc.scenario.horizon_quarters - 4]
    return (
        last.groupby("replicate")["participants"].mean().to_numpy(),
        df.groupby("replicate")["sme_output"].sum().to_numpy(),
    )


def test_higher_subsidy_rate_does_not_lower_participation_or_sme_output(astrakhan):
    low_p, low_s = _subsidy_sweep(astrakhan, 0.0)
    high_p, high_s = _subsidy_sweep(astrakhan, 0.5)
    for low, high in ((low_p, high_p), (low_s, high_s)):
        m, lo, hi = t_interval(high - low)  # paired: same seeds
        assert hi >= 0.0, (m, lo, hi)
        assert m >= 0.0 or lo < 0.0 < hi


def test_calibrated_de_facto_arm_meets_tolerances(astrakhan):
    df = sim.simulate(
        astrakhan, replications=20, arms=["de_facto"], executor="processes", workers=2
    )
    got = calibration_figures(df)
    for name, t in TARGETS.items():  # de-facto arm, mean over 20 replications
        assert abs(got[name] - t.value) <= t.tolerance * t.value, (name, got[name], t.value)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_every_arm(path):
    sc = load_scenario(path)
    for arm in sc.arms:
        out = ClusterModel(sc, arm, rng=1).run()
        assert out.shape == (sc.scenario.horizon_quarters, len(OUTCOME_NAMES))
        assert np.isfinite(out[:, OUTCOME_INDEX["output"]]).all()
        assert (out[:, OUTCOME_INDEX["output"]] > 0).all()


def test_scenario_scaled_to_ten_thousand_firms_runs(astrakhan):
    sc = scale_scenario(astrakhan, 10_000)
    n0 = sum(g.count for g in sc.firm_groups)
    assert 9_000 <= n0 <= 11_000
    sc = apply_overrides(sc, {"scenario.horizon_quarters": 8}, source="test")
    m = ClusterModel(sc, "cluster_support_2020s", rng=2)
    out = m.run()
    assert len(m.agents) == int(m.firms.alive[: m.firms.n].sum()) + 2  # + government, SOPK
    assert m.firms.n >= n0
    assert np.isfinite(out).all()


def _replay_commitments(state, gov, discount_rate, quarters=2000):
    """Pay the regime's loans and grants outstanding now, quarter by quarter, with the model's
    own code (key-rate step, :func:`financing.amortise`, :meth:`Government.pay_grants`) and no
    new commitments; the budget cost it books, discounted to the end of this quarter."""
    fs = state.spec.finance
    v = (1 + discount_rate) ** -0.25
    paid = {"federal": 0.0, "regional": 0.0}
    for k in range(1, quarters + 1):
        state.key_rate = prices.next_key_rate(
            state.key_rate, fs.key_rate_long_run, fs.key_rate_adjustment_per_quarter
        )
        state.market_rate = state.key_rate + fs.market_loan_spread
        state.ledger.start_quarter()
        financing.amortise(state, gov)
        _, fed, reg = gov.pay_grants(state.firms.n)
        paid["federal"] += v**k * (state.ledger.cost[("loans", "federal")] + fed)
        paid["regional"] += v**k * (state.ledger.cost[("loans", "regional")] + reg)
    return paid


@pytest.mark.parametrize("arm", ["cluster_support_2020s", "loans_only", "decree41_full"])
def test_commitments_made_before_the_horizon_appear_in_committed_cost(astrakhan, arm):
    sc = _registered_scenario(astrakhan)
    rho = sc.experiment.discount_rate.value
    m = ClusterModel(sc, arm, rng=4)
    m.run()
    last = m.outcomes[-1]
    committed = {lvl: last[OUTCOME_INDEX[f"committed_{lvl}"]] for lvl in ("federal", "regional")}
    # the relief still promised is an estimate, not a payment schedule: take it out
    relief_now = {lvl: m.state.ledger.cost[("tax_relief", lvl)] for lvl in ("federal", "regional")}
    relief = tax_relief.committed_relief(m.government, m.quarter, relief_now, rho)
    regime_loans = [loan for loan in m.state.loans if not loan.world]
    due = sum(g.per_quarter * g.quarters_left for g in m.government.grants)
    assert regime_loans or due > 0  # the regime left something to pay after the horizon
    st, gov = copy.deepcopy(m.state), copy.deepcopy(m.government)
    paid = _replay_commitments(st, gov, rho)
    for lvl in ("federal", "regional"):
        assert committed[lvl] - relief[lvl] == pytest.approx(paid[lvl], rel=1e-9, abs=1e-9)
    assert sum(paid.values()) > 0


def test_relief_cost_is_revenue_forgone_at_standard_rates_once_in_a_run(astrakhan, monkeypatch):
    """Every quarter of a relief run: the regional taxes the firms would owe at standard rates
    (the same firms and bases, no relief) minus those at actual rates equal the tax expenditure;
    the ledger's regional revenue is at actual rates and the relief is booked once, as its cost.
    """
    checks = []
    compute = taxes.compute_taxes

    def with_standard(state, gov):
        standard_gov = copy.copy(gov)
        standard_gov.regime = None  # the de-facto arm's rates on the same quarter
        standard = compute(copy.deepcopy(state), standard_gov)
        actual = compute(state, gov)
        checks.append((standard, actual))
        return actual

    monkeypatch.setattr(taxes, "compute_taxes", with_standard)
    sc = _registered_scenario(astrakhan)
    m = ClusterModel(sc, "tax_relief_only", rng=6)
    forgone_total = 0.0
    for _ in range(sc.scenario.horizon_quarters):
        m.step()
        row = m.outcomes[m.quarter - 1]
        standard, actual = checks[-1]
        forgone = standard.regional - actual.regional
        te = row[OUTCOME_INDEX["tax_expenditure_regional"]]
        assert te == pytest.approx(forgone, rel=1e-9, abs=1e-9)
        assert row[OUTCOME_INDEX["tax_expenditure_federal"]] == 0.0
        assert standard.federal == pytest.approx(actual.federal, rel=1e-12)
        assert standard.social_fund == pytest.approx(actual.social_fund, rel=1e-12)
        # revenue at actual rates; the relief once, as the instrument's cost
        assert row[OUTCOME_INDEX["tax_regional"]] == pytest.approx(actual.regional, rel=1e-12)
        assert row[OUTCOME_INDEX["cost_tax_relief"]] == te
        assert row[OUTCOME_INDEX["cost_regional"]] == pytest.approx(te, rel=1e-12, abs=1e-12)
        assert row[OUTCOME_INDEX["sez_tax_expenditure"]] == pytest.approx(actual.sez_expenditure)
        forgone_total += forgone
    assert m.government.registered_quarter is not None
    assert forgone_total > 0.0


def test_vat_and_income_tax_split_move_only_the_tax_outcomes(astrakhan):
    """VAT passes through and personal income tax is withheld from wages: their rates and the
    budget's share change which budget receives what, never a firm's cash or decision."""
    changed = apply_overrides(
        astrakhan,
        {
            "taxes.vat.rate": 0.20,
            "taxes.vat.net_share": 0.3,
            "taxes.personal_income_tax_progressive": 0.005,
        },
        source="test",
    )
    a = ClusterModel(astrakhan, "cluster_support_2020s", rng=2).run()
    b = ClusterModel(changed, "cluster_support_2020s", rng=2).run()
    moved = {"tax_federal", "vat_collected", "sez_tax_expenditure"}
    for name in OUTCOME_NAMES:
        i = OUTCOME_INDEX[name]
        if name in moved:
            assert not np.array_equal(a[:, i], b[:, i]), name
        else:
            np.testing.assert_array_equal(a[:, i], b[:, i], err_msg=name)
    # the federal budget gains 30 % of the VAT remitted, and 0.5 % of the wage bill on top
    gain = b[:, OUTCOME_INDEX["tax_federal"]] - a[:, OUTCOME_INDEX["tax_federal"]]
    net_vat = 0.3 * b[:, OUTCOME_INDEX["vat_collected"]]
    assert (net_vat > 0).all()
    np.testing.assert_array_less(net_vat, gain)
    np.testing.assert_array_less(gain - net_vat, 0.1 * gain)  # 0.5 % of pay: the smaller part


def test_compiled_state_queries_equal_their_numpy_expressions(astrakhan):
    """Roster, functional dependence, supplier prices and free capacity, bit for bit."""
    m = ClusterModel(astrakhan, "cluster_support_2020s", rng=3)
    for _ in range(12):
        m.step()
        st, f, n = m.state, m.state.firms, m.state.firms.n
        since = st.quarter - 1 - st.spec.registry.contract_memory_quarters
        roster = f.alive[:n] & f.participant[:n] & (f.last_contract_quarter[:n] > since)
        np.testing.assert_array_equal(st.roster(), roster)
        fin = roster & (f.role[:n] == ROLE_FINAL)
        total = f.purchases[:n][fin].sum()
        fd = float(f.purchases_from_participants[:n][fin].sum() / total) if total > 0 else 0.0
        assert st.functional_dependence(roster) == fd
        rel = f.unit_cost[:n] / st.supplier_cost0[:n]
        prem = st._trade_premium[np.maximum(f.trade[:n], 0)]
        price = np.where(f.role[:n] == ROLE_COMPONENT, prem * rel, 1.0)
        np.testing.assert_array_equal(st.supplier_price(), price)
        window = st.spec.market.order_window_quarters
        free = np.maximum(f.capacity[:n] * window - f.order_book[:n], 0.0)
        np.testing.assert_array_equal(st.free_capacity(), free)
        np.testing.assert_array_equal(st.free_capacity(slice(2, 9)), free[2:9])
        p = st.spec.production
        scale = max(f.employment[:n][f.alive[:n]].sum(), 1.0) / st.agglo_base
        el = p.agglomeration_elasticity.value
        # Two exponents occur, each a scalar power (NumPy >= 2.5 computes an array's power by
        # a vectorised routine that may differ from the scalar one in the last bit).
        outsider = p.outsider_spillover_factor
        inside, outside = float(scale) ** (el * 1.0), float(scale) ** (el * outsider)
        spill = np.where(f.participant[:n], inside, outside)
        np.testing.assert_array_equal(st.effective_productivity(), f.productivity[:n] * spill)
