"""Public-finance accounts of each regime against the de-facto arm, per budget level.

Levels (:data:`LEVELS`): the federal budget, the regional budget and the Social Fund (insurance
contributions), and their ``total`` (general government). Per pair (same design point and
replicate) and level ``L``, all in mln RUB over the horizon:

* extra revenue ``dR_L``: the regime run's tax revenue minus the de-facto run's, each at the
  rates it actually paid (a tax relief lowers the regime's revenue);
* tax expenditure ``TE_L``: the regime's tax relief, revenue forgone at standard rates;
* preference cost ``C_L``: what the regime costs level ``L``, tax expenditure included;
* cash cost ``S_L = C_L - TE_L``: subsidies and interest subsidies paid out;
* net balance ``N_L = PV(dR_L) - PV(S_L) = PV(dR_L + TE_L) - PV(C_L)``: the relief appears once,
  as lower revenue, never again as a cost;
* committed cost ``K_L``: present value of what the regime committed inside the horizon and
  falls due after it (interest subsidy on outstanding regime loans, grant instalments, relief
  still promised), valued at the horizon's end by the model and discounted here to the start;
* budget efficiency ``BE_L = PV(dR_L + TE_L) / PV(C_L) = 1 + N_L / PV(C_L)``, only where
  ``PV(C_L) > 0``; a level the regime costs nothing has ``no_cost_L`` set and its net balance
  is its gain.

``PV`` discounts a flow of quarter ``q`` by ``(1 + rate) ** -((q - 1) / 4)`` (``rate`` per year,
the scenario's ``experiment.discount_rate``; quarter 1 undiscounted). The model values the
commitments at the end of the last quarter ``T`` by discounting a payment of quarter ``T + k`` by
``k`` quarters; discounted back here by ``(1 + rate) ** -((T - 1) / 4)``, every such payment gets
the factor it would have as a flow of quarter ``T + k``. Means are over pairs; intervals are
paired-bootstrap percentiles.

Additionality against the de-facto arm (the Green Book's net = gross x (1 - deadweight) x
(1 - leakage) x (1 - displacement)); means over pairs first, then the shares:

* extra output, gross and net: the paired change in ``output`` (the yards' and suppliers'
  output together, so a supplier's sale to a yard is counted again inside the yard's output)
  and in ``net_output`` (output less the cluster firms' sales to each other): the effect
  without that double count;
* deadweight share ``= I_de_facto / I_regime`` (cumulative investment, clipped to [0, 1]; 1 when
  the regime arm invests nothing): the share of the regime arm's investment that the de-facto
  arm makes anyway. 1 for the placebo: everything it does would happen anyway;
* leakage share ``= up_out / (up_out + up_local)`` with ``up_x = max(dP_x, 0)``, ``dP_out`` the
  change in purchases bought outside the region (all firms) and ``dP_local`` in the yards'
  purchases from local firms: of the increases in purchases the regime causes, the share
  bought outside the region (1 when only the purchases outside rise, 0 when none rise);
* displacement share ``= dD / dO`` (clipped to [0, 1], 0 when the orders do not change): of
  the change in orders won ``dO``, the share ``dD`` that other Russian yards would have won;
  displaced taxes ``= tau x PV(dD)``, the federal and Social-Fund revenue those orders would
  have paid elsewhere in Russia, at the de-facto arm's rate ``tau = PV(federal + Social Fund
  revenue) / PV(output)``; the federal net view ``= N_federal + N_social_fund - displaced
  taxes``.

Indirect and induced effects (input-output multipliers of the regional economy) are not in
these accounts: they cover the modelled firms only. :func:`sim.analysis.comparison.compare`
joins the columns of :func:`sim.analysis.regional_io.io_effects` beside them, per (point, arm).
DataFrames in, DataFrames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.effects import KEYS, pairs
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "ACCOUNT_LEVELS",
    "ADDITIONALITY_COLUMNS",
    "BUDGET_COLUMNS",
    "BUDGET_OUTCOMES",
    "LEVELS",
    "LEVEL_MEASURES",
    "NO_COST_TOLERANCE",
    "budget",
    "level_column",
]

#: Budget levels with their own accounts; ``total`` (general government) is their sum.
LEVELS = ("federal", "regional", "social_fund")
ACCOUNT_LEVELS = (*LEVELS, "total")
#: A present-value cost at or below this (mln RUB, i.e. 1 000 RUB) is no cost to the budget.
NO_COST_TOLERANCE = 1e-3

_REVENUE = {"federal": "tax_federal", "regional": "tax_regional", "social_fund": "tax_social_fund"}
_TAX_EXPENDITURE = {"federal": "tax_expenditure_federal", "regional": "tax_expenditure_regional"}
_COST = {"federal": "cost_federal", "regional": "cost_regional"}
_COMMITTED = {"federal": "committed_federal", "regional": "committed_regional"}
_ACTIVITY = [
    "output",
    "net_output",
    "investment",
    "local_purchases",
    "purchases_outside_region",
    "new_orders",
    "displaced_orders",
]
_FLOWS = [*_REVENUE.values(), *_TAX_EXPENDITURE.values(), *_COST.values(), *_ACTIVITY]
_STOCKS = list(_COMMITTED.values())
#: The outcomes :func:`budget` reads (flows summed over the horizon, commitments at its end).
BUDGET_OUTCOMES = [*_FLOWS, *_STOCKS]
#: Measures of each budget level, in column order (``{measure}_{level}``, suffixes after).
LEVEL_MEASURES = (
    "extra_revenue",
    "tax_expenditure",
    "cash_cost",
    "cost",
    "extra_revenue_pv",
    "tax_expenditure_pv",
    "cash_cost_pv",
    "cost_pv",
    "net",
    "net_ci_low",
    "net_ci_high",
    "committed",
    "net_with_committed",
    "be",
    "be_ci_low",
    "be_ci_high",
    "no_cost",
)
#: Additionality columns, in order.
ADDITIONALITY_COLUMNS = (
    "extra_output",
    "extra_net_output",
    "additional_investment",
    "deadweight_share",
    "extra_purchases_outside",
    "extra_local_purchases",
    "leakage_share",
    "displaced_orders",
    "displacement_share",
    "federal_tax_intensity",
    "displaced_taxes",
    "federal_net",
    "federal_net_ci_low",
    "federal_net_ci_high",
)


def level_column(measure: str, level: str) -> str:
    """Column name of a level measure: the level goes before a suffix.

    ``net`` -> ``net_federal``; ``net_ci_low`` -> ``net_federal_ci_low``; ``extra_revenue_pv``
    -> ``extra_revenue_federal_pv``; ``net_with_committed`` -> ``net_federal_with_committed``.
    """
    for suffix in ("_ci_low", "_ci_high", "_pv", "_with_committed"):
        if measure.endswith(suffix) and measure != suffix:
            return f"{measure[: -len(suffix)]}_{level}{suffix}"
    return f"{measure}_{level}"


#: Every column of :func:`budget`, in order.
BUDGET_COLUMNS = [
    "point",
    "arm",
    "n",
    *(level_column(m, lv) for lv in ACCOUNT_LEVELS for m in LEVEL_MEASURES),
    *ADDITIONALITY_COLUMNS,
    "output_per_rouble",
]


@dataclass
class _Runs:
    """Per-run horizon values of one (point, regime): regime and de-facto columns, aligned."""

    reg: dict[str, np.ndarray]  # nominal sums of flows, regime run
    base: dict[str, np.ndarray]  # nominal sums of flows, de-facto run
    reg_pv: dict[str, np.ndarray]  # present values of flows (and commitments), regime run
    base_pv: dict[str, np.ndarray]  # present values of flows, de-facto run
    n: int  # complete pairs

    def level(self, what: str, level: str, *, pv: bool) -> np.ndarray:
        """Per-pair ``what`` (``revenue``, ``tax_expenditure``, ``cost``, ``committed``) of a level.

        ``revenue`` is the paired difference (regime - de facto); the others are the regime
        run's (the de-facto arm has no regime and so no preference cost). ``total`` sums the
        levels; the Social Fund bears no preference cost.
        """
        if level == "total":
            return sum(self.level(what, lv, pv=pv) for lv in LEVELS)
        reg, base = (self.reg_pv, self.base_pv) if pv else (self.reg, self.base)
        if what == "revenue":
            col = _REVENUE[level]
            return reg[col] - base[col]
        col = {"tax_expenditure": _TAX_EXPENDITURE, "cost": _COST, "committed": _COMMITTED}[
            what
        ].get(level)
        if col is None:
            return np.zeros(self.n)
        return reg[col]

    def net(self, level: str) -> np.ndarray:
        """Per-pair net balance of a level: PV of extra revenue - PV of cash cost."""
        cash = self.level("cost", level, pv=True) - self.level("tax_expenditure", level, pv=True)
        return self.level("revenue", level, pv=True) - cash

    def diff(self, col: str, *, pv: bool = False) -> np.ndarray:
        """Per-pair regime - de facto of an activity flow."""
        reg, base = (self.reg_pv, self.base_pv) if pv else (self.reg, self.base)
        return reg[col] - base[col]


def _columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every column of ``df`` as a float array (one conversion; groups index by position)."""
    return {str(c): df[c].to_numpy(dtype=float) for c in df.columns}


