"""Stage 2 (docs/model.md 7.3): firms join or leave the cluster.

A share of firms reconsiders each quarter (more outsiders when the organisation recruits); each
decides by :meth:`sim.model.agents.Firm.membership_decision` on its expected net benefit, the
share of its peers already in, its own taste and its group's calibrated constant.

Expected net benefit per quarter (mln RUB)::

    B_i = network_share * revenue_i - (fee + compliance) / 4
          + prospect * sum over the regime's instruments of what firm i expects from it

where each instrument's expectation is computed by the code that pays it, with the firm's real
eligibility (who may lead projects, budget left, caps, SEZ status, loan sizes):
``expected_benefit`` of :mod:`~sim.model.mechanisms.joint_projects`,
:mod:`~sim.model.mechanisms.starter_batches` and :mod:`~sim.model.mechanisms.tax_relief`, and
the grant-equivalent of the regime's loans for the outlays the firm expects
(:func:`sim.model.mechanisms.financing.add_expected_benefit`); ``prospect`` is the chance of
registration as firms see it (:meth:`sim.model.agents.Firm.registration_prospect`).

The stage serves a block of runs (:func:`reconsider_block`): each run draws its uniforms in
Python, one compiled call finds who reconsiders in every run, one computes the instruments'
expectations of every run where a regime is in prospect (:func:`_expected_rows`, after Python
reads each run's terms), and one decides and books the joins and leaves of every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from sim.model.agents import ClusterOrganization, Firm, Government, membership_rule
from sim.model.compiled import kernel
from sim.model.mechanisms import financing, investment, joint_projects, starter_batches, tax_relief
from sim.model.state import KIND_LARGE, KIND_SME, State, firm_tables

__all__ = ["net_benefit", "peer_share", "reconsider", "reconsider_block"]

_NO_VALUE = np.zeros(0)


def _costs(state: State) -> tuple[float, float]:
    """A run's network share of sales and quarterly fee and compliance cost (mln RUB)."""
    m = state.spec.membership
    return (
        m.network_benefit_share_of_sales,
        (m.fee_mln_rub_per_year + m.compliance_cost_mln_rub_per_year) / 4,
    )


def net_benefit(
    state: State, gov: Government, org: ClusterOrganization, prospect: float
) -> np.ndarray:
    """Expected quarterly benefit of participation minus fees and compliance cost (mln RUB)."""
    f, n = state.firms, state.firms.n
    share, cost = _costs(state)
    if gov.regime is None or prospect <= 0:
        return _net_benefit(f.output, f.price, n, share, cost, 0.0, _NO_VALUE)
    values = np.zeros((1, n))
    _add_expected_values(values, [state], [gov], [org], [0])
    return _net_benefit(f.output, f.price, n, share, cost, prospect, values[0])


#: Columns of :func:`_add_expected_values`' per-run terms: whether the run expects projects,
#: the subsidy of those projects and loans (1.0 or 0.0), the loans' term in quarters, the
#: capacity outlay's terms (:func:`sim.model.mechanisms.investment.wanted_outlay`), then the
#: projects' terms (:func:`sim.model.mechanisms.joint_projects._expectation_terms`).
_PROJECTS, _SUBSIDY, _LOANS, _TERM, _COVER, _INVEST_SHARE, _KAPPA, _JP = range(8)
_VALUE_TERMS = _JP + joint_projects._EXPECTATION_TERMS
_CAPEX_AT = _JP - _TERM + joint_projects._CAPEX  # in _shared_terms' terms
_NO_RULES = np.zeros((0, 3))


