"""Analysis of stored runs: paired effects with confidence intervals, time paths and budget.

An *effect* of a regime on an outcome is, per pair (same design point and replicate), the regime
run's value minus the de-facto run's value, summarised over the horizon (``sum`` for flows,
mean of the last four quarters for stocks and rates; see :mod:`sim.outcomes`). Effects are
aggregated over replications as a mean with a two-sided Student-t confidence interval
(default 95 %); the percentage effect is the mean of per-pair percentage differences with its
own t interval. Budget efficiency is a ratio of means with a paired bootstrap interval.
Nothing here runs the model: it reads DataFrames of stored outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.outcomes import OUTCOME_NAMES, outcome
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["budget", "compare", "effect_paths", "effects", "horizon_values", "t_interval"]

KEYS = ["point", "replicate", "arm"]


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t interval of ``values`` (NaNs dropped)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if v.size == 1:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - half, m + half


def horizon_values(df: pd.DataFrame, outcomes: list[str] | None = None) -> pd.DataFrame:
    """One value per run and outcome: the horizon sum (flows) or last-year mean (stocks)."""
    outcomes = list(outcomes or [o for o in OUTCOME_NAMES if o in df.columns])
    df = df.sort_values([*KEYS, "quarter"])
    g = df.groupby(KEYS, sort=True)
    sums = [o for o in outcomes if outcome(o).horizon == "sum"]
    lasts = [o for o in outcomes if outcome(o).horizon == "last_year"]
    parts = []
    if sums:
        parts.append(g[sums].sum(min_count=1))
    if lasts:
        parts.append(g[lasts].apply(lambda x: x.tail(4).mean()))
    out = pd.concat(parts, axis=1)
    return out[outcomes]


def _pairs(values: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Align every regime run with its de-facto run of the same point and replicate."""
    base = values.xs(baseline, level="arm")
    regimes = values.drop(index=baseline, level="arm")
    aligned = base.reindex(regimes.index.droplevel("arm"))
    aligned.index = regimes.index
    return regimes, aligned


