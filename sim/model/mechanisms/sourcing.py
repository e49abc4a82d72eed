"""Stage 5 (docs/model.md 7.8): final producers buy their localisable purchases by trade.

Large enterprises split localisable purchases between local suppliers and outside (imported or
other-region) suppliers by a logit on effective price, rationed by the local suppliers' free
capacity. For each trade ``k`` and buyer group ``b``, the options are local participant
suppliers (P), local non-participant suppliers (N) and outside suppliers (O). Every supplier
is priced on its own (no group average, so a newcomer adds its own attraction and never makes
its group dearer):

* ``pe_{b,i} = (1 + premium_k) * cost_i / cost0_i * (1 + search * u_{b,i}) * (1 - s_{b,g})``,
  ``u_{b,i}`` = 0 for a matched participant supplier selling to a participant buyer, else 1;
  ``s`` is the starter-batch subsidy rate (:mod:`sim.model.mechanisms.starter_batches`)
* group attraction ``A_{b,g} = sum_{i in g} cap_i * pe_{b,i}^(-beta)`` (free capacity ``cap``)
* share of group ``g``: ``(A_{b,g} / D_{b,k}) / (sum_h A_{b,h} / D_{b,k} + a_O)``
* demand of the group ``D_{b,k} * share_{b,g}`` is rationed to the group's free capacity and
  shared among its suppliers in proportion to their free capacity; what a group cannot supply
  spills to the other local groups with room (:func:`spill`) before it is bought outside.

Buyer groups: claimants of the starter-batch subsidy, other participants, non-participants.
Seller groups per trade: new participant suppliers (within their starter-batch window, the
only purchases the subsidy reimburses), other participant suppliers, and non-participant
suppliers, all qualified; the rest is bought outside.

The whole stage's arithmetic for a quarter runs in one compiled kernel (:func:`_source_quarter`,
:mod:`sim.model.compiled`): the same floating-point operations in the same order as numpy
would do them on the arrays (sums in numpy's pairwise order), so outcomes are bit for bit those
of the vectorised formulation. The stage is a block stage (:func:`source_block`): Python only
gathers each run's free capacities and subsidy terms, then one compiled call sources every run
of a block and pays the claims; :func:`source` is that call for one run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel, power
from sim.model.mechanisms import starter_batches
from sim.model.state import (
    ROLE_FINAL,
    State,
    firm_tables,
    roster_rows,
    supplier_free_capacity_columns,
)
from sim.scenario.schema import Sourcing

__all__ = [
    "attraction",
    "group_shares",
    "group_shares_rows",
    "source",
    "source_block",
    "spill",
]


@kernel
def _maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.maximum(a, b)`` of two floats: NaN propagates, ``b`` on a tie (as numpy does)."""
    if a > b or a != a:
        return a
    return b


@kernel
def _attraction_term(free: float, eff_price: float, beta: float) -> float:  # pragma: no cover
    """One supplier's term of :func:`attraction`: ``free * max(pe, 1e-9)^(-beta)``."""
    return free * power(_maximum(eff_price, 1e-9), -beta)


@kernel
def attraction(free: np.ndarray, eff_price: np.ndarray, beta: float) -> float:  # pragma: no cover
    """A supplier group's attraction ``sum_i free_i * pe_i^(-beta)`` (prices floored at 1e-9).

    Args:
        free: Free capacity of each supplier in the group.
        eff_price: Each supplier's effective price index for the buyer group.
        beta: Price sensitivity.

    Returns:
        The attraction (numpy's pairwise sum of the suppliers' terms).
    """
    terms = np.empty(free.shape[0])
    for i in range(free.shape[0]):
        terms[i] = _attraction_term(free[i], eff_price[i], beta)
    return array_sum(terms)