def _add_expected_values(
    values: np.ndarray,
    states: Sequence[State],
    govs: Sequence[Government],
    orgs: Sequence[ClusterOrganization],
    ks: list[int],
    tables: tuple[dict[str, np.ndarray], np.ndarray] | None = None,
    only: np.ndarray | None = None,
) -> None:
    """Add what each firm of runs ``ks`` expects from its regime's instruments as a member.

    ``values[k]`` (zeros, at least as wide as run ``k``'s firm slots) gets each instrument's
    expectation in turn, each computed by the code that pays it: joint projects, starter
    batches (:func:`starter_batches.expected_benefits`), loans and tax relief
    (:func:`tax_relief.expected_benefits`). The runs' regimes are not ``None``; ``tables``:
    the runs' :func:`firm_tables`, when the caller has them; ``only`` (one row per run, as
    wide as ``values``): the firms whose values are wanted (the others' are left incomplete:
    no financing plan is made for them), default every firm.

    Python reads each run's terms, grants due, programme table and this year's budgets spent
    (nothing is booked while firms expect); the starter-batch claims and the relief are one
    call each for the runs; then one compiled call (:func:`_expected_rows`) computes the
    projects and the loans of every run (the row kernels of
    :func:`joint_projects.expected_projects`, :func:`investment.wanted_outlay` and
    :func:`financing.add_expected_benefit`) and adds the four instruments in that order.
    """
    t, rows = firm_tables([st.firms for st in states]) if tables is None else tables
    terms: list[float] = []  # each run's _VALUE_TERMS, then its plan terms
    at: list[int] = []  # each run's _AT_TERMS
    tables_, budget_rows, targets, spent = [], [], [], []
    table_lo = 0
    grants: list[float] = []  # (run j, firm, due) of each grant
    claimed, relieved = [], []
    shared: dict[tuple, tuple] = {}  # by scenario, regime and rates (their objects live on)
    for j, k in enumerate(ks):
        st, gov, org = states[k], govs[k], orgs[k]
        regime = gov.regime
        jp, loans = regime.joint_project_subsidy, regime.preferential_loans
        at += (k, st.firms.n, table_lo, table_lo, len(spent), len(spent), -1, -1)
        if regime.starter_batch_subsidy is not None:
            at[-2] = len(claimed)
            claimed.append(k)
        if regime.tax_relief is not None:
            at[-1] = len(relieved)
            relieved.append(k)
        projects = org.exists and (jp is not None or loans is not None)
        if not (projects or loans is not None):
            terms += _NO_TERMS
            continue
        # what the plans read (nothing is booked while firms expect): read once
        for g in gov.grants:  # gov.receivable, in the kernel
            grants += (j, g.firm, g.per_quarter * g.quarters_left)
        key = (id(st.spec), id(regime), st.key_rate, st.market_rate)
        entry = shared.get(key)
        if entry is None:  # the same for the runs of this scenario, regime and rates
            entry = shared[key] = _shared_terms(st, gov)
        table, rules, keys, target, static = entry
        tables_.append(table)
        budget_rows.append(rules)
        spent += financing._spent(gov, keys, st.quarter)
        table_lo += table.shape[0]
        at[-5] = table_lo
        at[-3] = len(spent)
        targets += target
        plan = financing._term_values(st, gov, True)
        sub = joint_projects._subsidy_now(st, gov, jp, static[_CAPEX_AT]) if projects else 0.0
        terms += (
            float(projects), float(jp is not None and org.exists), float(loans is not None),
            *static, sub, *plan,
        )  # fmt: skip
    claims = relief = _NO_ROWS
    if claimed:
        claims = starter_batches.expected_benefits(
            [states[k] for k in claimed], [govs[k] for k in claimed],
            [govs[k].regime.starter_batch_subsidy for k in claimed],
        )  # fmt: skip
    if relieved:
        relief = tax_relief.expected_benefits(
            [states[k] for k in relieved], [govs[k] for k in relieved],
            [govs[k].regime.tax_relief for k in relieved],
        )  # fmt: skip
    runs = len(ks)
    _expected_rows(
        values, _EVERY_FIRM if only is None else only, rows,
        np.array(at, dtype=np.int64).reshape(runs, _AT_TERMS),
        np.array(terms).reshape(runs, _ALL_TERMS), _joined(tables_, _NO_TABLE),
        _joined(budget_rows, _NO_RULES), np.array(spent, dtype=float),
        np.array(targets, dtype=np.bool_), np.array(grants, dtype=float).reshape(-1, 3), claims,
        relief, t["alive"], t["kind"], t["participant"], t["capacity"], t["order_book"],
        t["role"], t["ebitda"], t["debt_market"], t["debt_pref"], t["cash"], t["output"],
        t["price"],
    )  # fmt: skip


