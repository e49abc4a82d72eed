"""Print-ready charts of stored results, one function per chart kind, in Russian or English.

Every function takes DataFrames read from the results store (or computed from them by
:mod:`sim.analysis`) and returns a :class:`matplotlib.figure.Figure`; nothing here runs the
model. Figures use the house style ``sim/report/clustersim.mplstyle`` (Okabe-Ito colour-blind-safe
palette, fonts in points, ``pdf.fonttype 42``, SVG text kept as text), take every label from
:mod:`sim.report.i18n` and carry a source line ``clustersim <version>, scenario <name> <hash>,
N = n replications`` under the plot.

One style for a whole figure pack: every figure is one of two widths (:data:`FULL_IN`, the A4
text column of 16.5 cm, or :data:`HALF_IN`, 8 cm), so fonts are the same size when a figure is
set to its width in a document; a regime has one colour, marker, line style and hatch in every
chart (:func:`regime_style`, keyed by its place in the scenario's regime list, not by which arms
a chart draws), so lines stay apart in greyscale; legends sit outside the data area and their
swatches are the drawn artists; time axes are calendar years from the scenario's start year.

Chart kinds:

* :func:`fan_chart` -- an outcome over quarters, de facto vs a regime: median, 50 % and 90 %
  bands over replications, the median registration quarter marked;
* :func:`regime_comparison` -- effect per regime with 95 % CIs, sorted, small multiples;
* :func:`dose_response` -- effect vs a varied parameter with a CI band, one line per regime;
* :func:`budget_chart` -- net balance (present value, 95 % CI) per regime of the federal budget,
  the regional budget and the Social Fund, with the committed cost and budget efficiency (or
  "no cost to this budget");
* :func:`tornado_chart` -- Morris mu* (with CI) or one-at-a-time low/high effects;
* :func:`sobol_chart` -- Sobol S1 and ST with CIs;
* :func:`network_chart` -- the supply network of one run (deterministic networkx layout);
* :func:`timeline_chart` -- participants and functional dependence over quarters vs the
  registry thresholds.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from sim import __version__
from sim.model.outcomes import outcome
from sim.report.i18n import (
    ARMS,
    arm_label,
    count,
    fmt,
    is_flag,
    outcome_label,
    param_label,
    regime_titles,
    t,
    unit,
)
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "CHART_KINDS",
    "FULL_IN",
    "HALF_IN",
    "STYLE",
    "SourceInfo",
    "Style",
    "budget_chart",
    "dose_response",
    "effect_panel",
    "fan_chart",
    "hide_unused",
    "house_style",
    "network_chart",
    "regime_comparison",
    "regime_style",
    "sobol_chart",
    "timeline_chart",
    "tornado_chart",
]

STYLE = str(files("sim.report") / "clustersim.mplstyle")
FULL_IN = 16.5 / 2.54  # the A4 text column
HALF_IN = 8 / 2.54  # half of it
WIDTH_IN = HALF_IN  # older names
WIDE_IN = FULL_IN
FIGURE_WIDTHS_IN = (FULL_IN, HALF_IN)
"""The only figure widths (inches): full and half A4 text column."""
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#7f7f7f"
BASE_COLOUR = "#000000"
PLACEBO_COLOUR = "#AAAAAA"
# Regimes in the scenario's order take these in turn (yellow is left out: it vanishes on white).
REGIME_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9"]
REGIME_MARKERS = ["o", "s", "^", "D", "v", "P"]
REGIME_LINESTYLES: list[Any] = ["--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2))]
REGIME_HATCHES = ["", "////", "\\\\\\\\", "xxxx", "....", "----"]
BAND_ALPHA = {50: 0.35, 90: 0.15}


@dataclass(frozen=True)
class Style:
    """How one arm is drawn in every chart: line colour, marker, dash and bar hatch."""

    colour: str
    marker: str
    linestyle: Any
    hatch: str

    def line(self) -> dict[str, Any]:
        """Keyword arguments of ``Axes.plot`` for the arm's line."""
        return {"color": self.colour, "marker": self.marker, "linestyle": self.linestyle}

    def bar(self) -> dict[str, Any]:
        """Keyword arguments of ``Axes.bar``/``barh`` for the arm's bar."""
        return {"color": self.colour, "hatch": self.hatch, "edgecolor": "#FFFFFF"}


DE_FACTO_STYLE = Style(BASE_COLOUR, "", "-", "")
PLACEBO_STYLE = Style(PLACEBO_COLOUR, "x", (0, (1, 1)), "....")
# Without a scenario's regime list, the catalogue's order of the known regimes.
_DEFAULT_ORDER = tuple(a for a in ARMS if a not in (ARM_DE_FACTO, "placebo"))


def regime_style(arm: str, regimes: Sequence[str] | None = None) -> Style:
    """The one style of an arm in every chart of a pack (and on the page).

    Keyed by the arm's place among ``regimes`` (the scenario's regime list, in its order,
    ``placebo`` and ``de_facto`` left out), never by which arms a chart happens to draw:
    ``de_facto`` is black and solid without a marker, ``placebo`` light grey and dotted. An arm
    missing from ``regimes`` (or without a list: the catalogue's known regimes) comes after the
    listed ones in a fixed order.
    """
    if arm == ARM_DE_FACTO:
        return DE_FACTO_STYLE
    if arm == "placebo":
        return PLACEBO_STYLE
    order = [a for a in (regimes or _DEFAULT_ORDER) if a not in (ARM_DE_FACTO, "placebo")]
    if arm in order:
        i = order.index(arm)
    else:
        extra = [a for a in _DEFAULT_ORDER if a not in order]
        i = len(order) + (extra.index(arm) if arm in extra else len(extra) + _stable(arm))
    return Style(
        REGIME_COLOURS[i % len(REGIME_COLOURS)],
        REGIME_MARKERS[i % len(REGIME_MARKERS)],
        REGIME_LINESTYLES[i % len(REGIME_LINESTYLES)],
        REGIME_HATCHES[i % len(REGIME_HATCHES)],
    )


