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


def _figures(
    states: list[State], tables: dict[str, np.ndarray], rows: np.ndarray
) -> list[list[float]]:
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
    ).tolist()  # fmt: skip


def record_quarter(models: Sequence) -> None:
    """Record the quarter's outcomes of a block of runs (``ClusterModel`` s) in their ``outcomes``.

    The firm-table figures of every run are one compiled call over the block's tables
    (:func:`_quarter_figures`); the ledger, the government's commitments and the world
    variables are read run by run (:func:`_outcomes`).
    """
    block, rows = block_rows([m.firms for m in models])
    states = [m.state for m in models]
    for m, x in zip(models, _figures(states, block.tables, rows), strict=True):
        row = _outcomes(m.state, m.government, x)
        m.outcomes[m.state.quarter - 1] = [row[name] for name in OUTCOME_NAMES]


def record_outcomes(state: State, gov: Government) -> dict[str, float]:
    """Return ``{outcome: value}`` for the current quarter of one run."""
    row, cols = _own_row(state.firms, *_TABLES)
    tables = dict(zip(_TABLES, cols, strict=True))
    return _outcomes(state, gov, _figures([state], tables, np.array([row]))[0])


#: The firm-table columns :func:`_quarter_figures` reads.
_TABLES = (
    "alive", "participant", "last_contract_quarter", "productivity", "kind", "role", "output",
    "employment", "sales_cluster", "price", "purchases", "purchases_local",
    "purchases_from_participants", "unit_cost", "capacity", "order_book", "qualification",
    "debt_market", "debt_pref",
)  # fmt: skip


def _outcomes(state: State, gov: Government, x: list[float]) -> dict[str, float]:
    """``{outcome: value}`` of one run's quarter.

    From its firm-table figures ``x`` (by :data:`_FIGURES`), its ledger, commitments and world
    variables.
    """
    led, s = state.ledger, state.spec
    # Output at constant base-year prices (volume) of the firms alive this quarter, including
    # those that closed at its end (they produced in it); employment of the firms alive now.
    output, emp = x[_AT["output"]], x[_AT["employment"]]
    # Value added at constant prices: output less the inputs it takes (purchases_share of the
    # volume, the fixed input coefficient of every firm), not less their current value.
    value_added = output * (1.0 - s.sourcing.purchases_share_of_output)
    # Output net of what the cluster's suppliers sold to its yards (counted again in the
    # yards' output), at constant prices.
    intra = x[_AT["intra"]]
    purch = x[_AT["purchases"]]
    fin_out = x[_AT["fin_output"]]
    produced = fin_out > 0
    # The yards' unit cost and price, weighted by output (np.average), and their margin.
    revenue = x[_AT["revenue"]]
    uc = x[_AT["unit_cost_x_output"]] / fin_out if produced else np.nan
    price = revenue / fin_out if produced else np.nan
    margin = (revenue - x[_AT["unit_cost_x_output"]]) / revenue if produced else np.nan
    # Delivery time of the yards alive now, weighted by capacity.
    cap = x[_AT["capacity"]]
    delivery = x[_AT["delivery_x_capacity"]] / cap if cap > 0 else np.nan
    order_book = x[_AT["order_book"]]
    cover = order_book / (4.0 * fin_out) if produced else np.nan
    share_hist = [h for h in state.market_share_hist[-4:] if not math.isnan(h)]
    costs = {
        i: led.instrument_cost(i) for i in ("joint_project", "starter_batch", "loans", "tax_relief")
    }
    committed = committed_cost(state, gov)
    local = x[_AT["local_purchases"]]
    # Bought outside the region: the yards' purchases not bought locally, and every supplier's
    # own purchases (the model buys them all outside).
    outside = purch - local + x[_AT["supplier_purchases"]]
    return {
        "output": output,
        "value_added": value_added,
        "employment": emp,
        "productivity": 4.0 * output / emp if emp > 0 else np.nan,
        "large_employment": x[_AT["large_employment"]],
        "large_output": x[_AT["large_output"]],
        "sme_output": x[_AT["sme_output"]],
        "local_content_share": local / purch if purch > 0 else 0.0,
        "smes_in_chains": x[_AT["in_chain"]],
        "smes_alive": x[_AT["smes"]],
        "unit_cost_index": uc / state.rival_cost,
        "market_share": _mean_of_few(share_hist) if share_hist else np.nan,
        "new_orders": state.new_orders,
        "order_book": order_book,
        "investment": led.investment,
        "participants": x[_AT["participants"]],
        "industrial_participants": x[_AT["roster"]],
        "registered": 1.0 if gov.registered else 0.0,
        "functional_dependence": x[_AT["functional_dependence"]],
        "joint_projects": float(led.joint_projects),
        "cost_joint_project": costs["joint_project"],
        "cost_starter_batch": costs["starter_batch"],
        "cost_loans": costs["loans"],
        "cost_tax_relief": costs["tax_relief"],
        "cost_federal": led.level_cost("federal"),
        "cost_regional": led.level_cost("regional"),
        "preference_cost": sum(costs.values()),
        "sez_tax_expenditure": led.sez_tax_expenditure,
        "tax_federal": led.tax["federal"],
        "tax_regional": led.tax["regional"],
        "cost_programme_loans": led.programme_cost["federal"] + led.programme_cost["regional"],
        "loan_grant_equivalent": led.grant_equivalent,
        "credit_constrained": float(led.credit_constrained),
        "local_purchases": local,
        "price_index": price / state.rival_price,
        "price_cost_margin": margin,
        "delivery_quarters": delivery,
        "order_book_cover": cover,
        "displaced_orders": state.new_orders * s.market.russian_share_of_rivals,
        "net_output": output - intra,
        "loans_outstanding": x[_AT["loans"]],
        "tax_social_fund": led.tax["social_fund"],
        "vat_collected": led.vat_collected,
        "tax_expenditure_federal": led.cost[("tax_relief", "federal")],
        "tax_expenditure_regional": led.cost[("tax_relief", "regional")],
        "committed_federal": committed["federal"],
        "committed_regional": committed["regional"],
        "purchases_outside_region": outside,
    }
