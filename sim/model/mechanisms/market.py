"""Stage 1 (docs/model.md 7.2): stochastic new orders and their allocation by a logit.

* demand level ``D_t = D_0 (1 + g)^(t/4) * exp(sigma * e_t - sigma^2 / 2)``, ``e_t ~ N(0, 1)``
* number of orders ``N_t ~ Poisson(D_t / E[size])``, sizes lognormal with the scenario's mean/cv
* utility of final producer ``j``: ``u_j = ln(F_j) - beta_p ln(p_j) - beta_d d_j`` with ``F_j``
  its free capacity (:meth:`sim.model.state.State.free_capacity`: a full yard wins nothing,
  installed capacity already promised counts for nothing); the rivals
  ``u_0 = ln(F_0 ((1 + g)(1 + g_R))^(t/4)) - beta_p ln(P_t) - beta_d d_0`` (their free capacity
  grows with the market and their productivity)
* the rivals move: their labour productivity grows by their own trend ``g_R``, so the labour
  part of their unit cost (``l``, the cluster's initial labour share) and the queue part of
  their delivery time fall with ``(1 + g_R)^(-t/4)``; their price ``P_t = c_t / c_0 *
  (S_R,t / S_R,0)^rho`` follows their cost and is cut when they lose share (``S_R`` their share
  of orders, last four quarters)
* each order goes to ``j`` with probability ``exp(u_j) / sum_k exp(u_k)``.

The stage computes every run of a block (:mod:`sim.model.block`) by one compiled call over the
block's firm tables (:func:`new_orders_block`); each run draws from its own generator first, in
Python, in the order of :func:`new_orders` (which is the same call for one run).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.compiled import array_sum, kernel
from sim.model.distributions import lognormal, lognormal_params
from sim.model.state import (
    ROLE_FINAL,
    State,
    alive_yards,
    firm_tables,
    free_capacity_of,
    yard_delivery_columns,
)
from sim.scenario.schema import Market

__all__ = [
    "allocate_orders",
    "logit_probabilities",
    "new_orders",
    "new_orders_block",
    "update_rivals",
]


def logit_probabilities(
    free_capacity: np.ndarray,
    price: np.ndarray,
    delivery: np.ndarray,
    outside_capacity: float,
    outside_price: float,
    outside_delivery: float,
    beta_price: float,
    beta_delivery: float,
) -> np.ndarray:
    """Probabilities that an order goes to each producer; the last entry is the outside option.

    ``u_i = ln max(F_i, 1e-12) - beta_p ln p_i - beta_d T_i``, ``P_i = e^(u_i - max u) /
    sum_j e^(u_j - max u)``. Weights are free capacities (floored at 1e-12): a producer with
    none wins almost nothing.
    """
    return _logit(
        np.asarray(free_capacity, dtype=np.float64), np.asarray(price, dtype=np.float64),
        np.asarray(delivery, dtype=np.float64), float(outside_capacity), float(outside_price),
        float(outside_delivery), float(beta_price), float(beta_delivery),
    )  # fmt: skip


@kernel
def _logit(
    free: np.ndarray,
    price: np.ndarray,
    delivery: np.ndarray,
    out_cap: float,
    out_price: float,
    out_delivery: float,
    beta_price: float,
    beta_delivery: float,
) -> np.ndarray:  # pragma: no cover - compiled
    m = free.shape[0]
    u = np.empty(m + 1)
    for i in range(m):
        u[i] = (
            np.log(max(free[i], 1e-12))
            - beta_price * np.log(price[i])
            - (beta_delivery * delivery[i])
        )
    u[m] = (
        np.log(max(out_cap, 1e-12))
        - beta_price * np.log(out_price)
        - (beta_delivery * out_delivery)
    )
    top = u.max()
    w = np.empty(m + 1)
    for i in range(m + 1):
        w[i] = np.exp(u[i] - top)
    return w / array_sum(w)


def allocate_orders(
    rng: np.random.Generator, n_orders: int, sizes: np.ndarray, probs: np.ndarray
) -> np.ndarray:
    """Give each order to a producer drawn from ``probs``; returns value won per option."""
    if n_orders == 0:
        return np.zeros(len(probs))
    u = rng.random(n_orders)
    return _allocate(u, np.asarray(sizes, dtype=np.float64), np.asarray(probs, dtype=np.float64))


@kernel
def _allocate(
    u: np.ndarray, sizes: np.ndarray, probs: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Order ``j`` goes to the first option whose cumulative probability exceeds ``u_j sum P``."""
    m = probs.shape[0]
    won = np.zeros(m)
    bounds = np.cumsum(probs)
    total = array_sum(probs)
    for j in range(u.shape[0]):
        who = min(np.searchsorted(bounds, u[j] * total, side="right"), m - 1)
        won[who] += sizes[j]
    return won


