"""The starter-batch subsidy (docs/model.md 7.9), applied inside sourcing.

The subsidy reimburses a share of the purchases of *starter batches*: a new participant
supplier's first deliveries (:func:`new_suppliers`: within ``first_batches_quarters`` of its
first sale to the cluster). Both halves of the instrument live here and share one rule
(:func:`capped`): who may claim the subsidy and at what rate this quarter (:func:`claimants`),
what is paid (:func:`pay`: up to a lifetime cap per applicant and the year's budget), and what
a firm expects from it when it decides on membership (:func:`expected_benefit`: the claim it
would make on last quarter's starter batches). Only buyers claim it; suppliers gain from it only
through the orders it brings, which membership does not count as cash.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel
from sim.model.state import ROLE_FINAL, State, firm_tables, supplier_free_capacity_columns
from sim.scenario.schema import StarterBatchSubsidy

__all__ = [
    "book",
    "capped",
    "claimant_columns",
    "claimants",
    "expected_benefit",
    "expected_benefits",
    "first_batch_sales",
    "first_batch_sales_block",
    "is_claimant",
    "is_new_supplier",
    "new_suppliers",
    "offer",
    "offer_terms",
    "pay",
    "pay_columns",
    "starter_window",
    "subsidy",
]


def _paid(gov: Government, n: int) -> np.ndarray:
    """What each firm has been paid so far (the array grows with the firm table)."""
    paid = gov.starter_paid
    if paid.size < n:  # new firms have been paid nothing
        grown = np.zeros(n)
        grown[: paid.size] = paid
        gov.starter_paid = paid = grown
    return paid[:n]


@kernel
def _within_cap(claim: float, paid: float, cap: float) -> float:  # pragma: no cover - compiled
    """``min(claim, max(cap - paid, 0))`` as numpy's minimum and maximum (NaN propagates)."""
    room = cap - paid
    if not (room > 0.0 or room != room):
        room = 0.0
    return claim if (claim < room or claim != claim) else room


@kernel
def _capped(claims: np.ndarray, paid: np.ndarray, cap: float) -> np.ndarray:  # pragma: no cover
    """:func:`_within_cap` element by element.

    Args:
        claims: Each applicant's claim.
        paid: What each applicant has been paid so far.
        cap: The lifetime cap per applicant.

    Returns:
        The claims within the cap (NaN propagates; on a tie the second operand, as numpy).
    """
    out = np.empty(claims.shape[0])
    for i in range(claims.shape[0]):
        out[i] = _within_cap(claims[i], paid[i], cap)
    return out


def capped(claims: np.ndarray, paid: np.ndarray, sb: StarterBatchSubsidy) -> np.ndarray:
    """Claims limited to what each applicant's lifetime cap still allows."""
    return _capped(claims, paid, float(sb.cap_per_applicant_mln_rub.value))


@kernel
def pay_columns(
    claims: np.ndarray, paid: np.ndarray, cash: np.ndarray, cap: float, budget: float
) -> tuple[bool, float]:  # pragma: no cover - compiled
    """Pay the claims within each applicant's cap and the budget (:func:`pay`, one run).

    Nothing is paid when the claims add up to 0 or less (numpy's sum).

    Args:
        claims: Each firm's claim this quarter.
        paid: What each firm has been paid so far (updated in place).
        cash: Each firm's cash (updated in place).
        cap: The lifetime cap per applicant.
        budget: What is left of the year's budget.

    Returns:
        Whether anything was claimed (a payment to book), and the total paid (numpy's sum of
        the payments).
    """
    if array_sum(claims) <= 0:
        return False, 0.0
    pay = _capped(claims, paid, cap)
    total = array_sum(pay)
    if total > budget:
        scale = budget / total
        for i in range(pay.shape[0]):
            pay[i] *= scale
    for i in range(pay.shape[0]):
        paid[i] += pay[i]
        cash[i] += pay[i]
    return True, array_sum(pay)


def starter_window(gov: Government) -> int:
    """Quarters after its first sale a supplier's deliveries are starter batches; -1 if none.

    ``first_batches_quarters`` of the regime's starter-batch subsidy; -1 without the instrument
    (no supplier is new: :func:`is_new_supplier`).
    """
    sb = subsidy(gov)
    return -1 if sb is None else int(sb.first_batches_quarters.value)


