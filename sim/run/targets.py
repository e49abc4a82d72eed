"""The calibration targets of the de-facto arm and the model statistics they are compared with.

The targets are the Astrakhan shipbuilding aggregates of docs/model.md 10.1: each has a value,
a relative tolerance and a description naming its source. :func:`calibration_figures` computes
the matching model statistics from an outcomes frame (columns ``replicate``, ``quarter`` and the
outcomes, de-facto arm only). ``tests/test_model.py`` asserts the calibrated scenario meets every
target over 20 replications; :mod:`sim.run.abc` uses the same statistics on one or a few
replications per parameter draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "MARKET_GROWTH_FACTOR",
    "TARGETS",
    "Target",
    "calibration_figures",
    "calibration_figures_by_replicate",
    "within_tolerance",
]

#: The market's growth factor a year that the share-drift statistic takes out (^8 in 8 years).
MARKET_GROWTH_FACTOR = 1.03
#: The statistics need the first four years and year 10.
YEARS_NEEDED = 10


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: The statistic's name (a key of :func:`calibration_figures`).
        value: The target value (from the data).
        tolerance: Relative tolerance: met when ``|stat - value| <= tolerance * |value|``.
        description: Unit, period and source (docs/model.md 10.1).
    """

    name: str
    value: float
    tolerance: float
    description: str

    def distance(self, stat: float) -> float:
        """``|stat - value|`` in units of the tolerance (<= 1 meets the target; NaN gives inf)."""
        if not np.isfinite(stat):
            return float("inf")
        return abs(stat - self.value) / (self.tolerance * abs(self.value))

    def with_value(self, value: float) -> Target:
        """The same target with another value (e.g. a statistic of simulated data)."""
        return Target(self.name, float(value), self.tolerance, self.description)


#: The targets of docs/model.md 10.1, de-facto arm, over the whole horizon.
TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("large_output_year1", 6500.0, 0.10, "mln RUB a year, year 1 (6.5 bn [V] a24.press)"),
        Target("large_output_year4", 7500.0, 0.10,
               "mln RUB a year, year 4 (7.5 bn [V] astrakhan-news)"),
        Target("large_employment", 4500.0, 0.12, "workers, years 1-4 (4,000-5,000 [V])"),
        Target("productivity_large", 1.5, 0.10, "mln RUB per worker a year, years 1-4 ([D])"),
        Target("order_book_cover", 2.0, 0.30,
               "years of output, years 1-4 (booked 2 years ahead [V])"),
        # the path after the data ends (years 5-10) must not outgrow the market
        Target("output_growth_late", 0.036, 0.35,
               "a year, years 4-10 (3.6 % a year in years 1-4 [D])"),
        Target("share_drift", 1.0, 0.25,
               "share of the market's orders, years 9-10 / years 1-2 (no drift)"),
    )
}  # fmt: skip


def calibration_figures(df: pd.DataFrame) -> dict[str, float]:
    """The model statistics of the targets, from the de-facto arm's outcome series.

    Per-replicate figures are averaged over the replicates in ``df`` (the growth and the share
    drift are ratios of those means); a frame of a single replicate gives that replicate's
    figures.

    Args:
        df: Outcome series of the de-facto arm: columns ``replicate``, ``quarter`` (1-based),
            ``large_output``, ``large_employment``, ``order_book`` and ``new_orders``; at least
            40 quarters.

    Returns:
        One value per name of :data:`TARGETS`.

    Raises:
        ValueError: Fewer than 10 years of quarters in ``df``.
    """
    if df.empty or int(df["quarter"].max()) < 4 * YEARS_NEEDED:
        raise ValueError(
            f"the calibration statistics need {4 * YEARS_NEEDED} quarters (year 10); the "
            f"outcomes have {0 if df.empty else int(df['quarter'].max())}"
        )
    df = df.assign(year=(df.quarter - 1) // 4 + 1)
    first4 = df[df.year <= 4]
    by = df.groupby(["replicate", "year"])
    annual = by["large_output"].sum().unstack()
    emp = first4.groupby("replicate")["large_employment"].mean()
    out4 = first4.groupby("replicate")["large_output"].sum() / 4
    ob = first4.groupby("replicate")["order_book"].mean()
    won = by["new_orders"].sum().unstack()  # the market grows 3 % a year: 1.03^8 in 8 years
    return {
        "large_output_year1": float(annual[1].mean()),
        "large_output_year4": float(annual[4].mean()),
        "large_employment": float(emp.mean()),
        "productivity_large": float((out4 / emp).mean()),
        "order_book_cover": float((ob / out4).mean()),
        "output_growth_late": float((annual[10].mean() / annual[4].mean()) ** (1 / 6) - 1),
        "share_drift": float(
            (won[[9, 10]].sum().sum() / MARKET_GROWTH_FACTOR**8) / won[[1, 2]].sum().sum()
        ),
    }


def calibration_figures_by_replicate(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`calibration_figures` of each replicate on its own: one row per replicate."""
    rows = {r: calibration_figures(g) for r, g in df.groupby("replicate", sort=True)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("replicate")


def within_tolerance(
    figures: Mapping[str, float], targets: Mapping[str, Target] = TARGETS, scale: float = 1.0
) -> dict[str, bool]:
    """Whether each figure is within ``scale`` x its target's tolerance."""
    return {name: t.distance(figures[name]) <= scale for name, t in targets.items()}
