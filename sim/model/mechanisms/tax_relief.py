"""The regime's regional tax relief (docs/model.md 7.16), applied inside the tax stage.

Both halves of the instrument live here: what a firm expects from it
(:func:`add_expected_benefit`, read by membership) and the cut rates and tax expenditure of the
quarter (:func:`apply`): for the first ``years`` after registration, firms the government lets
have preferences (not SEZ residents, who have their own regime) pay the regional profit tax and
the property tax less the cuts; the revenue forgone is booked as the relief's cost.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.state import State
from sim.scenario.schema import TaxRelief

__all__ = ["add_expected_benefit", "apply"]


def add_expected_benefit(value: np.ndarray, state: State, tr: TaxRelief) -> None:
    """Add the tax a firm expects to save per quarter to ``value`` (membership)."""
    f, n = state.firms, state.firms.n
    value += tr.regional_profit_tax_cut.value * np.maximum(f.profit[:n], 0.0)
    value += (
        tr.property_tax_cut.value
        / 4
        * f.capacity[:n]
        * state.spec.finance.capital_mln_rub_per_capacity
    )


def apply(
    state: State,
    gov: Government,
    sez: np.ndarray,
    rate_reg: np.ndarray,
    prop_rate: np.ndarray,
    base: np.ndarray,
    capital: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Cut the regional profit-tax and property-tax rates of eligible firms.

    Args:
        state: The model state.
        gov: The government (regime, registration).
        sez: Mask of SEZ residents (excluded).
        rate_reg: Regional profit-tax rate per firm (cut in place).
        prop_rate: Property-tax rate per firm.
        base: Taxable profit per firm this quarter.
        capital: Capital per firm.

    Returns:
        The regional profit-tax rates, the property-tax rates and the tax expenditure by budget
        level.
    """
    relief = {"federal": 0.0, "regional": 0.0}
    regime = gov.regime
    if regime is None or regime.tax_relief is None or not gov.registered:
        return rate_reg, prop_rate, relief
    tr = regime.tax_relief
    q = state.quarter
    since = q - (gov.registered_quarter or q)
    if since < 4 * tr.years.value:
        elig = gov.eligible_for_preferences(state) & ~sez
        cut_reg = np.where(elig, np.minimum(tr.regional_profit_tax_cut.value, rate_reg), 0.0)
        cut_prop = np.where(elig, np.minimum(tr.property_tax_cut.value, prop_rate), 0.0)
        rate_reg -= cut_reg
        prop_rate = prop_rate - cut_prop
        relief["regional"] = float((cut_reg * base).sum() + (cut_prop * capital / 4).sum())
    return rate_reg, prop_rate, relief