def _stable(name: str) -> int:
    """A small number from a name, the same in every process (``hash`` is salted)."""
    return sum(name.encode("utf-8")) % len(REGIME_COLOURS)


@dataclass(frozen=True)
class SourceInfo:
    """What the source line under every chart names.

    Attributes:
        scenario: Scenario name.
        scenario_hash: Scenario hash (the first 10 characters are shown).
        replications: Paired replications per design point.
        version: clustersim version (default: the installed one).
        titles: Regime titles from the scenario ``{arm: {"en": ..., "ru": ...}}`` for arms
            missing from the label catalogue.
        regimes: The scenario's regimes in its order: each keeps its style in every chart
            (:func:`regime_style`).
        start_year: The scenario's first calendar year: time axes in years (None: quarters).
        horizon_quarters: The horizon, for titles ("cumulative over 10 years").
    """

    scenario: str
    scenario_hash: str
    replications: int
    version: str = __version__
    titles: dict[str, dict[str, str]] | None = None
    regimes: tuple[str, ...] = ()
    start_year: int | None = None
    horizon_quarters: int | None = None

    @classmethod
    def of_scenario(cls, sc: Any, scenario_hash: str, replications: int) -> SourceInfo:
        """The source line of a scenario (:class:`sim.scenario.schema.Scenario`)."""
        return cls(
            scenario=sc.scenario.name,
            scenario_hash=scenario_hash,
            replications=replications,
            titles=regime_titles(sc),
            regimes=tuple(sc.regimes),
            start_year=int(sc.scenario.start_year),
            horizon_quarters=int(sc.scenario.horizon_quarters),
        )

    def line(self, lang: str) -> str:
        """The source line in ``lang``."""
        return t(
            "source",
            lang,
            version=self.version,
            scenario=self.scenario,
            hash=self.scenario_hash[:10],
            n=count(self.replications, "n_replications", lang),
        )


CHART_KINDS = (
    "fan",
    "regime_comparison",
    "dose_response",
    "budget",
    "tornado",
    "sobol",
    "network",
    "timeline",
)


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Apply the house style inside a ``with`` block (restores the previous rcParams)."""
    with plt.style.context(STYLE):
        yield


class LangFormatter(Formatter):
    """Tick labels with the language's decimal separator, grouping and minus sign."""

    def __init__(self, lang: str, *, percent: bool = False) -> None:
        self.lang = lang
        self.percent = percent
        self._decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        """Pick the fewest decimals (0-4) that show every tick exactly."""
        super().set_locs(locs)
        vals = np.asarray([x for x in locs if np.isfinite(x)], dtype=float)
        scale = float(np.max(np.abs(vals))) if vals.size else 1.0
        self._decimals = 4
        for d in range(5):
            if np.allclose(np.round(vals, d), vals, rtol=0, atol=1e-9 * max(scale, 1.0)):
                self._decimals = d
                break

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Format one tick."""
        text = fmt(x, self.lang, self._decimals)
        return text


def _lang_axes(ax: Any, lang: str, *, x: bool = True, y: bool = True) -> None:
    if x:
        ax.xaxis.set_major_formatter(LangFormatter(lang))
    if y:
        ax.yaxis.set_major_formatter(LangFormatter(lang))


def _figure(
    width: float = HALF_IN, height: float = 2.6, ncols: int = 1, nrows: int = 1, **kw: Any
) -> tuple[Figure, Any]:
    if not any(abs(width - w) < 1e-9 for w in FIGURE_WIDTHS_IN):
        raise ValueError(f"figure width {width:.3f} in is neither full nor half text width")
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.02, w_pad=0.02)
    # The axes and their legend live in a subfigure, so the legend below them and the source
    # line below the whole figure each get their own room (on one figure they would overlap).
    body = fig.subfigures(1, 1)
    axes = body.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _finish(fig: Figure, title: str, info: SourceInfo | None, lang: str) -> Figure:
    # wrapped to the figure's width (DejaVu Sans bold 7.5 pt: about 7.5 characters per cm)
    chars = 44 if fig.get_figwidth() < FULL_IN - 1e-9 else 90
    title = "\n".join(_wrap(line, chars) for line in title.split("\n"))
    fig.suptitle(title, x=0.01, ha="left", fontsize=7.5, fontweight="bold")
    if info is not None:
        line = info.line(lang)
        fig.supxlabel(_wrap_parts(line, 64) if chars < 90 else line, x=0.01, ha="left",
                      fontsize=5.5, color="#555555")  # fmt: skip
    fig._clustersim_title = title  # type: ignore[attr-defined]
    return fig


def _styled(func: Any) -> Any:
    """Run a chart function inside the house style."""

    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with house_style():
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper


def _wrap_parts(text: str, width: int) -> str:
    """Wrap a ``", "``-separated line between its parts (never inside ``N = 3``)."""
    lines: list[str] = []
    for part in text.split(", "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += ", " + part
        else:
            lines.append(part)
    return ",\n".join(lines)


def _wrap(text: str, width: int = 60) -> str:

    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def effect_panel(ax: Axes, o: str, col: str, lang: str, info: SourceInfo | None) -> None:
    """Title, axis label and grid of one outcome's panel of effects by regime (bars go across).

    ``col`` is the plotted column: ``<outcome>_pp`` (a change of a share) or ``<outcome>_pct``.
    """
    ax.set_title(f"{outcome_label(o, lang)},\n{basis(o, lang, info)}")
    ax.set_xlabel(_wrap(t("effect_pp" if col.endswith("_pp") else "effect_pct", lang), 30))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    _lang_axes(ax, lang, y=False)


def hide_unused(axes: np.ndarray, used: int) -> None:
    """Hide the panels of a grid of axes after the first ``used`` (row by row)."""
    ncols = axes.shape[1]
    for j in range(used, axes.size):
        axes[j // ncols, j % ncols].set_visible(False)


def _styles(arms: Sequence[str], info: SourceInfo | None) -> dict[str, Style]:
    """:func:`regime_style` of each arm, by the scenario's regime order of ``info``."""
    order = info.regimes if info is not None else ()
    return {a: regime_style(a, order) for a in arms}