@kernel
def is_new_supplier(first_sale_quarter: int, quarter: int, window: int) -> bool:  # pragma: no cover
    """Whether a supplier's deliveries are starter batches now (the rule, one supplier).

    Args:
        first_sale_quarter: Its first sale to the cluster (-1: not sold yet; -100: established
            at the start).
        quarter: The current quarter.
        window: :func:`starter_window` (-1: no instrument, no supplier is new).

    Returns:
        True if it has not sold to the cluster yet or is within ``window`` quarters of its
        first sale, and the instrument exists.
    """
    if window < 0:
        return False
    first = first_sale_quarter
    return first == -1 or (first >= 0 and quarter - first < window)


@kernel
def _new_suppliers(
    first_sale_quarter: np.ndarray, quarter: int, window: int
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`is_new_supplier` of each firm."""
    out = np.empty(first_sale_quarter.shape[0], dtype=np.bool_)
    for i in range(first_sale_quarter.shape[0]):
        out[i] = is_new_supplier(first_sale_quarter[i], quarter, window)
    return out


def new_suppliers(state: State, gov: Government) -> np.ndarray:
    """Suppliers whose deliveries are starter batches now (none without the instrument).

    A supplier that has not sold to the cluster yet, or is within ``first_batches_quarters`` of
    its first sale (:func:`is_new_supplier`).
    """
    f, n = state.firms, state.firms.n
    return _new_suppliers(f.first_sale_quarter[:n], state.quarter, starter_window(gov))


def first_batch_sales(state: State, gov: Government) -> np.ndarray:
    """What a supplier that qualifies now expects to sell as starter batches (qualification).

    While a registered cluster's regime reimburses starter batches and the year's budget
    lasts, a participant supplier's first deliveries are bought: its free capacity for the
    cluster over the first-batch window. 0 otherwise, and for non-participants.
    :func:`first_batch_sales_block` of one run.
    """
    return first_batch_sales_block([state], [gov])[0, : state.firms.n]


def first_batch_sales_block(states: Sequence[State], govs: Sequence[Government]) -> np.ndarray:
    """:func:`first_batch_sales` of each run, one row per run, as wide as the firm tables.

    Who expects first batches is read run by run (the regime, registration and the year's
    budget left); one compiled call (:func:`_first_batch_rows`) computes the free capacity of
    every run that does (:meth:`State.supplier_free_capacity_all`'s kernel on the run's row).
    A row is 0 beyond its run's firms, and for a run that expects none.
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.zeros(runs, dtype=np.int64)  # 0: the run expects no first batches
    params = np.zeros((runs, _FIRST_BATCH_PARAMS))
    for k, (st, gov) in enumerate(zip(states, govs, strict=True)):
        regime = gov.regime
        sb = regime.starter_batch_subsidy if regime is not None else None
        if sb is None or not gov.registered or sb.rate.value <= 0:
            continue
        if gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, st.quarter) <= 0:
            continue
        ns[k] = st.firms.n
        params[k, :-1] = st.supplier_capacity_parameters()
        params[k, -1] = sb.first_batches_quarters.value
    return _first_batch_rows(
        rows, ns, params, t["productivity"], t["employment"], t["alive"], t["participant"],
        t["capacity"], t["role"], t["qualification"], t["born_quarter"],
    )  # fmt: skip


#: Columns of :func:`_first_batch_rows`' per-run parameters: the seven of
#: :meth:`State.supplier_capacity_parameters`, then the first-batch window in quarters.
_FIRST_BATCH_PARAMS = 8