def effects(
    df: pd.DataFrame,
    outcomes: list[str] | None = None,
    *,
    baseline: str = ARM_DE_FACTO,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired effects per design point, regime and outcome.

    Args:
        df: Outcome series with columns ``point, replicate, arm, quarter`` and outcomes.
        outcomes: Outcomes to analyse (default: all present).
        baseline: The arm every regime is compared with.
        confidence: Confidence level of the t intervals.

    Returns:
        One row per (point, arm, outcome) with ``n``, ``baseline_mean``, ``regime_mean``,
        ``effect``, ``ci_low``, ``ci_high``, ``effect_pct``, ``pct_ci_low``, ``pct_ci_high``.
    """
    values = horizon_values(df, outcomes)
    regimes, base = _pairs(values, baseline)
    diff = regimes - base
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * diff / base.where(base != 0)
    rows = []
    for (point, arm), idx in diff.groupby(level=["point", "arm"], sort=False).groups.items():
        for o in values.columns:
            d = diff.loc[idx, o].to_numpy()
            p = pct.loc[idx, o].to_numpy()
            m, lo, hi = t_interval(d, confidence)
            pm, plo, phi = t_interval(p, confidence)
            rows.append(
                {
                    "point": point,
                    "arm": arm,
                    "outcome": o,
                    "unit": outcome(o).unit,
                    "n": int((~np.isnan(d)).sum()),
                    "baseline_mean": float(base.loc[idx, o].mean()),
                    "regime_mean": float(regimes.loc[idx, o].mean()),
                    "effect": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "effect_pct": pm,
                    "pct_ci_low": plo,
                    "pct_ci_high": phi,
                }
            )
    return pd.DataFrame(rows)


def effect_paths(
    df: pd.DataFrame,
    outcome_name: str,
    *,
    baseline: str = ARM_DE_FACTO,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per-quarter effect of each regime on one outcome (mean and t interval over pairs)."""
    wide = df.set_index([*KEYS, "quarter"])[outcome_name].unstack("arm")
    rows = []
    for arm in [a for a in wide.columns if a != baseline]:
        d = (wide[arm] - wide[baseline]).dropna()
        for (point, quarter), v in d.groupby(level=["point", "quarter"]):
            m, lo, hi = t_interval(v.to_numpy(), confidence)
            rows.append(
                {
                    "point": point,
                    "arm": arm,
                    "quarter": quarter,
                    "effect": m,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


def _discounted(df: pd.DataFrame, cols: list[str], rate: float) -> pd.DataFrame:
    factor = (1.0 + rate) ** (-(df["quarter"] - 1) / 4.0)
    out = df[KEYS].copy()
    for c in cols:
        out[c] = df[c] * factor
    return out.groupby(KEYS).sum()


def budget(
    df: pd.DataFrame,
    *,
    discount_rate: float,
    baseline: str = ARM_DE_FACTO,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Budget figures per design point and regime.

    Preference cost is cumulated over the horizon (undiscounted, mln RUB) by budget level;
    extra tax revenue is the paired difference in tax revenue. Budget efficiency is discounted
    extra tax revenue / discounted preference cost, federal and regional separately (a ratio of
    means; ``be_*_ci_*`` from a paired bootstrap over replications). Output per rouble is the
    extra cumulative output per rouble of preferences.
    """
    cost_cols = ["cost_federal", "cost_regional", "preference_cost"]
    tax_cols = ["tax_federal", "tax_regional"]
    cols = [*cost_cols, *tax_cols, "output"]
    plain = df.groupby(KEYS)[cols].sum()
    disc = _discounted(df, cols, discount_rate)
    reg_p, base_p = _pairs(plain, baseline)
    reg_d, base_d = _pairs(disc, baseline)
    rng = np.random.default_rng(seed)
    rows = []
    for (point, arm), idx in reg_p.groupby(level=["point", "arm"], sort=False).groups.items():
        rp, bp, rd, bd = reg_p.loc[idx], base_p.loc[idx], reg_d.loc[idx], base_d.loc[idx]
        n = len(rp)
        boot = rng.integers(0, n, size=(n_boot, n)) if n > 1 else None
        row = {
            "point": point,
            "arm": arm,
            "n": n,
            "cost_total": float(rp["preference_cost"].mean()),
            "cost_federal": float(rp["cost_federal"].mean()),
            "cost_regional": float(rp["cost_regional"].mean()),
            "extra_tax_federal": float((rp["tax_federal"] - bp["tax_federal"]).mean()),
            "extra_tax_regional": float((rp["tax_regional"] - bp["tax_regional"]).mean()),
        }
        for level in ("federal", "regional", "total"):
            if level == "total":
                num = (rd["tax_federal"] + rd["tax_regional"]) - (
                    bd["tax_federal"] + bd["tax_regional"]
                )
                den = rd["preference_cost"]
            else:
                num = rd[f"tax_{level}"] - bd[f"tax_{level}"]
                den = rd[f"cost_{level}"]
            num, den = num.to_numpy(), den.to_numpy()
            row[f"be_{level}"] = float(num.mean() / den.mean()) if den.mean() > 0 else np.nan
            lo = hi = np.nan
            if boot is not None and den.mean() > 0:
                dens = den[boot].mean(axis=1)
                ok = dens > 0
                ratios = num[boot].mean(axis=1)[ok] / dens[ok]
                if ratios.size:
                    a = (1 - confidence) / 2
                    lo, hi = (float(x) for x in np.quantile(ratios, [a, 1 - a]))
            row[f"be_{level}_ci_low"], row[f"be_{level}_ci_high"] = lo, hi
        d_out = (rp["output"] - bp["output"]).mean()
        cost = rp["preference_cost"].mean()
        row["output_per_rouble"] = float(d_out / cost) if cost > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def compare(
    df: pd.DataFrame,
    *,
    outcomes: list[str],
    discount_rate: float,
    baseline: str = ARM_DE_FACTO,
    sort_by: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The regime table: one row per (point, regime), effects in % with CIs and budget figures.

    Sorted by the first outcome's percentage effect (descending) unless ``sort_by`` is given.
    """
    eff = effects(df, outcomes, baseline=baseline, confidence=confidence)
    wide = eff.pivot_table(
        index=["point", "arm"],
        columns="outcome",
        values=["effect_pct", "pct_ci_low", "pct_ci_high"],
        sort=False,
        dropna=False,
    )
    table = pd.DataFrame(index=wide.index)
    for o in outcomes:
        table[f"{o}_pct"] = wide[("effect_pct", o)]
        table[f"{o}_pct_ci_low"] = wide[("pct_ci_low", o)]
        table[f"{o}_pct_ci_high"] = wide[("pct_ci_high", o)]
    bud = budget(df, discount_rate=discount_rate, baseline=baseline, confidence=confidence)
    table = table.join(bud.set_index(["point", "arm"]))
    key = sort_by or f"{outcomes[0]}_pct"
    return table.sort_values(key, ascending=False, na_position="last").reset_index()
