"""Paired effects with confidence intervals, and their time paths.

An *effect* of a regime on an outcome is, per pair (same design point and replicate), the regime
run's value minus the de-facto run's value, summarised over the horizon (``sum`` for flows,
mean of the last four quarters for stocks and rates; see :mod:`sim.model.outcomes`). Effects are
aggregated over replications as a mean with a two-sided Student-t confidence interval
(default 95 %); the percentage effect is the mean of per-pair percentage differences with its
own t interval. Nothing here runs the model or opens the store: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["KEYS", "effect_paths", "effects", "horizon_values", "pairs", "t_interval"]

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


def pairs(values: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    regimes, base = pairs(values, baseline)
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