def _colour(arms: Sequence[str], info: SourceInfo | None = None) -> dict[str, str]:
    return {a: s.colour for a, s in _styles(arms, info).items()}


def _tag(artist: Any, arm: str) -> Any:
    """Mark an artist as drawn for ``arm`` (gid ``regime:<arm>``): tests read styles back."""
    for a in artist if isinstance(artist, (list, tuple)) else [artist]:
        a.set_gid(f"regime:{arm}")
    return artist


def _body(fig: Figure) -> Any:
    """The (sub)figure that holds the axes (:func:`_figure`)."""
    return fig.subfigs[0] if fig.subfigs else fig


def _legend_below(fig: Figure, handles: list[Any], ncols: int = 2) -> Any:
    """The figure's legend under the axes, outside the data area (one column at half width)."""
    if fig.get_figwidth() < FULL_IN - 1e-9:
        ncols = 1
    return _body(fig).legend(handles=handles, loc="outside lower left", ncols=ncols)


def _time_x(quarters: Any, info: SourceInfo | None) -> np.ndarray:
    """Quarter numbers (1 = the first quarter) as calendar years, if the start year is known."""
    q = np.asarray(quarters, dtype=float)
    if info is None or info.start_year is None:
        return q
    return info.start_year + (q - 1) / 4.0


