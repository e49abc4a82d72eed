"""After stage 9 (docs/model.md 7.18): the quarter's outcomes (catalogue: sim.model.outcomes).

Output is measured at constant base-year prices (volume); prices only enter revenue and costs.
Taxes are read from the ledger by budget (federal, regional with local, the Social Fund); the
committed cost of the regime is a stock at the end of the quarter (docs/model.md 7.14.1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel
from sim.model.ledger import LEVELS
from sim.model.mechanisms import financing, joint_projects, tax_relief
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.state import (
    KIND_LARGE,
    KIND_SME,
    ROLE_COMPONENT,
    ROLE_FINAL,
    State,
    _delivery,
    _functional_dependence,
    _own_row,
    _roster,
    block_rows,
)

__all__ = ["committed_cost", "record_outcomes", "record_quarter"]

# The firm-table figures of a quarter (:func:`_firm_figures`), by position.
_FIGURES = (
    "output",  # volume of alive firms (and those that closed this quarter)
    "employment",  # workers of alive firms
    "intra",  # sales to the cluster at constant prices
    "purchases",  # the yards' purchases
    "fin_output",  # the yards' volume
    "unit_cost_x_output",  # sum of unit cost x volume over the yards
    "revenue",  # sum of price x volume over the yards
    "capacity",  # capacity of the alive yards
    "order_book",  # the yards' order book
    "in_chain",  # SMEs qualified and selling to the cluster
    "smes",  # SMEs
    "participants",
    "large_employment",
    "large_output",
    "sme_output",
    "local_purchases",  # the yards' purchases from local firms
    "supplier_purchases",  # the suppliers' own purchases
    "loans",  # market and preferential debt outstanding
    "delivery_x_capacity",  # sum of delivery time x capacity over the yards alive now
    "roster",  # industrial participants (the roster)
    "functional_dependence",  # State.functional_dependence of the roster
)
_AT = {name: i for i, name in enumerate(_FIGURES)}


@kernel
def _firm_figures(
    n: int,
    exited: np.ndarray,
    roster: np.ndarray,
    delivery: np.ndarray,
    alive_now: np.ndarray,
    kind: np.ndarray,
    role: np.ndarray,
    participant: np.ndarray,
    output: np.ndarray,
    employment: np.ndarray,
    sales_cluster: np.ndarray,
    price: np.ndarray,
    purchases: np.ndarray,
    purchases_local: np.ndarray,
    unit_cost: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    qualification: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    threshold: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """The sums and counts of :data:`_FIGURES` but the last over the first ``n`` firms.

    Summed as numpy sums them.

    A firm that closed this quarter (``exited``) counts as alive except for employment and the
    yards' capacity and delivery time (its workers have left; it takes no orders). ``roster``
    and ``delivery`` are :meth:`State.roster` and :meth:`State.delivery` (``n`` firms).
    """
    # One pass over the firms puts each sum's selected values, in slot order, into its own
    # buffer row; each row is then summed as numpy sums ``values[mask].sum()``.
    # Rows: the figures at these positions of _FIGURES.
    sums = (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18)
    buf = np.empty((len(sums), n))
    m = np.zeros(len(sums), dtype=np.int64)
    in_chain = smes = participants = members = 0
    closed = np.zeros(n, dtype=np.bool_)
    for i in exited:
        closed[i] = True
    for i in range(n):
        now = alive_now[i]
        alive = now or closed[i]
        if now:  # employment of the firms alive now
            buf[1, m[1]] = employment[i]
            m[1] += 1
        if roster[i]:
            members += 1
        if not alive:
            continue
        p = price[i]
        buf[0, m[0]] = output[i]
        buf[2, m[2]] = sales_cluster[i] / (p if not p < 1e-9 else 1e-9)  # np.maximum(p, 1e-9)
        buf[14, m[14]] = debt_market[i] + debt_pref[i]
        m[0] += 1
        m[2] += 1
        m[14] += 1
        if participant[i]:
            participants += 1
        if role[i] == ROLE_FINAL:  # the yards
            buf[3, m[3]] = purchases[i]
            buf[4, m[4]] = output[i]
            buf[5, m[5]] = unit_cost[i] * output[i]  # np.average's sum(x * w)
            buf[6, m[6]] = output[i] * price[i]  # the revenue
            buf[8, m[8]] = order_book[i]
            buf[12, m[12]] = purchases_local[i]
            for j in (3, 4, 5, 6, 8, 12):
                m[j] += 1
            if now:  # the yards alive now
                buf[7, m[7]] = capacity[i]
                buf[15, m[15]] = delivery[i] * capacity[i]
                m[7] += 1
                m[15] += 1
        elif role[i] == ROLE_COMPONENT:
            buf[13, m[13]] = purchases[i]
            m[13] += 1
        if kind[i] == KIND_LARGE:
            buf[9, m[9]] = employment[i]
            buf[10, m[10]] = output[i]
            m[9] += 1
            m[10] += 1
        elif kind[i] == KIND_SME:
            buf[11, m[11]] = output[i]
            m[11] += 1
            smes += 1
            if qualification[i] >= threshold and sales_cluster[i] > 0:
                in_chain += 1
    out = np.zeros(len(_FIGURES) - 1)  # all but the functional dependence
    for j in range(len(sums)):
        out[sums[j]] = array_sum(buf[j, : m[j]])
    out[9], out[10], out[11] = in_chain, smes, participants
    out[19] = members
    return out


@kernel
def _quarter_figures(
    runs: np.ndarray,
    exits: np.ndarray,
    exit_offsets: np.ndarray,
    par: np.ndarray,
    threshold: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    last_contract: np.ndarray,
    productivity: np.ndarray,
    kind: np.ndarray,
    role: np.ndarray,
    output: np.ndarray,
    employment: np.ndarray,
    sales_cluster: np.ndarray,
    price: np.ndarray,
    purchases: np.ndarray,
    purchases_local: np.ndarray,
    from_participants: np.ndarray,
    unit_cost: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    qualification: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:data:`_FIGURES` of each run ``k`` of a block: row ``k`` of the result.

    Run ``k`` is row ``runs[k, 0]`` of the 2-D firm tables, with ``runs[k, 1]`` firms and the
    roster's window start ``runs[k, 2]`` (:meth:`State.roster_since`), the firms that closed
    this quarter ``exits[exit_offsets[k]:exit_offsets[k + 1]]``, its
    :meth:`State.delivery_parameters` ``par[k]`` and qualification threshold ``threshold[k]``.
    The roster, delivery times and functional dependence are the state's queries
    (:mod:`sim.model.state`'s block kernels), the sums :func:`_firm_figures`'.
    """
    count = runs.shape[0]
    roster = _roster(runs, alive, participant, last_contract)
    delivery = _delivery(
        runs, par, productivity, employment, alive, participant, capacity, order_book
    )
    dependence = _functional_dependence(runs, roster, role, purchases, from_participants)
    out = np.empty((count, len(_FIGURES)))
    for k in range(count):
        r = runs[k, 0]
        out[k, :-1] = _firm_figures(
            runs[k, 1], exits[exit_offsets[k] : exit_offsets[k + 1]], roster[k], delivery[k],
            alive[r], kind[r], role[r], participant[r], output[r], employment[r],
            sales_cluster[r], price[r], purchases[r], purchases_local[r], unit_cost[r],
            capacity[r], order_book[r], qualification[r], debt_market[r], debt_pref[r],
            threshold[k],
        )  # fmt: skip
        out[k, -1] = dependence[k]
    return out


