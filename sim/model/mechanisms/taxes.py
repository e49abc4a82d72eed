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

The stage computes every run of a block (:mod:`sim.model.block`) by one compiled call over the
block's firm tables (:func:`book_taxes`); :func:`compute_taxes` is the same call for one run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel
from sim.model.ledger import TAX_LEVELS
from sim.model.mechanisms import tax_relief
from sim.model.mechanisms.financing import ebitda_columns
from sim.model.state import KIND_LARGE, State, firm_tables
from sim.scenario.schema import Scenario, TaxRelief

__all__ = ["TaxBill", "book_taxes", "compute_taxes", "compute_taxes_block"]


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
#: and the tax rates (the regime's relief cuts the regional and property rates in place).
_CAPITAL, _DEPRECIATION, _PROFIT, _BASE, _WAGES = 0, 1, 2, 3, 4
_RATE_FED, _RATE_REG, _PROP_RATE, _VAT_RATE = 5, 6, 7, 8
#: Rows of :func:`_bill`'s table, per firm: taxes by budget level (:data:`TAX_LEVELS`' order),
#: VAT remitted and all taxes of the firm.
_FED, _REG, _CONTRIB, _VAT, _PER_FIRM = 0, 1, 2, 3, 4
#: Columns of the block kernel's totals per run: federal, regional and Social Fund revenue, VAT
#: collected, the SEZ tax expenditure and the relief's (regional) tax expenditure.
_SEZ, _RELIEF = 4, 5
#: Columns of the block kernel's parameters per run (:func:`_params`).
(
    _P_WAGE, _P_KAPPA, _P_DEP, _P_MARKET_RATE, _P_STD_FED, _P_STD_REG, _P_SEZ_RATE, _P_PROP,
    _P_SEZ_PROP, _P_SEZ_PROP_ON, _P_VAT, _P_HAS_SEZ_VAT, _P_SEZ_VAT, _P_NET, _P_PIT,
    _P_PIT_PROG, _P_IC_LARGE, _P_IC_SME, _P_RELIEF, _P_CUT_REG, _P_CUT_PROP,
) = range(21)  # fmt: skip
#: The firm-table columns the kernel reads or writes, in :func:`_taxes_block`'s order.
_COLUMNS = (
    "alive", "sez", "kind", "capacity", "employment", "debt_market", "debt_pref", "pref_rate",
    "output", "price", "purchases", "cash", "loss_quarters", "profit", "ebitda",
)  # fmt: skip
_NO_ELIGIBLE = np.zeros((0, 0), dtype=np.bool_)
_NO_RELIEF = (0.0, 0.0, 0.0)  # _P_RELIEF, _P_CUT_REG, _P_CUT_PROP


def compute_taxes(state: State, gov: Government) -> TaxBill:
    """Compute profit and taxes, update cash and loss counters, and return the bill.

    One run's :func:`compute_taxes_block` (the block kernel over its one row).
    """
    return compute_taxes_block((state,), (gov,))[0]


def book_taxes(states: Sequence[State], govs: Sequence[Government]) -> None:
    """Stage 8 for a block of runs: each run's taxes, by one compiled call, booked in its ledger.

    A lone run goes through :func:`compute_taxes` (the same kernel for its one row): the
    per-run entry that tests wrap to see each quarter's bill (``tests/test_model.py``). A block
    books each run's totals (:func:`_taxes_rows`) without making its bill: the same numbers,
    booked by the same operations (:meth:`sim.model.ledger.Ledger.add_tax_totals`).
    """
    if len(states) == 1:
        states[0].ledger.add_taxes(compute_taxes(states[0], govs[0]))
        return
    sums = _taxes_rows(states, govs)[2]
    # numpy scalars, as a bill's totals are (the ledger's sums keep their type)
    for state, (fed, reg, contrib, vat, sez, relief) in zip(states, sums, strict=True):
        state.ledger.add_tax_totals(fed, reg, contrib, vat, sez, relief)


