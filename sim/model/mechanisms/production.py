"""Stages 6a and 6b (docs/model.md 7.7, 7.10): output, employment, learning, spillovers.

Final producers (each quarter):

* labour capacity ``A_eff L / 4`` with ``A_eff = A (E / E_0)^(gamma_i)`` (agglomeration:
  ``gamma_i = gamma`` for participants, ``gamma * outsider_factor`` for others, ``E`` the
  cluster's employment)
* output ``Y = min(A_eff L / 4, K, OB / T_min)``; the order book falls by ``Y``
* desired output ``Y* = min(K, OB / T_cover)``; employment ``L += h (4 Y* / A_eff - L)``
* learning-by-doing ``A <- A (Q_cum,t / Q_cum,t-1)^lambda (1 + trend)^(1/4)``.

Suppliers sell to the cluster what sourcing bought from them and the rest of their free
capacity to other markets (up to their other-market demand); SMEs adjust employment to sales.

Both stages are block stages (:func:`produce_final_block`, :func:`produce_suppliers_block`): one
compiled call computes every run of a block; :func:`produce_final` and
:func:`produce_suppliers` are that call for one run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import employment_target_rule
from sim.model.compiled import kernel, power
from sim.model.state import (
    ROLE_COMPONENT,
    ROLE_FINAL,
    State,
    effective_productivity_columns,
    firm_tables,
    spillover_params,
)
from sim.scenario.schema import Scenario

__all__ = [
    "learn",
    "produce_final",
    "produce_final_block",
    "produce_suppliers",
    "produce_suppliers_block",
]


def produce_final(state: State) -> None:
    """Final producers produce from their order books and adjust employment."""
    produce_final_block((state,))


def produce_final_block(states: Sequence[State]) -> None:
    """:func:`produce_final` for each run of a block, by one compiled call."""
    t, rows = firm_tables([st.firms for st in states])
    ns = np.array([st.firms.n for st in states])
    values = []
    for st in states:
        s = st.spec
        values.append((
            *spillover_params(st), float(s.market.build_quarters_min),
            float(s.market.target_cover_quarters), s.labour.hiring_rate_per_quarter,
        ))  # fmt: skip
    params = np.array(values, dtype=np.float64)
    _produce_final_block(
        rows, ns, t["role"], t["alive"], t["productivity"], t["employment"], t["participant"],
        t["capacity"], t["order_book"], t["output"], params,
    )  # fmt: skip


@kernel
def _produce_final_block(
    rows: np.ndarray,
    ns: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    output: np.ndarray,
    params: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stage 6a for the runs ``rows`` of 2-D firm tables (in place).

    Run ``k`` is row ``rows[k]`` with ``ns[k]`` slots; ``params[k]``: ``E_0``, ``gamma``,
    outsider factor (:meth:`~sim.model.state.State.effective_productivity`), ``T_min``,
    ``T_cover``, hiring rate. The employment target is the large enterprise's rule
    (:meth:`~sim.model.agents.LargeEnterprise.employment_target`).
    """
    for k in range(rows.shape[0]):
        r, n = rows[k], ns[k]
        a_eff = effective_productivity_columns(
            productivity[r], employment[r], alive[r], participant[r], n, np.arange(n),
            params[k, 0], params[k, 1], params[k, 2],
        )  # fmt: skip
        desired = _produce(
            n, role[r], alive[r], a_eff, employment[r], capacity[r], order_book[r], output[r],
            params[k, 3], params[k, 4],
        )  # fmt: skip
        target = employment_target_rule(desired, a_eff)
        _hire(n, role[r], alive[r], employment[r], target, params[k, 5])


