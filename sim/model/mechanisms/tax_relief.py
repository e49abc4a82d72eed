"""The regime's regional tax relief (docs/model.md 7.16), applied inside the tax stage.

Both halves of the instrument live here, computed by one rule (:func:`_cut`, a firm's cut of
a rate): the cut rates and revenue forgone of the quarter (:func:`apply`, :func:`relieve`), and
what a firm expects from the relief when it decides on membership (:func:`expected_benefit`:
the relief that rule would give it on last quarter's profit and capital, as a roster member of
a registered cluster). For
the first ``years`` after registration, firms the government lets have preferences pay the
regional profit tax and the property tax less the cuts; SEZ residents, on their own regime,
get nothing; the revenue forgone at the standard rates is booked as the relief's cost (the tax
expenditure, counted once). What the relief still promises after a quarter is estimated by
:func:`committed_relief` (docs/model.md 7.14.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel
from sim.model.mechanisms import financing
from sim.model.state import State, firm_tables
from sim.scenario.schema import TaxRelief

__all__ = [
    "apply",
    "committed_relief",
    "expected_benefit",
    "expected_benefits",
    "in_force",
    "quarters_left",
    "relief_annuity",
    "relief_in_force",
    "relieve",
]


def in_force(gov: Government, tr: TaxRelief, quarter: int) -> bool:
    """Whether a registered cluster's participants get the relief this quarter."""
    since = quarter - (gov.registered_quarter or quarter)
    return gov.registered and since < 4 * tr.years.value


def relief_in_force(gov: Government, quarter: int) -> TaxRelief | None:
    """The regime's tax relief if registered participants get it this quarter, else ``None``."""
    regime = gov.regime
    if regime is None or regime.tax_relief is None or not in_force(gov, regime.tax_relief,
                                                                    quarter):  # fmt: skip
        return None
    return regime.tax_relief


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
    annuity = relief_annuity(financing.discount_per_quarter(discount_rate), float(left))
    return {level: relief.get(level, 0.0) * annuity for level in ("federal", "regional")}


@kernel
def relief_annuity(v: float, left: float) -> float:  # pragma: no cover - compiled
    """What promising a quarter's relief for ``left`` more quarters is worth now, per unit.

    ``v * S(v; 0, left - 1)`` (:func:`sim.model.mechanisms.financing.geometric_sum` of one
    element): :func:`committed_relief`'s factor, and the block's at the end of the quarter
    (:mod:`sim.model.mechanisms.record`).
    """
    return v * financing.geometric(v, 0.0, left - 1.0, True, True)


@kernel
def _cut(eligible: bool, cut: float, rate: float) -> float:  # pragma: no cover - compiled
    """One firm's cut of a rate: ``min(cut, rate)`` (numpy's minimum) if eligible, else 0."""
    if not eligible:
        return 0.0
    return cut if (cut <= rate or cut != cut) else rate


