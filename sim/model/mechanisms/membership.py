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
Python, one compiled call finds who reconsiders in every run, the instruments' expectations
are computed run by run where a regime is in prospect, and one compiled call decides and
books the joins and leaves of every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from sim.model.agents import ClusterOrganization, Firm, Government, _membership_decision
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


def _add_expected_values(
    values: np.ndarray,
    states: Sequence[State],
    govs: Sequence[Government],
    orgs: Sequence[ClusterOrganization],
    ks: list[int],
) -> None:
    """Add what each firm of runs ``ks`` expects from its regime's instruments as a member.

    ``values[k]`` (zeros, at least as wide as run ``k``'s firm slots) gets each instrument's
    expectation in turn, each computed by the code that pays it: joint projects (run by run),
    starter batches (one call for the runs: :func:`starter_batches.expected_benefits`), loans
    (run by run) and tax relief (one call: :func:`tax_relief.expected_benefits`). The runs'
    regimes are not ``None``.
    """
    plans = {}  # what run k's loans read of its projects' plans
    for k in ks:
        st, gov, org = states[k], govs[k], orgs[k]
        s, n = st.spec, st.firms.n
        regime = gov.regime
        jp, loans = regime.joint_project_subsidy, regime.preferential_loans
        projects_expected = org.exists and (jp is not None or loans is not None)
        projects = sub = None
        if projects_expected or loans is not None:
            # what the plans read (nothing is booked while firms expect): computed once
            due = gov.receivable(n)
            programmes = financing._programmes(st, gov)
            terms = financing._terms(st, gov, True)
            plans[k] = (due, programmes, terms)
        if projects_expected:
            # read by the subsidy's and the loans' expected benefit: computed once
            projects, sub = joint_projects.expected_projects(
                st, gov, s.organisation, jp, due=due, table=programmes[1], terms=terms
            )
            plans[k] = (*plans[k], projects, sub)
        if jp is not None and org.exists:
            values[k, :n] += joint_projects.expected_benefit(
                st, gov, jp, s.organisation, expected=(projects, sub)
            )
    claimed = [k for k in ks if govs[k].regime.starter_batch_subsidy is not None]
    if claimed:
        claims = starter_batches.expected_benefits(
            [states[k] for k in claimed], [govs[k] for k in claimed],
            [govs[k].regime.starter_batch_subsidy for k in claimed],
        )  # fmt: skip
        _add_rows(values, np.array(claimed), np.array([states[k].firms.n for k in claimed]), claims)
    ones = np.ones(values.shape[1])  # each firm expects one capacity outlay (read only)
    for k in ks:
        st, gov, org = states[k], govs[k], orgs[k]
        s, n = st.spec, st.firms.n
        loans = gov.regime.preferential_loans
        if loans is not None:
            due, programmes, terms, *expected = plans[k]
            outlays = [(ones[:n], investment.wanted_outlay(st), due)]
            if org.exists:
                projects, sub = expected
                capex = np.empty(n)
                capex.fill(s.organisation.project_capex_mln_rub.mean)
                outlays.append((projects, capex, due + sub))
            financing.add_expected_benefit(
                values[k, :n], st, gov, loans, outlays, programmes=programmes, terms=terms
            )
    relieved = [k for k in ks if govs[k].regime.tax_relief is not None]
    if relieved:
        relief = tax_relief.expected_benefits(
            [states[k] for k in relieved], [govs[k] for k in relieved],
            [govs[k].regime.tax_relief for k in relieved],
        )  # fmt: skip
        _add_rows(
            values, np.array(relieved), np.array([states[k].firms.n for k in relieved]), relief
        )


@kernel
def _add_rows(
    values: np.ndarray, ks: np.ndarray, ns: np.ndarray, addend: np.ndarray
) -> None:  # pragma: no cover - compiled
    """``values[ks[j], :ns[j]] += addend[j, :ns[j]]`` for each ``j`` (element by element)."""
    for j in range(ks.shape[0]):
        k = ks[j]
        for i in range(ns[j]):
            values[k, i] += addend[j, i]


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
    the instruments' expectations are computed by the code that pays them, run by run
    (:func:`net_benefit`'s value); then one compiled call decides for every run where someone
    reconsiders (:func:`_decide_rows`). The runs' firm tables are rows of one block
    (:mod:`sim.model.block`).
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.empty(runs, dtype=np.int64)
    draws = []
    params = np.empty((runs, _PARAMS))
    for k, (st, org, rng) in enumerate(zip(states, orgs, rngs, strict=True)):
        s, n = st.spec, st.firms.n
        ns[k] = n
        draws.append(rng.random(n))
        m = s.membership
        # the organisation recruits: outsiders hear of it more often
        outsiders = 1 + s.organisation.recruit_bonus if org.exists else 1.0
        params[k] = (
            m.reconsider_share_per_quarter, outsiders, *_costs(st), m.benefit_scale_mln_rub,
            m.peer_weight, 0.0,
        )  # fmt: skip
    u = draws[0] if runs == 1 else np.concatenate(draws)
    now, active = _reconsidering_rows(rows, ns, u, params, t["alive"], t["participant"])
    if not active.any():
        return
    valued = np.zeros(runs, dtype=np.bool_)
    values = np.zeros((runs, now.shape[1]))
    for k in np.flatnonzero(active).tolist():
        st, gov = states[k], govs[k]
        prospect = Firm.registration_prospect(
            gov.offers_registration, gov.registered, st.last_check
        )
        params[k, _PROSPECT] = prospect
        if gov.regime is not None and prospect > 0:
            valued[k] = True
    if valued.any():  # the instruments' expectations, run by run
        _add_expected_values(values, states, govs, orgs, np.flatnonzero(valued).tolist())
    constants, at = _group_constants(states)
    _decide_rows(
        rows, ns, now, active, valued, values, params, constants, at, t["output"], t["price"],
        t["kind"], t["alive"], t["participant"], t["matched"], t["taste"], t["group"],
    )  # fmt: skip


def _group_constants(states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
    """The runs' group constants, concatenated, and where each run's start (and the end)."""
    if len(states) == 1:
        c = states[0].group_constant
        return c, np.array([0, c.size], dtype=np.int64)
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
        want = _membership_decision(net, peer, taste[r, :n], constant, p[_SCALE], p[_PEER_WEIGHT])
        _join_or_leave(now[k, :n], want, kind[r, :n], participant[r, :n], matched[r, :n])
