"""Effects across worlds: each regime's effect as a distribution over the uncertainty set.

Input is the per-world regime table of :func:`sim.analysis.comparison.compare_points` (one row
per world and regime; each world is a draw of the scenario's uncertain parameters, run as
paired arms on the same seeds). For each regime, across worlds:

* the **median effect** and its **90 % band** (5th to 95th percentile) of each outcome's
  % effect, and the **share of worlds where the effect is positive**;
* the **registration probability** (mean over worlds of the share of runs that registered) and
  the **median registration quarter** (over the worlds where it registered);
* the **net fiscal balance** per budget level (present value over the horizon, mln RUB) with
  its band and the share of worlds where it is positive;
* **regret** (Savage): in each world, how far the regime's effect on the regret outcome falls
  short of the best regime's in that world, in percentage points; median and 90th percentile.
  The set of options is the regimes of the run; the placebo (registration with no preference)
  stands for "register, offer nothing".

The band mixes the spread of the world parameters with the Monte-Carlo noise of the few paired
replications run in each world; :func:`across_worlds` reports the median within-world CI half
width beside it so the reader can tell them apart. DataFrames in, DataFrames out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.errors import InputError

__all__ = ["BAND", "LEVELS", "across_worlds", "conclusions"]

BAND = (0.05, 0.95)
"""Quantiles of the band across worlds (a 90 % band)."""
LEVELS = ("federal", "regional")
"""Budget levels reported."""


def _q(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.quantile(x, q)) if x.size else float("nan")


def _share_positive(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float((x > 0).mean()) if x.size else float("nan")


def _share_negative(x: np.ndarray) -> float:
    return _share_positive(-x)


def across_worlds(
    table: pd.DataFrame,
    regimes: Sequence[str],
    *,
    outcomes: Sequence[str],
    regret_outcome: str = "output",
    levels: Sequence[str] = LEVELS,
) -> pd.DataFrame:
    """One row per regime: its effects as distributions over the worlds.

    Args:
        table: Per-world regime table (``point, arm`` and the columns of
            :func:`~sim.analysis.comparison.compare`).
        regimes: The regimes, in the order of the rows.
        outcomes: Outcomes with a ``{outcome}_pct`` column.
        regret_outcome: The outcome whose % effect the regret is measured on.
        levels: Budget levels with a ``net_{level}`` column.

    Returns:
        Columns ``arm, worlds``; per outcome ``{o}_median, {o}_low, {o}_high``,
        ``{o}_positive, {o}_negative`` (shares of worlds > 0, < 0) and ``{o}_noise`` (median
        half width of the within-world 95 % CI); ``registered, registration_quarter``; per level
        ``net_{level}_median, _low, _high, _positive, _negative``; ``regret_median, regret_p90``.

    Raises:
        InputError: A regime or column missing from the table.
    """
    missing = [r for r in regimes if r not in set(table["arm"])]
    if missing:
        raise InputError.parameter("regimes", f"no worlds for {', '.join(missing)}")
    for col in [f"{o}_pct" for o in outcomes] + [f"net_{lvl}" for lvl in levels]:
        if col not in table.columns:
            raise InputError.parameter("outcomes", f"the per-world table has no column {col}")
    wide = table.pivot(index="point", columns="arm", values=f"{regret_outcome}_pct")[
        list(regimes)
    ]
    best = wide.max(axis=1, skipna=True)
    rows = []
    lo, hi = BAND
    for arm in regimes:
        t = table[table["arm"] == arm]
        row: dict[str, object] = {"arm": arm, "worlds": int(t["point"].nunique())}
        for o in outcomes:
            x = t[f"{o}_pct"].to_numpy(float)
            half = (t[f"{o}_pct_ci_high"] - t[f"{o}_pct_ci_low"]).to_numpy(float) / 2
            row |= {f"{o}_median": _q(x, 0.5), f"{o}_low": _q(x, lo), f"{o}_high": _q(x, hi),
                    f"{o}_positive": _share_positive(x), f"{o}_negative": _share_negative(x),
                    f"{o}_noise": _q(half, 0.5)}  # fmt: skip
        reg = t["registered_share"].to_numpy(float)
        row["registered"] = float(np.nanmean(reg)) if np.isfinite(reg).any() else float("nan")
        row["registration_quarter"] = _q(t["registration_quarter"].to_numpy(float), 0.5)
        for lvl in levels:
            x = t[f"net_{lvl}"].to_numpy(float)
            row |= {f"net_{lvl}_median": _q(x, 0.5), f"net_{lvl}_low": _q(x, lo),
                    f"net_{lvl}_high": _q(x, hi), f"net_{lvl}_positive": _share_positive(x),
                    f"net_{lvl}_negative": _share_negative(x)}  # fmt: skip
        regret = (best - wide[arm]).to_numpy(float)
        row["regret_median"] = _q(regret, 0.5)
        row["regret_p90"] = _q(regret, 0.9)
        rows.append(row)
    return pd.DataFrame(rows)


def conclusions(summary: pd.DataFrame, outcomes: Sequence[str], *, share: float = 0.9) -> list[str]:
    """The sign conclusions that hold in at least ``share`` of worlds, one sentence each.

    A regime's effect on an outcome (or its net balance for a budget level) "holds" when it is
    positive in at least ``share`` of the worlds, or negative in at least ``share`` of them; an
    effect that is exactly zero in every world (the placebo) is said so.
    """
    out = []
    for _, r in summary.iterrows():
        items = [(f"{o} effect", o) for o in outcomes]
        items += [(f"net {v} balance", f"net_{v}") for v in LEVELS if f"net_{v}_positive" in r]
        for label, col in items:
            pos, neg = r[f"{col}_positive"], r[f"{col}_negative"]
            if not (np.isfinite(pos) and np.isfinite(neg)):
                continue
            if pos == 0 and neg == 0:
                out.append(f"{r['arm']}: {label} exactly zero in every world")
            elif pos >= share:
                out.append(f"{r['arm']}: {label} positive in {100 * pos:.0f} % of worlds")
            elif neg >= share:
                out.append(f"{r['arm']}: {label} negative in {100 * neg:.0f} % of worlds")
    return out
