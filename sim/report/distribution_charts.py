"""Charts of effects across worlds: the cumulative distribution of a regime's effect.

A world is one draw of the scenario's uncertain parameters (docs/model.md 13). The chart shows,
for each regime, the share of worlds (y) in which the effect is at most x: a curve left of zero
where the regime fails, a steep curve where the worlds agree. Read "in 9 of 10 worlds the effect
is above ..." at y = 0.1. The house style and each regime's colour, marker and line style are
those of every chart (:func:`sim.report.charts.regime_style`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report import charts
from sim.report.i18n import outcome_label, t

__all__ = ["effect_cdf"]


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
        fig, axes = charts._figure(width=charts.FULL_IN, height=3.2)
        ax = axes[0, 0]
        styles = charts._styles(list(regimes), info)
        for arm in regimes:
            x = np.sort(table.loc[table["arm"] == arm, f"{outcome}_pct"].dropna().to_numpy(float))
            if not x.size:
                continue
            y = np.arange(1, x.size + 1) / x.size
            (line,) = ax.step(x, y, where="post", lw=1.2, markevery=max(1, x.size // 6),
                              label=charts._alabel(arm, lang, info),
                              **styles[arm].line())  # fmt: skip
            charts._tag(line, arm)
        ax.axvline(0, color="#000000", lw=0.6)
        ax.axhline(0.1, color=charts.GREY, lw=0.5, linestyle=":")
        ax.set_ylim(0, 1.02)
        what = f"{outcome_label(outcome, lang)} ({charts.basis(outcome, lang, info)})"
        ax.set_xlabel(t("cdf_x", lang, outcome=what))
        ax.set_ylabel(t("cdf_y", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        charts._lang_axes(ax, lang)
        n = int(table["point"].nunique())
        # "across n worlds" / "по n сценариям мира": the case needs no count form for n >= 2
        title = t("cdf_title", lang, outcome=outcome_label(outcome, lang), worlds=n)
        return charts._finish(fig, title, info, lang)