def _take(cols: dict[str, np.ndarray], pos: np.ndarray) -> dict[str, np.ndarray]:
    """The rows ``pos`` of every column."""
    return {c: v[pos] for c, v in cols.items()}


def _horizon(df: pd.DataFrame, rate: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per run: nominal horizon sums of the flows, and present values of flows and commitments."""
    df = df.sort_values([*KEYS, "quarter"])
    keys = [df[k] for k in KEYS]
    plain = df[_FLOWS].groupby(keys, sort=True).sum(min_count=1)
    factor = (1.0 + rate) ** (-(df["quarter"] - 1) / 4.0)
    pv = df[_FLOWS].mul(factor, axis=0).groupby(keys, sort=True).sum(min_count=1)
    last = df.drop_duplicates(KEYS, keep="last").set_index(KEYS).sort_index()
    end_factor = (1.0 + rate) ** (-(last["quarter"] - 1) / 4.0)  # see the module docstring
    pv = pv.join(last[_STOCKS].mul(end_factor, axis=0))
    plain = plain.join(last[_STOCKS])
    return plain, pv


def _quantiles(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return np.nan, np.nan
    a = (1 - confidence) / 2
    lo, hi = np.quantile(samples, [a, 1 - a])
    return float(lo), float(hi)


def _share(num: float, den: float, *, empty: float) -> float:
    """``num / den`` clipped to [0, 1]; ``empty`` where ``den`` is (numerically) zero."""
    if not np.isfinite(num) or not np.isfinite(den):
        return np.nan
    if abs(den) <= NO_COST_TOLERANCE:
        return empty
    return float(min(1.0, max(0.0, num / den)))


def _level_accounts(
    runs: _Runs, level: str, boot: np.ndarray | None, confidence: float
) -> dict[str, float | bool]:
    """The columns of one budget level (see the module docstring for the definitions)."""
    d_rev = runs.level("revenue", level, pv=False)
    te = runs.level("tax_expenditure", level, pv=False)
    cost = runs.level("cost", level, pv=False)
    d_rev_pv = runs.level("revenue", level, pv=True)
    te_pv = runs.level("tax_expenditure", level, pv=True)
    cost_pv = runs.level("cost", level, pv=True)
    committed_pv = runs.level("committed", level, pv=True)
    cash_pv = cost_pv - te_pv
    net = runs.net(level)  # d_rev_pv - cash_pv = (d_rev_pv + te_pv) - cost_pv: relief once
    no_cost = bool(cost_pv.mean() <= NO_COST_TOLERANCE)
    values: dict[str, float | bool] = {
        "extra_revenue": float(d_rev.mean()),
        "tax_expenditure": float(te.mean()),
        "cash_cost": float((cost - te).mean()),
        "cost": float(cost.mean()),
        "extra_revenue_pv": float(d_rev_pv.mean()),
        "tax_expenditure_pv": float(te_pv.mean()),
        "cash_cost_pv": float(cash_pv.mean()),
        "cost_pv": float(cost_pv.mean()),
        "net": float(net.mean()),
        "net_ci_low": np.nan,
        "net_ci_high": np.nan,
        "committed": float(committed_pv.mean()),
        "net_with_committed": float((net - committed_pv).mean()),
        "be": np.nan if no_cost else float((d_rev_pv + te_pv).mean() / cost_pv.mean()),
        "be_ci_low": np.nan,
        "be_ci_high": np.nan,
        "no_cost": no_cost,
    }
    if boot is not None:
        values["net_ci_low"], values["net_ci_high"] = _quantiles(net[boot].mean(axis=1), confidence)
        if not no_cost:
            dens = cost_pv[boot].mean(axis=1)
            ok = dens > NO_COST_TOLERANCE
            ratios = (d_rev_pv + te_pv)[boot].mean(axis=1)[ok] / dens[ok]
            values["be_ci_low"], values["be_ci_high"] = _quantiles(ratios, confidence)
    row = {level_column(m, level): values[m] for m in LEVEL_MEASURES}
    return row


def _additionality(
    runs: _Runs, row: dict[str, float | bool], boot: np.ndarray | None, confidence: float
) -> dict[str, float]:
    """Deadweight, leakage, displacement and the federal net view (module docstring)."""
    inv_reg = runs.reg["investment"]
    inv_base = runs.base["investment"]
    d_out = runs.diff("purchases_outside_region")
    d_local = runs.diff("local_purchases")
    up_out = max(float(d_out.mean()), 0.0)  # leakage counts the increases only (docstring)
    d_orders = runs.diff("new_orders")
    d_disp = runs.diff("displaced_orders")
    d_disp_pv = runs.diff("displaced_orders", pv=True)
    fed_sf = runs.base_pv["tax_federal"] + runs.base_pv["tax_social_fund"]
    base_out_pv = runs.base_pv["output"]
    intensity = float(fed_sf.mean() / base_out_pv.mean()) if base_out_pv.mean() > 0 else 0.0
    displaced_taxes = intensity * float(d_disp_pv.mean())
    net_fed_sf = runs.net("federal") + runs.net("social_fund")
    out = {
        "extra_output": float(runs.diff("output").mean()),
        "extra_net_output": float(runs.diff("net_output").mean()),
        "additional_investment": float((inv_reg - inv_base).mean()),
        "deadweight_share": _share(inv_base.mean(), inv_reg.mean(), empty=1.0),
        "extra_purchases_outside": float(d_out.mean()),
        "extra_local_purchases": float(d_local.mean()),
        "leakage_share": _share(up_out, up_out + max(float(d_local.mean()), 0.0), empty=0.0),
        "displaced_orders": float(d_disp.mean()),
        "displacement_share": _share(d_disp.mean(), d_orders.mean(), empty=0.0),
        "federal_tax_intensity": intensity,
        "displaced_taxes": displaced_taxes,
        "federal_net": float(row["net_federal"]) + float(row["net_social_fund"]) - displaced_taxes,
        "federal_net_ci_low": np.nan,
        "federal_net_ci_high": np.nan,
    }
    if boot is not None:
        outs = base_out_pv[boot].mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(outs > 0, fed_sf[boot].mean(axis=1) / outs, 0.0)
        samples = net_fed_sf[boot].mean(axis=1) - k * d_disp_pv[boot].mean(axis=1)
        out["federal_net_ci_low"], out["federal_net_ci_high"] = _quantiles(samples, confidence)
    return out


def budget(
    df: pd.DataFrame,
    *,
    discount_rate: float,
    baseline: str = ARM_DE_FACTO,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Public-finance accounts per design point and regime (definitions: module docstring).

    Args:
        df: Outcome series with columns ``point, replicate, arm, quarter`` and at least
            :data:`BUDGET_OUTCOMES`.
        discount_rate: Discount rate per year (the scenario's ``experiment.discount_rate``).
        baseline: The arm every regime is compared with.
        n_boot: Paired-bootstrap resamples for the intervals.
        confidence: Level of the intervals.
        seed: Seed of the bootstrap.

    Returns:
        One row per (point, regime): ``point, arm, n`` (complete pairs), then per level ``L``
        of :data:`ACCOUNT_LEVELS` (the measures of :data:`LEVEL_MEASURES`, named by
        :func:`level_column`): nominal sums over the horizon (mln RUB) ``extra_revenue_L,
        tax_expenditure_L, cash_cost_L, cost_L``; present values ``extra_revenue_L_pv,
        tax_expenditure_L_pv, cash_cost_L_pv, cost_L_pv``, ``net_L`` with
        ``net_L_ci_low/high``, ``committed_L, net_L_with_committed``; ``be_L`` with
        ``be_L_ci_low/high`` (NaN where the regime costs the level nothing) and the flag
        ``no_cost_L``. Then the additionality columns :data:`ADDITIONALITY_COLUMNS`
        (``additional_investment, deadweight_share, extra_purchases_outside,
        extra_local_purchases, leakage_share, displaced_orders, displacement_share,
        federal_tax_intensity, displaced_taxes, federal_net`` with
        ``federal_net_ci_low/high``), and ``output_per_rouble`` (extra output per rouble of
        preference cost; NaN at zero cost). Every column: :data:`BUDGET_COLUMNS`.

    Raises:
        KeyError: ``df`` lacks some of :data:`BUDGET_OUTCOMES` (naming them).
    """
    missing = [c for c in BUDGET_OUTCOMES if c not in df.columns]
    if missing:
        raise KeyError(f"budget accounts need the outcome(s) {', '.join(missing)}")
    plain, pv = _horizon(df, discount_rate)
    reg_p, base_p = pairs(plain, baseline)
    reg_d, base_d = pairs(pv, baseline)
    complete = reg_p.notna().all(axis=1) & base_p.notna().all(axis=1)
    complete &= reg_d.notna().all(axis=1) & base_d.notna().all(axis=1)
    rng = np.random.default_rng(seed)
    complete_at = complete.to_numpy()
    frames = [_columns(f) for f in (reg_p, base_p, reg_d, base_d)]
    groups = reg_p.groupby(level=["point", "arm"], sort=False)
    positions = groups.indices
    rows = []
    for point, arm in groups.groups:  # the groups' order; their rows by position
        pos = positions[(point, arm)]
        ok = pos[complete_at[pos]]
        n = len(ok)
        runs = _Runs(*(_take(f, ok) for f in frames), n=n)
        row: dict[str, object] = {"point": point, "arm": arm, "n": n}
        if n == 0:
            rows.append(row)
            continue
        boot = rng.integers(0, n, size=(n_boot, n)) if n > 1 else None
        for level in ACCOUNT_LEVELS:
            row |= _level_accounts(runs, level, boot, confidence)
        row |= _additionality(runs, row, boot, confidence)  # type: ignore[arg-type]
        d_output = runs.diff("output").mean()
        cost = float(row["cost_total"])  # type: ignore[arg-type]
        row["output_per_rouble"] = float(d_output / cost) if cost > NO_COST_TOLERANCE else np.nan
        rows.append(row)
    if rows and (extra := set(rows[-1]) - set(BUDGET_COLUMNS)):
        raise AssertionError(f"budget columns not in BUDGET_COLUMNS: {sorted(extra)}")
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)