@kernel
def _cuts(
    eligible: np.ndarray, cut_reg: float, rate_reg: np.ndarray, cut_prop: float, prop: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Each firm's cuts of the regional profit-tax and property-tax rates (:func:`_cut`)."""
    n = eligible.shape[0]
    out_reg, out_prop = np.empty(n), np.empty(n)
    for i in range(n):
        out_reg[i] = _cut(eligible[i], cut_reg, rate_reg[i])
        out_prop[i] = _cut(eligible[i], cut_prop, prop[i])
    return out_reg, out_prop


@kernel
def _expected(
    alive: np.ndarray,
    sez: np.ndarray,
    profit: np.ndarray,
    capacity: np.ndarray,
    n: int,
    cut_reg: float,
    rate_reg: float,
    cut_prop: float,
    prop_rate: float,
    kappa: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`expected_benefit` of firms ``0..n-1`` with the relief in force (:func:`_cut`)."""
    out = np.empty(n)
    for i in range(n):
        eligible = alive[i] and not sez[i]
        profit_i = profit[i] if (profit[i] >= 0.0 or profit[i] != profit[i]) else 0.0
        capital = capacity[i] * kappa
        out[i] = (
            _cut(eligible, cut_reg, rate_reg) * profit_i
            + _cut(eligible, cut_prop, prop_rate) * capital / 4.0
        )
    return out


def expected_benefit(state: State, gov: Government, tr: TaxRelief) -> np.ndarray:
    """The relief each firm would get this quarter as a roster member (membership, 7.3).

    :func:`_cut` at standard rates on last quarter's taxable profit and capital; SEZ residents
    and firms of a cluster whose relief years are over get nothing. :func:`expected_benefits`
    of one run.
    """
    return expected_benefits([state], [gov], [tr])[0, : state.firms.n]


#: Columns of :func:`expected_benefits`' per-run terms: the relief still to come (1) or over
#: (0), the cut and the standard rate of the regional profit tax and of the property tax, and
#: the capital per unit of capacity.
_AHEAD, _CUT_REG, _RATE_REG, _CUT_PROP, _PROP_RATE, _KAPPA = range(6)
_TERMS = 6


def expected_benefits(
    states: Sequence[State], govs: Sequence[Government], trs: Sequence[TaxRelief]
) -> np.ndarray:
    """:func:`expected_benefit` of each run, one row per run, as wide as the firm tables.

    Each run's rates are read in Python; one compiled call computes every run's relief
    (:func:`_expected_rows`). A row is 0 beyond its run's firms, and for a registered cluster
    whose relief years are over.
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.empty(runs, dtype=np.int64)
    terms = np.zeros((runs, _TERMS))
    for k, (st, gov, tr) in enumerate(zip(states, govs, trs, strict=True)):
        ns[k] = st.firms.n
        if gov.registered and not in_force(gov, tr, st.quarter):
            continue
        s = st.spec
        terms[k] = (
            1.0, tr.regional_profit_tax_cut.value, s.taxes.profit_tax_regional.value,
            tr.property_tax_cut.value, s.taxes.property_tax.value,
            s.finance.capital_mln_rub_per_capacity,
        )  # fmt: skip
    return _expected_rows(rows, ns, terms, t["alive"], t["sez"], t["profit"], t["capacity"])


@kernel
def _expected_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    terms: np.ndarray,
    alive: np.ndarray,
    sez: np.ndarray,
    profit: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`_expected` of run ``k`` (firm table row ``rows[k]``, ``ns[k]`` firms); 0 if over."""
    out = np.zeros((rows.shape[0], alive.shape[1]))
    for k in range(rows.shape[0]):
        p = terms[k]
        if p[_AHEAD] == 0.0:
            continue
        r, n = rows[k], ns[k]
        out[k, :n] = _expected(
            alive[r], sez[r], profit[r], capacity[r], n, p[_CUT_REG], p[_RATE_REG], p[_CUT_PROP],
            p[_PROP_RATE], p[_KAPPA],
        )  # fmt: skip
    return out


@kernel
def relieve(
    eligible: np.ndarray,
    cut_reg: float,
    cut_prop: float,
    rate_reg: np.ndarray,
    prop_rate: np.ndarray,
    base: np.ndarray,
    capital: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """Cut the rates of the ``eligible`` firms (:func:`_cut`; in place); return the relief.

    The firms are ``0 .. eligible.shape[0]-1``. The relief is the regional revenue forgone:
    ``sum(cut_reg * base) + sum(cut_prop * capital / 4)``, each as numpy sums it.
    """
    n = eligible.shape[0]
    cut_r, cut_p = _cuts(eligible, cut_reg, rate_reg, cut_prop, prop_rate)
    forgone_profit, forgone_property = np.empty(n), np.empty(n)
    for i in range(n):
        rate_reg[i] -= cut_r[i]
        prop_rate[i] = prop_rate[i] - cut_p[i]
        forgone_profit[i] = cut_r[i] * base[i]
        forgone_property[i] = cut_p[i] * capital[i] / 4
    return array_sum(forgone_profit) + array_sum(forgone_property)


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

    One run's relief as the tax stage's kernel applies it (:func:`relieve`).

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
    tr = relief_in_force(gov, state.quarter)
    if tr is None:
        return rate_reg, prop_rate, relief
    elig = gov.eligible_for_preferences(state) & ~sez
    prop_rate = np.array(prop_rate, dtype=float)
    relief["regional"] = float(relieve(
        elig, float(tr.regional_profit_tax_cut.value), float(tr.property_tax_cut.value),
        rate_reg, prop_rate, np.asarray(base, dtype=float), np.asarray(capital, dtype=float),
    ))  # fmt: skip
    return rate_reg, prop_rate, relief
