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


#: Rows of :func:`_rates`' table, per firm: capital, depreciation, profit, taxable base, wages
#: and the tax rates before relief.
_CAPITAL, _DEPRECIATION, _PROFIT, _BASE, _WAGES = 0, 1, 2, 3, 4
_RATE_FED, _RATE_REG, _PROP_RATE, _VAT_RATE = 5, 6, 7, 8
#: Rows of :func:`_bill`'s table, per firm: taxes by budget level (:data:`TAX_LEVELS`' order),
#: VAT remitted and all taxes of the firm.
_FED, _REG, _CONTRIB, _VAT, _PER_FIRM = 0, 1, 2, 3, 4


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
    rows = _rates(
        alive, sez, f.capacity, f.employment, f.debt_market, f.debt_pref, f.pref_rate,
        ebitda(state), f.ebitda, wage, fs.capital_mln_rub_per_capacity,
        fs.depreciation_rate_per_year, state.market_rate, std_fed, std_reg, sez_rate,
        t.property_tax.value, z.property_tax_rate.value, years <= z.property_tax_years.value,
        t.vat.rate.value, z.vat_rate is not None,
        z.vat_rate.value if z.vat_rate is not None else 0.0,
    )  # fmt: skip
    rate_reg, prop_rate, relief = tax_relief.apply(
        state, gov, sez, rows[_RATE_REG], rows[_PROP_RATE], rows[_BASE], rows[_CAPITAL]
    )
    bill, sums = _bill(
        alive, f.kind, sez, f.output, f.price, f.purchases, f.cash, f.loss_quarters, f.profit,
        rows, rate_reg, prop_rate, std_fed, std_reg, t.property_tax.value, t.vat.rate.value,
        t.vat.net_share.value, t.personal_income_tax.value,
        t.personal_income_tax_progressive.value, t.insurance_contributions.value,
        t.insurance_contributions_sme.value,
    )  # fmt: skip
    return TaxBill(
        federal=sums[0],
        regional=sums[1],
        social_fund=sums[2],
        vat_collected=sums[3],
        sez_expenditure=sums[4],
        relief_expenditure=relief,
        per_firm=bill[_PER_FIRM],
        by_level=dict(zip(TAX_LEVELS, bill[_FED : _CONTRIB + 1], strict=True)),
        vat=bill[_VAT],
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
    ebitda: np.ndarray,
    ebitda_column: np.ndarray,
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
) -> np.ndarray:  # pragma: no cover - compiled
    """Capital, depreciation, profit, taxable base, wages and each firm's tax rates (no relief).

    The firms are the first ``alive.shape[0]`` of the firm columns. A firm's EBITDA counts
    only while it is alive (0 otherwise) and is stored in ``ebitda_column`` (in place).
    Returns the table with the rows ``_CAPITAL`` ... ``_VAT_RATE``, one column per firm.
    """
    n = alive.shape[0]
    out = np.empty((9, n))
    for i in range(n):
        earnings = ebitda[i] if alive[i] else 0.0
        ebitda_column[i] = earnings
        out[_WAGES, i] = wage * employment[i] / 4.0
        capital = capacity[i] * capital_per_capacity
        out[_CAPITAL, i] = capital
        depreciation = capital * depreciation_rate / 4.0
        out[_DEPRECIATION, i] = depreciation
        interest = (debt_market[i] * market_rate + debt_pref[i] * pref_rate[i]) / 4.0
        profit = earnings - depreciation - interest if alive[i] else 0.0
        out[_PROFIT, i] = profit
        out[_BASE, i] = max(profit, 0.0)
        out[_RATE_FED, i] = std_fed
        out[_RATE_REG, i] = std_reg
        out[_PROP_RATE, i] = property_rate
        out[_VAT_RATE, i] = vat_std
        if sez[i]:
            out[_RATE_FED, i] = 0.0
            out[_RATE_REG, i] = sez_rate
            if sez_property_applies:
                out[_PROP_RATE, i] = sez_property_rate
            if has_sez_vat:
                out[_VAT_RATE, i] = sez_vat
    return out


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
    profit_column: np.ndarray,
    rows: np.ndarray,
    rate_reg: np.ndarray,
    prop_rate: np.ndarray,
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
    """Taxes by budget level per firm, cash, loss quarters and profit (in place), and the totals.

    ``rows`` is :func:`_rates`' table; ``rate_reg`` and ``prop_rate`` are the rates after the
    regime's relief. The firms are the first ``alive.shape[0]`` of the firm columns. Returns
    ``(table, sums)``: the table has the rows ``_FED`` ... ``_PER_FIRM``, one column per firm;
    ``sums`` = federal, regional and Social Fund revenue, VAT collected and the SEZ tax
    expenditure (each as numpy sums it).
    """
    n = alive.shape[0]
    out = np.empty((5, n))
    sez_exp = np.empty(n)
    m = 0
    for i in range(n):
        capital, base, wages = rows[_CAPITAL, i], rows[_BASE, i], rows[_WAGES, i]
        profit = rows[_PROFIT, i]
        profit_fed = rows[_RATE_FED, i] * base
        profit_reg = rate_reg[i] * base
        prop = prop_rate[i] * capital / 4.0 if alive[i] else 0.0
        ic = ic_large if kind[i] == KIND_LARGE else ic_sme
        contrib = ic * wages
        value_added = output[i] * price[i] - purchases[i] if alive[i] else 0.0
        vat = rows[_VAT_RATE, i] * value_added
        std_total = (std_fed + std_reg) * base + property_std * capital / 4.0
        std_total += net * vat_std * value_added
        actual = profit_fed + profit_reg + prop + net * vat
        if sez[i]:
            sez_exp[m] = std_total - actual if alive[i] else 0.0
            m += 1
        tax_firm = profit_fed + profit_reg + prop
        if alive[i]:
            cash[i] += profit + rows[_DEPRECIATION, i] - tax_firm
        else:
            cash[i] += 0.0
        loss_quarters[i] = loss_quarters[i] + 1 if alive[i] and cash[i] < 0 else 0
        profit_column[i] = profit
        fed = profit_fed + net * vat + pit_progressive * wages
        reg = profit_reg + prop + pit * wages
        out[_FED, i], out[_REG, i], out[_CONTRIB, i], out[_VAT, i] = fed, reg, contrib, vat
        out[_PER_FIRM, i] = fed + reg + contrib
    sums = np.array([
        array_sum(out[_FED]), array_sum(out[_REG]), array_sum(out[_CONTRIB]),
        array_sum(out[_VAT]), array_sum(sez_exp[:m]),
    ])  # fmt: skip
    return out, sums
