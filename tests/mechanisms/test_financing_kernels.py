"""The compiled kernels of financing, membership, joint projects and investment (issue 17).

Each kernel must do the numpy code's floating-point operations in the numpy code's order, so
the references below are that numpy code (as it stood before the kernels), run on a state
taken from the middle of a regime run of the shipped scenario; results are compared bit for
bit (``==``), not approximately.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from numpy_simd import bitwise_where_numpy_is_libm

from sim.model import ClusterModel
from sim.model.mechanisms import financing, investment, joint_projects, membership
from sim.model.state import KIND_LARGE, KIND_SME, ROLE_FINAL, Loan, LoanBook
from sim.scenario.files import default_scenario


@pytest.fixture(scope="module")
def model() -> ClusterModel:
    m = ClusterModel(default_scenario(), arm="cluster_support_2020s", rng=3)
    for _ in range(26):  # registered by then, with loans on the book
        m.step()
    assert m.government.registered and m.state.loans
    return m


def test_many_firms_plans_are_each_firms_own_plan(model):
    st, gov = model.state, model.government
    n = st.firms.n
    firms = np.arange(n)
    outlay = np.linspace(5.0, 2500.0, n)
    receivable = np.linspace(0.0, 80.0, n)
    eligible = gov.eligible_for_preferences(st)
    for as_member in (False, True):
        many = financing.plans(st, gov, firms, outlay, eligible, receivable, as_member=as_member)
        for j in range(n):
            one = financing.plan(st, gov, j, float(outlay[j]), eligible, float(receivable[j]),
                                 as_member=as_member)  # fmt: skip
            assert many.plan(j) == one
        assert any(a.any() for a in many.amounts)  # some programme lends


def _amortise_numpy(state, gov):
    """The loop financing.amortise ran before its kernel (the reference)."""
    s, f, n = state.spec, state.firms, state.firms.n
    repay = np.zeros(n)
    loans = list(state.loans)
    for loan in loans:
        subsidy = max(state.market_rate - loan.rate, 0.0) * loan.balance / 4.0
        fed = subsidy * loan.federal_share
        if loan.world:
            state.ledger.programme_cost["federal"] += fed
            state.ledger.programme_cost["regional"] += subsidy - fed
        else:
            state.ledger.book_cost("loans", "federal", fed)
            state.ledger.book_cost("loans", "regional", subsidy - fed)
        principal = loan.balance / loan.term_quarters
        loan.balance -= principal
        repay[loan.firm] += principal
    state.loans = LoanBook([loan for loan in loans if loan.balance > 1e-9])
    repay_m = f.debt_market[:n] / (4 * s.finance.loan_term_years)
    f.debt_market[:n] -= repay_m
    f.cash[:n] -= repay_m + repay
    debt = np.zeros(n)
    interest = np.zeros(n)
    for loan in state.loans:
        debt[loan.firm] += loan.balance
        interest[loan.firm] += loan.balance * loan.rate
    f.debt_pref[:n] = debt
    f.pref_rate[:n] = np.divide(interest, debt, out=np.zeros(n), where=debt > 0)


def test_amortise_is_the_loan_by_loan_loop_bit_for_bit(model):
    st, gov = model.state, model.government
    base = copy.deepcopy(st)
    base.loans.append(Loan(0, "tiny", 1e-9, 0.05, 20, 0.5, False))  # repaid below 1e-9: dropped
    ref, new = copy.deepcopy(base), copy.deepcopy(base)
    _amortise_numpy(ref, gov)
    financing.amortise(new, gov)
    n = st.firms.n
    for col in ("cash", "debt_market", "debt_pref", "pref_rate"):
        np.testing.assert_array_equal(getattr(new.firms, col)[:n], getattr(ref.firms, col)[:n])
    assert new.ledger.cost == ref.ledger.cost
    assert new.ledger.programme_cost == ref.ledger.programme_cost
    assert [vars(loan) for loan in new.loans] == [vars(loan) for loan in ref.loans]
    assert len(new.loans) == len(st.loans)


def test_membership_and_project_expectations_match_their_numpy_code(model):
    st, gov, org = model.state, model.government, model.state.spec.organisation
    f, n = st.firms, st.firms.n
    # peer shares: the mean of 0/1 participation among alive firms of a kind
    ref = np.zeros(n)
    for kind in (KIND_LARGE, KIND_SME):
        m = (f.kind[:n] == kind) & f.alive[:n]
        if m.any():
            ref[f.kind[:n] == kind] = f.participant[:n][m].mean()
    np.testing.assert_array_equal(membership.peer_share(st), ref)
    # projects led: shares of the participant large enterprises' capacity (numpy's sum)
    large = f.alive[:n] & (f.kind[:n] == KIND_LARGE)
    part_cap = float(f.capacity[:n][large & f.participant[:n]].sum())
    cap = np.where(large, f.capacity[:n], 0.0)
    pool = part_cap + np.where(f.participant[:n], 0.0, cap)
    share = np.divide(cap, pool, out=np.zeros(n), where=pool > 0)
    np.testing.assert_array_equal(
        joint_projects.projects_led(st, org), org.joint_projects_per_year / 4.0 * share
    )
    # wanted outlay
    fs = st.spec.finance
    gap = f.order_book[:n] / st.spec.market.target_cover_quarters - f.capacity[:n]
    want = fs.investment_share_of_gap * np.maximum(gap, 0.0) * fs.capital_mln_rub_per_capacity
    fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
    np.testing.assert_array_equal(investment.wanted_outlay(st), np.where(fin, want, 0.0))
    # expected loan value: the programme's part of each member's plan
    prog = gov.regime.preferential_loans
    outlay = np.where(f.alive[:n], 60.0, 0.0)
    p = financing.plans(st, gov, np.arange(n), outlay, np.ones(n, dtype=bool),
                        gov.receivable(n), as_member=True)  # fmt: skip
    ref = np.zeros(n)
    for (lent_by, _, rate), amount in zip(p.programmes, p.amounts, strict=True):
        if lent_by.programme == prog.programme:
            for i in np.flatnonzero(amount > 0.0):
                ref[i] += financing.grant_equivalent(
                    float(amount[i]), rate, st.market_rate, 4 * prog.term_years.value
                )
    got = financing.expected_loan_value(st, gov, prog, outlay)
    np.testing.assert_array_equal(got, ref)
    assert (got > 0).any()


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5, 1.0])
def test_go_probability_is_the_lognormal_tail_in_python_floats(model, share):
    dist = model.state.spec.organisation.project_return_per_year
    s2 = math.log1p(dist.cv**2)
    mu = math.log(dist.mean) - s2 / 2
    for hurdle in np.linspace(-0.05, 0.6, 301).tolist():
        threshold = hurdle * max(1.0 - share, 1e-9)
        if threshold <= 0:
            ref = 1.0
        else:
            z = (math.log(threshold) - mu) / math.sqrt(s2)
            ref = 0.5 * math.erfc(z / math.sqrt(2.0))
        assert joint_projects.go_probability(dist, share, hurdle) == ref


def test_the_programme_table_follows_the_key_rate_and_the_budgets(model):
    st, gov = copy.deepcopy(model.state), model.government
    tried, table = financing._programmes(st, gov)
    rates = [financing.programme_rate(p, st.key_rate) for p, _, _ in tried]
    assert table[:, financing._RATE].tolist() == rates == sorted(rates)
    st.key_rate += 0.01
    st.market_rate += 0.01
    tried2, table2 = financing._programmes(st, gov)
    assert table2[:, financing._RATE].tolist() == [
        financing.programme_rate(p, st.key_rate) for p, _, _ in tried2
    ]
    prog = tried2[0][0]
    left = table2[0, financing._BUDGET_LEFT]
    gov2 = copy.deepcopy(gov)
    gov2.book(prog.programme, 1.0, st.quarter)
    _, table3 = financing._programmes(st, gov2)
    limit = prog.annual_budget_mln_rub.value
    assert table3[0, financing._BUDGET_LEFT] == gov2.remaining(prog.programme, limit, st.quarter)
    assert table3[0, financing._BUDGET_LEFT] == pytest.approx(max(0.0, left - 1.0))
    assert financing._programmes(st, gov)[1][0, financing._BUDGET_LEFT] == left


def _geometric_sum_numpy(ratio, first, last):
    q = np.asarray(ratio, dtype=float)
    j0 = np.asarray(first, dtype=float)
    j1 = np.asarray(last, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(np.isinf(j1), 0.0, q ** (j1 + 1.0))
        closed = (q**j0 - tail) / (1.0 - q)
        total = np.where(q == 1.0, j1 - j0 + 1.0, closed)
    return np.where(j1 >= j0, total, 0.0)


def _positive_gap_quarters_numpy(c, d, mu):
    if mu <= 0.0 or mu >= 1.0:
        gap = c + (d if mu >= 1.0 else 0.0)
        return np.ones_like(c), np.where(gap > 0, np.inf, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k_star = np.log(-c / d) / np.log(mu)
    first = np.ones_like(c)
    last = np.full_like(c, np.inf)
    last = np.where((d > 0) & (c < 0), np.ceil(k_star) - 1.0, last)
    first = np.where((d < 0) & (c > 0), np.maximum(np.floor(k_star) + 1.0, 1.0), first)
    never = ((d < 0) & (c <= 0)) | ((d == 0) & (c <= 0))
    return first, np.where(never, 0.0, last)


def _committed_interest_subsidy_numpy(state, discount_rate):
    loans = [loan for loan in state.loans if not loan.world]
    fs = state.spec.finance
    balance = np.array([loan.balance for loan in loans])
    rate = np.array([loan.rate for loan in loans])
    x = 1.0 - 1.0 / np.array([loan.term_quarters for loan in loans], dtype=float)
    fed_share = np.array([loan.federal_share for loan in loans])
    v = financing.discount_per_quarter(discount_rate)
    mu = 1.0 - fs.key_rate_adjustment_per_quarter
    c = fs.key_rate_long_run + fs.market_loan_spread - rate
    d = np.full_like(c, state.key_rate - fs.key_rate_long_run)
    first, last = _positive_gap_quarters_numpy(c, d, mu)
    level = c * _geometric_sum_numpy(x * v, first - 1.0, last - 1.0)
    path = d * mu * _geometric_sum_numpy(x * v * mu, first - 1.0, last - 1.0)
    pv = balance * v / 4.0 * (level + path)
    fed = float((pv * fed_share).sum())
    return {"federal": fed, "regional": float(pv.sum()) - fed}


def test_geometric_sum_is_its_numpy_code_bit_for_bit():
    """Where numpy's power is the C library's (tests/numpy_simd.py): with AVX-512, numpy 2.5
    computes powers of arrays by its own SIMD routine, which differs in the last bit."""
    bitwise_where_numpy_is_libm(_geometric_sum_bits)


def _geometric_sum_bits():
    rng = np.random.default_rng(5)
    q = np.concatenate([rng.random(400) * 1.1, [0.0, 1.0, 1.0, 0.5]])
    j0 = np.concatenate([rng.integers(0, 6, 400).astype(float), [0.0, 0.0, 2.0, 3.0]])
    j1 = np.concatenate([rng.integers(-1, 80, 400).astype(float), [np.inf, 4.0, 9.0, 2.0]])
    j1[::7] = np.inf
    for args in [(q, j0, j1), (q, 0.0, j1), (0.97, j0, j1), (0.97, 0.0, j1), (q, j0, 1.0)]:
        new, ref = financing.geometric_sum(*args), _geometric_sum_numpy(*args)
        assert new.shape == ref.shape
        assert np.array_equal(new, ref)
    for e in [-1.0, 0.0, 1.0, 2.0, 3.0, 19.0, np.inf]:  # numpy's scalar fast exponents
        for r in q[:50]:
            new, ref = financing.geometric_sum(r, 0.0, e), _geometric_sum_numpy(r, 0.0, e)
            assert new.shape == ref.shape == ()
            assert new == ref or (np.isnan(new) and np.isnan(ref))


def test_committed_interest_subsidy_is_its_numpy_code_bit_for_bit(model):
    st = copy.deepcopy(model.state)
    st.loans.keep(~st.loans.world)
    assert st.loans
    for key_rate in (st.key_rate, 0.02, 0.075, 0.30):
        for rho in (0.0, 0.08, 0.2):
            st.key_rate = key_rate
            assert financing.committed_interest_subsidy(st, rho) == (
                _committed_interest_subsidy_numpy(st, rho)
            )
    rng = np.random.default_rng(9)
    c = np.concatenate([rng.normal(0, 0.05, 300), [0.0, 0.0, -0.01, 0.01]])
    d = np.concatenate([rng.normal(0, 0.05, 300), [0.0, 0.01, 0.0, 0.0]])
    for mu in (0.0, 0.3, 0.85, 1.0):
        ref = _positive_gap_quarters_numpy(c, d, mu)
        new = [financing._positive_gap_quarters(a, b, mu) for a, b in zip(c, d, strict=True)]
        assert np.array_equal(np.array(new).T, np.array(ref))