@kernel
def group_shares_rows(
    demand: np.ndarray, attraction: np.ndarray, outside_attraction: float
) -> np.ndarray:  # pragma: no cover - compiled
    """Shares of each buyer group's demand bought from each local seller group (one row each).

    ``w_g = max(A_g, 0) / D`` and ``share_g = w_g / (sum_h w_h + a_O)``; rows with
    ``demand <= 0`` are zeros.

    Args:
        demand: Localisable demand of each buyer group in this trade (mln RUB).
        attraction: Attraction of each local seller group for each buyer group (rows: buyer
            groups), :func:`attraction`.
        outside_attraction: Attraction ``a_O`` of outside suppliers (price index 1).

    Returns:
        Shares, buyer groups x seller groups; each row sums to at most 1.
    """
    rows, cols = attraction.shape
    shares = np.zeros((rows, cols))
    w = np.empty(cols)
    for b in range(rows):
        d = demand[b]
        if not d > 0:
            continue
        for g in range(cols):
            w[g] = _maximum(attraction[b, g], 0.0) / d
        den = array_sum(w) + outside_attraction
        for g in range(cols):
            shares[b, g] = w[g] / den
    return shares


def group_shares(demand: float, attraction: np.ndarray, outside_attraction: float) -> np.ndarray:
    """Shares of one buyer group's ``demand`` bought from each local group (rest goes outside).

    Args:
        demand: Localisable demand of the buyer group in this trade (mln RUB).
        attraction: Attraction of each local supplier group (:func:`attraction`).
        outside_attraction: Attraction ``a_O`` of outside suppliers (price index 1).

    Returns:
        Array of shares, one per local group (:func:`group_shares_rows` for one row); their
        sum is at most 1, all 0 without demand.
    """
    attr = np.asarray(attraction, dtype=np.float64).reshape(1, -1)
    return group_shares_rows(np.array([float(demand)]), attr, float(outside_attraction))[0]


