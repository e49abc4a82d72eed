"""The regime's regional tax relief (docs/model.md 7.16), applied inside the tax stage.

Both halves of the instrument live here, computed by one function (:func:`cuts`): the cut
rates and revenue forgone of the quarter (:func:`apply`), and what a firm expects from the
relief when it decides on membership (:func:`expected_benefit`: the relief :func:`cuts` would
give it on last quarter's profit and capital, as a roster member of a registered cluster). For
the first ``years`` after registration, firms the government lets have preferences pay the
regional profit tax and the property tax less the cuts; SEZ residents, on their own regime,
get nothing; the revenue forgone is booked as the relief's cost.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.state import State
from sim.scenario.schema import TaxRelief

__all__ = ["apply", "cuts", "expected_benefit", "in_force"]


def in_force(gov: Government, tr: TaxRelief, quarter: int) -> bool:
    """Whether a registered cluster's participants get the relief this quarter."""
    since = quarter - (gov.registered_quarter or quarter)
    return gov.registered and since < 4 * tr.years.value


def cuts(
    tr: TaxRelief, eligible: np.ndarray, rate_reg: np.ndarray, prop_rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cuts of the regional profit-tax and property-tax rates (never below zero)."""
    cut_reg = np.where(eligible, np.minimum(tr.regional_profit_tax_cut.value, rate_reg), 0.0)
    cut_prop = np.where(eligible, np.minimum(tr.property_tax_cut.value, prop_rate), 0.0)
    return cut_reg, cut_prop


def expected_benefit(state: State, gov: Government, tr: TaxRelief) -> np.ndarray:
    """The relief each firm would get this quarter as a roster member (membership, 7.3).

    :func:`cuts` at standard rates on last quarter's taxable profit and capital; SEZ residents
    and firms of a cluster whose relief years are over get nothing.
    """
    s, f, n = state.spec, state.firms, state.firms.n
    if gov.registered and not in_force(gov, tr, state.quarter):
        return np.zeros(n)
    eligible = f.alive[:n] & ~f.sez[:n]
    rate_reg = np.full(n, s.taxes.profit_tax_regional.value)
    prop_rate = np.full(n, s.taxes.property_tax.value)
    cut_reg, cut_prop = cuts(tr, eligible, rate_reg, prop_rate)
    capital = f.capacity[:n] * s.finance.capital_mln_rub_per_capacity
    return cut_reg * np.maximum(f.profit[:n], 0.0) + cut_prop * capital / 4.0


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
    if regime is None or regime.tax_relief is None or not in_force(gov, regime.tax_relief,
                                                                    state.quarter):  # fmt: skip
        return rate_reg, prop_rate, relief
    elig = gov.eligible_for_preferences(state) & ~sez
    cut_reg, cut_prop = cuts(regime.tax_relief, elig, rate_reg, prop_rate)
    rate_reg -= cut_reg
    prop_rate = prop_rate - cut_prop
    relief["regional"] = float((cut_reg * base).sum() + (cut_prop * capital / 4).sum())
    return rate_reg, prop_rate, relief