def _mean_of_few(values: list[float]) -> float:
    """``np.mean(values)`` of fewer than eight floats: numpy adds them in order to 0.0."""
    total = 0.0
    for v in values:
        total += v
    return float(total / len(values))


def committed_cost(state: State, gov: Government) -> dict[str, float]:
    """What the regime has committed and falls due after this quarter, by budget level.

    The present value at the end of the quarter, at ``experiment.discount_rate``, of the
    interest subsidy on the regime's outstanding loans
    (:func:`~sim.model.mechanisms.financing.committed_interest_subsidy`), the joint-project
    grant instalments still due (:func:`~sim.model.mechanisms.joint_projects.committed_grants`)
    and the tax relief still promised (an estimate,
    :func:`~sim.model.mechanisms.tax_relief.committed_relief`). 0 in the de-facto arm.
    """
    rho = state.spec.experiment.discount_rate.value
    relief = {lvl: state.ledger.cost[("tax_relief", lvl)] for lvl in LEVELS}
    parts = (
        financing.committed_interest_subsidy(state, rho),
        joint_projects.committed_grants(gov, rho),
        tax_relief.committed_relief(gov, state.quarter, relief, rho),
    )
    return {lvl: sum(part[lvl] for part in parts) for lvl in LEVELS}


def _figures(states: list[State], tables: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """:func:`_quarter_figures` of the runs ``states`` (rows ``rows`` of ``tables``)."""
    exits = [st.exited for st in states]
    exit_offsets = np.array([0, *accumulate(e.shape[0] for e in exits)], dtype=np.int64)
    runs = np.array(
        [(r, st.firms.n, st.roster_since()) for r, st in zip(rows.tolist(), states, strict=True)],
        dtype=np.int64,
    )
    par = np.array([st.delivery_parameters() for st in states])
    threshold = np.array([st.spec.sourcing.qualification_threshold for st in states])
    t = tables
    return _quarter_figures(
        runs, exits[0] if len(exits) == 1 else np.concatenate(exits), exit_offsets, par,
        threshold, t["alive"],
        t["participant"], t["last_contract_quarter"], t["productivity"], t["kind"], t["role"],
        t["output"], t["employment"], t["sales_cluster"], t["price"], t["purchases"],
        t["purchases_local"], t["purchases_from_participants"], t["unit_cost"], t["capacity"],
        t["order_book"], t["qualification"], t["debt_market"], t["debt_pref"],
    )  # fmt: skip


def record_quarter(models: Sequence) -> None:
    """Record the quarter's outcomes of a block of runs (``ClusterModel`` s) in their ``outcomes``.

    The firm-table figures of every run are one compiled call over the block's tables
    (:func:`_quarter_figures`); the ledger, the government's commitments and the world
    variables are read run by run (:func:`_world`), and the outcome rows of every run are
    one more compiled call (:func:`_outcome_rows`).
    """
    block, rows = block_rows([m.firms for m in models])
    states = [m.state for m in models]
    out = _rows(states, [m.government for m in models], _figures(states, block.tables, rows))
    for m, row in zip(models, out, strict=True):
        m.outcomes[m.state.quarter - 1] = row


def record_outcomes(state: State, gov: Government) -> dict[str, float]:
    """Return ``{outcome: value}`` for the current quarter of one run."""
    row, cols = _own_row(state.firms, *_TABLES)
    tables = dict(zip(_TABLES, cols, strict=True))
    out = _rows([state], [gov], _figures([state], tables, np.array([row])))
    return dict(zip(OUTCOME_NAMES, out[0].tolist(), strict=True))


#: The firm-table columns :func:`_quarter_figures` reads.
_TABLES = (
    "alive", "participant", "last_contract_quarter", "productivity", "kind", "role", "output",
    "employment", "sales_cluster", "price", "purchases", "purchases_local",
    "purchases_from_participants", "unit_cost", "capacity", "order_book", "qualification",
    "debt_market", "debt_pref",
)  # fmt: skip


#: The per-run values :func:`_outcome_rows` takes from outside the firm table (:func:`_world`).
_WORLD = (
    "purchases_share", "rival_cost", "rival_price", "new_orders", "russian_share",
    "market_share", "investment", "registered", "joint_projects", "cost_joint_project",
    "cost_starter_batch", "cost_loans", "cost_tax_relief", "preference_cost", "cost_federal",
    "cost_regional", "sez_tax_expenditure", "tax_federal", "tax_regional",
    "cost_programme_loans", "loan_grant_equivalent", "credit_constrained", "tax_social_fund",
    "vat_collected", "tax_expenditure_federal", "tax_expenditure_regional",
    "committed_federal", "committed_regional",
)  # fmt: skip
#: The values of :data:`_WORLD` that only enter other outcomes; the others are outcomes.
_WORLD_INPUTS = ("purchases_share", "rival_cost", "rival_price", "russian_share")
#: The outcomes in the order :func:`_outcome_rows` computes them ...
_ROW = (
    "output", "value_added", "employment", "productivity", "large_employment", "large_output",
    "sme_output", "local_content_share", "smes_in_chains", "smes_alive", "unit_cost_index",
    "order_book", "participants", "industrial_participants", "functional_dependence",
    "local_purchases", "price_index", "price_cost_margin", "delivery_quarters",
    "order_book_cover", "displaced_orders", "net_output", "loans_outstanding",
    "purchases_outside_region",
    *(w for w in _WORLD if w not in _WORLD_INPUTS),
)  # fmt: skip
#: ... and their columns in the catalogue (:data:`~sim.model.outcomes.OUTCOME_NAMES`).
_ROW_AT = np.array([OUTCOME_NAMES.index(name) for name in _ROW], dtype=np.int64)
if sorted(_ROW) != sorted(OUTCOME_NAMES):  # pragma: no cover - a catalogue change
    raise ImportError("record's outcome rows do not cover the outcome catalogue")
_W = {name: i for i, name in enumerate(_WORLD)}
# Positions as constants for the kernel (numba reads module-level ints, not dicts).
_X_OUTPUT, _X_EMP, _X_INTRA, _X_PURCH, _X_FIN = (
    _AT["output"], _AT["employment"], _AT["intra"], _AT["purchases"], _AT["fin_output"],
)  # fmt: skip
_X_UCX, _X_REV, _X_CAP, _X_OB, _X_DXC = (
    _AT["unit_cost_x_output"], _AT["revenue"], _AT["capacity"], _AT["order_book"],
    _AT["delivery_x_capacity"],
)  # fmt: skip
_X_LOCAL, _X_SUP = _AT["local_purchases"], _AT["supplier_purchases"]
_X_COPY = np.array([_AT[name] for name in (
    "large_employment", "large_output", "sme_output", "in_chain", "smes", "participants",
    "roster", "functional_dependence", "loans",
)], dtype=np.int64)  # fmt: skip
_W_SHARE, _W_RIVAL_COST, _W_RIVAL_PRICE = _W["purchases_share"], _W["rival_cost"], _W["rival_price"]
_W_NEW_ORDERS, _W_RUSSIAN = _W["new_orders"], _W["russian_share"]
_W_COPY = np.array([_W[name] for name in _ROW[24:]], dtype=np.int64)


@kernel
def _outcome_rows(
    x: np.ndarray,
    w: np.ndarray,
    at: np.ndarray,
    x_copy: np.ndarray,
    w_copy: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Each run's outcome row, in catalogue order.

    From run ``k``'s figures ``x[k]`` (:data:`_FIGURES`) and values ``w[k]`` (:data:`_WORLD`);
    ``at`` is :data:`_ROW_AT`, ``x_copy`` and ``w_copy`` the positions :data:`_X_COPY` and
    :data:`_W_COPY`.
    """
    runs = x.shape[0]
    out = np.empty((runs, at.shape[0]))
    row = np.empty(at.shape[0])
    for k in range(runs):
        # Output at constant base-year prices (volume) of the firms alive this quarter,
        # including those that closed at its end (they produced in it); employment of the
        # firms alive now.
        output, emp = x[k, _X_OUTPUT], x[k, _X_EMP]
        purch, fin_out, revenue = x[k, _X_PURCH], x[k, _X_FIN], x[k, _X_REV]
        produced = fin_out > 0
        # The yards' unit cost and price, weighted by output (np.average), and their margin.
        ucx = x[k, _X_UCX]
        uc = ucx / fin_out if produced else np.nan
        price = revenue / fin_out if produced else np.nan
        cap, order_book, local = x[k, _X_CAP], x[k, _X_OB], x[k, _X_LOCAL]
        row[0] = output
        # Value added at constant prices: output less the inputs it takes (purchases_share of
        # the volume, the fixed input coefficient of every firm), not less their current value.
        row[1] = output * (1.0 - w[k, _W_SHARE])
        row[2] = emp
        row[3] = 4.0 * output / emp if emp > 0 else np.nan
        for j in range(3):  # large employment, large output, SME output
            row[4 + j] = x[k, x_copy[j]]
        row[7] = local / purch if purch > 0 else 0.0
        row[8], row[9] = x[k, x_copy[3]], x[k, x_copy[4]]  # SMEs in chains, alive
        row[10] = uc / w[k, _W_RIVAL_COST]
        row[11] = order_book
        for j in range(3):  # participants, industrial participants, functional dependence
            row[12 + j] = x[k, x_copy[5 + j]]
        row[15] = local
        row[16] = price / w[k, _W_RIVAL_PRICE]
        row[17] = (revenue - ucx) / revenue if produced else np.nan
        # Delivery time of the yards alive now, weighted by capacity.
        row[18] = x[k, _X_DXC] / cap if cap > 0 else np.nan
        row[19] = order_book / (4.0 * fin_out) if produced else np.nan
        row[20] = w[k, _W_NEW_ORDERS] * w[k, _W_RUSSIAN]
        # Output net of what the cluster's suppliers sold to its yards (counted again in the
        # yards' output), at constant prices.
        row[21] = output - x[k, _X_INTRA]
        row[22] = x[k, x_copy[8]]  # loans outstanding
        # Bought outside the region: the yards' purchases not bought locally, and every
        # supplier's own purchases (the model buys them all outside).
        row[23] = purch - local + x[k, _X_SUP]
        for j in range(w_copy.shape[0]):  # the values taken as they are
            row[24 + j] = w[k, w_copy[j]]
        for j in range(at.shape[0]):
            out[k, at[j]] = row[j]
    return out


def _world(state: State, gov: Government) -> tuple[float, ...]:
    """One run's :data:`_WORLD`, in that order: its ledger, commitments and world variables."""
    led, s = state.ledger, state.spec
    share_hist = [h for h in state.market_share_hist[-4:] if not math.isnan(h)]
    committed = committed_cost(state, gov)
    costs = [
        led.instrument_cost(i) for i in ("joint_project", "starter_batch", "loans", "tax_relief")
    ]
    return (
        s.sourcing.purchases_share_of_output, state.rival_cost, state.rival_price,
        state.new_orders, s.market.russian_share_of_rivals,
        _mean_of_few(share_hist) if share_hist else np.nan, led.investment,
        1.0 if gov.registered else 0.0, float(led.joint_projects),
        *costs, sum(costs),  # Python's sum (compensated since 3.12), as the outcome always was
        led.level_cost("federal"), led.level_cost("regional"), led.sez_tax_expenditure,
        led.tax["federal"], led.tax["regional"],
        led.programme_cost["federal"] + led.programme_cost["regional"], led.grant_equivalent,
        float(led.credit_constrained), led.tax["social_fund"], led.vat_collected,
        led.cost[("tax_relief", "federal")], led.cost[("tax_relief", "regional")],
        committed["federal"], committed["regional"],
    )  # fmt: skip


def _rows(states: list[State], govs: list[Government], x: np.ndarray) -> np.ndarray:
    """The runs' outcome rows (catalogue order) from their figures ``x``."""
    world = np.array([_world(st, gov) for st, gov in zip(states, govs, strict=True)])
    return _outcome_rows(x, world, _ROW_AT, _X_COPY, _W_COPY)