@kernel
def _column_sums(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``x.sum(axis=0)`` of a C-contiguous 2-D array: rows added in turn, from 0."""
    rows, cols = x.shape
    out = np.zeros(cols)
    for b in range(rows):
        for g in range(cols):
            out[g] += x[b, g]
    return out


@kernel
def spill(
    bought: np.ndarray, wanted: np.ndarray, cap: np.ndarray, attr: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Send what rationing left unbought to the other local groups with room, before outside.

    ``bought[b, g]`` (already rationed to ``cap``) grows in place: each buyer row's unmet
    demand ``wanted - bought`` goes to the other groups in proportion to their attraction for
    that row, and every group is rationed to its capacity again.

    Args:
        bought: Purchases by buyer row and seller group, rationed (updated in place).
        wanted: Purchases the logit asked for, before rationing.
        cap: Free capacity of each seller group.
        attr: Attraction of each seller group for each buyer row.
    """
    rows, cols = bought.shape
    unmet = np.empty(rows)
    row = np.empty(cols)
    for b in range(rows):
        for g in range(cols):
            row[g] = _maximum(wanted[b, g] - bought[b, g], 0.0)
        unmet[b] = array_sum(row)
    if array_sum(unmet) <= 0:
        return
    sold = _column_sums(bought)
    asked = _column_sums(wanted)
    room = np.empty(cols)
    open_ = np.empty(cols, dtype=np.bool_)
    any_open = False
    for g in range(cols):
        room[g] = _maximum(cap[g] - sold[g], 0.0)
        # A group rationed to its capacity has no room, whatever rounding leaves of it (a full
        # group must not take a share of the unmet demand that its ~1e-17 of room caps away).
        open_[g] = asked[g] < cap[g] and room[g] > 1e-12 * _maximum(cap[g], 1.0)
        any_open = any_open or open_[g]
    if not any_open:
        return
    extra = np.empty((rows, cols))
    for b in range(rows):
        for g in range(cols):
            row[g] = _maximum(attr[b, g], 0.0) if open_[g] else 0.0
        norm = array_sum(row)
        for g in range(cols):
            extra[b, g] = unmet[b] * (row[g] / norm if norm > 0 else 0.0)
    tot = _column_sums(extra)
    for g in range(cols):
        cut = room[g] / _maximum(tot[g], 1e-12) if tot[g] > room[g] else 1.0
        for b in range(rows):
            bought[b, g] += extra[b, g] * cut


@kernel
def _source_quarter(
    n: int,
    q: int,
    fin: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    eligible: np.ndarray,
    window: int,
    ok: np.ndarray,
    free_all: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    unit_cost: np.ndarray,
    cost0: np.ndarray,
    trade_of: np.ndarray,
    premium: np.ndarray,
    purchase_share: np.ndarray,
    outside_attraction: np.ndarray,
    purchases_share_of_output: float,
    localisable_share: float,
    beta: float,
    search_cost: float,
    discount: float,
    sb_rate: float,
    purchases: np.ndarray,
    sales_cluster: np.ndarray,
    purchases_local: np.ndarray,
    purchases_from_part: np.ndarray,
    purchases_starter: np.ndarray,
    last_contract_quarter: np.ndarray,
    first_sale_quarter: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """One quarter of stage 5 on the firm table's columns (written in place; slots ``< n``).

    Buyer groups ``b``: claimants (``eligible``), other participant final producers, other
    final producers. Per trade ``k``, seller groups ``g`` among its qualified suppliers with free
    capacity: new participant suppliers, other participants, non-participants. Each trade's
    purchases follow :func:`group_shares_rows`, are rationed to each group's free capacity and
    :func:`spill` to groups with room; a group's sales are shared among its suppliers in
    proportion to their free capacity, a buyer group's purchases among its buyers in proportion
    to their localisable purchases.

    Args:
        n: Slots in use in the firm table.
        q: The current quarter.
        fin: Alive final producers.
        alive: Alive firms (column).
        participant: Participants (column).
        matched: Suppliers matched with a participant buyer (column).
        eligible: Final producers that may claim the starter-batch subsidy.
        window: :func:`~sim.model.mechanisms.starter_batches.starter_window`: which suppliers'
            deliveries are starter batches (:func:`~.starter_batches.is_new_supplier`).
        ok: Qualified producing suppliers.
        free_all: Free capacity of every firm for the cluster.
        output: Output (column).
        price: Price index (column).
        unit_cost: Unit cost (column).
        cost0: Each supplier's reference unit cost.
        trade_of: Each firm's trade (column; -1 for none).
        premium: Local price premium of each trade.
        purchase_share: Each trade's share of localisable purchases.
        outside_attraction: Outside suppliers' attraction per trade.
        purchases_share_of_output: Purchases per rouble of output.
        localisable_share: Localisable share of purchases.
        beta: Price sensitivity.
        search_cost: Search cost of unmatched suppliers (share of price).
        discount: ``max(1 - sb_rate, 1e-9)^(-beta)``, the claimants' factor on new suppliers.
        sb_rate: Starter-batch subsidy rate (0 when none can be claimed).
        purchases: Purchases (column, written for final producers).
        sales_cluster: Sales to the cluster (column, written).
        purchases_local: Local purchases (column, written).
        purchases_from_part: Purchases from participants (column, written).
        purchases_starter: Purchases of starter batches (column, written).
        last_contract_quarter: Quarter of the last contract (column, updated).
        first_sale_quarter: Quarter of the first sale to the cluster (column, updated).

    Returns:
        Each firm's starter-batch claim (before the caps).
    """
    claims = np.zeros(n)
    part = np.empty(n, dtype=np.bool_)
    group_of = np.full(n, -1, dtype=np.int64)  # buyer group
    localisable = np.zeros(n)
    for i in range(n):
        sales_cluster[i] = 0.0
        purchases_local[i] = 0.0
        purchases_from_part[i] = 0.0
        purchases_starter[i] = 0.0
        part[i] = participant[i] and alive[i]
        if fin[i]:
            purchases[i] = output[i] * price[i] * purchases_share_of_output
            localisable[i] = purchases[i] * localisable_share
            if eligible[i]:
                group_of[i] = 0
            elif part[i]:
                group_of[i] = 1
            else:
                group_of[i] = 2
    # Each buyer group's localisable demand (numpy's sum over its buyers in index order).
    buf = np.empty(n)
    demand_all = np.empty(3)
    for b in range(3):
        m = 0
        for i in range(n):
            if group_of[i] == b:
                buf[m] = localisable[i]
                m += 1
        demand_all[b] = array_sum(buf[:m])
    search = 1.0 + search_cost
    members = np.empty((3, n), dtype=np.int64)  # seller group members of the trade, in order
    frees = np.empty((3, n))
    count = np.zeros(3, dtype=np.int64)
    terms_part = np.empty((2, n))  # each supplier's attraction for participant buyers
    terms_out = np.empty((3, n))  # and for the others
    cap_g = np.empty(3)
    a_part = np.empty(2)
    a_out = np.empty(3)
    attr = np.empty((3, 3))
    demand_b = np.empty(3)
    wanted = np.empty((3, 3))
    bought = np.empty((3, 3))
    for k in range(premium.shape[0]):
        count[:] = 0
        any_in_trade = False
        for i in range(n):
            if not (ok[i] and trade_of[i] == k):
                continue
            any_in_trade = True
            if not free_all[i] > 0:
                continue
            if part[i]:
                new = starter_batches.is_new_supplier(first_sale_quarter[i], q, window)
                g = 0 if new else 1
            else:
                g = 2
            members[g, count[g]] = i
            frees[g, count[g]] = free_all[i]
            count[g] += 1
        if not any_in_trade:
            continue
        for g in range(3):
            cap_g[g] = array_sum(frees[g, : count[g]])
        if (cap_g[0] + cap_g[1]) + cap_g[2] <= 0:
            continue
        # Each supplier's own effective price; participant buyers pay no search cost to
        # matched participant suppliers.
        prem = 1.0 + premium[k]
        for g in range(3):
            m = count[g]
            for j in range(m):
                i = members[g, j]
                base = unit_cost[i] / cost0[i] * prem
                terms_out[g, j] = _attraction_term(frees[g, j], base * search, beta)
                if g < 2:
                    if matched[i]:
                        terms_part[g, j] = _attraction_term(
                            frees[g, j], base * (1.0 + search_cost * 0.0), beta
                        )
                    else:  # the same price as for the others: base * (1 + search_cost * 1)
                        terms_part[g, j] = terms_out[g, j]
            if g < 2:
                a_part[g] = array_sum(terms_part[g, :m])
            a_out[g] = array_sum(terms_out[g, :m])
        attr[0, 0], attr[0, 1], attr[0, 2] = a_part[0] * discount, a_part[1], a_out[2]
        attr[1, 0], attr[1, 1], attr[1, 2] = a_part[0], a_part[1], a_out[2]  # participants
        attr[2, 0], attr[2, 1], attr[2, 2] = a_out[0], a_out[1], a_out[2]  # non-participants
        for b in range(3):
            demand_b[b] = demand_all[b] * purchase_share[k]
        shares = group_shares_rows(demand_b, attr, outside_attraction[k])
        for b in range(3):
            for g in range(3):
                wanted[b, g] = demand_b[b] * shares[b, g]
        # Ration each seller group to its free capacity; what it cannot supply goes to the
        # other local groups with room before it leaves the region.
        tot = _column_sums(wanted)
        for g in range(3):
            cut = cap_g[g] / _maximum(tot[g], 1e-12) if tot[g] > cap_g[g] else 1.0
            for b in range(3):
                bought[b, g] = wanted[b, g] * cut
        spill(bought, wanted, cap_g, attr)
        for g in range(3):
            if cap_g[g] > 0:
                sold = ((0.0 + bought[0, g]) + bought[1, g]) + bought[2, g]  # numpy's sum
                for j in range(count[g]):
                    i = members[g, j]
                    sales_cluster[i] += sold * frees[g, j] / cap_g[g]
        for i in range(n):
            b = group_of[i]
            if b < 0:
                continue
            d = demand_b[b]
            if d <= 0:
                continue
            w = localisable[i] * purchase_share[k] / d
            purchases_local[i] += (((0.0 + bought[b, 0]) + bought[b, 1]) + bought[b, 2]) * w
            purchases_from_part[i] += (bought[b, 0] + bought[b, 1]) * w
            purchases_starter[i] += bought[b, 0] * w
            if b == 0:
                claims[i] += sb_rate * bought[b, 0] * w
        # Contracts: participant sellers that sold to participant buyers, and those buyers.
        if (bought[0, 0] + bought[0, 1]) + (bought[1, 0] + bought[1, 1]) > 0:
            for g in range(2):
                for j in range(count[g]):
                    last_contract_quarter[members[g, j]] = q
    for i in range(n):
        if fin[i] and part[i] and purchases_from_part[i] > 0:
            last_contract_quarter[i] = q
        if sales_cluster[i] > 0 and first_sale_quarter[i] == -1:  # not sold before
            first_sale_quarter[i] = q
    return claims


#: Trade columns by sourcing rules (:func:`_trade_columns`), a few scenarios at a time.
_TRADE_COLUMNS: dict[int, tuple[Sourcing, np.ndarray, np.ndarray, tuple[float, ...]]] = {}
_TRADE_COLUMNS_KEPT = 16


def _trade_columns(sc: Sourcing) -> tuple[np.ndarray, np.ndarray]:
    """Each trade's local price premium and share of localisable purchases (scenario order)."""
    _, premium, share, _ = _rules(sc)
    return premium, share


def _rules(sc: Sourcing) -> tuple[Sourcing, np.ndarray, np.ndarray, tuple[float, ...]]:
    """The sourcing rules' columns and scalars, built once per rules object (they are frozen).

    Returns:
        ``(rules, premium, share, scalars)``: each trade's local price premium and share of
        localisable purchases, and the scalars price sensitivity, purchases share of output,
        localisable share, search cost, then the premia and the shares (:func:`source_block`'s
        parameters). A block may mix scenarios, so a few are kept.
    """
    got = _TRADE_COLUMNS.get(id(sc))
    if got is None or got[0] is not sc:
        if len(_TRADE_COLUMNS) >= _TRADE_COLUMNS_KEPT:
            _TRADE_COLUMNS.clear()
        premium = np.array([t.local_price_premium for t in sc.trades], dtype=np.float64)
        share = np.array([t.purchase_share for t in sc.trades], dtype=np.float64)
        scalars = (
            float(sc.price_sensitivity), float(sc.purchases_share_of_output),
            float(sc.localisable_share), float(sc.unmatched_search_cost), *premium.tolist(),
            *share.tolist(),
        )  # fmt: skip
        _TRADE_COLUMNS[id(sc)] = got = (sc, premium, share, scalars)
    return got


#: Columns of :func:`source_block`'s per-run parameters; from ``_PER_TRADE`` on, the premia,
#: purchase shares and outside attractions of the run's ``_TRADES`` trades.
#: ``_SINCE``: :meth:`~sim.model.state.State.roster_since` (the roster is read where the
#: subsidy is offered).
_N, _QUARTER, _WINDOW, _COST0_AT, _DISCOUNT, _RATE, _OFFERED, _CAP, _BUDGET, _SINCE = range(10)
#: ... then :meth:`~sim.model.state.State.supplier_capacity_parameters` (``_SUPPLY`` on), ...
_SUPPLY = 10
_TRADES, _BETA, _PSO, _LOCALISABLE, _SEARCH, _PER_TRADE = range(17, 23)


def source(state: State, gov: Government) -> None:
    """One run's stage 5: :func:`source_block` for a block of one run."""
    source_block((state,), (gov,))


def source_block(states: Sequence[State], govs: Sequence[Government]) -> None:
    """Allocate this quarter's purchases; book the starter-batch subsidy; record contracts.

    For every run of a block (their firm tables are rows of one block, :mod:`sim.model.block`):
    each run's subsidy terms are gathered in Python, then one compiled call
    (:func:`_source_rows`) finds the free capacities and rosters, sources and pays the claims
    of every run; the payments are booked run by run.
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    values = []
    offers: list[tuple[int, np.ndarray]] = []  # runs with an offer: what each firm was paid
    cost0 = []
    at = 0
    for k, (st, gov) in enumerate(zip(states, govs, strict=True)):
        rules = _rules(st.spec.sourcing)
        beta = rules[3][0]
        # The starter-batch subsidy: who may claim it, at what rate, and which suppliers are new.
        offered = starter_batches.offer_terms(st, gov)
        if offered is None:
            rate, on, cap, budget = 0.0, 0.0, 0.0, 0.0
        else:
            paid, cap, budget, rate = offered
            offers.append((k, paid))
            on = 1.0
        # the claimants' subsidy on starter batches (1 ** x is 1: no power without a rate)
        discount = max(1 - rate, 1e-9) ** (-beta) if rate != 0.0 else 1.0
        values.append((
            st.firms.n, st.quarter, starter_batches.starter_window(gov), at, discount, rate, on,
            cap, budget, st.roster_since(), *st.supplier_capacity_parameters(),
            rules[1].shape[0], *rules[3],
            *st.outside_attraction.tolist(),
        ))  # fmt: skip
        cost0.append(st.supplier_cost0)
        at += st.supplier_cost0.shape[0]
    if not offers:
        paid = _NO_PAID
    elif runs == 1:  # the run's own array as a one-row table (the government's array)
        paid = offers[0][1].reshape(1, -1)
    else:
        paid = np.zeros((runs, t["alive"].shape[1]))  # what each firm has been paid so far
        for k, run_paid in offers:
            paid[k, : run_paid.shape[0]] = run_paid
    if runs > 1 and len({len(v) for v in values}) > 1:  # scenarios with different trades
        longest = max(len(v) for v in values)
        values = [(*v, *(0.0,) * (longest - len(v))) for v in values]
    totals, claimed, claims = _source_rows(
        rows, t["role"], t["alive"], t["participant"], t["matched"], t["trade"], t["output"],
        t["price"], t["unit_cost"], t["cash"], t["purchases"], t["sales_cluster"],
        t["purchases_local"], t["purchases_from_participants"], t["purchases_starter"],
        t["last_contract_quarter"], t["first_sale_quarter"], t["productivity"],
        t["employment"], t["capacity"], t["qualification"], t["born_quarter"], paid,
        cost0[0] if runs == 1 else np.concatenate(cost0), np.array(values, dtype=np.float64),
    )  # fmt: skip
    if claims:  # book the payments of the runs that had claims
        at_offer = {k: j for j, (k, _) in enumerate(offers)}
        for k, (booked, total) in enumerate(zip(claimed.tolist(), totals.tolist(), strict=True)):
            if booked:
                view = offers[at_offer[k]][1]  # the government's array (a view)
                if runs > 1:
                    view[:] = paid[k, : view.shape[0]]
                starter_batches.book(states[k], govs[k], starter_batches.subsidy(govs[k]), total)


#: A lone run's paid amounts when its cluster offers no subsidy (not read).
_NO_PAID = np.zeros((1, 0))


@kernel
def _source_rows(
    rows: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    trade: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    unit_cost: np.ndarray,
    cash: np.ndarray,
    purchases: np.ndarray,
    sales_cluster: np.ndarray,
    purchases_local: np.ndarray,
    purchases_from_part: np.ndarray,
    purchases_starter: np.ndarray,
    last_contract_quarter: np.ndarray,
    first_sale_quarter: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    qualification: np.ndarray,
    born_quarter: np.ndarray,
    paid: np.ndarray,
    cost0: np.ndarray,
    params: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:  # pragma: no cover - compiled
    """Stage 5 for run ``k`` of the block (firm table row ``rows[k]``).

    The firm columns are the block's 2-D tables (written in place); ``paid`` (what each firm
    has been paid, updated in place) has one row per run where a run is offered the subsidy,
    as has ``params`` (:func:`source_block`'s columns: slots, quarter, subsidy terms, the
    start of the run's reference costs in ``cost0``, the roster's window, the scalars of the
    suppliers' free capacity, the sourcing rules and, per trade, premium, purchase share and
    outside attraction). The suppliers' free capacity and who is qualified are
    :func:`~sim.model.state.supplier_free_capacity_columns` of the run's row. Where a
    registered cluster offers the subsidy, the claimants are
    :func:`~sim.model.mechanisms.starter_batches.is_claimant` among the roster
    (:func:`~sim.model.state.roster_rows` of the run's row, before it sources: whom
    :meth:`~sim.model.agents.Government.eligible_for_preferences` lets have preferences) and
    the claims are paid as :func:`~sim.model.mechanisms.starter_batches.pay` pays them.

    Returns:
        What each run paid, whether it had claims to book, and how many runs had.
    """
    runs = rows.shape[0]
    totals = np.zeros(runs)
    claimed = np.zeros(runs, dtype=np.bool_)
    count = 0
    for k in range(runs):
        r, p = rows[k], params[k]
        n, m, at = int(p[_N]), int(p[_TRADES]), int(p[_COST0_AT])
        fin = np.empty(n, dtype=np.bool_)
        for i in range(n):
            fin[i] = role[r, i] == ROLE_FINAL and alive[r, i]
        sp = p[_SUPPLY : _SUPPLY + 7]
        free, ok = supplier_free_capacity_columns(
            productivity[r], employment[r], alive[r], participant[r], capacity[r], role[r],
            qualification[r], born_quarter[r], n, sp[0], sp[1], sp[2], sp[3], int(sp[4]),
            int(sp[5]), sp[6],
        )  # fmt: skip
        offered = p[_OFFERED] > 0.0
        if offered:  # who may claim: the roster (the government's rule), within the cap
            run = np.empty((1, 3), dtype=np.int64)
            run[0, 0], run[0, 1], run[0, 2] = r, n, int(p[_SINCE])
            roster = roster_rows(run, alive, participant, last_contract_quarter)[0]
            eligible = starter_batches.claimant_columns(roster, fin, paid[k, :n], p[_CAP])
        else:
            eligible = np.zeros(n, dtype=np.bool_)
        per_trade = p[_PER_TRADE:]
        claims = _source_quarter(
            n, int(p[_QUARTER]), fin, alive[r], participant[r], matched[r], eligible,
            int(p[_WINDOW]), ok, free, output[r], price[r], unit_cost[r], cost0[at:],
            trade[r], per_trade[:m], per_trade[m : 2 * m], per_trade[2 * m : 3 * m], p[_PSO],
            p[_LOCALISABLE], p[_BETA], p[_SEARCH], p[_DISCOUNT], p[_RATE], purchases[r],
            sales_cluster[r], purchases_local[r], purchases_from_part[r], purchases_starter[r],
            last_contract_quarter[r], first_sale_quarter[r],
        )  # fmt: skip
        if offered:
            claimed[k], totals[k] = starter_batches.pay_columns(
                claims, paid[k, :n], cash[r, :n], p[_CAP], p[_BUDGET]
            )
            if claimed[k]:
                count += 1
    return totals, claimed, count