def _joined(parts: list[np.ndarray], none: np.ndarray) -> np.ndarray:
    """The runs' tables one after the other (a lone run's as it is; ``none`` without any)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else none


def _shared_terms(state: State, gov: Government) -> tuple:
    """What the runs of ``state``'s scenario and ``gov``'s regime share at these rates.

    Returns:
        ``(table, budget rows, keys, target, terms)``: the programme table's parts
        (:func:`financing._budget_rules`), which of its rows lend the regime's loans (none
        without loans) and the terms ``_TERM`` ... ``_JP + joint_projects._SUB - 1``: the
        loans' term, :func:`investment.wanted_outlay`'s terms (0 without loans) and the
        organisation's :func:`joint_projects._project_terms`.
    """
    loans = gov.regime.preferential_loans
    tried, table, rules, keys = financing._budget_rules(state, gov)
    if loans is not None:
        target, term = financing._loan_terms(tried, loans)
        _, cover, share, kappa, _ = investment._terms(state)
    else:
        target, term, cover, share, kappa = [False] * len(tried), 0, 0.0, 0.0, 0.0
    project = joint_projects._project_terms(state.spec.organisation)
    return table, rules, keys, target, (float(term), cover, share, kappa, *project)


_PLAN_TERMS = 6  # financing._term_values
_ALL_TERMS = _VALUE_TERMS + _PLAN_TERMS
_NO_TERMS = (0.0,) * _ALL_TERMS
#: Columns of :func:`_expected_rows`' per-run indices: the run, its firm slots, where its
#: programme table and its budgets spent start and end, and its row of the starter-batch
#: claims and of the relief (-1: none).
_K, _N, _TABLE_LO, _TABLE_HI, _SPENT_LO, _SPENT_HI, _CLAIM_OF, _RELIEF_OF = range(8)
_AT_TERMS = 8
_NO_ROWS = np.zeros((0, 0))
_NO_TABLE = np.zeros((0, 8))
_EVERY_FIRM = np.zeros((0, 0), dtype=np.bool_)  # no ``only``: every firm's values


@kernel
def _expected_rows(
    values: np.ndarray,
    only: np.ndarray,
    rows: np.ndarray,
    at: np.ndarray,
    terms: np.ndarray,
    tables: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    targets: np.ndarray,
    grants: np.ndarray,
    claims: np.ndarray,
    relief: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    role: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Add to ``values[k, :n]`` what run ``k``'s firms expect, in this order (``j``-th run).

    Run ``k = at[j, _K]`` (firm table row ``rows[k]``, ``n = at[j, _N]`` slots, terms
    ``terms[j, :_VALUE_TERMS]``, plan terms ``terms[j, _VALUE_TERMS:]``) expects, when
    ``_PROJECTS``, the projects :func:`joint_projects._expected_row_of` finds (grants due: the
    dues ``grants[g, 2]`` of the grants ``g`` with ``grants[g, :2] = (j, firm)``, summed grant
    by grant as :meth:`Government.receivable` does; its programme table
    ``tables[lo:hi]`` (``at[j, _TABLE_LO]``, ``at[j, _TABLE_HI]``) with the budgets left of
    its budget rows and ``spent[at[j, _SPENT_LO]:at[j, _SPENT_HI]]``); it adds their subsidy
    (``_SUBSIDY``), the starter-batch claims ``claims[at[j, _CLAIM_OF]]`` (if any), the
    grant-equivalent of the loans (``_LOANS``: the ``targets`` rows of the table) for one
    capacity outlay (:func:`investment._wanted_outlay`) and, where projects are expected, for
    those projects (receivable: grants due plus the subsidy), each by
    :func:`financing._add_loan_value`; then the relief ``relief[at[j, _RELIEF_OF]]`` (if any).

    With ``only`` (not empty), the firms ``i`` of run ``k`` with ``only[k, i]`` false lead no
    projects and expect no capacity outlay here (no plan is made for them): their values are
    incomplete, the others' are exactly as without ``only`` (each firm's plans are its own;
    the proposals each firm would lead share only the run's sums, taken over every firm).
    """
    due = np.zeros((at.shape[0], alive.shape[1]))
    for g in range(grants.shape[0]):  # Government.receivable, grant by grant
        due[int(grants[g, 0]), int(grants[g, 1])] += grants[g, 2]
    for j in range(at.shape[0]):
        k, n, p = at[j, _K], at[j, _N], terms[j, :_VALUE_TERMS]
        plan_terms = terms[j, _VALUE_TERMS:]
        r = rows[k]
        value = values[k, :n]
        lo, hi = at[j, _TABLE_LO], at[j, _TABLE_HI]
        table = tables[lo:hi].copy()
        financing._budgets_left(
            table, budget_rows[lo:hi], spent[at[j, _SPENT_LO] : at[j, _SPENT_HI]]
        )
        due_j = due[j, :n]
        jp = p[_JP:]
        sub = jp[joint_projects._SUB]
        projects = value[:0]
        some = only.shape[0] > 0
        if p[_PROJECTS] != 0.0:
            projects = joint_projects._expected_row_of(
                jp, due_j, table, plan_terms, n, alive[r], participant[r], capacity[r],
                ebitda[r], debt_market[r], debt_pref[r], kind[r], cash[r], output[r], price[r],
                only[k] if some else np.zeros(0, dtype=np.bool_),
            )  # fmt: skip
            if p[_SUBSIDY] != 0.0:
                for i in range(n):
                    value[i] += projects[i] * sub
        c = at[j, _CLAIM_OF]
        if c >= 0:
            for i in range(n):
                value[i] += claims[c, i]
        if p[_LOANS] != 0.0:
            target, term = targets[lo:hi], int(p[_TERM])
            want = investment._wanted_outlay(
                order_book[r], capacity[r], role[r], alive[r], p[_COVER], p[_INVEST_SHARE],
                p[_KAPPA], n,
            )  # fmt: skip
            if some:
                for i in range(n):
                    if not only[k, i]:
                        want[i] = 0.0  # no outlay: no plan
            financing._add_loan_value(  # each firm expects one capacity outlay
                value, np.ones(n), table, target, term, want, due_j, alive[r], plan_terms,
                ebitda[r], debt_market[r], debt_pref[r], kind[r], cash[r], output[r], price[r],
            )  # fmt: skip
            if p[_PROJECTS] != 0.0:  # a member expects the projects' outlays too
                _add_project_loans(
                    value, projects, table, target, term, jp[joint_projects._CAPEX], due_j + sub,
                    plan_terms, alive[r], ebitda[r], debt_market[r], debt_pref[r], kind[r],
                    cash[r], output[r], price[r],
                )  # fmt: skip
        e = at[j, _RELIEF_OF]
        if e >= 0:
            for i in range(n):
                value[i] += relief[e, i]


