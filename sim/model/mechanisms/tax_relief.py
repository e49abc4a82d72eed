"""The regime's regional tax relief (docs/model.md 7.16), applied inside the tax stage.

Both halves of the instrument live here, computed by one function (:func:`cuts`): the cut
rates and revenue forgone of the quarter (:func:`apply`), and what a firm expects from the
relief when it decides on membership (:func:`expected_benefit`: the relief :func:`cuts` would
give it on last quarter's profit and capital, as a roster member of a registered cluster). For
the first ``years`` after registration, firms the government lets have preferences pay the
regional profit tax and the property tax less the cuts; SEZ residents, on their own regime,
get nothing; the revenue forgone at the standard rates is booked as the relief's cost (the tax
expenditure, counted once). What the relief still promises after a quarter is estimated by
:func:`committed_relief` (docs/model.md 7.14.1).
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.mechanisms import financing
from sim.model.state import State
from sim.scenario.schema import TaxRelief

__all__ = [
    "apply",
    "committed_relief",
    "cuts",
    "expected_benefit",
    "in_force",
    "quarters_left",
]


def in_force(gov: Government, tr: TaxRelief, quarter: int) -> bool:
    """Whether a registered cluster's participants get the relief this quarter."""
    since = quarter - (gov.registered_quarter or quarter)
    return gov.registered and since < 4 * tr.years.value


def quarters_left(gov: Government, tr: TaxRelief, quarter: int) -> int:
    """Relief quarters after ``quarter`` (0 when the relief is not in force now)."""
    if not in_force(gov, tr, quarter) or gov.registered_quarter is None:
        return 0
    return max(gov.registered_quarter + 4 * tr.years.value - 1 - quarter, 0)


def committed_relief(
    gov: Government, quarter: int, relief: dict[str, float], discount_rate: float
) -> dict[str, float]:
    """Estimate of the relief still promised after this quarter, by budget level.

    This quarter's relief (revenue forgone at standard rates) in each remaining relief quarter,
    discounted: ``relief * sum(v ** k for k in 1..m)``, ``m`` = :func:`quarters_left`,
    ``v = (1 + rho) ** -0.25``. An estimate: future profits, capital and the roster are not
    known, and a lapse of the registration would end the relief early.

    Args:
        gov: The government (regime, registration).
        quarter: The current quarter.
        relief: This quarter's relief by budget level.
        discount_rate: Annual discount rate ``rho``.

    Returns:
        ``{"federal": ..., "regional": ...}`` in mln RUB at the end of the quarter.
    """
    regime = gov.regime
    if regime is None or regime.tax_relief is None:
        return {"federal": 0.0, "regional": 0.0}
    left = quarters_left(gov, regime.tax_relief, quarter)
    v = financing.discount_per_quarter(discount_rate)
    annuity = float(v * financing.geometric_sum(v, 0.0, left - 1.0))
    return {level: relief.get(level, 0.0) * annuity for level in ("federal", "regional")}


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
