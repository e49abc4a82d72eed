"""After stage 9 (docs/model.md 7.18): the quarter's outcomes (catalogue: sim.model.outcomes).

Output is measured at constant base-year prices (volume); prices only enter revenue and costs.
Taxes are read from the ledger by budget (federal, regional with local, the Social Fund); the
committed cost of the regime is a stock at the end of the quarter (docs/model.md 7.14.1).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel
from sim.model.ledger import FLOWS
from sim.model.mechanisms import financing, joint_projects, tax_relief
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.state import (
    KIND_LARGE,
    KIND_SME,
    ROLE_COMPONENT,
    ROLE_FINAL,
    State,
    block_rows,
    functional_dependence_rows,
    own_row,
    roster_rows,
    yard_delivery_columns,
)
from sim.scenario.schema import Scenario

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
    and ``delivery`` are :meth:`State.roster` and :meth:`State.delivery` (``n`` firms; only
    the yards alive now are read of ``delivery``).
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
    roster = roster_rows(runs, alive, participant, last_contract)
    dependence = functional_dependence_rows(runs, roster, role, purchases, from_participants)
    out = np.empty((count, len(_FIGURES)))
    for k in range(count):
        r, n = runs[k, 0], runs[k, 1]
        delivery = yard_delivery_columns(  # what _firm_figures reads: the yards alive now
            role[r], alive[r], participant[r], productivity[r], employment[r], capacity[r],
            order_book[r], n, par[k, 0], par[k, 1], par[k, 2], par[k, 3],
        )  # fmt: skip
        out[k, :-1] = _firm_figures(
            n, exits[exit_offsets[k] : exit_offsets[k + 1]], roster[k], delivery,
            alive[r], kind[r], role[r], participant[r], output[r], employment[r],
            sales_cluster[r], price[r], purchases[r], purchases_local[r], unit_cost[r],
            capacity[r], order_book[r], qualification[r], debt_market[r], debt_pref[r],
            threshold[k],
        )  # fmt: skip
        out[k, -1] = dependence[k]
    return out


#: The firm-table columns :func:`_quarter_figures` reads.
_TABLES = (
    "alive", "participant", "last_contract_quarter", "productivity", "kind", "role", "output",
    "employment", "sales_cluster", "price", "purchases", "purchases_local",
    "purchases_from_participants", "unit_cost", "capacity", "order_book", "qualification",
    "debt_market", "debt_pref",
)  # fmt: skip


#: The per-run values :func:`_outcome_rows` takes from outside the firm table (:func:`_world_rows`).
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
_W_COMMITTED_FED, _W_COMMITTED_REG = _W["committed_federal"], _W["committed_regional"]


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


#: What :func:`_gather` takes of each run, one row of floats per run, in this order: its row of
#: the firm tables, firms, :meth:`State.roster_since`, how many firms closed this quarter, loans
#: on its book, grants being paid and relief quarters left (-1: the regime has no tax relief);
#: :meth:`State.delivery_parameters`; the scenario's values (:func:`_scenario_values`); the
#: world variables and the government's registration; the last four market shares (NaN where
#: there are fewer); the ledger's flows (:data:`~sim.model.ledger.FLOWS`).
_RUN = (
    "row", "firms", "roster_since", "exits", "loans", "grants", "relief_quarters_left",
    "agglo_base", "agglomeration_elasticity", "outsider_spillover_factor", "build_quarters_min",
    "qualification_threshold", "purchases_share", "russian_share", "discount_per_quarter",
    "key_rate_persistence", "long_run_market_rate", "key_rate_long_run",
    "rival_cost", "rival_price", "new_orders", "key_rate", "registered",
    "share_1", "share_2", "share_3", "share_4",
    *(f"ledger.{name}" for name in FLOWS),
)  # fmt: skip
_G = {name: i for i, name in enumerate(_RUN)}
# Positions as constants for the kernels.
_G_LOANS, _G_GRANTS, _G_RELIEF, _G_PAR = (
    _G["loans"], _G["grants"], _G["relief_quarters_left"], _G["agglo_base"],
)  # fmt: skip
_G_THRESHOLD, _G_SHARE, _G_RUSSIAN, _G_V, _G_MU, _G_LEVEL_RATE, _G_LONG_RUN = (
    _G["qualification_threshold"], _G["purchases_share"], _G["russian_share"],
    _G["discount_per_quarter"], _G["key_rate_persistence"], _G["long_run_market_rate"],
    _G["key_rate_long_run"],
)  # fmt: skip
_G_RIVAL_COST, _G_RIVAL_PRICE, _G_NEW_ORDERS, _G_KEY_RATE, _G_REGISTERED, _G_SHARES = (
    _G["rival_cost"], _G["rival_price"], _G["new_orders"], _G["key_rate"], _G["registered"],
    _G["share_1"],
)  # fmt: skip
_G_COST = _G["ledger.cost.joint_project.federal"]  # the 8 costs, (instrument, level) in order
_G_RELIEF_FED, _G_RELIEF_REG = (
    _G["ledger.cost.tax_relief.federal"], _G["ledger.cost.tax_relief.regional"],
)  # fmt: skip
_G_TAX_FED, _G_TAX_REG, _G_TAX_SF = (
    _G["ledger.tax.federal"], _G["ledger.tax.regional"], _G["ledger.tax.social_fund"],
)  # fmt: skip
_G_PROG_FED, _G_PROG_REG = _G["ledger.programme_cost.federal"], _G["ledger.programme_cost.regional"]
_G_VAT, _G_SEZ, _G_INVESTMENT, _G_PROJECTS, _G_GRANT_EQ, _G_CONSTRAINED = (
    _G["ledger.vat_collected"], _G["ledger.sez_tax_expenditure"], _G["ledger.investment"],
    _G["ledger.joint_projects"], _G["ledger.grant_equivalent"], _G["ledger.credit_constrained"],
)  # fmt: skip
_N_WORLD = len(_WORLD)
_WRITTEN = ("market_share", "cost_joint_project", "preference_cost", "sez_tax_expenditure",
            "cost_programme_loans", "vat_collected", "committed_regional")  # fmt: skip
if [_W[name] for name in _WRITTEN] != [5, 9, 13, 16, 19, 23, 27] or _N_WORLD != 28:
    raise ImportError("_world_rows writes _WORLD by position")  # pragma: no cover
_NAN4 = (math.nan,) * 4
# The loan book's columns when no run of the block has a loan.
_NO_LOANS = (
    np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.bool_)
)  # fmt: skip


def _scenario_values(spec: Scenario) -> tuple[float, ...]:
    """The scenario's values in :data:`_RUN`, from ``qualification_threshold`` on."""
    fs = spec.finance
    return (
        spec.sourcing.qualification_threshold, spec.sourcing.purchases_share_of_output,
        spec.market.russian_share_of_rivals,
        financing.discount_per_quarter(spec.experiment.discount_rate.value),
        1.0 - fs.key_rate_adjustment_per_quarter, fs.key_rate_long_run + fs.market_loan_spread,
        fs.key_rate_long_run,
    )  # fmt: skip


