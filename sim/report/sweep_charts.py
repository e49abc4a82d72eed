"""Charts that summarise a sweep across its design points (never one chart per point).

* :func:`robustness_chart` -- each regime's effect at every calculated variant (design point or
  drawn world) as markers in the regime's colour and marker, the range across the variants as a
  band, the median and the base variant marked; one panel per outcome.

The dose-response chart (:func:`sim.report.charts.dose_response`) and the tornado chart
(:func:`sim.report.charts.tornado_chart`) are the other summaries of a sweep. Every label comes
from :mod:`sim.report.i18n`; figures are full A4 text-column width in the house style.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.report.charts import (
    FULL_IN,
    GREY,
    HALF_IN,
    SourceInfo,
    _alabel,
    _figure,
    _finish,
    _legend_below,
    _styled,
    _styles,
    _tag,
    effect_panel,
    hide_unused,
)
from sim.report.i18n import t

__all__ = ["robustness_chart"]

_JITTER = 0.22  # markers of one regime spread over this much of its row (deterministic)


def _column(tab: pd.DataFrame, o: str) -> str:
    """A share's effect in percentage points where the table has it, else in %."""
    pp = f"{o}_pp"
    return pp if pp in tab.columns and tab[pp].notna().any() else f"{o}_pct"


@_styled
def robustness_chart(
    table: pd.DataFrame,
    regimes: Sequence[str],
    outcomes: Sequence[str],
    *,
    lang: str = "en",
    info: SourceInfo | None = None,
    base_point: int | None = None,
) -> Figure:
    """Each regime's effect at every calculated variant, the range, the median and the base.

    One row per regime (its colour and marker, :func:`sim.report.charts.regime_style`), one
    panel per outcome: a marker per design point (or drawn world), a band from the smallest to
    the largest effect, a black tick at the median and an open black diamond at the base
    variant. The chart has one row per regime whatever the number of points.

    Args:
        table: The regime table of every point (:func:`sim.analysis.comparison.compare_points`):
            ``point, arm`` and ``{o}_pct`` (or ``{o}_pp``) for each outcome.
        regimes: Regimes to show, in the order of the rows (top to bottom).
        outcomes: Outcomes, one panel each.
        lang: ``ru`` or ``en``.
        info: Source line (and the scenario's regime order for the styles).
        base_point: The base variant, marked (None: not marked).
    """
    regimes = [a for a in regimes if a in set(table["arm"])]
    n = len(outcomes)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    points = int(table["point"].nunique())
    title = t("robust_title", lang, n=points)
    title_lines = len(textwrap.wrap(title, 90 if ncols > 1 else 44))
    height = 0.75 + 0.14 * title_lines + nrows * (0.8 + 0.22 * max(1, len(regimes)))
    fig, axes = _figure(
        width=FULL_IN if ncols > 1 else HALF_IN, height=height, ncols=ncols, nrows=nrows
    )
    styles = _styles(regimes, info)
    rng = np.random.default_rng(0)
    rows = list(reversed(regimes))  # the first regime on top
    for i, o in enumerate(outcomes):
        ax = axes[i // ncols, i % ncols]
        col = _column(table, o)
        for y, arm in enumerate(rows):
            s = table[table["arm"] == arm]
            v = s[col].to_numpy(dtype=float)
            ok = np.isfinite(v)
            if not ok.any():
                continue
            st = styles[arm]
            lo, hi, med = float(v[ok].min()), float(v[ok].max()), float(np.median(v[ok]))
            band = ax.barh([y], [hi - lo], left=lo, height=0.22, color=st.colour, alpha=0.25,
                           lw=0)  # fmt: skip
            for patch in band.patches:  # leave a margin: markers at the ends stay whole
                patch.sticky_edges.x.clear()
            _tag(band.patches, arm)
            jitter = rng.uniform(-_JITTER, _JITTER, size=int(ok.sum())) if ok.sum() > 1 else 0.0
            _tag(ax.plot(v[ok], y + jitter, ls="none", marker=st.marker, color=st.colour,
                         markersize=4, alpha=0.85, markeredgewidth=0, zorder=4), arm)  # fmt: skip
            ax.plot([med], [y], ls="none", marker="|", color="#000000", markersize=11,
                    markeredgewidth=1.0, zorder=3)  # fmt: skip
            if base_point is not None:
                b = s.loc[s["point"] == base_point, col].to_numpy(dtype=float)
                if len(b) and np.isfinite(b[0]):
                    ax.plot([b[0]], [y], ls="none", marker="D", markersize=5,
                            markerfacecolor="none", markeredgecolor="#000000",
                            markeredgewidth=0.8, zorder=5)  # fmt: skip
        ax.axvline(0, color="#000000", lw=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.set_yticks(range(len(rows)), [_alabel(a, lang, info) for a in rows])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        effect_panel(ax, o, col, lang, info)
    hide_unused(axes, n)
    handles: list[Any] = [
        Line2D([], [], ls="none", marker="o", color=GREY, markersize=4,
               label=t("robust_point", lang)),
        Patch(facecolor=GREY, alpha=0.25, lw=0, label=t("robust_range", lang)),
        Line2D([], [], ls="none", marker="|", color="#000000", markersize=11,
               markeredgewidth=1.0, label=t("robust_median", lang)),
    ]  # fmt: skip
    if base_point is not None:
        handles.append(
            Line2D([], [], ls="none", marker="D", markersize=5, markerfacecolor="none",
                   markeredgecolor="#000000", markeredgewidth=0.8, label=t("robust_base", lang))
        )  # fmt: skip
    _legend_below(fig, handles, ncols=4)  # under the axes, outside the data area
    return _finish(fig, title, info, lang)