@kernel
def _produce(
    n: int,
    role: np.ndarray,
    alive: np.ndarray,
    a_eff: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    output: np.ndarray,
    build_min: float,
    cover: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """Output ``min(A_eff L / 4, K, OB / T_min)`` off the order book (in place); desired output.

    For the alive final producers among the slots ``< n``; the desired output of every slot.
    """
    desired = np.empty(n)
    for i in range(n):
        if role[i] == ROLE_FINAL and alive[i]:
            y = min(min(a_eff[i] * employment[i] / 4.0, capacity[i]), order_book[i] / build_min)
            y = max(y, 0.0)
            output[i] = y
            order_book[i] -= y
        desired[i] = min(capacity[i], order_book[i] / cover)
    return desired


@kernel
def _hire(
    n: int,
    role: np.ndarray,
    alive: np.ndarray,
    employment: np.ndarray,
    target: np.ndarray,
    hiring: float,
) -> None:  # pragma: no cover - compiled
    """``L += h (L* - L)``, at least one worker, for alive final producers (in place)."""
    for i in range(n):
        if role[i] == ROLE_FINAL and alive[i]:
            employment[i] += hiring * (target[i] - employment[i])
            employment[i] = max(employment[i], 1.0)


def produce_suppliers(state: State) -> None:
    """Suppliers produce cluster sales plus other-market sales; then everyone learns."""
    produce_suppliers_block((state,))


def produce_suppliers_block(states: Sequence[State]) -> None:
    """:func:`produce_suppliers` for each run of a block, by one compiled call."""
    t, rows = firm_tables([st.firms for st in states])
    ns = np.array([st.firms.n for st in states])
    values = []
    for st in states:
        s = st.spec
        values.append((
            *spillover_params(st), st.quarter, s.sme_demography.non_producing_quarters,
            (1 + s.market.demand_growth_per_year) ** 0.25, s.sourcing.purchases_share_of_output,
            s.production.sme_capacity_growth_per_quarter, s.labour.hiring_rate_per_quarter,
            *_learning(s),
        ))  # fmt: skip
    params = np.array(values, dtype=np.float64)
    _produce_suppliers_block(
        rows, ns, t["role"], t["alive"], t["born_quarter"], t["productivity"], t["employment"],
        t["participant"], t["capacity"], t["other_demand"], t["sales_cluster"],
        t["sales_other"], t["price"], t["output"], t["purchases"], t["cum_output"], params,
    )  # fmt: skip


@kernel
def _produce_suppliers_block(
    rows: np.ndarray,
    ns: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    born: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    other_demand: np.ndarray,
    sales_cluster: np.ndarray,
    sales_other: np.ndarray,
    price: np.ndarray,
    output: np.ndarray,
    purchases: np.ndarray,
    cum_output: np.ndarray,
    params: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stage 6b for the runs ``rows`` of 2-D firm tables (in place): supply, then learning.

    Run ``k`` is row ``rows[k]`` with ``ns[k]`` slots; ``params[k]``: ``E_0``, ``gamma``,
    outsider factor (:meth:`~sim.model.state.State.effective_productivity`), the quarter,
    non-producing quarters, quarterly other-market growth, purchases share of output, SMEs'
    capacity growth, hiring rate, learning elasticity, quarterly productivity trend.
    """
    for k in range(rows.shape[0]):
        r, n = rows[k], ns[k]
        a_eff = effective_productivity_columns(
            productivity[r], employment[r], alive[r], participant[r], n, np.arange(n),
            params[k, 0], params[k, 1], params[k, 2],
        )  # fmt: skip
        _supply(
            n, role[r], alive[r], born[r], employment[r], capacity[r], other_demand[r],
            sales_cluster[r], sales_other[r], price[r], output[r], purchases[r], a_eff,
            int(params[k, 3]), int(params[k, 4]), params[k, 5], params[k, 6], params[k, 7],
            params[k, 8],
        )  # fmt: skip
        _learn(n, alive[r], cum_output[r], output[r], productivity[r], params[k, 9], params[k, 10])


@kernel
def _supply(
    n: int,
    role: np.ndarray,
    alive: np.ndarray,
    born: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    other_demand: np.ndarray,
    sales_cluster: np.ndarray,
    sales_other: np.ndarray,
    price: np.ndarray,
    output: np.ndarray,
    purchases: np.ndarray,
    a_eff: np.ndarray,
    quarter: int,
    non_producing_quarters: int,
    growth: float,
    purchases_share: float,
    capacity_growth: float,
    hiring: float,
) -> None:  # pragma: no cover - compiled
    """Suppliers' sales, output, purchases, employment and capacity this quarter (in place).

    Suppliers keep ~15 % spare capacity over what they sold; capacity follows employment.
    Slots ``< n`` (columns; ``a_eff`` of those slots).
    """
    for i in range(n):
        if not (role[i] == ROLE_COMPONENT and alive[i]):
            sales_other[i] = 0.0
            continue
        producing = quarter - born[i] > non_producing_quarters
        cap = min(a_eff[i] * employment[i] / 4.0, capacity[i])
        other_demand[i] *= growth
        other = min(other_demand[i], max(cap - sales_cluster[i], 0.0)) if producing else 0.0
        sales_other[i] = other * price[i]
        volume = sales_cluster[i] / max(price[i], 1e-9) + other
        output[i] = volume
        purchases[i] = purchases_share * volume
        target = 4.0 * 1.15 * volume / max(a_eff[i], 1e-9)
        target = max(target, 4.0 * other_demand[i] / max(a_eff[i], 1e-9))
        if producing:
            step = min(max(target - employment[i], -hiring * employment[i]),
                       capacity_growth * employment[i])  # fmt: skip
            employment[i] = max(employment[i] + step, 1.0)
        capacity[i] = max(capacity[i], a_eff[i] * employment[i] / 4)


def learn(state: State) -> None:
    """Learning-by-doing on cumulative output and the exogenous productivity trend."""
    f = state.firms
    _learn(f.n, f.alive, f.cum_output, f.output, f.productivity, *_learning(state.spec))


def _learning(spec: Scenario) -> tuple[float, float]:
    """The learning elasticity ``lambda`` and the quarterly trend factor ``(1 + trend)^(1/4)``."""
    p = spec.production
    return p.learning_elasticity, (1 + p.productivity_trend_per_year) ** 0.25


@kernel
def _learn(
    n: int,
    alive: np.ndarray,
    cum_output: np.ndarray,
    output: np.ndarray,
    productivity: np.ndarray,
    elasticity: float,
    trend: float,
) -> None:  # pragma: no cover - compiled
    """``A <- A (Q_cum,t / Q_cum,t-1)^lambda (1 + trend)^(1/4)`` for alive firms (in place).

    Slots ``< n`` (columns).
    """
    for i in range(n):
        new_cum = cum_output[i] + output[i]
        ratio = new_cum / max(cum_output[i], 1e-9) if cum_output[i] > 0 else 1.0
        if alive[i]:
            productivity[i] = productivity[i] * power(ratio, elasticity) * trend
        cum_output[i] = new_cum