@kernel
def _first_batch_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    params: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    role: np.ndarray,
    qualification: np.ndarray,
    born: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`first_batch_sales` of run ``k`` (firm table row ``rows[k]``, ``ns[k]`` slots).

    A participant's free capacity (:func:`sim.model.state.supplier_free_capacity_columns`,
    the scalars ``params[k, :7]``) times the window ``params[k, 7]``; 0 for the others, and
    for every firm of a run with ``ns[k] == 0``.
    """
    out = np.zeros((rows.shape[0], alive.shape[1]))
    for k in range(rows.shape[0]):
        n = ns[k]
        if n == 0:
            continue
        r, p = rows[k], params[k]
        free, _ = supplier_free_capacity_columns(
            productivity[r], employment[r], alive[r], participant[r], capacity[r], role[r],
            qualification[r], born[r], n, p[0], p[1], p[2], p[3], int(p[4]), int(p[5]), p[6],
        )  # fmt: skip
        window = p[7]
        for i in range(n):
            out[k, i] = free[i] * window if participant[r, i] else 0.0
    return out


def expected_benefit(state: State, gov: Government, sb: StarterBatchSubsidy) -> np.ndarray:
    """The reimbursement each buyer would claim this quarter as a roster member (7.3).

    ``rate * starter batches bought`` (last quarter's purchases from new participant
    suppliers), within the applicant's cap, and 0 once the year's budget is spent. Firms that
    do not buy components (suppliers) get 0. :func:`expected_benefits` of one run.
    """
    return expected_benefits([state], [gov], [sb])[0, : state.firms.n]


def expected_benefits(
    states: Sequence[State], govs: Sequence[Government], sbs: Sequence[StarterBatchSubsidy]
) -> np.ndarray:
    """:func:`expected_benefit` of each run, one row per run, as wide as the firm tables.

    Each run's budget left and payments so far are read in Python; one compiled call computes
    the claims of every run with budget left (:func:`_expected_claims_rows`). A row is 0
    beyond its run's firms, and for a run whose year's budget is spent.
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.empty(runs, dtype=np.int64)
    terms = np.zeros((runs, _TERMS))
    paid = []
    for k, (st, gov, sb) in enumerate(zip(states, govs, sbs, strict=True)):
        n = ns[k] = st.firms.n
        if gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, st.quarter) <= 0:
            continue
        paid.append(_paid(gov, n))
        terms[k] = (1.0, sb.rate.value, sb.cap_per_applicant_mln_rub.value)
    if not paid:
        return np.zeros((runs, t["role"].shape[1]))
    return _expected_claims_rows(
        rows, ns, terms, paid[0] if len(paid) == 1 else np.concatenate(paid), t["role"],
        t["alive"], t["purchases_starter"],
    )  # fmt: skip


#: Columns of :func:`expected_benefits`' per-run terms: budget left (1) or spent (0), the
#: rate and the cap per applicant.
_LEFT, _RATE, _CAP = range(3)
_TERMS = 3


@kernel
def _expected_claims_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    terms: np.ndarray,
    paid: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    purchases_starter: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`_expected_claims` of run ``k`` (firm table row ``rows[k]``, ``ns[k]`` firms).

    ``paid`` holds the payments so far of the runs with budget left, one after the other
    (``ns[k]`` each); a run without budget left claims 0.
    """
    out = np.zeros((rows.shape[0], role.shape[1]))
    lo = 0
    for k in range(rows.shape[0]):
        if terms[k, _LEFT] == 0.0:
            continue
        r, n = rows[k], ns[k]
        out[k, :n] = _expected_claims(
            role[r], alive[r], purchases_starter[r], paid[lo : lo + n], terms[k, _RATE],
            terms[k, _CAP],
        )  # fmt: skip
        lo += n
    return out


@kernel
def _expected_claims(
    role: np.ndarray,
    alive: np.ndarray,
    purchases_starter: np.ndarray,
    paid: np.ndarray,
    rate: float,
    cap: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`expected_benefit` of the firms ``0..len(paid)-1``, budget left.

    ``rate * starter batches bought`` for alive final producers (0 for the others), within
    the cap (:func:`_within_cap`).
    """
    n = paid.shape[0]
    out = np.empty(n)
    for i in range(n):
        claim = rate * purchases_starter[i] if role[i] == ROLE_FINAL and alive[i] else 0.0
        out[i] = _within_cap(claim, paid[i], cap)
    return out


