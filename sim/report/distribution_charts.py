"""Charts of effects across worlds: the cumulative distribution of a regime's effect.

A world is one draw of the scenario's uncertain parameters (docs/model.md 13). The chart shows,
for each regime, the share of worlds (y) in which the effect is at most x: a curve left of zero
where the regime fails, a steep curve where the worlds agree. Read "in 9 of 10 worlds the effect
is above ..." at y = 0.1. The house style and the regime colours are those of
:mod:`sim.report.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report import charts
from sim.report.i18n import outcome_label, t

__all__ = ["effect_cdf"]

_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
_MARKERS = ["o", "s", "^", "D", "v", "P"]


def effect_cdf(
    table: pd.DataFrame,
    regimes: Sequence[str],
    outcome: str,
    *,
    lang: str = "en",
    info: charts.SourceInfo | None = None,
) -> Figure:
    """Empirical CDF of each regime's % effect on ``outcome`` across the worlds of a sweep.

    Args:
        table: Per-world regime table (``point, arm, {outcome}_pct``).
        regimes: Regimes to draw (each its colour, line style and marker, as in every chart).
        outcome: The outcome.
        lang: ``ru`` or ``en``.
        info: Source line.
    """
    with charts.house_style():
        fig, axes = charts._figure(width=charts.WIDE_IN, height=3.0)
        ax = axes[0, 0]
        colours = charts._colour(["de_facto", *regimes])
        for i, arm in enumerate(regimes):
            x = np.sort(table.loc[table["arm"] == arm, f"{outcome}_pct"].dropna().to_numpy(float))
            if not x.size:
                continue
            y = np.arange(1, x.size + 1) / x.size
            ax.step(x, y, where="post", color=colours[arm], lw=1.2,
                    linestyle=_LINESTYLES[i % len(_LINESTYLES)],
                    marker=_MARKERS[i % len(_MARKERS)], markevery=max(1, x.size // 6),
                    markersize=3, label=charts._alabel(arm, lang, info))  # fmt: skip
        ax.axvline(0, color="#000000", lw=0.6)
        ax.axhline(0.1, color=charts.GREY, lw=0.5, linestyle=":")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(t("cdf_x", lang, outcome=outcome_label(outcome, lang)))
        ax.set_ylabel(t("cdf_y", lang))
        ax.legend(loc="lower right", fontsize=5.5, frameon=True)
        charts._lang_axes(ax, lang)
        n = int(table["point"].nunique())
        title = t("cdf_title", lang, outcome=outcome_label(outcome, lang), worlds=n)
        return charts._finish(fig, charts._wrap(title, 90), info, lang)
