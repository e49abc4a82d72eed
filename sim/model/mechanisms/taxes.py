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
from sim.model.compiled import array_sum, kernel
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
    t, fs, z = s.taxes, s.finance, s.sez
    alive = f.alive[:n]
    wage = s.labour.wage_mln_rub_per_worker_year * (1 + s.labour.wage_growth_per_year) ** (q / 4)
    years = q / 4.0
    sez_rate = z.profit_tax_rate.value if years <= z.profit_tax_years.value else (
        z.profit_tax_rate_after.value
    )  # fmt: skip
    sez = f.sez[:n] & alive
    std_fed, std_reg = t.profit_tax_federal.value, t.profit_tax_regional.value
    earnings = np.where(alive, ebitda(state), 0.0)
    f.ebitda[:n] = earnings
    capital, depreciation, profit, base, rate_fed, rate_reg, prop_rate, vat_rate, wages = _rates(
        alive, sez, f.capacity[:n], f.employment[:n], f.debt_market[:n],
        f.debt_pref[:n], f.pref_rate[:n], earnings, wage, fs.capital_mln_rub_per_capacity,
        fs.depreciation_rate_per_year, state.market_rate, std_fed, std_reg, sez_rate,
        t.property_tax.value, z.property_tax_rate.value, years <= z.property_tax_years.value,
        t.vat.rate.value, z.vat_rate is not None,
        z.vat_rate.value if z.vat_rate is not None else 0.0,
    )  # fmt: skip
    rate_reg, prop_rate, relief = tax_relief.apply(
        state, gov, sez, rate_reg, prop_rate, base, capital
    )
    net = t.vat.net_share.value
    fed, reg, contrib, vat, sums = _bill(
        alive, f.kind[:n], sez, f.output[:n], f.price[:n], f.purchases[:n], f.cash[:n],
        f.loss_quarters[:n], capital, depreciation, profit, base, rate_fed, rate_reg,
        prop_rate, vat_rate, wages, std_fed, std_reg, t.property_tax.value, t.vat.rate.value,
        net, t.personal_income_tax.value, t.personal_income_tax_progressive.value,
        t.insurance_contributions.value, t.insurance_contributions_sme.value,
    )  # fmt: skip
    f.profit[:n] = profit
    by_level = dict(zip(TAX_LEVELS, (fed, reg, contrib), strict=True))
    return TaxBill(
        federal=sums[0],
        regional=sums[1],
        social_fund=sums[2],
        vat_collected=sums[3],
        sez_expenditure=sums[4],
        relief_expenditure=relief,
        per_firm=fed + reg + contrib,
        by_level=by_level,
        vat=vat,
    )


@kernel
def _rates(
    alive: np.ndarray,
    sez: np.ndarray,
    capacity: np.ndarray,
    employment: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    earnings: np.ndarray,
    wage: float,
    capital_per_capacity: float,
    depreciation_rate: float,
    market_rate: float,
    std_fed: float,
    std_reg: float,
    sez_rate: float,
    property_rate: float,
    sez_property_rate: float,
    sez_property_applies: bool,
    vat_std: float,
    has_sez_vat: bool,
    sez_vat: float,
) -> tuple:  # pragma: no cover - compiled
    """Capital, depreciation, profit, taxable base and each firm's tax rates (before relief)."""
    n = alive.shape[0]
    capital, depreciation, profit, base = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    rate_fed, rate_reg, prop_rate = np.full(n, std_fed), np.full(n, std_reg), np.empty(n)
    vat_rate, wages = np.full(n, vat_std), np.empty(n)
    for i in range(n):
        wages[i] = wage * employment[i] / 4.0
        capital[i] = capacity[i] * capital_per_capacity
        depreciation[i] = capital[i] * depreciation_rate / 4.0
        interest = (debt_market[i] * market_rate + debt_pref[i] * pref_rate[i]) / 4.0
        profit[i] = earnings[i] - depreciation[i] - interest if alive[i] else 0.0
        base[i] = max(profit[i], 0.0)
        prop_rate[i] = property_rate
        if sez[i]:
            rate_fed[i] = 0.0
            rate_reg[i] = sez_rate
            if sez_property_applies:
                prop_rate[i] = sez_property_rate
            if has_sez_vat:
                vat_rate[i] = sez_vat
    return capital, depreciation, profit, base, rate_fed, rate_reg, prop_rate, vat_rate, wages


@kernel
def _bill(
    alive: np.ndarray,
    kind: np.ndarray,
    sez: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    purchases: np.ndarray,
    cash: np.ndarray,
    loss_quarters: np.ndarray,
    capital: np.ndarray,
    depreciation: np.ndarray,
    profit: np.ndarray,
    base: np.ndarray,
    rate_fed: np.ndarray,
    rate_reg: np.ndarray,
    prop_rate: np.ndarray,
    vat_rate: np.ndarray,
    wages: np.ndarray,
    std_fed: float,
    std_reg: float,
    property_std: float,
    vat_std: float,
    net: float,
    pit: float,
    pit_progressive: float,
    ic_large: float,
    ic_sme: float,
) -> tuple:  # pragma: no cover - compiled
    """Taxes by budget level per firm, cash and loss quarters (in place), and the totals.

    Returns ``(federal, regional, social_fund, vat, sums)`` with ``sums`` = federal, regional
    and Social Fund revenue, VAT collected and the SEZ tax expenditure.
    """
    n = alive.shape[0]
    fed, reg, contrib, vat = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    sez_exp = np.empty(n)
    m = 0
    for i in range(n):
        profit_fed = rate_fed[i] * base[i]
        profit_reg = rate_reg[i] * base[i]
        prop = prop_rate[i] * capital[i] / 4.0 if alive[i] else 0.0
        ic = ic_large if kind[i] == KIND_LARGE else ic_sme
        contrib[i] = ic * wages[i]
        value_added = output[i] * price[i] - purchases[i] if alive[i] else 0.0
        vat[i] = vat_rate[i] * value_added
        std_total = (std_fed + std_reg) * base[i] + property_std * capital[i] / 4.0
        std_total += net * vat_std * value_added
        actual = profit_fed + profit_reg + prop + net * vat[i]
        if sez[i]:
            sez_exp[m] = std_total - actual if alive[i] else 0.0
            m += 1
        tax_firm = profit_fed + profit_reg + prop
        if alive[i]:
            cash[i] += profit[i] + depreciation[i] - tax_firm
        else:
            cash[i] += 0.0
        loss_quarters[i] = loss_quarters[i] + 1 if alive[i] and cash[i] < 0 else 0
        fed[i] = profit_fed + net * vat[i] + pit_progressive * wages[i]
        reg[i] = profit_reg + prop + pit * wages[i]
    sums = np.array([
        array_sum(fed), array_sum(reg), array_sum(contrib), array_sum(vat),
        array_sum(sez_exp[:m]),
    ])  # fmt: skip
    return fed, reg, contrib, vat, sums