def subsidy(gov: Government) -> StarterBatchSubsidy | None:
    """The regime's starter-batch subsidy, or None (no instrument, or the de-facto arm)."""
    regime = gov.regime
    return regime.starter_batch_subsidy if regime is not None else None


def offer(
    state: State, gov: Government
) -> tuple[np.ndarray, np.ndarray, float, float, float] | None:
    """What a registered cluster's subsidy offers this quarter, as its claimants' rule needs it.

    Returns:
        ``(roster, paid, cap, budget, rate)``: who may have preferences (the roster), what each
        firm has been paid so far (a view of the government's array, grown to the firm
        table), the lifetime cap per applicant, what is left of the year's budget, and the
        rate (0 once the budget is spent). None when the regime has no starter-batch subsidy
        or the cluster is not registered: nobody may claim it.
    """
    terms = offer_terms(state, gov)
    if terms is None:
        return None
    return gov.eligible_for_preferences(state), *terms


def offer_terms(state: State, gov: Government) -> tuple[np.ndarray, float, float, float] | None:
    """:func:`offer` but the roster: ``(paid, cap, budget, rate)``, or None.

    Sourcing reads the roster in its kernel (:func:`~sim.model.state.roster_rows` of each
    run, the rule :meth:`~sim.model.agents.Government.eligible_for_preferences` applies to a
    registered cluster, the only one offered the subsidy).
    """
    sb = subsidy(gov)
    if sb is None or not gov.registered:
        return None
    n = state.firms.n
    budget = gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, state.quarter)
    rate = sb.rate.value if budget > 0 else 0.0
    cap = float(sb.cap_per_applicant_mln_rub.value)
    return _paid(gov, n), cap, float(budget), rate


@kernel
def is_claimant(roster: bool, fin: bool, paid: float, cap: float) -> bool:  # pragma: no cover
    """Whether a firm may claim the offered subsidy (the rule, one firm).

    Args:
        roster: It is on the roster of the registered cluster (preferences go to members).
        fin: It is an alive final producer.
        paid: What it has been paid so far.
        cap: The lifetime cap per applicant.

    Returns:
        True for a roster member buying components still under the cap.
    """
    return roster and fin and paid < cap


@kernel
def claimant_columns(
    roster: np.ndarray, fin: np.ndarray, paid: np.ndarray, cap: float
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`is_claimant` of each firm."""
    out = np.empty(paid.shape[0], dtype=np.bool_)
    for i in range(paid.shape[0]):
        out[i] = is_claimant(roster[i], fin[i], paid[i], cap)
    return out


def claimants(state: State, gov: Government, fin: np.ndarray) -> tuple[np.ndarray, float]:
    """Final producers that may claim the subsidy this quarter, and its rate (0 when none).

    Claimants are those the government lets have preferences, still under the per-applicant
    cap (:func:`is_claimant`); the rate is 0 once the year's budget is spent (:func:`offer`).
    Sourcing applies the same rule to every run of a block
    (:func:`sim.model.mechanisms.sourcing.source_block`).
    """
    offered = offer(state, gov)
    if offered is None:
        return np.zeros(state.firms.n, dtype=bool), 0.0
    roster, paid, cap, _, rate = offered
    return claimant_columns(roster, fin, paid, cap), rate


def pay(state: State, gov: Government, claims: np.ndarray) -> None:
    """Pay the claims within each applicant's cap and the year's budget; book the cost.

    Sourcing pays every run of a block by the same kernel
    (:func:`sim.model.mechanisms.sourcing.source_block`).
    """
    sb = subsidy(gov)
    if sb is None:
        return
    n, q = state.firms.n, state.quarter
    budget = gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, q)
    cap = float(sb.cap_per_applicant_mln_rub.value)
    claimed, total = pay_columns(claims, _paid(gov, n), state.firms.cash[:n], cap, float(budget))
    if claimed:
        book(state, gov, sb, total)


def book(state: State, gov: Government, sb: StarterBatchSubsidy, total: float) -> None:
    """Book a quarter's payment ``total`` against the year's budget and in the ledger."""
    gov.book("starter_batch", total, state.quarter)
    state.ledger.book_cost("starter_batch", sb.budget_level, total)
    state.ledger.paid_to_firms += total