@kernel
def _add_project_loans(
    value: np.ndarray,
    projects: np.ndarray,
    table: np.ndarray,
    target: np.ndarray,
    term: int,
    capex: float,
    receivable: np.ndarray,
    plan_terms: np.ndarray,
    alive: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:func:`financing._add_loan_value` of the projects' outlays, planned for leaders only.

    ``_add_loan_value`` adds ``projects[i] * loan value`` to ``value[i]``, each firm's plan
    on its own (its scratch amounts are overwritten firm by firm); a loan value is finite and
    at least +0.0 (a sum of grant-equivalents, each ``>= 0``), so where ``projects[i]`` is a
    zero the product is that zero (its sign kept), which is ``projects[i] * 0.0``: those
    firms (every SME; large enterprises that lead nothing) get that without their plan. The
    others' plans are those of ``_add_loan_value`` over their values gathered in firm order.
    """
    n = value.shape[0]
    at = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if projects[i] == 0.0:
            value[i] += projects[i] * 0.0
        else:
            at[m] = i
            m += 1
    if m == 0:
        return
    idx = at[:m]
    part = value[idx]
    financing._add_loan_value(
        part, projects[idx], table, target, term, np.full(m, capex), receivable[idx],
        alive[:n][idx], plan_terms, ebitda[:n][idx], debt_market[:n][idx], debt_pref[:n][idx],
        kind[:n][idx], cash[:n][idx], output[:n][idx], price[:n][idx],
    )  # fmt: skip
    for j in range(m):
        value[idx[j]] = part[j]


@kernel
def _net_benefit(
    output: np.ndarray,
    price: np.ndarray,
    n: int,
    share: float,
    cost: float,
    prospect: float,
    value: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """``share * revenue - cost (+ prospect * value)`` of firms ``0..n-1`` (value empty: none)."""
    out = np.empty(n)
    for i in range(n):
        net = share * (output[i] * price[i]) - cost
        out[i] = net + prospect * value[i] if value.shape[0] else net
    return out


@kernel
def _peer_share(
    kind: np.ndarray, alive: np.ndarray, participant: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`peer_share` on the firm columns (a mean of 0/1 values is their count / n)."""
    out = np.zeros(n)
    for k in (KIND_LARGE, KIND_SME):
        alive_k = 0
        members = 0
        for i in range(n):
            if kind[i] == k and alive[i]:
                alive_k += 1
                if participant[i]:
                    members += 1
        if alive_k:
            share = members / alive_k
            for i in range(n):
                if kind[i] == k:
                    out[i] = share
    return out


def peer_share(state: State) -> np.ndarray:
    """Share of participants among alive firms of the same kind."""
    f = state.firms
    return _peer_share(f.kind, f.alive, f.participant, f.n)


@kernel
def _reconsidering(
    u: np.ndarray, alive: np.ndarray, participant: np.ndarray, share: float, outsiders: float
) -> np.ndarray:  # pragma: no cover - compiled
    """Who reconsiders: alive with ``u < min(rate, 1)``, rate ``share`` (x ``outsiders`` out)."""
    n = u.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        rate = share if participant[i] else share * outsiders
        out[i] = alive[i] and u[i] < min(rate, 1.0)
    return out


@kernel
def _join_or_leave(
    now: np.ndarray,
    want: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Firms reconsidering ``now`` join when they ``want`` (a large one is matched) or leave."""
    for i in range(now.shape[0]):
        if not now[i]:
            continue
        if want[i] and not participant[i]:
            participant[i] = True
            if kind[i] == KIND_LARGE:
                matched[i] = True
        elif not want[i] and participant[i]:
            participant[i] = False
            matched[i] = False


def reconsider(
    state: State, gov: Government, org: ClusterOrganization, rng: np.random.Generator
) -> None:
    """One run's stage 2: :func:`reconsider_block` for a block of one run."""
    reconsider_block([state], [gov], [org], [rng])


#: Columns of :func:`reconsider_block`'s per-run parameters.
_SHARE, _OUTSIDERS, _NETWORK, _COST, _SCALE, _PEER_WEIGHT, _PROSPECT = range(7)
_PARAMS = 7


def reconsider_block(
    states: Sequence[State],
    govs: Sequence[Government],
    orgs: Sequence[ClusterOrganization],
    rngs: Sequence[np.random.Generator],
) -> None:
    """A share of firms reconsider participation (benefits vs fees, peers, taste); every run.

    Each run draws one uniform per firm slot (whether or not anyone reconsiders); one compiled
    call finds who reconsiders in each run (:func:`_reconsidering`). In a run where someone
    does and a regime is in prospect (:meth:`sim.model.agents.Firm.registration_prospect` > 0),
    the instruments' expectations are computed by the code that pays them, for all those runs
    together (:func:`net_benefit`'s value, :func:`_add_expected_values`); then one compiled
    call decides for every run where someone reconsiders (:func:`_decide_rows`). The runs'
    firm tables are rows of one block (:mod:`sim.model.block`).
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    sizes: list[int] = []
    draws: list[np.ndarray] = []
    terms: list[float] = []
    for st, org, rng in zip(states, orgs, rngs, strict=True):
        n = st.firms.n
        sizes.append(n)
        draws.append(rng.random(n))
        key = ("membership", org.exists)
        row = st.kept.get(key)
        if row is None:  # the scenario's terms never change within a run
            row = st.kept[key] = _stage_terms(st, org.exists)
        terms += row
    ns = np.array(sizes, dtype=np.int64)
    params = np.array(terms).reshape(runs, _PARAMS)
    u = draws[0] if runs == 1 else np.concatenate(draws)
    now, active = _reconsidering_rows(rows, ns, u, params, t["alive"], t["participant"])
    reconsidering = [k for k, a in enumerate(active.tolist()) if a]
    if not reconsidering:
        return
    valued = np.zeros(runs, dtype=np.bool_)
    values = np.zeros((runs, now.shape[1]))
    ks: list[int] = []
    for k in reconsidering:
        st, gov = states[k], govs[k]
        prospect = Firm.registration_prospect(
            gov.offers_registration, gov.registered, st.last_check
        )
        params[k, _PROSPECT] = prospect
        if gov.regime is not None and prospect > 0:
            valued[k] = True
            ks.append(k)
    if ks:  # the instruments' expectations of those runs
        _add_expected_values(values, states, govs, orgs, ks, tables=(t, rows), only=now)
    constants, at = _group_constants(states)
    _decide_rows(
        rows, ns, now, active, valued, values, params, constants, at, t["output"], t["price"],
        t["kind"], t["alive"], t["participant"], t["matched"], t["taste"], t["group"],
    )  # fmt: skip


def _stage_terms(state: State, exists: bool) -> tuple[float, ...]:
    """A run's row of :func:`reconsider_block`'s parameters (``_PROSPECT``: 0 for now)."""
    s = state.spec
    m = s.membership
    # the organisation recruits: outsiders hear of it more often
    outsiders = 1 + s.organisation.recruit_bonus if exists else 1.0
    return (
        m.reconsider_share_per_quarter, outsiders, *_costs(state), m.benefit_scale_mln_rub,
        m.peer_weight, 0.0,
    )  # fmt: skip


#: :func:`_group_constants`' offsets of a lone run, by its number of groups (read only).
_ONE_RUN_AT: dict[int, np.ndarray] = {}


def _group_constants(states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
    """The runs' group constants, concatenated, and where each run's start (and the end)."""
    if len(states) == 1:
        c = states[0].group_constant
        at = _ONE_RUN_AT.get(c.size)
        if at is None:  # a lone run's: the same every quarter
            at = _ONE_RUN_AT[c.size] = np.array([0, c.size], dtype=np.int64)
        return c, at
    arrays = [st.group_constant for st in states]
    at = np.array([0, *accumulate(a.size for a in arrays)], dtype=np.int64)
    return np.concatenate(arrays), at


@kernel
def _reconsidering_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    u: np.ndarray,
    params: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`_reconsidering` for run ``k`` (firm table row ``rows[k]``, ``ns[k]`` slots).

    ``u`` holds the runs' draws one after the other (``ns[k]`` each). Returns who reconsiders
    (one row per run, as wide as the firm tables) and whether anyone does in each run.
    """
    now = np.zeros((rows.shape[0], alive.shape[1]), dtype=np.bool_)
    active = np.zeros(rows.shape[0], dtype=np.bool_)
    lo = 0
    for k in range(rows.shape[0]):
        r, n = rows[k], ns[k]
        mask = _reconsidering(
            u[lo : lo + n], alive[r, :n], participant[r, :n], params[k, _SHARE],
            params[k, _OUTSIDERS],
        )  # fmt: skip
        lo += n
        now[k, :n] = mask
        active[k] = mask.any()
    return now, active


@kernel
def _decide_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    now: np.ndarray,
    active: np.ndarray,
    valued: np.ndarray,
    values: np.ndarray,
    params: np.ndarray,
    constants: np.ndarray,
    at: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    kind: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    taste: np.ndarray,
    group: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """The firms reconsidering ``now`` in each ``active`` run join or leave (in place).

    Run ``k``'s net benefit is :func:`_net_benefit` (with ``values[k]`` where ``valued[k]``),
    its decision :meth:`sim.model.agents.Firm.membership_decision`'s compiled rule with the
    peer share and its groups' constants (``constants[at[k]:at[k + 1]]``, indexed as numpy
    does).
    """
    for k in range(rows.shape[0]):
        if not active[k]:
            continue
        r, n, p = rows[k], ns[k], params[k]
        value = values[k, :n] if valued[k] else values[k, :0]
        net = _net_benefit(output[r], price[r], n, p[_NETWORK], p[_COST], p[_PROSPECT], value)
        peer = _peer_share(kind[r], alive[r], participant[r], n)
        lo, groups = at[k], at[k + 1] - at[k]
        constant = np.empty(n)
        for i in range(n):
            g = group[r, i]
            constant[i] = constants[lo + (g if g >= 0 else g + groups)]
        want = membership_rule(net, peer, taste[r, :n], constant, p[_SCALE], p[_PEER_WEIGHT])
        _join_or_leave(now[k, :n], want, kind[r, :n], participant[r, :n], matched[r, :n])
