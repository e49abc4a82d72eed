"""Stage 8 (docs/model.md 7.14-7.15): taxes by budget level, tax expenditure, firms' cash.

Per firm and quarter:

* EBITDA ``revenue - wages (1 + c) - purchases`` (kept for the borrowing limit, 7.11); profit
  ``pi = EBITDA - depreciation - interest`` (subsidies are paid into cash by the stages that
  pay them, not into taxable profit)
* profit tax ``max(pi, 0) * (t_fed + t_reg)``; SEZ residents pay the SEZ rate for its first
  years (then the later rate); the regime's regional tax relief cuts rates further
  (:mod:`sim.model.mechanisms.tax_relief`)
* property tax ``rate * capital / 4``; payroll: personal income tax (regional) and insurance
  contributions (booked to the federal level)
* tax expenditure = standard tax - tax actually due, booked as SEZ expenditure or as the
  regime's ``tax_relief`` cost
* cash ``+= pi + depreciation - profit tax - property tax``; a firm with negative cash counts
  one more loss quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.agents import Government
from sim.model.mechanisms import tax_relief
from sim.model.mechanisms.financing import ebitda
from sim.model.state import KIND_LARGE, State

__all__ = ["TaxBill", "compute_taxes"]


@dataclass
class TaxBill:
    """Taxes collected this quarter and the tax expenditure behind them."""

    federal: float
    regional: float
    sez_expenditure: float
    relief_expenditure: dict[str, float] = field(default_factory=dict)
    per_firm: np.ndarray | None = None


def compute_taxes(state: State, gov: Government) -> TaxBill:
    """Compute profit and taxes, update cash and loss counters, and return the bill."""
    s, f, n, q = state.spec, state.firms, state.firms.n, state.quarter
    t, fs = s.taxes, s.finance
    alive = f.alive[:n]
    large = f.kind[:n] == KIND_LARGE
    wage = s.labour.wage_mln_rub_per_worker_year * (1 + s.labour.wage_growth_per_year) ** (q / 4)
    wages = wage * f.employment[:n] / 4.0
    ic_rate = np.where(large, t.insurance_contributions.value, t.insurance_contributions_sme.value)
    capital = f.capacity[:n] * fs.capital_mln_rub_per_capacity
    depreciation = capital * fs.depreciation_rate_per_year / 4.0
    interest = (f.debt_market[:n] * state.market_rate + f.debt_pref[:n] * f.pref_rate[:n]) / 4.0
    earnings = np.where(alive, ebitda(state), 0.0)
    f.ebitda[:n] = earnings
    profit = np.where(alive, earnings - depreciation - interest, 0.0)
    base = np.maximum(profit, 0.0)

    std_fed, std_reg = t.profit_tax_federal.value, t.profit_tax_regional.value
    rate_fed = np.full(n, std_fed)
    rate_reg = np.full(n, std_reg)
    years = q / 4.0
    sez_rate = (
        s.sez.profit_tax_rate.value
        if years <= s.sez.profit_tax_years.value
        else (s.sez.profit_tax_rate_after.value)
    )
    sez = f.sez[:n] & alive
    rate_fed[sez] = 0.0
    rate_reg[sez] = sez_rate
    prop_rate = np.full(n, t.property_tax.value)
    if years <= s.sez.property_tax_years.value:
        prop_rate[sez] = s.sez.property_tax_rate.value

    rate_reg, prop_rate, relief = tax_relief.apply(
        state, gov, sez, rate_reg, prop_rate, base, capital
    )

    profit_fed = rate_fed * base
    profit_reg = rate_reg * base
    prop = np.where(alive, prop_rate * capital / 4.0, 0.0)
    ndfl = t.personal_income_tax.value * wages
    contrib = ic_rate * wages
    std_total = (std_fed + std_reg) * base + t.property_tax.value * capital / 4.0
    actual_std_part = profit_fed + profit_reg + prop
    expenditure = np.where(alive, std_total - actual_std_part, 0.0)
    sez_exp = float(expenditure[sez].sum())

    tax_firm = profit_fed + profit_reg + prop
    f.profit[:n] = profit
    f.cash[:n] += np.where(alive, profit + depreciation - tax_firm, 0.0)
    f.loss_quarters[:n] = np.where(alive & (f.cash[:n] < 0), f.loss_quarters[:n] + 1, 0)
    federal = float((profit_fed + contrib).sum())
    regional = float((profit_reg + prop + ndfl).sum())
    return TaxBill(
        federal=federal,
        regional=regional,
        sez_expenditure=sez_exp,
        relief_expenditure=relief,
        per_firm=tax_firm + ndfl + contrib,
    )