def _gather(
    states: Sequence[State], govs: Sequence[Government], rows: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    """What the runs' outcomes read outside the firm tables, in one pass over the runs.

    Args:
        states: The runs' states.
        govs: Their governments.
        rows: Their rows of the firm tables.

    Returns:
        Each run's :data:`_RUN` (a row per run), the firms that closed this quarter (every
        run's, in order), the loan books' columns (balance, rate, term, federal share, world;
        every run's loans, in order) and the grants being paid (rows of per-quarter
        instalment, quarters left and 1.0 for the federal budget; every run's, in order).
    """
    vals: list[float] = []
    exits: list[np.ndarray] = []
    loans: list[list[np.ndarray]] = [[], [], [], [], []]
    grants: list[float] = []
    spec = scenario_values = None
    for st, gov, r in zip(states, govs, rows, strict=True):
        if st.spec is not spec:  # the runs of a block mostly share their scenario
            spec = st.spec
            scenario_values = _scenario_values(spec)
        book = st.loans
        m = len(book)
        if m:
            for col, a in zip(
                loans, (book.balance, book.rate, book.term_quarters, book.federal_share,
                        book.world), strict=True,
            ):  # fmt: skip
                col.append(a)
        for g in gov.grants:
            grants += (g.per_quarter, g.quarters_left, g.level == "federal")
        regime = gov.regime
        relief = None if regime is None else regime.tax_relief
        hist = st.market_share_hist[-4:]
        exited = st.exited
        exits.append(exited)
        vals += (
            r, st.firms.n, st.roster_since(), exited.shape[0], m, len(gov.grants),
            -1 if relief is None else tax_relief.quarters_left(gov, relief, st.quarter),
            *st.delivery_parameters(), *scenario_values,
            st.rival_cost, st.rival_price, st.new_orders, st.key_rate, gov.registered,
            *hist, *_NAN4[len(hist):], *st.ledger.flows(),
        )  # fmt: skip
    return (
        # array("d", ...) converts each value as np.array(vals, dtype=float) does, faster
        np.frombuffer(array("d", vals)).reshape(len(exits), len(_RUN)),
        exits[0] if len(exits) == 1 else np.concatenate(exits),
        # one run's book as it is (the kernels only read it), several runs' one after another
        [_joined(col, none) for col, none in zip(loans, _NO_LOANS, strict=True)],
        np.array(grants, dtype=float).reshape(-1, 3) if grants else _NO_GRANTS,
    )


_NO_GRANTS = np.zeros((0, 3))


def _joined(parts: list[np.ndarray], none: np.ndarray) -> np.ndarray:
    """``parts`` one after another: the one part itself, ``none`` without any."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else none


@kernel
def _py_sum(values: np.ndarray) -> float:  # pragma: no cover - compiled
    """Python's ``sum`` of a list of (at least one) floats, as Python 3.12 adds them.

    The first is added to the start ``0``; the others are added with Neumaier's compensation,
    and the compensation is added at the end if it is finite and not 0 (CPython's
    ``builtin_sum_impl``; checked against ``sum`` in ``tests/test_block_record.py``).
    """
    total = 0.0 + values[0]
    c = 0.0
    for i in range(1, values.shape[0]):
        x = values[i]
        t = total + x
        if abs(total) >= abs(x):
            c += (total - t) + x
        else:
            c += (x - t) + total
        total = t
    if c != 0.0 and np.isfinite(c):
        total += c
    return total


@kernel
def _world_rows(
    g: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    grants: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Each run's :data:`_WORLD` (row ``k``: run ``k``'s) from its values ``g[k]`` (:data:`_RUN`).

    The loans (``balance`` .. ``world``) and ``grants`` are :func:`_gather`'s: every run's, in
    order. The committed cost of a level is Python's sum (:func:`_py_sum`) of the interest
    subsidy still due on the regime's loans (financing's kernel; 0 when every loan is a world
    programme's), the grant instalments still due (joint_projects' kernel; 0 without grants)
    and the relief still promised (this quarter's relief times ``v S(v; 0, left - 1)``; 0
    without tax relief), the parts of :func:`committed_cost`.
    """
    runs = g.shape[0]
    w = np.empty((runs, _N_WORLD))
    four = np.empty(4)
    three = np.empty(3)
    loan = grant = 0
    for k in range(runs):
        r = g[k]
        # The world variables and the cluster's market share: the mean of its last four
        # quarters' shares that are not NaN (np.mean of a few floats: added in order to 0.0).
        w[k, 0], w[k, 1], w[k, 2] = r[_G_SHARE], r[_G_RIVAL_COST], r[_G_RIVAL_PRICE]
        w[k, 3], w[k, 4] = r[_G_NEW_ORDERS], r[_G_RUSSIAN]
        total = 0.0
        m = 0
        for j in range(4):
            h = r[_G_SHARES + j]
            if not np.isnan(h):
                total += h
                m += 1
        w[k, 5] = total / m if m else np.nan
        w[k, 6], w[k, 7], w[k, 8] = r[_G_INVESTMENT], r[_G_REGISTERED], r[_G_PROJECTS]
        # The costs by instrument (both levels), their sum and each level's (Python's sums).
        for i in range(4):
            four[i] = r[_G_COST + 2 * i] + r[_G_COST + 2 * i + 1]
            w[k, 9 + i] = four[i]
        w[k, 13] = _py_sum(four)
        for lvl in range(2):
            for i in range(4):
                four[i] = r[_G_COST + 2 * i + lvl]
            w[k, 14 + lvl] = _py_sum(four)
        w[k, 16], w[k, 17], w[k, 18] = r[_G_SEZ], r[_G_TAX_FED], r[_G_TAX_REG]
        w[k, 19] = r[_G_PROG_FED] + r[_G_PROG_REG]
        w[k, 20], w[k, 21], w[k, 22] = r[_G_GRANT_EQ], r[_G_CONSTRAINED], r[_G_TAX_SF]
        w[k, 23], w[k, 24], w[k, 25] = r[_G_VAT], r[_G_RELIEF_FED], r[_G_RELIEF_REG]
        # What the regime has committed (committed_cost): loans, grants, relief.
        v = r[_G_V]
        lo, loan = loan, loan + int(r[_G_LOANS])
        interest_fed = interest_reg = 0.0
        for j in range(lo, loan):
            if not world[j]:  # a loan of the regime's: the book is not all world programmes'
                fed, every = financing.committed_interest_sums(
                    balance[lo:loan], rate[lo:loan], term[lo:loan], federal_share[lo:loan],
                    world[lo:loan], v, r[_G_MU], r[_G_LEVEL_RATE],
                    r[_G_KEY_RATE] - r[_G_LONG_RUN],
                )  # fmt: skip
                interest_fed, interest_reg = fed, every - fed
                break
        lo, grant = grant, grant + int(r[_G_GRANTS])
        grants_fed = grants_reg = 0.0
        if grant > lo:
            grants_fed, grants_reg = joint_projects.committed_grant_sums(grants[lo:grant], v)
        relief_fed = relief_reg = 0.0
        left = r[_G_RELIEF]
        if left >= 0.0:
            annuity = tax_relief.relief_annuity(v, left)
            relief_fed, relief_reg = r[_G_RELIEF_FED] * annuity, r[_G_RELIEF_REG] * annuity
        three[0], three[1], three[2] = interest_fed, grants_fed, relief_fed
        w[k, 26] = _py_sum(three)
        three[0], three[1], three[2] = interest_reg, grants_reg, relief_reg
        w[k, 27] = _py_sum(three)
    return w


@kernel
def _record_rows(
    g: np.ndarray,
    exits: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    grants: np.ndarray,
    at: np.ndarray,
    x_copy: np.ndarray,
    w_copy: np.ndarray,
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
    """Each run's outcome row (catalogue order): the quarter's outcomes of a block, in one call.

    The firm-table figures (:func:`_quarter_figures`), the world values (:func:`_world_rows`)
    and the outcome rows (:func:`_outcome_rows`) of the runs :func:`_gather` gathered (``g``
    .. ``grants``); ``at``, ``x_copy`` and ``w_copy`` are :data:`_ROW_AT`, :data:`_X_COPY`
    and :data:`_W_COPY`, the rest the block's 2-D firm tables (:data:`_TABLES`).
    """
    count = g.shape[0]
    runs = np.empty((count, 3), dtype=np.int64)  # row, firms, roster_since
    exit_offsets = np.zeros(count + 1, dtype=np.int64)
    par = np.empty((count, 4))
    threshold = np.empty(count)
    for k in range(count):
        for j in range(3):
            runs[k, j] = int(g[k, j])
        exit_offsets[k + 1] = exit_offsets[k] + int(g[k, 3])
        for j in range(4):
            par[k, j] = g[k, _G_PAR + j]
        threshold[k] = g[k, _G_THRESHOLD]
    x = _quarter_figures(
        runs, exits, exit_offsets, par, threshold, alive, participant, last_contract,
        productivity, kind, role, output, employment, sales_cluster, price, purchases,
        purchases_local, from_participants, unit_cost, capacity, order_book, qualification,
        debt_market, debt_pref,
    )  # fmt: skip
    w = _world_rows(g, balance, rate, term, federal_share, world, grants)
    return _outcome_rows(x, w, at, x_copy, w_copy)


def _record(
    states: Sequence[State], govs: Sequence[Government], tables: dict[str, np.ndarray],
    rows: Sequence[int],
) -> np.ndarray:  # fmt: skip
    """The runs' outcome rows (catalogue order); their firm tables: rows ``rows`` of ``tables``."""
    g, exits, loans, grants = _gather(states, govs, rows)
    return _record_rows(
        g, exits, *loans, grants, _ROW_AT, _X_COPY, _W_COPY, *[tables[name] for name in _TABLES]
    )


def committed_cost(state: State, gov: Government) -> dict[str, float]:
    """What the regime has committed and falls due after this quarter, by budget level.

    The present value at the end of the quarter, at ``experiment.discount_rate``, of the
    interest subsidy on the regime's outstanding loans
    (:func:`~sim.model.mechanisms.financing.committed_interest_subsidy`), the joint-project
    grant instalments still due (:func:`~sim.model.mechanisms.joint_projects.committed_grants`)
    and the tax relief still promised (an estimate,
    :func:`~sim.model.mechanisms.tax_relief.committed_relief`), added as Python adds them. 0
    in the de-facto arm. Computed by the kernel that computes it for the quarter's outcomes
    (:func:`_world_rows`, a block of this one run).
    """
    g, _, loans, grants = _gather([state], [gov], [0])
    w = _world_rows(g, *loans, grants)
    return {"federal": float(w[0, _W_COMMITTED_FED]), "regional": float(w[0, _W_COMMITTED_REG])}


def record_quarter(models: Sequence) -> None:
    """Record the quarter's outcomes of a block of runs (``ClusterModel`` s) in their ``outcomes``.

    One pass over the runs gathers what the outcomes read outside the firm tables (ledgers,
    loan books, grants, world variables: :func:`_gather`); the outcome rows of every run are
    then one compiled call over the block's tables (:func:`_record_rows`).
    """
    block, rows = block_rows([m.firms for m in models])
    out = _record(
        [m.state for m in models], [m.government for m in models], block.tables, rows.tolist()
    )
    for m, row in zip(models, out, strict=True):
        m.outcomes[m.state.quarter - 1] = row


def record_outcomes(state: State, gov: Government) -> dict[str, float]:
    """Return ``{outcome: value}`` for the current quarter of one run."""
    row, cols = own_row(state.firms, *_TABLES)
    out = _record([state], [gov], dict(zip(_TABLES, cols, strict=True)), [row])
    return dict(zip(OUTCOME_NAMES, out[0].tolist(), strict=True))
