"""Print-ready charts of stored results, one function per chart kind, in Russian or English.

Every function takes DataFrames read from the results store (or computed from them by
:mod:`sim.analysis`) and returns a :class:`matplotlib.figure.Figure`; nothing here runs the
model. Figures use the house style ``sim/report/clustersim.mplstyle`` (8 cm
column width, Okabe-Ito colour-blind-safe palette, ``pdf.fonttype 42``), take every label from
:mod:`sim.report.i18n` and carry a source line ``clustersim <version>, scenario <name> <hash>,
N replications`` under the plot.

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
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import Formatter, MaxNLocator

from sim import __version__
from sim.model.outcomes import outcome
from sim.report.i18n import (
    arm_label,
    fmt,
    is_flag,
    outcome_label,
    param_label,
    t,
    unit,
)
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "CHART_KINDS",
    "STYLE",
    "SourceInfo",
    "budget_chart",
    "dose_response",
    "fan_chart",
    "house_style",
    "network_chart",
    "regime_comparison",
    "sobol_chart",
    "timeline_chart",
    "tornado_chart",
]

STYLE = str(files("sim.report") / "clustersim.mplstyle")
WIDTH_IN = 8 / 2.54  # one column
WIDE_IN = 16 / 2.54  # two columns
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#7f7f7f"
BASE_COLOUR = "#555555"


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
    """

    scenario: str
    scenario_hash: str
    replications: int
    version: str = __version__
    titles: dict[str, dict[str, str]] | None = None

    def line(self, lang: str) -> str:
        """The source line in ``lang``."""
        return t(
            "source",
            lang,
            version=self.version,
            scenario=self.scenario,
            hash=self.scenario_hash[:10],
            n=self.replications,
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
    width: float = WIDTH_IN, height: float = 2.6, ncols: int = 1, nrows: int = 1, **kw: Any
) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.02, w_pad=0.02)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _finish(fig: Figure, title: str, info: SourceInfo | None, lang: str) -> Figure:
    fig.suptitle(title, x=0.01, ha="left", fontsize=7.5, fontweight="bold")
    if info is not None:
        fig.supxlabel(info.line(lang), x=0.01, ha="left", fontsize=5.5, color="#555555")
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