@kernel
def _win_orders(
    n: int,
    role: np.ndarray,
    alive: np.ndarray,
    free: np.ndarray,
    price: np.ndarray,
    delivery: np.ndarray,
    out_cap: float,
    out_price: float,
    out_delivery: float,
    beta_price: float,
    beta_delivery: float,
    u: np.ndarray,
    sizes: np.ndarray,
    order_book: np.ndarray,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """This quarter's orders won by the alive final producers (the rivals' share is the rest).

    :func:`logit_probabilities` over the final producers (slot order) and the rivals, then
    :func:`allocate_orders` with the uniform draws ``u`` (none without orders); each producer's
    winnings are added to its order book (in place).

    Args:
        n: Slots in use in the firm table.
        role: Firm role (column).
        alive: Alive firms (column).
        free: Free capacity of each slot ``< n`` (:meth:`~sim.model.state.State.free_capacity`).
        price: Price index (column).
        delivery: Delivery time of each slot ``< n`` (:meth:`~sim.model.state.State.delivery`).
        out_cap: The rivals' free capacity.
        out_price: The rivals' price index.
        out_delivery: The rivals' delivery time.
        beta_price: Price sensitivity.
        beta_delivery: Delivery-time sensitivity.
        u: One uniform draw per order.
        sizes: Order sizes.
        order_book: Order books (column, updated).

    Returns:
        Value won by the cluster, and the value of all orders (numpy's pairwise sums).
    """
    fin = alive_yards(role, alive, n)
    m = fin.shape[0]
    fin_free = np.empty(m)
    fin_price = np.empty(m)
    fin_delivery = np.empty(m)
    for j in range(m):
        i = fin[j]
        fin_free[j] = free[i]
        fin_price[j] = price[i]
        fin_delivery[j] = delivery[i]
    probs = _logit(
        fin_free, fin_price, fin_delivery, out_cap, out_price, out_delivery, beta_price,
        beta_delivery,
    )  # fmt: skip
    won = _allocate(u, sizes, probs) if u.shape[0] > 0 else np.zeros(m + 1)
    for j in range(m):
        order_book[fin[j]] += won[j]
    return array_sum(won[:m]), array_sum(won)


def update_rivals(state: State, market: Market) -> None:
    """The rivals' unit cost, price and delivery time this quarter.

    The rivals' labour productivity grows by their own trend: the labour part of their unit
    cost (the cluster's initial labour share) and the queue part of their delivery time fall
    with it. Their price follows their cost, cut when they lose share (their mean share of the
    last four quarters with orders: summed in turn, as numpy sums so few numbers).
    """
    _move_rivals(state, _terms(state, market))


#: Where :func:`_terms` keeps what it keeps: the market, the order size and ``E_0`` it was
#: computed with (checked), ``1 + g``, ``sigma``, ``sigma^2 / 2``, the order sizes' cv and
#: lognormal parameters, ``1 + g_R``, the rivals' price response, their delivery time and its
#: queue part, the growth of their free capacity per year and the constant columns of
#: :func:`new_orders_block`'s parameters (``_BETA_PRICE`` on).
_MARKET, _ORDER_SIZE, _AGGLO, _GROWTH, _SIGMA, _HALF_VAR, _CV, _SIZE_TERMS = range(8)
_TREND, _RESPONSE, _COMPETITOR, _QUEUE, _RIVAL_GROWTH, _CONSTANT = range(8, 14)


def _terms(state: State, market: Market) -> tuple:
    """A run's terms of stage 1 that do not change from quarter to quarter (layout above).

    Kept on the state (``State.kept``) and made again when the market given, the run's mean
    order size or its ``E_0`` (both set when the run is calibrated) are not those they were
    made with.
    """
    kept = state.kept.get("market")
    if (
        kept is not None
        and kept[_MARKET] is market
        and kept[_ORDER_SIZE] == state.order_size
        and kept[_AGGLO] == state.agglo_base
    ):
        return kept
    sigma, cv = market.demand_volatility, market.order_size_mln_rub.cv
    growth = 1 + market.demand_growth_per_year
    trend = 1 + market.rival_productivity_trend_per_year
    competitor = market.competitor_delivery_quarters
    kept = state.kept["market"] = (
        market, state.order_size, state.agglo_base, growth, sigma, sigma * sigma / 2.0, cv,
        lognormal_params(state.order_size, cv) if cv > 0 else None, trend,
        market.rival_price_response, competitor,
        max(competitor - market.build_quarters_min, 0.0), growth * trend,
        (market.price_sensitivity, market.delivery_sensitivity,
         float(state.spec.market.order_window_quarters), *state.delivery_parameters()),
    )  # fmt: skip
    return kept


def _move_rivals(state: State, terms: tuple) -> None:
    """:func:`update_rivals` with the run's :func:`_terms`."""
    trend = terms[_TREND] ** (-state.quarter / 4.0)
    cost = state.rival_labour_share * trend + (1.0 - state.rival_labour_share)
    state.rival_cost = state.cost_comp * cost
    recent = [x for x in state.market_share_hist[-4:] if x == x]  # not NaN
    if recent:
        total = 0.0
        for x in recent:
            total += x
        rival_share = 1.0 - float(total / len(recent))
    else:
        rival_share = state.rival_share0
    response = (max(rival_share, 1e-6) / state.rival_share0) ** terms[_RESPONSE]
    state.rival_price = cost * response  # the price numeraire: 1 at the start
    state.rival_delivery = terms[_COMPETITOR] - terms[_QUEUE] * (1.0 - trend)


_NO_DRAWS = np.zeros(0)
#: The firm-table columns :func:`_win_orders_block` reads or writes, in its order.
_COLUMNS = ("role", "alive", "price", "order_book")


def new_orders(state: State, market: Market, rng: np.random.Generator) -> None:
    """New orders arrive and are won by a logit on price, delivery time and free capacity.

    Writes the final producers' order books, ``state.new_orders`` and the share history. One
    run's stage 1: :func:`new_orders_block` for a block of one run.
    """
    new_orders_block((state,), (market,), (rng,))


def new_orders_block(
    states: Sequence[State], markets: Sequence[Market], rngs: Sequence[np.random.Generator]
) -> None:
    """Stage 1 for a block of runs: :func:`new_orders` of each run, by one compiled call.

    Each run draws its orders from its own generator, moves its rivals and asks its queries
    (free capacity, delivery time) in Python; then one kernel allocates every run's orders. The
    runs' per-firm query results and per-order draws are laid end to end (one array each), with
    offsets per run.

    Args:
        states: The runs' states: their firm tables are rows of one
            :class:`~sim.model.state.FirmBlock` (:func:`~sim.model.state.firm_tables`).
        markets: Each run's market parameters.
        rngs: Each run's generator of the market stage.
    """
    tables, rows = firm_tables([state.firms for state in states])
    columns = [tables[name] for name in _COLUMNS]
    params, ns, order_starts = [], [], [0]
    uniforms, sizes = [], []
    for state, market, rng in zip(states, markets, rngs, strict=True):
        terms = _terms(state, market)
        u, size = _draw_orders(state, rng, terms)
        _move_rivals(state, terms)
        # The rivals' free capacity grows with the market (they expand as demand does) and
        # with their productivity (their yards build more per berth).
        rival_free = state.outside_capacity * terms[_RIVAL_GROWTH] ** (state.quarter / 4.0)
        params.append(
            (rival_free, state.rival_price, state.rival_delivery, *terms[_CONSTANT])
        )  # fmt: skip
        ns.append(state.firms.n)
        order_starts.append(order_starts[-1] + u.shape[0])
        uniforms.append(u)
        sizes.append(size)
    # The rivals' move does not touch the firm table: the yards' free capacity and delivery
    # times are computed in the kernel, before each run's orders are allocated.
    won = np.empty((rows.shape[0], 2))
    _win_orders_block(
        rows, np.array((ns, order_starts[:-1], order_starts[1:]), dtype=np.int64), *columns[:3],
        tables["participant"], tables["productivity"], tables["employment"], tables["capacity"],
        *[x[0] if len(x) == 1 else np.concatenate(x) for x in (uniforms, sizes)],
        np.array(params, dtype=np.float64), columns[3], won,
    )  # fmt: skip
    for state, (cluster, total) in zip(states, won.tolist(), strict=True):
        state.new_orders = cluster
        state.market_share_hist.append(cluster / total if total > 0 else np.nan)


#: Columns of :func:`new_orders_block`'s per-run parameters: the rivals' free capacity, price
#: and delivery time, the price and delivery-time sensitivities, the order window and
#: :meth:`~sim.model.state.State.delivery_parameters` (E_0, elasticity, outsider factor,
#: minimum build time).
_RIVAL_FREE, _RIVAL_PRICE, _RIVAL_DELIVERY, _BETA_PRICE, _BETA_DELIVERY = range(5)
_WINDOW, _E0, _ELASTICITY, _OUTSIDER, _BUILD_MIN = range(5, 10)


def _draw_orders(
    state: State, rng: np.random.Generator, terms: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """This quarter's orders of one run: one uniform draw per order (who wins it), and sizes.

    Draws the demand shock, the number of orders, their sizes and the uniforms, in this order;
    ``terms`` are the run's :func:`_terms`.
    """
    level = state.demand_level * terms[_GROWTH] ** (state.quarter / 4.0)
    level *= np.exp(terms[_SIGMA] * rng.standard_normal() - terms[_HALF_VAR])
    n_orders = int(rng.poisson(level / state.order_size))
    sizes = lognormal(rng, state.order_size, terms[_CV], n_orders, terms[_SIZE_TERMS])
    u = rng.random(n_orders) if n_orders > 0 else _NO_DRAWS  # who wins each order
    return u, sizes  # float64 either way (np.full of a float, rng.lognormal)


@kernel
def _win_orders_block(
    rows: np.ndarray,
    starts: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    price: np.ndarray,
    participant: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    u: np.ndarray,
    sizes: np.ndarray,
    params: np.ndarray,
    order_book: np.ndarray,
    won: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:func:`_win_orders` of the runs ``rows`` of a block (2-D firm tables, one row per run).

    Run ``k`` (row ``rows[k]``) has the firms ``0 .. n-1``, ``n = starts[0, k]``; its orders
    are ``u[starts[1, k]:starts[2, k]]`` and ``sizes[...]``; its parameters ``params[k]``
    (columns ``_RIVAL_FREE`` ...). Its yards' free capacity and delivery time are
    :func:`_yard_queries`' (the state's queries, before the orders). Writes the order books
    (in place) and, into ``won[k]``, the value won by the cluster and the value of all orders.
    """
    for k in range(rows.shape[0]):
        r, p = rows[k], params[k]
        n, o0, o1 = starts[0, k], starts[1, k], starts[2, k]
        free, delivery = _yard_queries(
            n, role[r], alive[r], participant[r], productivity[r], employment[r], capacity[r],
            order_book[r], p,
        )  # fmt: skip
        won[k, 0], won[k, 1] = _win_orders(
            n, role[r], alive[r], free, price[r], delivery, p[_RIVAL_FREE], p[_RIVAL_PRICE],
            p[_RIVAL_DELIVERY], p[_BETA_PRICE], p[_BETA_DELIVERY], u[o0:o1], sizes[o0:o1],
            order_book[r],
        )  # fmt: skip


@kernel
def _yard_queries(
    n: int,
    role: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Free capacity and delivery time of the yards :func:`_win_orders` reads (0 elsewhere).

    The yards are the alive final producers; the other slots ``< n`` get 0.

    Each firm's figure is its own (:func:`~sim.model.state.free_capacity_of`,
    :func:`~sim.model.state.yard_delivery_columns`).
    """
    delivery = yard_delivery_columns(
        role, alive, participant, productivity, employment, capacity, order_book, n, p[_E0],
        p[_ELASTICITY], p[_OUTSIDER], p[_BUILD_MIN],
    )  # fmt: skip
    free = np.zeros(n)
    for i in range(n):
        if role[i] == ROLE_FINAL and alive[i]:
            free[i] = free_capacity_of(capacity[i], p[_WINDOW], order_book[i])
    return free, delivery
