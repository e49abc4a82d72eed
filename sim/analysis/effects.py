"""Paired effects with confidence intervals, and their time paths.

An *effect* of a regime on an outcome is, per pair (same design point and replicate), the regime
run's value minus the de-facto run's value, summarised over the horizon (``sum`` for flows,
mean of the last four quarters for stocks and rates, the last quarter's value for stocks valued
at the horizon's end; see :mod:`sim.model.outcomes`). Effects are aggregated over replications
as a mean with a two-sided Student-t confidence interval (default 95 %); the percentage effect is
the mean of per-pair percentage differences with its ratio-of-means interval (a ratio of means,
not a mean of per-pair ratios, so a noisy small baseline cannot dominate); effects on shares are
also given in percentage points. Nothing here runs the model or opens the store: DataFrames in,
DataFrames out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "HORIZON_KINDS",
    "KEYS",
    "effect_paths",
    "effects",
    "horizon_values",
    "pairs",
    "ratio_interval",
    "registration",
    "t_interval",
]

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


def _nanmean(v: np.ndarray) -> float:
    """Mean of the non-NaN values (NaN when there are none), as pandas' ``Series.mean``."""
    ok = ~np.isnan(v)
    return float(v[ok].mean()) if ok.any() else np.nan


HORIZON_KINDS = ("sum", "last_year", "end")


def horizon_values(df: pd.DataFrame, outcomes: list[str] | None = None) -> pd.DataFrame:
    """One value per run and outcome, by the outcome's ``horizon`` kind (:mod:`sim.model.outcomes`).

    ``sum``: the horizon total (flows); ``last_year``: the mean of the last four quarters (stocks
    and rates); ``end``: the value in the horizon's last quarter (a stock valued at the end, such
    as commitments still due after the horizon).

    Raises:
        ValueError: An outcome's horizon kind is none of :data:`HORIZON_KINDS`.
    """
    outcomes = list(outcomes or [o for o in OUTCOME_NAMES if o in df.columns])
    unknown = [o for o in outcomes if outcome(o).horizon not in HORIZON_KINDS]
    if unknown:
        raise ValueError(
            f"outcome(s) {', '.join(unknown)} have a horizon kind other than "
            f"{', '.join(HORIZON_KINDS)}"
        )
    df = df.sort_values([*KEYS, "quarter"])
    g = df.groupby(KEYS, sort=True)
    sums = [o for o in outcomes if outcome(o).horizon == "sum"]
    lasts = [o for o in outcomes if outcome(o).horizon == "last_year"]
    ends = [o for o in outcomes if outcome(o).horizon == "end"]
    parts = []
    if sums:
        parts.append(g[sums].sum(min_count=1))
    if lasts:
        parts.append(_last_year_means(df, g, lasts))
    if ends:  # the last quarter's row of each run, NaN kept (``last()`` would skip it)
        parts.append(df.drop_duplicates(KEYS, keep="last").set_index(KEYS)[ends].sort_index())
    out = pd.concat(parts, axis=1)
    return out[outcomes]


