"""Stage 0 (docs/model.md 7.1): the key-rate path, loan rates, unit costs and prices.

* key rate ``k_{t+1} = k_t + a (k_LR - k_t)`` (partial adjustment per quarter, exogenous)
* market loan rate ``r_m = k_t + spread``
* unit costs follow last quarter's productivity (:meth:`sim.model.state.State.unit_costs`);
  final producers price at unit cost relative to the competitors' (``p = c / c_comp``),
  suppliers at their trade premium times unit cost relative to their initial cost.

The stage is a block stage (:func:`update_world_block`): one compiled call computes the costs
and prices of every run of a block; :func:`update_world` is that call for one run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.compiled import kernel
from sim.model.state import (
    ROLE_FINAL,
    State,
    cost_params,
    firm_tables,
    supplier_price_columns,
    supplier_price_refs,
    update_costs_rows,
)

__all__ = [
    "next_key_rate",
    "update_prices",
    "update_prices_block",
    "update_world",
    "update_world_block",
]


def next_key_rate(current: float, long_run: float, adjustment: float) -> float:
    """Partial adjustment of the key rate toward its long-run level."""
    return current + adjustment * (long_run - current)


def update_world(state: State) -> None:
    """Move the key rate and the market loan rate one quarter on; update costs and prices."""
    update_world_block((state,))


def update_world_block(states: Sequence[State]) -> None:
    """:func:`update_world` for each run of a block (their firm tables are rows of one block)."""
    for state in states:
        fs = state.spec.finance
        state.key_rate = next_key_rate(
            state.key_rate, fs.key_rate_long_run, fs.key_rate_adjustment_per_quarter
        )
        state.market_rate = state.key_rate + fs.market_loan_spread
    update_prices_block(states)


def update_prices(state: State) -> None:
    """Costs follow productivity; final producers price at unit cost relative to competitors."""
    update_prices_block((state,))


def update_prices_block(states: Sequence[State]) -> None:
    """:func:`update_prices` for each run of a block, by one compiled call."""
    t, rows = firm_tables([st.firms for st in states])
    if len(states) == 1:  # a lone run: its numeraire's array kept while it is the same
        st = states[0]
        ns = np.array([st.firms.n])
        kept = st.kept.get("cost_comp")
        if kept is None or kept[0] != st.cost_comp:
            kept = st.kept["cost_comp"] = (st.cost_comp, np.array([st.cost_comp]))
        cost_comp = kept[1]
    else:
        ns = np.array([st.firms.n for st in states])
        cost_comp = np.array([st.cost_comp for st in states])
    _update_prices_block(
        rows, ns, t["productivity"], t["employment"], t["alive"], t["participant"], t["kind"],
        t["output"], t["capacity"], t["unit_cost"], t["role"], t["trade"], t["price"],
        cost_params(states), cost_comp, *supplier_price_refs(states),
    )  # fmt: skip


@kernel
def _update_prices_block(
    rows: np.ndarray,
    ns: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    kind: np.ndarray,
    output: np.ndarray,
    capacity: np.ndarray,
    unit_cost: np.ndarray,
    role: np.ndarray,
    trade: np.ndarray,
    price: np.ndarray,
    params: np.ndarray,
    cost_comp: np.ndarray,
    cost0: np.ndarray,
    cost0_at: np.ndarray,
    premium: np.ndarray,
    premium_at: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Unit costs, then prices, of the runs ``rows`` of 2-D firm tables (in place).

    Run ``k`` is row ``rows[k]`` with ``ns[k]`` slots: its unit costs are
    :meth:`~sim.model.state.State.update_costs` (scalars ``params[k]``), its suppliers' prices
    :meth:`~sim.model.state.State.supplier_price` (reference costs and premia
    ``cost0[cost0_at[k]:cost0_at[k + 1]]`` and ``premium[premium_at[k]:premium_at[k + 1]]``).
    """
    update_costs_rows(
        rows, ns, productivity, employment, alive, participant, kind, output, capacity,
        unit_cost, params,
    )  # fmt: skip
    for k in range(rows.shape[0]):
        r, n = rows[k], ns[k]
        supplier_price = supplier_price_columns(
            role[r], trade[r], unit_cost[r], cost0[cost0_at[k] : cost0_at[k + 1]],
            premium[premium_at[k] : premium_at[k + 1]], n,
        )  # fmt: skip
        _set_prices(price[r], role[r], unit_cost[r], cost_comp[k], supplier_price)


@kernel
def _set_prices(
    price: np.ndarray,
    role: np.ndarray,
    unit_cost: np.ndarray,
    cost_comp: float,
    supplier_price: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """``p = c / c_comp`` for final producers, the supplier price for the others (in place).

    The firms are the first ``supplier_price.shape[0]`` of the firm columns.
    """
    for i in range(supplier_price.shape[0]):
        price[i] = unit_cost[i] / cost_comp if role[i] == ROLE_FINAL else supplier_price[i]
