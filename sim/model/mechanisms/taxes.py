"""Stage 8 (docs/model.md 7.14-7.15): taxes by budget, tax expenditure, firms' cash.

Per firm and quarter:

* EBITDA ``revenue - wages (1 + c) - purchases`` (kept for the borrowing limit, 7.11); profit
  ``pi = EBITDA - depreciation - interest`` (subsidies are paid into cash by the stages that
  pay them, not into taxable profit)
* profit tax ``max(pi, 0) * (t_fed + t_reg)``; SEZ residents pay the SEZ rate for its first
  years (then the later rate); the regime's regional tax relief cuts rates further
  (:mod:`sim.model.mechanisms.tax_relief`)
* property tax ``rate * capital / 4`` (regional)
* payroll: personal income tax at the base rate (regional budget), its progressive part
  (federal), insurance contributions (the Social Fund)
* VAT ``rate * (revenue - purchases)`` (SEZ residents: their rate); the federal budget counts
  ``vat.net_share`` of it, because the buyers deduct the rest as input VAT
* tax expenditure = standard tax - tax actually due, booked as SEZ expenditure or as the
  regime's ``tax_relief`` cost
* cash ``+= pi + depreciation - profit tax - property tax`` (personal income tax is withheld
  from wages, contributions are in EBITDA, VAT passes through: revenue is net of it); a firm
  with negative cash counts one more loss quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.agents import Government
from sim.model.ledger import TAX_LEVELS
from sim.model.mechanisms import tax_relief
from sim.model.mechanisms.financing import ebitda
from sim.model.state import KIND_LARGE, State

__all__ = ["TaxBill", "compute_taxes"]


@dataclass
class TaxBill:
    """Taxes collected this quarter by budget, and the tax expenditure behind them.

    Attributes:
        federal: Federal revenue: profit tax (federal part), VAT at its net share and the
            progressive part of personal income tax.
        regional: Regional (with local) revenue: profit tax (regional part), property tax and
            personal income tax at the base rate.
        social_fund: Insurance contributions.
        vat_collected: VAT the firms remit, before the buyers' deduction.
        sez_expenditure: Tax forgone under the SEZ regime (at standard rates).
        relief_expenditure: The regime's tax relief by budget level: revenue forgone at
            standard rates.
        per_firm: Each firm's taxes, all budgets (VAT at its net share).
        by_level: Each firm's taxes by budget (keys :data:`sim.model.ledger.TAX_LEVELS`).
        vat: VAT each firm remits (gross).
    """

    federal: float
    regional: float
    sez_expenditure: float
    social_fund: float = 0.0
    vat_collected: float = 0.0
    relief_expenditure: dict[str, float] = field(default_factory=dict)
    per_firm: np.ndarray | None = None
    by_level: dict[str, np.ndarray] = field(default_factory=dict)
    vat: np.ndarray | None = None


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
    vat_std = t.vat.rate.value
    vat_rate = np.full(n, vat_std)
    if s.sez.vat_rate is not None:
        vat_rate[sez] = s.sez.vat_rate.value

    rate_reg, prop_rate, relief = tax_relief.apply(
        state, gov, sez, rate_reg, prop_rate, base, capital
    )

    profit_fed = rate_fed * base
    profit_reg = rate_reg * base
    prop = np.where(alive, prop_rate * capital / 4.0, 0.0)
    ndfl = t.personal_income_tax.value * wages
    ndfl_fed = t.personal_income_tax_progressive.value * wages
    contrib = ic_rate * wages
    # VAT on value added (a negative one is refunded, Tax Code art. 176)
    value_added = np.where(alive, f.output[:n] * f.price[:n] - f.purchases[:n], 0.0)
    vat = vat_rate * value_added
    net = t.vat.net_share.value
    std_total = (std_fed + std_reg) * base + t.property_tax.value * capital / 4.0
    std_total += net * vat_std * value_added
    actual_std_part = profit_fed + profit_reg + prop + net * vat
    expenditure = np.where(alive, std_total - actual_std_part, 0.0)
    sez_exp = float(expenditure[sez].sum())

    tax_firm = profit_fed + profit_reg + prop
    f.profit[:n] = profit
    f.cash[:n] += np.where(alive, profit + depreciation - tax_firm, 0.0)
    f.loss_quarters[:n] = np.where(alive & (f.cash[:n] < 0), f.loss_quarters[:n] + 1, 0)
    by_level = dict(
        zip(
            TAX_LEVELS,
            (profit_fed + net * vat + ndfl_fed, profit_reg + prop + ndfl, contrib),
            strict=True,
        )
    )
    return TaxBill(
        federal=float(by_level["federal"].sum()),
        regional=float(by_level["regional"].sum()),
        social_fund=float(by_level["social_fund"].sum()),
        vat_collected=float(vat.sum()),
        sez_expenditure=sez_exp,
        relief_expenditure=relief,
        per_firm=by_level["federal"] + by_level["regional"] + by_level["social_fund"],
        by_level=by_level,
        vat=vat,
    )