def _last_year_means(df: pd.DataFrame, g: Any, cols: list[str]) -> pd.DataFrame:
    """Per run, the mean of the last four quarters' values (NaN skipped), as ``tail(4).mean()``.

    The rows are added in quarter order one at a time and divided by the count of values, the
    same operations as pandas' column mean of the four rows, so the result is the same to the
    last bit; one pass over arrays instead of a Python call per run.
    """
    back = g.cumcount(ascending=False).to_numpy()  # 0 = the run's last quarter
    run = g.ngroup().to_numpy()
    n_runs = int(run.max()) + 1 if len(run) else 0
    values = df[cols].to_numpy(dtype=float)
    total = np.zeros((n_runs, len(cols)))
    count = np.zeros((n_runs, len(cols)))
    for k in (3, 2, 1, 0):  # the oldest of the four first
        rows = back == k
        v = values[rows]
        total[run[rows]] += np.where(np.isnan(v), 0.0, v)
        count[run[rows]] += ~np.isnan(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    index = g.size().index
    return pd.DataFrame(mean, index=index, columns=cols)


def pairs(values: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Align every regime run with its de-facto run of the same point and replicate."""
    base = values.xs(baseline, level="arm")
    regimes = values.drop(index=baseline, level="arm")
    aligned = base.reindex(regimes.index.droplevel("arm"))
    aligned.index = regimes.index
    return regimes, aligned


def ratio_interval(
    diff: np.ndarray, base: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Percentage effect as a ratio of means, ``100 * mean(diff) / mean(base)``, with its interval.

    The interval is the delta method's, with Student-t quantiles over the ``n`` pairs:
    ``var(R) ~ (var(d) - 2 R cov(d, b) + R^2 var(b)) / (n * mean(b)^2)``. NaN pairs are dropped.
    """
    ok = ~(np.isnan(diff) | np.isnan(base))
    d, b = diff[ok], base[ok]
    if d.size == 0 or b.mean() == 0:
        return np.nan, np.nan, np.nan
    r = float(d.mean() / b.mean())
    if d.size == 1:
        return 100.0 * r, np.nan, np.nan
    cov = np.cov(d, b, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (d.size * b.mean() ** 2)
    half = float(stats.t.ppf(0.5 + confidence / 2, d.size - 1) * np.sqrt(max(var, 0.0)))
    return 100.0 * r, 100.0 * (r - half), 100.0 * (r + half)


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
        ``effect``, ``ci_low``, ``ci_high`` (the mean paired difference and its t interval),
        ``effect_pct``, ``pct_ci_low``, ``pct_ci_high`` (the % effect as a ratio of means,
        :func:`ratio_interval`) and, for shares, ``effect_pp``, ``pp_ci_low``, ``pp_ci_high``
        (the effect in percentage points; NaN for other outcomes).
    """
    values = horizon_values(df, outcomes)
    regimes, base = pairs(values, baseline)
    diff = regimes - base
    d_all, b_all, r_all = (f.to_numpy(dtype=float) for f in (diff, base, regimes))
    shares = {o: outcome(o).unit.startswith("share") for o in values.columns}
    groups = diff.groupby(level=["point", "arm"], sort=False)
    positions = groups.indices
    rows = []
    for point, arm in groups.groups:  # the groups' order; their rows by position
        pos = positions[(point, arm)]
        for j, o in enumerate(values.columns):
            d, b, r = d_all[pos, j], b_all[pos, j], r_all[pos, j]
            m, lo, hi = t_interval(d, confidence)
            pm, plo, phi = ratio_interval(d, b, confidence)
            share = shares[o]
            rows.append(
                {
                    "point": point,
                    "arm": arm,
                    "outcome": o,
                    "unit": outcome(o).unit,
                    "n": int((~np.isnan(d)).sum()),
                    "baseline_mean": _nanmean(b),
                    "regime_mean": _nanmean(r),
                    "effect": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "effect_pct": pm,
                    "pct_ci_low": plo,
                    "pct_ci_high": phi,
                    "effect_pp": 100.0 * m if share else np.nan,
                    "pp_ci_low": 100.0 * lo if share else np.nan,
                    "pp_ci_high": 100.0 * hi if share else np.nan,
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


def registration(df: pd.DataFrame) -> pd.DataFrame:
    """Registration of each arm: how often it happens and when (every arm, de facto included).

    Returns:
        One row per (point, arm): ``n`` runs, ``registered_share`` (runs registered at some
        quarter), ``registration_quarter`` (median first quarter among those; NaN if none) and
        ``registered_at_end`` (share registered in the last quarter).
    """
    df = df.sort_values([*KEYS, "quarter"])
    g = df.groupby(KEYS, sort=False)
    first = df.loc[df["registered"] > 0].groupby(KEYS, sort=False)["quarter"].min()
    last = g["registered"].last()
    runs = pd.DataFrame({"first": first.astype(float).reindex(last.index), "last": last})
    runs = runs.reset_index()
    runs["registered_now"] = runs["last"] > 0
    by = runs.groupby(["point", "arm"], sort=False)
    out = pd.DataFrame(
        {
            "n": by.size(),
            "registered_share": by["first"].count() / by.size(),
            "registration_quarter": by["first"].median(),
            "registered_at_end": by["registered_now"].mean(),
        }
    ).reset_index()
    out["n"] = out["n"].astype(int)
    for c in ("registered_share", "registration_quarter", "registered_at_end"):
        out[c] = out[c].astype(float)
    return out
