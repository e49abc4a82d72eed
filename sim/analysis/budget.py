"""Budget figures of a regime against the de-facto arm: costs, extra tax, budget efficiency.

Preference cost is cumulated over the horizon by budget level; extra tax revenue is the paired
difference in tax revenue; budget efficiency is discounted extra tax revenue / discounted
preference cost, federal and regional separately (a ratio of means with a paired bootstrap
interval). DataFrames in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.effects import KEYS, pairs
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["budget"]


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
    reg_p, base_p = pairs(plain, baseline)
    reg_d, base_d = pairs(disc, baseline)
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