def compute_taxes_block(states: Sequence[State], govs: Sequence[Government]) -> list[TaxBill]:
    """:func:`compute_taxes` of every run of a block by one compiled call.

    Args:
        states: The runs' states: their firm tables are rows of one
            :class:`~sim.model.state.FirmBlock` (:func:`~sim.model.state.firm_tables`).
        govs: The runs' governments (regime, registration).

    Returns:
        Each run's bill, in the order of ``states``.
    """
    ns, bill, sums = _taxes_rows(states, govs)
    bills = []
    for k, n in enumerate(ns.tolist()):
        s, b = sums[k], bill[k]
        relief = {"federal": 0.0, "regional": float(s[_RELIEF])}
        bills.append(TaxBill(
            federal=s[_FED], regional=s[_REG], social_fund=s[_CONTRIB], vat_collected=s[_VAT],
            sez_expenditure=s[_SEZ], relief_expenditure=relief, per_firm=b[_PER_FIRM, :n],
            vat=b[_VAT, :n],
            by_level={level: b[j, :n] for j, level in enumerate(TAX_LEVELS)},
        ))  # fmt: skip
    return bills


def _taxes_rows(
    states: Sequence[State], govs: Sequence[Government]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 8 of every run of a block by one compiled call (:func:`_taxes_block`).

    Returns:
        ``(ns, bill, sums)``: each run's slots in use, its firms' taxes (``bill[k]``, rows
        ``_FED`` ... ``_PER_FIRM``) and its totals (``sums[k]``, columns ``_FED`` ...
        ``_RELIEF``).
    """
    tables, rows = firm_tables([state.firms for state in states])
    columns = [tables[name] for name in _COLUMNS]
    runs, width = rows.shape[0], columns[0].shape[1]
    ns = np.empty(runs, dtype=np.int64)
    params = []
    eligible = _NO_ELIGIBLE
    for k, (state, gov) in enumerate(zip(states, govs, strict=True)):
        n = ns[k] = state.firms.n
        relief = tax_relief.relief_in_force(gov, state.quarter)
        if relief is not None:  # its eligible firms: roster members (not SEZ: in the kernel)
            if eligible is _NO_ELIGIBLE:
                eligible = np.zeros((runs, width), dtype=np.bool_)
            eligible[k, :n] = gov.eligible_for_preferences(state)
        params.append(_params(state, relief))
    bill = np.empty((runs, 5, width))
    sums = np.empty((runs, 6))
    _taxes_block(
        rows, ns, *columns, np.array(params, dtype=np.float64), eligible, bill, sums
    )  # fmt: skip
    return ns, bill, sums


def _params(state: State, relief: TaxRelief | None) -> tuple[float, ...]:
    """One run's row of the kernel's parameters this quarter (``relief``: in force, or None)."""
    head, tail = _quarter_terms(state.spec, state.quarter)
    return (
        *head, state.market_rate, *tail,
        *(_NO_RELIEF if relief is None else (
            1.0, relief.regional_profit_tax_cut.value, relief.property_tax_cut.value
        )),
    )  # fmt: skip


#: Each scenario's tax parameters (:func:`_kept`) and, by quarter, its terms of
#: :func:`_params` (:func:`_quarter_terms`), a few scenarios at a time (a block may mix design
#: points; a scenario is immutable once validated).
_BY_SCENARIO: dict[int, tuple[Scenario, tuple, dict[int, tuple[tuple, tuple]]]] = {}
_KEPT = 16


def _quarter_terms(s: Scenario, q: int) -> tuple[tuple, tuple]:
    """The scenario's terms of :func:`_params` in quarter ``q``: before and after the market rate.

    The same for every run of the scenario in that quarter: computed once, then kept.
    """
    _, row, kept = _kept(s)
    terms = kept.get(q)
    if terms is None:
        (wage, growth, kappa, dep, fed, reg, sez_rate, sez_years, sez_after, prop, sez_prop,
         sez_prop_years, *rest) = row  # fmt: skip
        years = q / 4.0
        terms = kept[q] = (
            (wage * (1 + growth) ** (q / 4), kappa, dep),
            (fed, reg, sez_rate if years <= sez_years else sez_after, prop, sez_prop,
             years <= sez_prop_years, *rest),
        )  # fmt: skip
    return terms


def _kept(s: Scenario) -> tuple[Scenario, tuple, dict[int, tuple[tuple, tuple]]]:
    """The scenario's entry of :data:`_BY_SCENARIO`, made when first asked for.

    Returns:
        ``(scenario, parameters, terms by quarter)``: the tax parameters :func:`_params`
        reads, in its order, and the quarters' :func:`_quarter_terms` so far.
    """
    got = _BY_SCENARIO.get(id(s))
    if got is None or got[0] is not s:
        if len(_BY_SCENARIO) >= _KEPT:
            _BY_SCENARIO.clear()
        t, fs, z, lab = s.taxes, s.finance, s.sez, s.labour
        row = (
            lab.wage_mln_rub_per_worker_year, lab.wage_growth_per_year,
            fs.capital_mln_rub_per_capacity, fs.depreciation_rate_per_year,
            t.profit_tax_federal.value, t.profit_tax_regional.value, z.profit_tax_rate.value,
            z.profit_tax_years.value, z.profit_tax_rate_after.value, t.property_tax.value,
            z.property_tax_rate.value, z.property_tax_years.value, t.vat.rate.value,
            z.vat_rate is not None, z.vat_rate.value if z.vat_rate is not None else 0.0,
            t.vat.net_share.value, t.personal_income_tax.value,
            t.personal_income_tax_progressive.value, t.insurance_contributions.value,
            t.insurance_contributions_sme.value,
        )  # fmt: skip
        _BY_SCENARIO[id(s)] = got = (s, row, {})
    return got


@kernel
def _taxes_block(
    rows: np.ndarray,
    ns: np.ndarray,
    alive: np.ndarray,
    sez: np.ndarray,
    kind: np.ndarray,
    capacity: np.ndarray,
    employment: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    purchases: np.ndarray,
    cash: np.ndarray,
    loss_quarters: np.ndarray,
    profit: np.ndarray,
    ebitda: np.ndarray,
    params: np.ndarray,
    eligible: np.ndarray,
    bill: np.ndarray,
    sums: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stage 8 of the runs ``rows`` of a block (2-D firm tables, one row per run; in place).

    Run ``k`` (row ``rows[k]``, firms ``0 .. ns[k]-1``, parameters ``params[k]``): EBITDA
    (:func:`~sim.model.mechanisms.financing.ebitda`'s kernel), :func:`_rates`, the regime's
    relief where ``params[k, _P_RELIEF]`` (eligible: ``eligible[k]`` and not an SEZ resident;
    :func:`~sim.model.mechanisms.tax_relief.relieve`), then :func:`_bill`. Writes each firm's
    taxes into ``bill[k]`` (rows ``_FED`` ... ``_PER_FIRM``) and the totals into ``sums[k]``.
    """
    for k in range(rows.shape[0]):
        r, n, p = rows[k], ns[k], params[k]
        earnings = ebitda_columns(
            kind[r], output[r], price[r], employment[r], purchases[r], n, p[_P_WAGE],
            p[_P_IC_LARGE], p[_P_IC_SME],
        )  # fmt: skip
        table = _rates(
            n, alive[r], sez[r], capacity[r], employment[r], debt_market[r], debt_pref[r],
            pref_rate[r], earnings, ebitda[r], p,
        )  # fmt: skip
        relief = 0.0
        if p[_P_RELIEF] != 0.0:
            elig = np.empty(n, dtype=np.bool_)
            for i in range(n):
                elig[i] = eligible[k, i] and not (sez[r, i] and alive[r, i])
            relief = tax_relief.relieve(
                elig, p[_P_CUT_REG], p[_P_CUT_PROP], table[_RATE_REG], table[_PROP_RATE],
                table[_BASE], table[_CAPITAL],
            )  # fmt: skip
        _bill(
            n, alive[r], kind[r], sez[r], output[r], price[r], purchases[r], cash[r],
            loss_quarters[r], profit[r], table, p, bill[k], sums[k],
        )  # fmt: skip
        sums[k, _RELIEF] = relief


@kernel
def _rates(
    n: int,
    alive: np.ndarray,
    sez: np.ndarray,
    capacity: np.ndarray,
    employment: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    ebitda: np.ndarray,
    ebitda_column: np.ndarray,
    p: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Capital, depreciation, profit, taxable base, wages and each firm's tax rates (no relief).

    The firms are ``0 .. n-1`` of one run's columns; ``p`` is its row of parameters. A firm's
    EBITDA counts only while it is alive (0 otherwise) and is stored in ``ebitda_column`` (in
    place). SEZ residents are the alive firms with ``sez``. Returns the table with the rows
    ``_CAPITAL`` ... ``_VAT_RATE``, one column per firm.
    """
    wage, capital_per_capacity, depreciation_rate = p[_P_WAGE], p[_P_KAPPA], p[_P_DEP]
    market_rate, std_fed, std_reg, sez_rate = (
        p[_P_MARKET_RATE], p[_P_STD_FED], p[_P_STD_REG], p[_P_SEZ_RATE]
    )  # fmt: skip
    property_rate, sez_property_rate = p[_P_PROP], p[_P_SEZ_PROP]
    vat_std, sez_vat = p[_P_VAT], p[_P_SEZ_VAT]
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
        if sez[i] and alive[i]:
            out[_RATE_FED, i] = 0.0
            out[_RATE_REG, i] = sez_rate
            if p[_P_SEZ_PROP_ON] != 0.0:
                out[_PROP_RATE, i] = sez_property_rate
            if p[_P_HAS_SEZ_VAT] != 0.0:
                out[_VAT_RATE, i] = sez_vat
    return out


@kernel
def _bill(
    n: int,
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
    p: np.ndarray,
    out: np.ndarray,
    sums: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Taxes by budget level per firm, cash, loss quarters and profit (in place), and the totals.

    The firms are ``0 .. n-1`` of one run's columns; ``p`` is its row of parameters. ``rows``
    is :func:`_rates`' table with the rates after the regime's relief. Writes the rows
    ``_FED`` ... ``_PER_FIRM`` of ``out`` (one column per firm) and, into ``sums[:5]``, the
    federal, regional and Social Fund revenue, the VAT collected and the SEZ tax expenditure
    (each as numpy sums it).
    """
    std_fed, std_reg, property_std, vat_std = (
        p[_P_STD_FED], p[_P_STD_REG], p[_P_PROP], p[_P_VAT]
    )  # fmt: skip
    net, pit, pit_progressive = p[_P_NET], p[_P_PIT], p[_P_PIT_PROG]
    ic_large, ic_sme = p[_P_IC_LARGE], p[_P_IC_SME]
    sez_exp = np.empty(n)
    m = 0
    for i in range(n):
        capital, base, wages = rows[_CAPITAL, i], rows[_BASE, i], rows[_WAGES, i]
        profit = rows[_PROFIT, i]
        profit_fed = rows[_RATE_FED, i] * base
        profit_reg = rows[_RATE_REG, i] * base
        prop = rows[_PROP_RATE, i] * capital / 4.0 if alive[i] else 0.0
        ic = ic_large if kind[i] == KIND_LARGE else ic_sme
        contrib = ic * wages
        value_added = output[i] * price[i] - purchases[i] if alive[i] else 0.0
        vat = rows[_VAT_RATE, i] * value_added
        std_total = (std_fed + std_reg) * base + property_std * capital / 4.0
        std_total += net * vat_std * value_added
        actual = profit_fed + profit_reg + prop + net * vat
        if sez[i] and alive[i]:
            sez_exp[m] = std_total - actual
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
    sums[_FED] = array_sum(out[_FED, :n])
    sums[_REG] = array_sum(out[_REG, :n])
    sums[_CONTRIB] = array_sum(out[_CONTRIB, :n])
    sums[_VAT] = array_sum(out[_VAT, :n])
    sums[_SEZ] = array_sum(sez_exp[:m])