def _wrap(text: str, width: int = 60) -> str:

    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def _colour(arms: Sequence[str]) -> dict[str, str]:
    regimes = [a for a in arms if a != ARM_DE_FACTO]
    out = {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(regimes)}
    out[ARM_DE_FACTO] = BASE_COLOUR
    return out


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
    fig, axes = _figure(height=2.5)
    ax = axes[0, 0]
    colours = _colour([baseline, arm])
    for a in (baseline, arm):
        wide = d[d["arm"] == a].pivot_table(
            index="quarter", columns="replicate", values=outcome_name
        )
        if wide.empty:
            continue
        q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
        x = q.index.to_numpy()
        c = colours[a]
        ax.fill_between(x, q[0.05], q[0.95], color=c, alpha=0.15, lw=0)
        ax.fill_between(x, q[0.25], q[0.75], color=c, alpha=0.3, lw=0)
        ax.plot(x, q[0.5], color=c, lw=1.2)
    handles = [
        Line2D(
            [],
            [],
            color=colours[a],
            lw=1.2,
            label=f"{_alabel(a, lang, info)} ({t('median', lang)})",
        )
        for a in (baseline, arm)
    ]
    handles += [
        Rectangle((0, 0), 1, 1, color=GREY, alpha=0.45, lw=0, label=t("band50", lang)),
        Rectangle((0, 0), 1, 1, color=GREY, alpha=0.15, lw=0, label=t("band90", lang)),
    ]
    if runs is not None and not runs.empty:
        rq = runs[(runs["point"] == point) & (runs["arm"] == arm)]["registered_quarter"]
        rq = pd.to_numeric(rq, errors="coerce").dropna()
        if len(rq):
            med = float(np.median(rq))
            ax.axvline(med, color="#000000", lw=0.8, ls="--")
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#000000",
                    lw=0.8,
                    ls="--",
                    label=f"{t('registration', lang)}: {fmt(med, lang, 0)}",
                )
            )
    ax.set_xlabel(t("quarter", lang))
    ax.set_ylabel(f"{outcome_label(outcome_name, lang)}, {unit(o.unit, lang)}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _lang_axes(ax, lang)
    ax.legend(handles=handles, loc="upper left", ncols=1)
    title = t(
        "fan_title", lang, outcome=outcome_label(outcome_name, lang), arm=_alabel(arm, lang, info)
    )
    return _finish(fig, _wrap(title), info, lang)


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
    height = 0.55 + nrows * (0.35 + 0.16 * rows_per_panel)
    fig, axes = _figure(
        width=WIDE_IN if ncols > 1 else WIDTH_IN, height=height, ncols=ncols, nrows=nrows
    )
    colours = _colour(list(tab["arm"]))
    for i, o in enumerate(outcomes):
        ax = axes[i // ncols, i % ncols]
        s = tab.sort_values(f"{o}_pct", ascending=True, na_position="first")
        y = np.arange(len(s))
        m = s[f"{o}_pct"].to_numpy(dtype=float)
        lo = s[f"{o}_pct_ci_low"].to_numpy(dtype=float)
        hi = s[f"{o}_pct_ci_high"].to_numpy(dtype=float)
        err = np.vstack(
            [np.where(np.isfinite(lo), m - lo, 0), np.where(np.isfinite(hi), hi - m, 0)]
        )
        ax.barh(y, np.nan_to_num(m), color=[colours[a] for a in s["arm"]], height=0.6)
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
        ax.set_title(outcome_label(o, lang))
        ax.set_xlabel(t("effect_pct", lang))
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        _lang_axes(ax, lang, y=False)
    for j in range(n, nrows * ncols):
        axes[j // ncols, j % ncols].set_visible(False)
    title = t("regime_title", lang) + (f" ({subtitle})" if subtitle else "")
    fig.legend(
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
    colours = _colour(arms)
    fig, axes = _figure(height=2.6)
    ax = axes[0, 0]
    for a in arms:
        s = table[table["arm"] == a].sort_values(parameter)
        x = s[parameter].to_numpy(dtype=float)
        m = s[f"{outcome_name}_pct"].to_numpy(dtype=float)
        lo = s[f"{outcome_name}_pct_ci_low"].to_numpy(dtype=float)
        hi = s[f"{outcome_name}_pct_ci_high"].to_numpy(dtype=float)
        ax.fill_between(x, lo, hi, color=colours[a], alpha=0.2, lw=0)
        ax.plot(x, m, color=colours[a], marker="o", label=_alabel(a, lang, info))
    ax.axhline(0, color="#000000", lw=0.6)
    ax.set_xlabel(param_label(parameter, lang))
    ax.set_ylabel(t("effect_pct", lang))
    _lang_axes(ax, lang)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Rectangle((0, 0), 1, 1, color=GREY, alpha=0.3, lw=0, label=t("ci95", lang)))
    ax.legend(handles=handles, loc="best")
    title = t(
        "dose_title",
        lang,
        outcome=outcome_label(outcome_name, lang),
        param=param_label(parameter, lang),
    )
    return _finish(fig, _wrap(title), info, lang)


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
    colours = _colour(list(tab["arm"]))
    height = 0.9 + 0.2 * max(1, len(tab))
    fig, axes = _figure(width=WIDE_IN, height=max(height, 1.8), ncols=3, sharey=True)
    y = np.arange(len(tab))
    for ax, level in zip(axes[0], levels, strict=True):
        m = tab[f"net_{level}"].to_numpy(dtype=float)
        lo = tab[f"net_{level}_ci_low"].to_numpy(dtype=float)
        hi = tab[f"net_{level}_ci_high"].to_numpy(dtype=float)
        k = tab[f"net_{level}_with_committed"].to_numpy(dtype=float)
        err = np.vstack(
            [np.where(np.isfinite(lo), m - lo, 0), np.where(np.isfinite(hi), hi - m, 0)]
        )
        ax.barh(y, np.nan_to_num(m), color=[colours[a] for a in tab["arm"]], height=0.6)
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
    axes[0, 1].set_xlabel(t("budget_net_axis", lang))
    axes[0, 0].set_yticks(y, [_alabel(a, lang, info) for a in tab["arm"]])
    fig.legend(
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
        rate = fmt(100 * discount_rate, lang, 1) + ("\u202f%" if lang == "ru" else " %")
        title += "\n" + _wrap(t("budget_note", lang, rate=rate), 110)
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

    Args:
        sens: Either :func:`sim.analysis.sensitivity.sensitivity` output for ``morris``
            (``parameter, arm, outcome, mu_star, mu_star_conf``) or a one-at-a-time table with
            columns ``parameter, arm, outcome, low, high`` (effects at the low and high value).
        lang: ``ru`` or ``en``.
        info: Source line.
    """
    arm, out = str(sens["arm"].iloc[0]), str(sens["outcome"].iloc[0])
    o = outcome(out)
    u = unit(o.unit, lang, horizon=True)
    fig, axes = _figure(height=0.8 + 0.22 * len(sens))
    ax = axes[0, 0]
    if "mu_star" in sens.columns:
        s = sens.sort_values("mu_star")
        y = np.arange(len(s))
        ax.barh(y, s["mu_star"], color=PALETTE[0], height=0.6)
        ax.errorbar(
            s["mu_star"],
            y,
            xerr=s["mu_star_conf"].fillna(0),
            fmt="none",
            ecolor="#000000",
            elinewidth=0.7,
        )
        ax.set_xlabel(t("mu_star", lang, unit=u))
    else:
        s = sens.assign(_w=(sens["high"] - sens["low"]).abs()).sort_values("_w")
        y = np.arange(len(s))
        ax.barh(y, s["low"], color=PALETTE[4], height=0.6)
        ax.barh(y, s["high"], color=PALETTE[0], height=0.6)
        ax.axvline(0, color="#000000", lw=0.6)
        ax.set_xlabel(t("effect_abs", lang, unit=u))
    ax.set_yticks(y, [param_label(p, lang) for p in s["parameter"]])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    _lang_axes(ax, lang, y=False)
    title = t("tornado_title", lang, arm=_alabel(arm, lang, info), outcome=outcome_label(out, lang))
    return _finish(fig, _wrap(title), info, lang)


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
    s = sens.sort_values("ST")
    y = np.arange(len(s))
    fig, axes = _figure(height=0.9 + 0.25 * len(s))
    ax = axes[0, 0]
    h = 0.38
    ax.barh(y + h / 2, s["ST"], height=h, color=PALETTE[0], label=t("ST", lang))
    ax.errorbar(
        s["ST"],
        y + h / 2,
        xerr=s["ST_conf"].fillna(0),
        fmt="none",
        ecolor="#000000",
        elinewidth=0.6,
    )
    ax.barh(y - h / 2, s["S1"], height=h, color=PALETTE[1], label=t("S1", lang))
    ax.errorbar(
        s["S1"],
        y - h / 2,
        xerr=s["S1_conf"].fillna(0),
        fmt="none",
        ecolor="#000000",
        elinewidth=0.6,
    )
    ax.axvline(0, color="#000000", lw=0.6)
    ax.set_yticks(y, [param_label(p, lang) for p in s["parameter"]])
    ax.set_xlabel(t("sobol_index", lang))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    _lang_axes(ax, lang, y=False)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="#000000", lw=0.6, marker="|", label=t("ci95", lang)))
    ax.legend(handles=handles, loc="lower right")
    title = t("sobol_title", lang, arm=_alabel(arm, lang, info), outcome=outcome_label(out, lang))
    return _finish(fig, _wrap(title), info, lang)


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
    fig, axes = _figure(width=WIDTH_IN * 1.25, height=3.4)
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
    title = t("network_title", lang, arm=_alabel(arm, lang, info), quarter=quarter)
    return _finish(fig, _wrap(title), info, lang)


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
    colours = _colour(arms)
    fig, axes = _figure(width=WIDE_IN, height=2.7, ncols=2)
    ax1, ax2 = axes[0]
    med = d.groupby(["arm", "quarter"])[
        ["participants", "industrial_participants", "functional_dependence"]
    ].median()
    for a in arms:
        if a not in med.index.get_level_values("arm"):
            continue
        m = med.loc[a]
        ax1.plot(m.index, m["participants"], color=colours[a], label=_alabel(a, lang, info))
        ax1.plot(m.index, m["industrial_participants"], color=colours[a], ls=":")
        ax2.plot(m.index, m["functional_dependence"], color=colours[a])
    handles, _ = ax1.get_legend_handles_labels()
    handles += [
        Line2D([], [], color=GREY, label=outcome_label("participants", lang)),
        Line2D([], [], color=GREY, ls=":", label=outcome_label("industrial_participants", lang)),
    ]
    if min_industrial_participants is not None:
        ax1.axhline(min_industrial_participants, color="#000000", lw=0.8, ls="--")
        handles.append(
            Line2D(
                [],
                [],
                color="#000000",
                lw=0.8,
                ls="--",
                label=t("min_participants", lang, v=fmt(min_industrial_participants, lang, 0)),
            )
        )
    fd_handles = []
    if fd_default is not None:
        ax2.axhline(fd_default, color="#000000", lw=0.8, ls="--")
        fd_handles.append(
            Line2D(
                [],
                [],
                color="#000000",
                lw=0.8,
                ls="--",
                label=t("fd_default", lang, v=fmt(fd_default, lang, 2)),
            )
        )
    if fd_reduced is not None:
        ax2.axhline(fd_reduced, color="#000000", lw=0.8, ls="-.")
        fd_handles.append(
            Line2D(
                [],
                [],
                color="#000000",
                lw=0.8,
                ls="-.",
                label=t("fd_reduced", lang, v=fmt(fd_reduced, lang, 2)),
            )
        )
    ax1.set_title(outcome_label("participants", lang))
    ax1.set_ylabel(t("firms", lang))
    ax2.set_title(outcome_label("functional_dependence", lang))
    ax2.set_ylabel(t("share", lang))
    for ax in (ax1, ax2):
        ax.set_xlabel(t("quarter", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _lang_axes(ax, lang)
    if fd_handles:
        ax2.legend(handles=fd_handles, loc="upper left")
    fig.legend(handles=handles, loc="outside right center")
    return _finish(fig, t("timeline_title", lang), info, lang)
