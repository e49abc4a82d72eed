"""Stage 0 (docs/model.md 7.1): the key-rate path, loan rates, unit costs and prices.

* key rate ``k_{t+1} = k_t + a (k_LR - k_t)`` (partial adjustment per quarter, exogenous)
* market loan rate ``r_m = k_t + spread``
* unit costs follow last quarter's productivity (:meth:`sim.model.state.State.unit_costs`);
  final producers price at unit cost relative to the competitors' (``p = c / c_comp``),
  suppliers at their trade premium times unit cost relative to their initial cost.
"""

from __future__ import annotations

import numpy as np

from sim.model.compiled import kernel
from sim.model.state import ROLE_FINAL, State

__all__ = ["next_key_rate", "update_prices", "update_world"]


def next_key_rate(current: float, long_run: float, adjustment: float) -> float:
    """Partial adjustment of the key rate toward its long-run level."""
    return current + adjustment * (long_run - current)


def update_world(state: State) -> None:
    """Move the key rate and the market loan rate one quarter on; update costs and prices."""
    fs = state.spec.finance
    state.key_rate = next_key_rate(
        state.key_rate, fs.key_rate_long_run, fs.key_rate_adjustment_per_quarter
    )
    state.market_rate = state.key_rate + fs.market_loan_spread
    update_prices(state)


def update_prices(state: State) -> None:
    """Costs follow productivity; final producers price at unit cost relative to competitors."""
    f = state.firms
    state.update_costs()
    _set_prices(f.price, f.role, f.unit_cost, state.cost_comp, state.supplier_price())


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