def _time_axis(ax: Any, lang: str, info: SourceInfo | None) -> None:
    """Label the time axis: calendar years (integer ticks, no grouping) or quarters."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if info is None or info.start_year is None:
        ax.set_xlabel(t("quarter", lang))
        ax.xaxis.set_major_formatter(LangFormatter(lang))
    else:
        ax.set_xlabel(t("year", lang))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}"))


def basis(outcome_name: str, lang: str, info: SourceInfo | None) -> str:
    """What one number of an outcome's effect is: cumulative, last-year mean or at the end."""
    kind = outcome(outcome_name).horizon
    if kind == "sum":
        if info is not None and info.horizon_quarters:
            q = info.horizon_quarters
            if q % 4 == 0:
                years = count(q // 4, "n_years", lang)
            else:  # a fraction of years takes the genitive singular in Russian: 2,5 года
                forms = t("n_years", lang).split("|")
                years = f"{fmt(q / 4, lang, 2)} {forms[1] if lang == 'ru' else forms[-1]}"
            return t("basis_sum", lang, years=years)
        return t("basis_sum_horizon", lang)
    if kind == "end":
        return t("basis_end", lang)
    return t("basis_last_year", lang)


def _alabel(arm: str, lang: str, info: SourceInfo | None) -> str:
    return arm_label(arm, lang, info.titles if info else None)


# ---------------------------------------------------------------------------------------------
# Fan chart
# ---------------------------------------------------------------------------------------------
@_styled
def fan_chart(
    df: pd.DataFrame,
    outcome_name: str,
    arm: str,
    *,
    lang: str = "en",
    runs: pd.DataFrame | None = None,
    point: int = 0,
    baseline: str = ARM_DE_FACTO,
    info: SourceInfo | None = None,
) -> Figure:
    """An outcome over quarters for the de-facto arm and one regime.

    Args:
        df: Stored outcomes (``point, replicate, arm, quarter`` and the outcome column).
        outcome_name: The outcome.
        arm: The regime.
        lang: ``ru`` or ``en``.
        runs: Stored runs (``store.runs``) for the registration quarter; None: not marked.
        point: Design point.
        baseline: The counterfactual arm.
        info: Source line.
    """
    o = outcome(outcome_name)
    d = df[(df["point"] == point) & df["arm"].isin([baseline, arm])]
    fig, axes = _figure(height=3.8)
    ax = axes[0, 0]
    styles = _styles([baseline, arm], info)
    handles: list[Any] = []
    for a in (baseline, arm):
        wide = d[d["arm"] == a].pivot_table(
            index="quarter", columns="replicate", values=outcome_name
        )
        if wide.empty:
            continue
        q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
        x = _time_x(q.index.to_numpy(), info)
        st = styles[a]
        # the 90 % band is drawn outside the 50 % band only, so each band has one alpha and
        # its legend swatch is the drawn artist
        outer = _tag(
            ax.fill_between(x, q[0.05], q[0.25], color=st.colour, alpha=BAND_ALPHA[90], lw=0), a
        )
        _tag(ax.fill_between(x, q[0.75], q[0.95], color=st.colour, alpha=BAND_ALPHA[90], lw=0), a)
        inner = _tag(
            ax.fill_between(x, q[0.25], q[0.75], color=st.colour, alpha=BAND_ALPHA[50], lw=0), a
        )
        (line,) = ax.plot(x, q[0.5], lw=1.2, markevery=max(1, len(x) // 8), **st.line())
        _tag(line, a)
        name = _alabel(a, lang, info)
        line.set_label(t("median_of", lang, arm=name))
        inner.set_label(t("band50_of", lang, arm=name))
        outer.set_label(t("band90_of", lang, arm=name))
        handles += [line, inner, outer]
    if runs is not None and not runs.empty:
        rq = runs[(runs["point"] == point) & (runs["arm"] == arm)]["registered_quarter"]
        rq = pd.to_numeric(rq, errors="coerce").dropna()
        if len(rq):
            med = float(np.median(rq))
            at = float(_time_x([med], info)[0])
            reg = ax.axvline(at, color="#000000", lw=0.8, ls=(0, (2, 2)))
            if info is not None and info.start_year is not None:
                mq = round(med)
                label = t("registration_at", lang, year=info.start_year + (mq - 1) // 4,
                          q=(mq - 1) % 4 + 1)  # fmt: skip
            else:
                label = f"{t('registration', lang)}: {fmt(med, lang, 0)}"
            reg.set_label(label)
            handles.append(reg)
    _time_axis(ax, lang, info)
    ax.set_ylabel(_wrap(f"{outcome_label(outcome_name, lang)}, {unit(o.unit, lang)}", 30))
    _lang_axes(ax, lang, x=False)
    _legend_below(fig, handles, ncols=2)
    title = t(
        "fan_title", lang, outcome=outcome_label(outcome_name, lang), arm=_alabel(arm, lang, info)
    )
    title = f"{title} ({t('fan_basis', lang)})"
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Regime comparison
# ---------------------------------------------------------------------------------------------
@_styled
def regime_comparison(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    lang: str = "en",
    point: int | None = None,
    info: SourceInfo | None = None,
    subtitle: str = "",
) -> Figure:
    """Effect per regime in % with 95 % CIs, sorted, one panel per outcome.

    Args:
        table: The regime table (:func:`sim.analysis.compare` or
            :func:`sim.api.compare_sweep`): ``arm``, ``{o}_pct``, ``{o}_pct_ci_low``,
            ``{o}_pct_ci_high``; optional ``point``.
        outcomes: Outcomes, one panel each.
        lang: ``ru`` or ``en``.
        point: Design point to show (default: the first in the table).
        info: Source line.
        subtitle: Appended to the title (e.g. the design point's values).
    """
    tab = table
    if "point" in tab.columns:
        point = int(tab["point"].iloc[0]) if point is None else point
        tab = tab[tab["point"] == point]
    n = len(outcomes)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    rows_per_panel = max(1, len(tab))
    title = t("regime_title", lang) + (f" ({subtitle})" if subtitle else "")
    title_lines = len(textwrap.wrap(title, 90 if ncols > 1 else 44))
    # title lines, source line and legend; per panel row its two-line title, axis and bars
    height = 0.45 + 0.14 * title_lines + nrows * (0.75 + 0.16 * rows_per_panel)
    fig, axes = _figure(
        width=FULL_IN if ncols > 1 else HALF_IN, height=height, ncols=ncols, nrows=nrows
    )
    styles = _styles(list(tab["arm"]), info)
    for i, o in enumerate(outcomes):
        ax = axes[i // ncols, i % ncols]
        # a share's effect is its change in percentage points, where the table has it
        col = f"{o}_pp" if f"{o}_pp" in tab.columns and tab[f"{o}_pp"].notna().any() else f"{o}_pct"
        s = tab.sort_values(col, ascending=True, na_position="first")
        y = np.arange(len(s))
        m = s[col].to_numpy(dtype=float)
        lo = s[f"{col}_ci_low"].to_numpy(dtype=float)
        hi = s[f"{col}_ci_high"].to_numpy(dtype=float)
        err = np.vstack(
            [np.where(np.isfinite(lo), m - lo, 0), np.where(np.isfinite(hi), hi - m, 0)]
        )
        bars = ax.barh(y, np.nan_to_num(m), height=0.6, lw=0)
        for bar, a in zip(bars, s["arm"], strict=True):
            bar.set(**styles[a].bar())
            _tag(bar, a)
        ax.errorbar(
            np.nan_to_num(m),
            y,
            xerr=np.nan_to_num(err),
            fmt="none",
            ecolor="#000000",
            elinewidth=0.7,
        )
        ax.axvline(0, color="#000000", lw=0.6)
        ax.set_yticks(y, [_alabel(a, lang, info) for a in s["arm"]])
        effect_panel(ax, o, col, lang, info)
    hide_unused(axes, n)
    _body(fig).legend(
        handles=[Line2D([], [], color="#000000", lw=0.7, marker="|", label=t("ci95", lang))],
        loc="outside lower right",
    )
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Dose-response
# ---------------------------------------------------------------------------------------------
@_styled
def dose_response(
    table: pd.DataFrame,
    parameter: str,
    outcome_name: str,
    *,
    lang: str = "en",
    arms: Sequence[str] | None = None,
    info: SourceInfo | None = None,
) -> Figure:
    """Effect (% vs de facto) against the value of a varied parameter, with a 95 % CI band.

    Args:
        table: :func:`sim.api.compare_sweep` of a grid sweep (a column per parameter).
        parameter: The varied parameter (dotted key, a column of ``table``).
        outcome_name: The outcome.
        lang: ``ru`` or ``en``.
        arms: Regimes to draw (default: all in the table).
        info: Source line.
    """
    arms = list(arms or dict.fromkeys(table["arm"]))
    styles = _styles(arms, info)
    fig, axes = _figure(height=3.0)
    ax = axes[0, 0]
    handles: list[Any] = []
    for a in arms:
        s = table[table["arm"] == a].sort_values(parameter)
        x = s[parameter].to_numpy(dtype=float)
        m = s[f"{outcome_name}_pct"].to_numpy(dtype=float)
        lo = s[f"{outcome_name}_pct_ci_low"].to_numpy(dtype=float)
        hi = s[f"{outcome_name}_pct_ci_high"].to_numpy(dtype=float)
        band = _tag(ax.fill_between(x, lo, hi, color=styles[a].colour, alpha=0.2, lw=0), a)
        (line,) = ax.plot(x, m, label=_alabel(a, lang, info), **styles[a].line())
        _tag(line, a)
        band.set_label(f"{_alabel(a, lang, info)}, {t('ci95', lang)}")
        handles += [line, band]
    ax.axhline(0, color="#000000", lw=0.6)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_xlabel(param_label(parameter, lang))
    ax.set_ylabel(_wrap(t("effect_pct", lang), 30))
    _lang_axes(ax, lang)
    _legend_below(fig, handles, ncols=2)
    title = t(
        "dose_title",
        lang,
        outcome=outcome_label(outcome_name, lang),
        param=param_label(parameter, lang),
    )
    title = f"{title} ({basis(outcome_name, lang, info)})"
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------
@_styled
def budget_chart(
    table: pd.DataFrame,
    *,
    lang: str = "en",
    point: int | None = None,
    info: SourceInfo | None = None,
    discount_rate: float | None = None,
) -> Figure:
    """Net balance (present value, 95 % CI) per regime: federal, regional budget, Social Fund.

    Bars are the net balance (extra tax revenue at the rates actually paid minus the cash cost
    of the preferences, present values, :func:`sim.analysis.budget.budget`); whiskers its 95 %
    paired-bootstrap interval; the open diamond the net balance including the cost committed
    inside the horizon and due after it. Beside each bar: the budget efficiency where the level
    bears a cost, else "no cost to this budget" (the bar is then the level's gain); nothing
    beside the Social Fund's bars, which never bear a preference cost.

    Args:
        table: The regime table (``arm``, ``net_{level}`` with ``net_{level}_ci_low/high``,
            ``net_{level}_with_committed``, ``be_{level}``, ``no_cost_{level}`` for the levels
            federal, regional, social_fund).
        lang: ``ru`` or ``en``.
        point: Design point (default: the first in the table).
        info: Source line.
        discount_rate: Discount rate per year, for the note (None: no note).
    """
    tab = table
    if "point" in tab.columns:
        point = int(tab["point"].iloc[0]) if point is None else point
        tab = tab[tab["point"] == point]
    levels = ("federal", "regional", "social_fund")
    styles = _styles(list(tab["arm"]), info)
    height = 1.1 + 0.2 * max(1, len(tab))
    fig, axes = _figure(width=FULL_IN, height=max(height, 2.0), ncols=3, sharey=True)
    y = np.arange(len(tab))
    for ax, level in zip(axes[0], levels, strict=True):
        m = tab[f"net_{level}"].to_numpy(dtype=float)
        lo = tab[f"net_{level}_ci_low"].to_numpy(dtype=float)
        hi = tab[f"net_{level}_ci_high"].to_numpy(dtype=float)
        k = tab[f"net_{level}_with_committed"].to_numpy(dtype=float)
        err = np.vstack(
            [np.where(np.isfinite(lo), m - lo, 0), np.where(np.isfinite(hi), hi - m, 0)]
        )
        bars = ax.barh(y, np.nan_to_num(m), height=0.6, lw=0)
        for bar, a in zip(bars, tab["arm"], strict=True):
            bar.set(**styles[a].bar())
            _tag(bar, a)
        ax.errorbar(np.nan_to_num(m), y, xerr=np.abs(np.nan_to_num(err)), fmt="none",
                    ecolor="#000000", elinewidth=0.7)  # fmt: skip
        ax.scatter(k, y, marker="D", s=12, facecolors="none", edgecolors="#000000", lw=0.6,
                   zorder=3)  # fmt: skip
        ax.axvline(0, color="#000000", lw=0.6)
        span = np.concatenate([x[np.isfinite(x)] for x in (m, lo, hi, k)] + [np.zeros(1)])
        left, right = float(span.min()), float(span.max())
        pad = 0.05 * ((right - left) or 1.0)
        room = 0.0 if level == "social_fund" else 0.9 * ((right - left) or 1.0)
        ax.set_xlim(left - pad, right + pad + room)
        for yi, (_, r) in zip(y, tab.iterrows(), strict=True):
            if level == "social_fund":  # bears no preference cost: the bar is its gain
                break
            if is_flag(r[f"no_cost_{level}"]):
                note = t("no_cost", lang)
            elif np.isfinite(r[f"be_{level}"]):
                note = f"{t('acc_be', lang)} {fmt(r[f'be_{level}'], lang, 2)}"
            else:
                continue
            ax.annotate(note, (right + pad, yi), va="center", ha="left", fontsize=5,
                        color="#333333")  # fmt: skip
        ax.set_title(t(level, lang))
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        _lang_axes(ax, lang, y=False)
    axes[0, 1].set_xlabel(t("budget_net_axis_sign", lang))
    axes[0, 0].set_yticks(y, [_alabel(a, lang, info) for a in tab["arm"]])
    _body(fig).legend(
        handles=[
            Line2D([], [], color="#000000", lw=0.7, marker="|", label=t("ci95", lang)),
            Line2D([], [], ls="none", marker="D", markerfacecolor="none",
                   markeredgecolor="#000000", markersize=4,
                   label=t("acc_net_committed", lang)),
        ],
        loc="outside lower right",
        ncols=2,
    )
    title = t("budget_title", lang)
    if discount_rate is not None:
        rate = fmt(100 * discount_rate, lang, 2).rstrip("0").rstrip(",.")
        rate += "\u202f%" if lang == "ru" else " %"
        title += "\n" + t("budget_note", lang, rate=rate)
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Sensitivity
# ---------------------------------------------------------------------------------------------
@_styled
def tornado_chart(
    sens: pd.DataFrame,
    *,
    lang: str = "en",
    info: SourceInfo | None = None,
) -> Figure:
    """Tornado chart: Morris mu* with its CI, or one-at-a-time low/high effects.

    Parameters are sorted by size, the largest on top, and labelled in words; the legend sits
    under the axes, never on the bars. One-at-a-time: two half-height bars per parameter from
    the effect in the base variant (a dashed line; 0 without a ``base`` column) to the effect
    with the parameter at its lowest and at its highest value, so neither bar hides the other.

    Args:
        sens: Either :func:`sim.analysis.sensitivity.sensitivity` output for ``morris``
            (``parameter, arm, outcome, mu_star, mu_star_conf``) or a one-at-a-time table with
            columns ``parameter, arm, outcome, low, high`` (effects at the low and high value;
            optional ``base``, the effect in the base variant, and ``low_value``,
            ``high_value``, the parameter's values, shown under its name).
        lang: ``ru`` or ``en``.
        info: Source line.
    """
    arm, out = str(sens["arm"].iloc[0]), str(sens["outcome"].iloc[0])
    o = outcome(out)
    u = unit(o.unit, lang, horizon=True)
    size = sens["mu_star"] if "mu_star" in sens.columns else (sens["high"] - sens["low"]).abs()
    sens, rest = _top(sens.assign(_w=size.to_numpy()).sort_values("_w", na_position="first"))
    wide = len(sens) > FEW_PARAMETERS
    fig, axes = _figure(width=FULL_IN if wide else HALF_IN,
                        height=1.9 + 0.32 * len(sens))  # fmt: skip  (title, axis label, legend)
    ax = axes[0, 0]
    handles: list[Any] = []
    if "mu_star" in sens.columns:
        s = sens
        y = np.arange(len(s))
        bars = ax.barh(y, s["mu_star"].fillna(0), color=PALETTE[0], height=0.6, lw=0,
                       label=t("morris_bar", lang))  # fmt: skip
        ax.errorbar(
            s["mu_star"].fillna(0),
            y,
            xerr=s["mu_star_conf"].fillna(0),
            fmt="none",
            ecolor="#000000",
            elinewidth=0.7,
        )
        handles = [bars, Line2D([], [], color="#000000", lw=0.7, marker="|", label=t("ci95", lang))]
        ax.set_xlabel(_wrap(t("morris_axis", lang, unit=u), 60 if wide else 38))
        labels = _index_labels(s, lang, handles, 40 if wide else 22)
        title = t("tornado_title", lang, arm=_alabel(arm, lang, info),
                  outcome=outcome_label(out, lang))  # fmt: skip
    else:
        s = sens
        y = np.arange(len(s))
        base = s["base"].to_numpy(dtype=float) if "base" in s.columns else np.zeros(len(s))
        base = np.nan_to_num(base)
        h = 0.36
        low = ax.barh(y - h / 2, s["low"].to_numpy(dtype=float) - base, left=base, height=h,
                      color=PALETTE[4], hatch="////", edgecolor="#FFFFFF", lw=0,
                      label=t("oat_low", lang))  # fmt: skip
        high = ax.barh(y + h / 2, s["high"].to_numpy(dtype=float) - base, left=base, height=h,
                       color=PALETTE[0], lw=0, label=t("oat_high", lang))  # fmt: skip
        handles = [high, low]
        if "base" in s.columns and np.allclose(base, base[0]):
            handles.append(ax.axvline(base[0], color="#000000", lw=0.8, ls=(0, (3, 2)),
                                      label=t("oat_base", lang)))  # fmt: skip
        ax.axvline(0, color=GREY, lw=0.5)
        ax.set_xlabel(t("effect_abs", lang, unit=u))
        labels = []
        for _, r in s.iterrows():
            label = _wrap(param_label(r["parameter"], lang), 40 if wide else 22)
            if "low_value" in s.columns and "high_value" in s.columns:
                label += f"\n{fmt(r['low_value'], lang, 3).rstrip('0').rstrip(',.')} – "
                label += fmt(r["high_value"], lang, 3).rstrip("0").rstrip(",.")
            labels.append(label)
        title = t("oat_title", lang, arm=_alabel(arm, lang, info),
                  outcome=outcome_label(out, lang))  # fmt: skip
    ax.set_yticks(y, labels)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    _lang_axes(ax, lang, y=False)
    _legend_below(fig, handles + _rest_note(rest, lang), ncols=3)
    title = f"{title} ({basis(out, lang, info)})"
    return _finish(fig, title, info, lang)


FEW_PARAMETERS = 8
"""Up to this many parameters a sensitivity chart is half the text width, above it full."""
TOP_PARAMETERS = 15
"""A sensitivity chart shows at most this many parameters, the most influential (the
sensitivity table lists them all)."""


def _top(s: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows a sensitivity chart shows, and how many it leaves out.

    ``s`` is sorted ascending (the largest on top of the chart); the last
    :data:`TOP_PARAMETERS` rows are kept.
    """
    return s.tail(TOP_PARAMETERS), max(0, len(s) - TOP_PARAMETERS)


def _rest_note(rest: int, lang: str) -> list[Any]:
    """A legend line (no swatch) saying how many parameters the chart leaves out, if any."""
    if not rest:
        return []
    more = count(rest, "n_parameters", lang)
    return [Line2D([], [], ls="none", label=t("sens_chart_rest", lang, more=more))]


def _index_labels(
    s: pd.DataFrame, lang: str, handles: list[Any], width: int = 22
) -> list[str]:
    """Parameter labels in words, wrapped at ``width``; an unreliable index is marked ``*``.

    With a marked row, a legend line (no swatch) says what the mark means.
    """
    bad = s["unreliable"].astype(bool).tolist() if "unreliable" in s.columns else [False] * len(s)
    labels = [
        _wrap(param_label(p, lang), width) + (" *" if b else "")
        for p, b in zip(s["parameter"], bad, strict=True)
    ]
    if any(bad):
        handles.append(Line2D([], [], ls="none", label=t("sens_chart_unreliable", lang)))
    return labels


@_styled
def sobol_chart(
    sens: pd.DataFrame,
    *,
    lang: str = "en",
    info: SourceInfo | None = None,
) -> Figure:
    """Sobol first-order (S1) and total (ST) indices with their CIs, largest ST on top.

    Args:
        sens: :func:`sim.analysis.sensitivity.sensitivity` output for ``sobol``.
        lang: ``ru`` or ``en``.
        info: Source line.
    """
    arm, out = str(sens["arm"].iloc[0]), str(sens["outcome"].iloc[0])
    s, rest = _top(sens.sort_values("ST", na_position="first"))
    y = np.arange(len(s))
    wide = len(s) > FEW_PARAMETERS
    fig, axes = _figure(width=FULL_IN if wide else HALF_IN, height=1.7 + 0.3 * len(s))
    ax = axes[0, 0]
    h = 0.38
    ax.barh(y + h / 2, s["ST"], height=h, color=PALETTE[0], lw=0, label=t("ST", lang))
    ax.errorbar(
        s["ST"],
        y + h / 2,
        xerr=s["ST_conf"].fillna(0),
        fmt="none",
        ecolor="#000000",
        elinewidth=0.6,
    )
    ax.barh(y - h / 2, s["S1"], height=h, color=PALETTE[1], hatch="////", edgecolor="#FFFFFF",
            lw=0, label=t("S1", lang))  # fmt: skip
    ax.errorbar(
        s["S1"],
        y - h / 2,
        xerr=s["S1_conf"].fillna(0),
        fmt="none",
        ecolor="#000000",
        elinewidth=0.6,
    )
    ax.axvline(0, color="#000000", lw=0.6)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="#000000", lw=0.6, marker="|", label=t("ci95", lang)))
    handles += _rest_note(rest, lang)
    ax.set_yticks(y, _index_labels(s, lang, handles, 40 if wide else 22))
    ax.set_xlabel(t("sobol_index", lang))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    _lang_axes(ax, lang, y=False)
    _legend_below(fig, handles, ncols=3)
    title = t("sobol_title", lang, arm=_alabel(arm, lang, info), outcome=outcome_label(out, lang))
    title = f"{title} ({basis(out, lang, info)})"
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Cluster network
# ---------------------------------------------------------------------------------------------
@_styled
def network_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    lang: str = "en",
    arm: str = "",
    quarter: int | str = "",
    info: SourceInfo | None = None,
    seed: int = 7,
) -> Figure:
    """The supply network of one run at one quarter.

    Large enterprises are squares and SMEs circles, participants blue and outsiders orange,
    node area by employment, edge width by purchase volume. The layout (networkx spring layout,
    fixed seed, nodes in firm order) is computed once per call and is deterministic.

    Args:
        nodes: ``firm, kind, role, trade, participant, employment, output``
            (:meth:`sim.model.ClusterModel.supply_network` or
            :func:`sim.store.network.read_network`).
        edges: ``buyer, seller, volume``.
        lang: ``ru`` or ``en``.
        arm: The run's arm (for the title).
        quarter: The quarter shown (for the title).
        info: Source line.
        seed: Layout seed.
    """
    import networkx as nx  # heavy (~0.3 s to import): only for the network chart

    g = nx.Graph()
    nodes = nodes.sort_values("firm")
    g.add_nodes_from(int(f) for f in nodes["firm"])
    vmax = float(edges["volume"].max()) if len(edges) else 1.0
    for b, s, v in edges[["buyer", "seller", "volume"]].itertuples(index=False):
        g.add_edge(int(b), int(s), weight=float(v) / vmax)
    linked = sorted(n for n in g.nodes if g.degree(n) > 0)
    lonely = sorted(n for n in g.nodes if g.degree(n) == 0)
    core = g.subgraph(linked)
    pos = (
        nx.spring_layout(
            core, seed=seed, weight="weight", k=1.5 / math.sqrt(max(len(core), 1)), iterations=100
        )
        if len(core)
        else {}
    )
    # Firms without local purchase links go on a ring around the linked core.
    for i, n in enumerate(lonely):
        a = 2 * math.pi * i / max(len(lonely), 1)
        pos[n] = np.array([1.3 * math.cos(a), 1.3 * math.sin(a)])
    fig, axes = _figure(width=FULL_IN, height=3.6)
    ax = axes[0, 0]
    ax.set_axis_off()
    for b, s, v in edges[["buyer", "seller", "volume"]].itertuples(index=False):
        (x0, y0), (x1, y1) = pos[int(b)], pos[int(s)]
        ax.plot(
            [x0, x1],
            [y0, y1],
            color="#999999",
            lw=0.15 + 2.2 * float(v) / vmax,
            alpha=0.6,
            zorder=1,
            solid_capstyle="round",
        )
    emp = nodes["employment"].to_numpy(dtype=float)
    size = 4 + 60 * np.sqrt(np.clip(emp, 0, None) / (np.nanmax(emp) if np.nanmax(emp) else 1))
    for kind, marker in (("large", "s"), ("sme", "o")):
        for part, colour in ((True, PALETTE[0]), (False, PALETTE[1])):
            is_part = nodes["participant"].astype(bool) == part
            mask = ((nodes["kind"] == kind) & is_part).to_numpy()
            if not mask.any():
                continue
            xy = np.array([pos[int(f)] for f in nodes["firm"][mask]])
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=size[mask],
                marker=marker,
                c=colour,
                edgecolors="white",
                linewidths=0.3,
                zorder=3,
            )
    handles = [
        Line2D([], [], ls="none", marker="s", color=GREY, label=t("large", lang)),
        Line2D([], [], ls="none", marker="o", color=GREY, label=t("sme", lang)),
        Line2D([], [], ls="none", marker="o", color=PALETTE[0], label=t("participant", lang)),
        Line2D([], [], ls="none", marker="o", color=PALETTE[1], label=t("outsider", lang)),
        Line2D([], [], color="#999999", lw=1.5, label=t("edge_width", lang)),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    at = isinstance(quarter, (int, np.integer)) and int(quarter) >= 1  # 0: before the first
    if at and info is not None and info.start_year is not None:
        title = t("network_title_at", lang, arm=_alabel(arm, lang, info),
                  year=info.start_year + (int(quarter) - 1) // 4,
                  q=(int(quarter) - 1) % 4 + 1)  # fmt: skip
    else:
        title = t("network_title", lang, arm=_alabel(arm, lang, info), quarter=quarter)
    return _finish(fig, title, info, lang)


# ---------------------------------------------------------------------------------------------
# Participation and registration timeline
# ---------------------------------------------------------------------------------------------
@_styled
def timeline_chart(
    df: pd.DataFrame,
    *,
    lang: str = "en",
    arms: Sequence[str] | None = None,
    point: int = 0,
    min_industrial_participants: float | None = None,
    fd_default: float | None = None,
    fd_reduced: float | None = None,
    info: SourceInfo | None = None,
) -> Figure:
    """Participants and functional dependence over quarters against the registry thresholds.

    Lines are medians over replications: participants (solid), industrial participants
    (dotted) and functional dependence, with the Decree 779 thresholds dashed.

    Args:
        df: Stored outcomes with ``participants``, ``industrial_participants`` and
            ``functional_dependence``.
        lang: ``ru`` or ``en``.
        arms: Arms to draw (default: all).
        point: Design point.
        min_industrial_participants: Registry threshold (Decree 779), drawn as a line.
        fd_default: Functional-dependence criterion.
        fd_reduced: Reduced functional-dependence criterion.
        info: Source line.
    """
    d = df[df["point"] == point]
    arms = list(arms or dict.fromkeys(d["arm"]))
    styles = _styles(arms, info)
    fig, axes = _figure(width=FULL_IN, height=2.9, ncols=3)
    ax1, ax2, ax3 = axes[0]
    cols = ["participants", "industrial_participants", "functional_dependence"]
    med = d.groupby(["arm", "quarter"])[cols].median()
    handles: list[Any] = []
    for a in arms:
        if a not in med.index.get_level_values("arm"):
            continue
        m = med.loc[a]
        x = _time_x(m.index.to_numpy(), info)
        every = max(1, len(x) // 8)
        for ax, c in zip((ax1, ax2, ax3), cols, strict=True):
            (line,) = ax.plot(x, m[c], markevery=every, label=_alabel(a, lang, info),
                              **styles[a].line())  # fmt: skip
            _tag(line, a)
        handles.append(line)
    # thresholds: thin dark grey, dash-dot patterns no regime uses
    rule = {"color": "#444444", "lw": 0.8}
    if min_industrial_participants is not None:
        handles.append(
            ax2.axhline(
                min_industrial_participants, ls=(0, (6, 2, 1, 2, 1, 2)), **rule,
                label=t("min_participants", lang, v=fmt(min_industrial_participants, lang, 0)),
            )
        )  # fmt: skip
    if fd_default is not None:
        handles.append(
            ax3.axhline(fd_default, ls=(0, (8, 3)), **rule,
                        label=t("fd_default", lang, v=fmt(fd_default, lang, 2)))
        )  # fmt: skip
    if fd_reduced is not None:
        handles.append(
            ax3.axhline(fd_reduced, ls=(0, (8, 2, 2, 2)), **rule,
                        label=t("fd_reduced", lang, v=fmt(fd_reduced, lang, 2)))
        )  # fmt: skip
    for ax, c in zip((ax1, ax2, ax3), cols, strict=True):
        ax.set_title(outcome_label(c, lang), fontweight="bold")
        _time_axis(ax, lang, info)
        _lang_axes(ax, lang, x=False)
    ax1.set_ylabel(t("firms", lang))
    ax2.set_ylabel(t("firms", lang))
    ax3.set_ylabel(t("share", lang))
    _legend_below(fig, handles, ncols=3)
    title = f"{t('timeline_title', lang)} ({t('timeline_basis', lang)})"
    return _finish(fig, title, info, lang)
