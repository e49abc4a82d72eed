"""The brief as a document: one model built from :class:`ReportData`, rendered as HTML and DOCX.

:func:`build_document` lays out what a strategy document needs, once, in the report's
language: a one-page summary first (key numbers absolute and in %, the uncertainty in plain
words, cost and net balance per budget, the registration quarter), then the method, the results
(tables with numbered captions, figures numbered "Рисунок N – …" with a source line under
each), a sensitivity section where the sweep has sensitivity results (the Sobol or Morris
indices, or a grid's one-at-a-time effects, as a numbered table with unreliable indices marked
and explained, their charts, and one sentence naming the most influential parameters:
:mod:`sim.report.sensitivity_table`), the Decree 779 criteria, the assumptions and
uncertainties with the evidence labels explained and every [R] source flagged "confirm before
quoting", the limitations, and how to cite (version, scenario hash, seed, date). The renderers
(:mod:`sim.report.brief` for HTML and PDF, :mod:`sim.report.docx` for Word) only lay this model
out; none of them computes a figure.

For a sweep whose points are drawn worlds (lhs, sobol), the summary gives the figures across
worlds (:func:`sim.analysis.robustness.across_worlds`: median, 90 % band, share of worlds with
a positive effect); for a single point (a run, a grid's base point) the point estimate and its
95 % confidence interval.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.analysis.budget import level_column
from sim.analysis.effects import effects
from sim.analysis.robustness import LEVELS, across_worlds
from sim.model.outcomes import outcome
from sim.report import charts, sensitivity_table
from sim.report.criteria import criteria_rows, needs_confirmation, source_text
from sim.report.data import ReportData
from sim.report.figures import MIN_WORLDS_FOR_CDF, point_values
from sim.report.i18n import (
    CATALOGUE,
    arm_label,
    fmt,
    fmt_ci,
    outcome_label,
    param_label,
    t,
    unit,
)
from sim.report.tables import (
    accounts_notes,
    accounts_view,
    additionality_view,
    io_view,
    sig_decimals,
)
from sim.scenario.schema import ARM_DE_FACTO, EVIDENCE_RE

__all__ = [
    "Bullets",
    "DocFigure",
    "DocTable",
    "Document",
    "Para",
    "Section",
    "build_document",
    "evidence_labels",
    "key_assumptions",
    "needs_confirmation",
]

#: Tables with more columns than this are laid out on landscape A4 pages.
WIDE_COLUMNS = 8
#: Designs whose points are drawn worlds (the summary then speaks across worlds).
WORLD_DESIGNS = ("lhs", "sobol")
#: Charts shown in the sensitivity section (when the sweep has sensitivity results).
SENSITIVITY_CHARTS = ("tornado", "sobol")


@dataclass
class Para:
    """A paragraph; ``note`` is a small legend line (units, definitions)."""

    text: str
    note: bool = False


@dataclass
class Bullets:
    """A bulleted list."""

    items: list[str]


@dataclass
class DocTable:
    """A table with a numbered caption: header row, text cells, numbers right-aligned.

    ``numeric_from``: index of the first numeric column; ``flagged``: row indexes to mark (an
    [R] source); ``wide``: set on a landscape page (more than :data:`WIDE_COLUMNS` columns).
    """

    number: int
    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric_from: int = 99
    note: str = ""
    flagged: list[int] = field(default_factory=list)
    id: str = ""

    @property
    def wide(self) -> bool:
        """More columns than fit A4 portrait: laid out on a landscape page."""
        return len(self.head) > WIDE_COLUMNS


@dataclass
class DocFigure:
    """A numbered figure: PNG bytes, caption ("Рисунок N – …") and the source line under it."""

    number: int
    name: str
    title: str
    caption: str
    source: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI (the HTML brief embeds it)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


Block = Para | Bullets | DocTable | DocFigure


@dataclass
class Section:
    """A titled section of blocks."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """The brief in one language: title, a line under it, sections (the summary first)."""

    lang: str
    title: str
    subtitle: str
    date: str
    sections: list[Section]

    @property
    def figures(self) -> list[DocFigure]:
        """Every figure, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, DocFigure)]

    @property
    def tables(self) -> list[DocTable]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, DocTable)]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def key_assumptions(toml_text: str) -> list[dict[str, Any]]:
    """Every ``{value, unit, source}`` entry of a scenario TOML.

    Returns:
        One row per entry: ``key, value, unit, source, source_ru`` (``source_ru``: the source in
        Russian, empty when the entry has none).
    """
    import tomllib

    data = tomllib.loads(toml_text)
    rows: list[dict[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node and "source" in node:
                rows.append(
                    {
                        "key": path,
                        "value": node["value"],
                        "unit": node.get("unit", ""),
                        "source": node["source"],
                        "source_ru": node.get("source_ru", ""),
                    }
                )
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(data, "")
    return rows


def evidence_labels(source: str) -> list[str]:
    """The evidence labels of a source, e.g. ``["V", "R"]``; ``["assumption"]`` for one."""
    labels = EVIDENCE_RE.findall(source)
    if not labels and source.lower().startswith(("assumption", "допущение")):
        return ["assumption"]
    return list(dict.fromkeys(labels))


def _pct(lang: str) -> str:
    return "\u202f%" if lang == "ru" else "%"


def calendar_quarter(q: float, start_year: int, lang: str) -> str:
    """Model quarter ``q`` (1 = the first quarter of the start year) as a calendar quarter."""
    qi = round(q) - 1
    year, quarter = start_year + qi // 4, qi % 4 + 1
    return t("doc_calendar_q", lang, q=quarter, year=year)


def _png(fig: Figure, saved: Path | None) -> bytes:
    if saved is not None and saved.exists():
        return saved.read_bytes()
    buf = io.BytesIO()
    with charts.house_style():
        fig.savefig(buf, format="png", dpi=200)
    return buf.getvalue()


def drawn_worlds(d: ReportData) -> bool:
    """Whether the sweep's points are drawn worlds (lhs, sobol) with enough of them."""
    method = (d.sweep["spec"].get("design") or {}).get("method")
    return (
        method in WORLD_DESIGNS
        and not d.table.empty
        and d.table["point"].nunique() >= MIN_WORLDS_FOR_CDF
    )


def _drawn(d: ReportData) -> bool:
    """Whether the points are draws (lhs, sobol, morris), not cases to list one by one."""
    return (d.sweep["spec"].get("design") or {}).get("method") in ("lhs", "sobol", "morris")


def _regimes(d: ReportData) -> list[str]:
    arms = [a for a in d.sweep["arms"] if a != ARM_DE_FACTO]
    have = set(d.table["arm"]) if not d.table.empty else set()
    return [a for a in arms if a in have]


def _is_share(o: str) -> bool:
    """An outcome that is a share: its absolute effect is a change in percentage points."""
    return str(outcome(o).unit).startswith("share")


def _abs_effects(d: ReportData) -> pd.DataFrame:
    """Absolute effects (regime minus de facto over the horizon) per point, arm and outcome.

    A share's effect is given in percentage points (the change of the share times 100).
    """
    try:
        eff = effects(d.df, list(d.outcomes))
    except Exception:  # pragma: no cover - a report still renders without absolute figures
        return pd.DataFrame(columns=["point", "arm", "outcome", "effect", "ci_low", "ci_high"])
    shares = eff["outcome"].map(_is_share).astype(bool)
    for c in ("effect", "ci_low", "ci_high"):
        eff.loc[shares, c] = 100 * eff.loc[shares, c]
    return eff


def _abs_unit(o: str, lang: str) -> str:
    if _is_share(o):
        return t("app_pp", lang)
    return unit(outcome(o).unit, lang, horizon=outcome(o).horizon == "sum")


# --------------------------------------------------------------------------------------------
# the summary
# --------------------------------------------------------------------------------------------
def _money(x: Any, lang: str) -> str:
    return fmt(x, lang, 1, sign=True)


def _decimals(*values: Any) -> int:
    """Decimals for an absolute effect, by the tables' rule.

    Three significant digits of the largest value, at least one decimal
    (:func:`sim.report.tables.sig_decimals`), so the brief, the XLSX and the page's cards round
    an effect alike.
    """
    return max(1, sig_decimals(list(values)))


def _abs(x: Any, lang: str) -> str:
    """An absolute effect with a sign and sensible precision."""
    return fmt(x, lang, _decimals(x), sign=True)


def _summary_point(d: ReportData, lang: str, abs_eff: pd.DataFrame) -> list[str]:
    """One sentence per regime at the base point.

    Effects absolute and in %, registration, cost and net balance per budget.
    """
    tab = d.table[d.table["point"] == d.base_point].set_index("arm")
    ab = abs_eff[abs_eff["point"] == d.base_point]
    start = d.scenario.scenario.start_year
    items = []
    for arm in _regimes(d):
        r = tab.loc[arm]
        parts = []
        for o in d.outcomes[:2]:
            a = ab[(ab["arm"] == arm) & (ab["outcome"] == o)]
            absolute = (
                f"{_abs(a['effect'].iloc[0], lang)} {_abs_unit(o, lang)}" if len(a) else "–"
            )
            if _zero(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"]) and (
                not len(a) or _zero(*a["effect"])
            ):
                parts.append(t("doc_effect_point_zero", lang,
                               outcome=outcome_label(o, lang).lower()))  # fmt: skip
                continue
            pct = fmt_ci(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"], lang)
            parts.append(
                t("doc_effect_point", lang, outcome=outcome_label(o, lang).lower(),
                  absolute=absolute, pct=pct)
            )  # fmt: skip
        items.append(
            f"{arm_label(arm, lang, d.info.titles)}: "
            + "; ".join(parts)
            + "; "
            + _registration(r.get("registered_share"), r.get("registration_quarter"), start, lang)
            + "; "
            + _budget_sentence(r, lang)
            + "."
        )
    return items


def _registration(share: Any, quarter: Any, start: int, lang: str) -> str:
    if share is None or not np.isfinite(float(share)) or float(share) <= 0:
        return t("doc_not_registered", lang)
    when = calendar_quarter(float(quarter), start, lang) if pd.notna(quarter) else "–"
    return t(
        "doc_registered",
        lang,
        share=fmt(100 * float(share), lang, 0) + _pct(lang),
        when=when,
        q=fmt(quarter, lang, 0),
    )


def _budget_sentence(r: pd.Series, lang: str) -> str:
    parts = []
    for lvl in ("federal", "regional", "social_fund"):
        cost = r.get(level_column("cost_pv", lvl))
        if _zero(cost, r[f"net_{lvl}"], r[f"net_{lvl}_ci_low"], r[f"net_{lvl}_ci_high"]):
            parts.append(t("doc_budget_level_zero", lang, level=t(lvl, lang)))
            continue
        net = fmt_ci(r[f"net_{lvl}"], r[f"net_{lvl}_ci_low"], r[f"net_{lvl}_ci_high"], lang, 1)
        parts.append(
            t("doc_budget_level", lang, level=t(lvl, lang), cost=fmt(cost, lang, 1), net=net)
        )
    return t("doc_budget", lang) + " " + "; ".join(parts)


def _zero(*values: Any) -> bool:
    """Every value exactly zero (the placebo's effects: common random numbers, no lever)."""
    return all(pd.notna(v) and float(v) == 0.0 for v in values)


def _summary_worlds(d: ReportData, lang: str, abs_eff: pd.DataFrame) -> list[str]:
    """One sentence per regime across the drawn worlds (median, 90 % band, share positive)."""
    regimes = _regimes(d)
    outs = d.outcomes[:2]
    summary = across_worlds(d.table, regimes, outcomes=outs).set_index("arm")
    start = d.scenario.scenario.start_year
    items = []
    for arm in regimes:
        r = summary.loc[arm]
        worlds = int(r["worlds"])
        parts = []
        for o in outs:
            share = float(r[f"{o}_positive"])
            n10 = round(10 * share) if np.isfinite(share) else 0
            a = abs_eff[(abs_eff["arm"] == arm) & (abs_eff["outcome"] == o)]["effect"]
            absolute = f"{_abs(a.median(), lang)} {_abs_unit(o, lang)}" if len(a) else "–"
            if _zero(r[f"{o}_low"], r[f"{o}_high"]) and (not len(a) or _zero(*a)):
                parts.append(
                    t("doc_effect_worlds_zero", lang, outcome=outcome_label(o, lang).lower())
                )
                continue
            parts.append(
                t(
                    "doc_effect_worlds",
                    lang,
                    n=n10,
                    outcome=outcome_label(o, lang).lower(),
                    median=fmt(r[f"{o}_median"], lang, 1, sign=True) + _pct(lang),
                    low=fmt(r[f"{o}_low"], lang, 1, sign=True) + _pct(lang),
                    high=fmt(r[f"{o}_high"], lang, 1, sign=True) + _pct(lang),
                    absolute=absolute,
                )
            )
        q = r["registration_quarter"]
        reg = t(
            "doc_registered_worlds",
            lang,
            share=fmt(100 * float(r["registered"]), lang, 0) + _pct(lang),
            when=calendar_quarter(float(q), start, lang) if pd.notna(q) else "–",
        )
        nets = []
        for lvl in ("federal", "regional"):
            pos = float(r[f"net_{lvl}_positive"])
            costs = d.table.loc[d.table["arm"] == arm, level_column("cost_pv", lvl)]
            if _zero(*costs) and _zero(r[f"net_{lvl}_low"], r[f"net_{lvl}_high"]):
                nets.append(t("doc_net_worlds_zero", lang, level=t(lvl, lang)))
                continue
            nets.append(
                t(
                    "doc_net_worlds",
                    lang,
                    level=t(lvl, lang),
                    cost=fmt(costs.median(), lang, 1),
                    median=fmt(r[f"net_{lvl}_median"], lang, 1, sign=True),
                    low=fmt(r[f"net_{lvl}_low"], lang, 1, sign=True),
                    high=fmt(r[f"net_{lvl}_high"], lang, 1, sign=True),
                    n=round(10 * pos) if np.isfinite(pos) else 0,
                )
            )
        items.append(
            f"{arm_label(arm, lang, d.info.titles)} "
            f"({t('doc_worlds_n', lang, worlds=worlds)}): "
            + "; ".join(parts)
            + "; "
            + reg
            + "; "
            + t("doc_budget", lang)
            + " "
            + "; ".join(nets)
            + "."
        )
    return items


def _summary(d: ReportData, lang: str, worlds: bool, abs_eff: pd.DataFrame) -> Section:
    sc = d.scenario.scenario
    q = int(d.df["quarter"].max())
    end_year = sc.start_year + (q - 1) // 4
    sec = Section("summary", t("doc_h_summary", lang))
    regimes = [arm_label(a, lang, d.info.titles) for a in _regimes(d)]
    sec.blocks.append(
        Para(
            t(
                "doc_summary_intro",
                lang,
                regimes=("», «" if lang == "ru" else ", ").join(regimes) or "–",
                reps=d.info.replications,
                quarters=q,
                start=sc.start_year,
                end=end_year,
            )
        )
    )
    if d.table.empty or not regimes:
        sec.blocks.append(Para(t("doc_no_table", lang)))
        return sec
    if worlds:
        sec.blocks.append(
            Para(t("doc_summary_worlds", lang, worlds=int(d.table["point"].nunique())))
        )
        sec.blocks.append(Bullets(_summary_worlds(d, lang, abs_eff)))
    else:
        many = d.table["point"].nunique() > 1
        base = point_values(d, d.base_point, lang) if many else ""
        sec.blocks.append(
            Para(
                t("doc_summary_point", lang)
                + (t("doc_at_base", lang, point=base) if base else "")
                + ":"
            )
        )
        sec.blocks.append(Bullets(_summary_point(d, lang, abs_eff)))
    sec.blocks.append(Para(t("doc_summary_units", lang), note=True))
    return sec


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _regime_rows(d: ReportData, lang: str) -> tuple[list[str], list[list[str]]]:
    point_head = "; ".join(param_label(p, lang) for p in d.params) or t("col_point", lang)
    head = [point_head, t("col_arm", lang), t("col_n", lang)]
    head += [f"{outcome_label(o, lang)}, %" for o in d.outcomes]
    rows = []
    for _, r in d.table.iterrows():
        label = point_values(d, int(r["point"]), lang) or str(int(r["point"]))
        cells = [label, arm_label(r["arm"], lang, d.info.titles), fmt(r["n"], lang, 0)]
        cells += [
            fmt_ci(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"], lang)
            for o in d.outcomes
        ]
        rows.append(cells)
    return head, rows


def _abs_rows(d: ReportData, lang: str, abs_eff: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Absolute effects at the base point: regime, then each outcome's effect [95 % CI]."""
    head = [t("col_arm", lang)]
    head += [f"{outcome_label(o, lang)}, {_abs_unit(o, lang)}" for o in d.outcomes]
    ab = abs_eff[abs_eff["point"] == d.base_point]
    rows = []
    for arm in _regimes(d):
        cells = [arm_label(arm, lang, d.info.titles)]
        for o in d.outcomes:
            a = ab[(ab["arm"] == arm) & (ab["outcome"] == o)]
            if not len(a):
                cells.append("–")
                continue
            dec = _decimals(a["effect"].iloc[0], a["ci_low"].iloc[0], a["ci_high"].iloc[0])
            cells.append(
                fmt_ci(a["effect"].iloc[0], a["ci_low"].iloc[0], a["ci_high"].iloc[0], lang, dec)
            )
        rows.append(cells)
    return head, rows


def _accounts(d: ReportData, lang: str) -> tuple[tuple[str, str], list[pd.DataFrame | None]]:
    many = d.table["point"].nunique() > 1 if "point" in d.table.columns else False
    points = (
        {int(p): point_values(d, int(p), lang) or str(int(p)) for p in d.table["point"]}
        if many
        else None
    )
    notes = accounts_notes(
        lang,
        discount_rate=d.scenario.experiment.discount_rate.value,
        quarters=int(d.df["quarter"].max()),
    )
    kw: dict[str, Any] = {"titles": d.info.titles, "points": points}
    return notes, [
        accounts_view(d.table, lang, **kw),
        additionality_view(d.table, lang, **kw),
        io_view(d.table, lang, **kw),
    ]


def _worlds_rows(d: ReportData, lang: str) -> tuple[list[str], list[list[str]]]:
    """Each regime across the sweep's worlds (median [band], >0, registration, net, regret)."""
    regimes = _regimes(d)
    outs = d.outcomes[:2]
    summary = across_worlds(d.table, regimes, outcomes=outs)
    head = [t("col_arm", lang)]
    head += [f"{outcome_label(o, lang)}, %" for o in outs]
    head += [t("col_registered", lang)]
    mln = ", млн руб." if lang == "ru" else ", mln RUB"
    head += [t("app_net", lang, level=t(lvl, lang)) + mln for lvl in LEVELS]
    head += [t("col_regret", lang)]
    rows = []
    for _, r in summary.iterrows():
        cells = [arm_label(r["arm"], lang, d.info.titles)]
        for o in outs:
            band = fmt_ci(r[f"{o}_median"], r[f"{o}_low"], r[f"{o}_high"], lang)
            cells.append(f"{band}; >0: {fmt(100 * r[f'{o}_positive'], lang, 0)} %")
        q = r["registration_quarter"]
        reg = f"{fmt(100 * r['registered'], lang, 0)} %"
        cells.append(reg + (f", q{q:.0f}" if pd.notna(q) else ""))
        for lvl in LEVELS:
            m, lo, hi = (r[f"net_{lvl}_{s}"] for s in ("median", "low", "high"))
            cells.append(fmt_ci(m, lo, hi, lang, 0))
        cells.append(f"{fmt(r['regret_median'], lang, 2)} / {fmt(r['regret_p90'], lang, 2)}")
        rows.append(cells)
    return head, rows


def _criteria_rows(d: ReportData, lang: str) -> tuple[list[list[str]], list[int]]:
    """The Decree 779 criteria: criterion, threshold, legal reference, when it is met."""
    crit = criteria_rows(d.scenario, lang)
    return ([[c.label, c.threshold, c.legal, c.when] for c in crit],
            [i for i, c in enumerate(crit) if c.flagged])  # fmt: skip


def _assumption_rows(d: ReportData, lang: str) -> tuple[list[list[str]], list[int]]:
    rows, flagged = [], []
    for i, a in enumerate(key_assumptions(d.scenario_row["toml_text"])):
        v = a["value"]
        value = fmt(v, lang, 3).rstrip("0").rstrip(",.") if isinstance(v, float) else str(v)
        label = param_label(a["key"], lang)
        name = (
            a["key"]
            if label == a["key"].rsplit(".", 1)[-1].replace("_", " ")
            else (f"{label} ({a['key']})")
        )
        src = str(a["source"])
        rows.append([name, value, _unit(str(a["unit"]), lang),
                     source_text(src, lang, str(a["source_ru"]))])  # fmt: skip
        if needs_confirmation(src):
            flagged.append(i)
    return rows, flagged


def _unit(text: str, lang: str) -> str:
    """A scenario value's unit in ``lang`` (the brief's own translations, then the catalogue's)."""
    key = f"doc_unit:{text}"
    return t(key, lang) if key in CATALOGUE else unit(text, lang)


def _uncertainty_rows(d: ReportData, lang: str) -> tuple[list[list[str]], list[int]]:
    rows, flagged = [], []
    for i, u in enumerate(d.scenario.uncertainties):
        if u.fixed:
            what, why, why_ru = t("fixed", lang), u.reason, u.reason_ru
        elif u.values is not None:
            what = " / ".join(fmt(v, lang, 3) for v in u.values)
            why, why_ru = u.source, u.source_ru
        else:
            lo, hi = u.bounds
            what, why, why_ru = f"{fmt(lo, lang, 3)} – {fmt(hi, lang, 3)}", u.source, u.source_ru
        label = param_label(u.key, lang)
        name = (
            u.key if label == u.key.rsplit(".", 1)[-1].replace("_", " ") else (f"{label} ({u.key})")
        )
        rows.append([name, what, source_text(why, lang, why_ru)])
        if needs_confirmation(why):
            flagged.append(i)
    return rows, flagged


# --------------------------------------------------------------------------------------------
# the document
# --------------------------------------------------------------------------------------------
def _title(d: ReportData, lang: str) -> str:
    sc = d.scenario.scenario
    return t("brief_title", lang, title=(sc.title_ru or sc.title) if lang == "ru" else sc.title)


def source_line(d: ReportData, lang: str) -> str:
    """The line under every figure and table: model, version, scenario, hash, sweep, N."""
    return t(
        "doc_source",
        lang,
        version=__version__,
        scenario=d.info.scenario,
        hash=d.info.scenario_hash[:10],
        sweep=d.sweep["name"],
        n=d.info.replications,
    )


def build_document(
    d: ReportData,
    lang: str,
    figs: dict[str, Figure],
    png_dir: Path | None = None,
    *,
    now: datetime | None = None,
) -> Document:
    """The brief of a sweep in ``lang``, built once for every renderer.

    Args:
        d: The report data.
        lang: ``ru`` or ``en``.
        figs: The charts of the pack, by name (numbered in this order).
        png_dir: Folder with PNGs the figure pack already saved (reused, not re-rendered).
        now: The date of the brief (default: now, UTC).
    """
    now = now or datetime.now(UTC)
    full = d
    worlds = drawn_worlds(full)
    d = replace(d, table=d.table[d.table["point"] == d.base_point]) if _drawn(d) else d
    abs_eff = _abs_effects(full if worlds else d)
    src = source_line(d, lang)
    counter = {"table": 0}

    def table(caption: str, head: list[str], rows: list[list[str]], **kw: Any) -> DocTable:
        counter["table"] += 1
        return DocTable(counter["table"], caption, head, rows, **kw)

    sections = [_summary(full if worlds else d, lang, worlds, abs_eff)]

    # method
    rate = d.scenario.experiment.discount_rate.value
    method = Section("method", t("h_method", lang))
    method.blocks.append(
        Para(
            t(
                "method_note",
                lang,
                reps=d.info.replications,
                quarters=int(d.df["quarter"].max()),
                rate=fmt(rate * 100, lang, 2).rstrip("0").rstrip(",.") + _pct(lang),
            )
        )
    )
    method.blocks.append(Para(t("doc_regimes_intro", lang)))
    method.blocks.append(Bullets([
        f"{arm_label(a, lang, d.info.titles)} — {title}"
        for a in _regimes(d)
        if (title := (d.info.titles or {}).get(a, {}).get(lang))
    ]))  # fmt: skip
    design = (d.sweep["spec"].get("design") or {}).get("method", "none")
    method.blocks.append(
        Para(
            t(
                "doc_design",
                lang,
                sweep=d.sweep["name"],
                method=t(key, lang) if (key := f"design_method_{design}") in CATALOGUE else design,
                points=int(full.design["point"].nunique()) if not full.design.empty else 1,
            )
        )
    )
    sections.append(method)

    # results
    res = Section("results", t("doc_h_results", lang))
    if not d.table.empty:
        head, rows = _abs_rows(d, lang, abs_eff)
        res.blocks.append(
            table(t("doc_t_absolute", lang), head, rows, numeric_from=1, id="absolute",
                  note=t("doc_absolute_note", lang))
        )  # fmt: skip
        head, rows = _regime_rows(d, lang)
        res.blocks.append(
            table(t("h_regimes", lang) + " " + t("doc_t_regimes", lang), head, rows,
                  numeric_from=2, id="regimes")
        )  # fmt: skip
        (note, add_note), (acc, add, io_) = _accounts(d, lang)
        labels = (t("col_point", lang), t("col_arm", lang), t("col_level", lang))
        left = len([c for c in acc.columns if c in labels])
        res.blocks.append(
            table(t("h_accounts", lang), list(acc.columns), acc.to_numpy().tolist(),
                  numeric_from=left, note=note, id="accounts")
        )  # fmt: skip
        res.blocks.append(
            table(t("h_additionality", lang), list(add.columns), add.to_numpy().tolist(),
                  numeric_from=left - 1, note=add_note, id="additionality")
        )  # fmt: skip
        if io_ is not None:
            res.blocks.append(
                table(t("h_io", lang), list(io_.columns), io_.to_numpy().tolist(),
                      numeric_from=left - 1, note=t("io_note", lang), id="io")
            )  # fmt: skip
        if worlds:
            head, rows = _worlds_rows(full, lang)
            res.blocks.append(
                table(t("h_worlds", lang), head, rows, numeric_from=1, id="worlds",
                      note=t("worlds_note", lang, worlds=int(full.table["point"].nunique())))
            )  # fmt: skip
    counter["figure"] = 0

    def figure(name: str, fig: Figure) -> DocFigure:
        counter["figure"] += 1
        n = counter["figure"]
        title = getattr(fig, "_clustersim_title", name).replace("\n", " ")
        return DocFigure(
            number=n,
            name=name,
            title=title,
            caption=t("doc_figure", lang, n=n, title=title),
            source=src,
            png=_png(fig, png_dir and png_dir / f"{name}.png"),
        )

    sens_figs = {k: v for k, v in figs.items() if k in SENSITIVITY_CHARTS}
    for name, fig in figs.items():
        if name not in sens_figs:
            res.blocks.append(figure(name, fig))
    sections.append(res)

    # sensitivity: the table of indices (or one-at-a-time effects), its charts, one sentence
    results = sensitivity_table.sensitivity_results(full)
    if results:
        sens = Section("sensitivity", t("h_sensitivity", lang))
        sens.blocks.append(Para(t("sens_intro", lang)))
        sentences = []
        for kind, tab in results.items():
            head, rows, flagged = sensitivity_table.doc_rows(tab, lang)
            block = table(sensitivity_table.caption(tab, lang, full), head, rows,
                          numeric_from=1, flagged=flagged, id=f"sensitivity-{kind}",
                          note=sensitivity_table.note(tab, lang))  # fmt: skip
            sens.blocks.append(block)
            sentence = sensitivity_table.influential_sentence(tab, lang, full, block.number)
            if sentence:
                sentences.append(sentence)
        sens.blocks += [figure(name, fig) for name, fig in sens_figs.items()]
        if sentences:
            sens.blocks.append(Para(" ".join(sentences)))
        sections.append(sens)
    else:
        res.blocks += [figure(name, fig) for name, fig in sens_figs.items()]

    # Decree 779 criteria
    crit = Section("criteria", t("doc_h_criteria", lang))
    rows, flagged = _criteria_rows(d, lang)
    crit.blocks.append(Para(t("doc_criteria_intro", lang)))
    crit.blocks.append(
        table(t("doc_t_criteria", lang),
              [t(f"doc_col_{c}", lang) for c in ("criterion", "threshold", "legal", "when")],
              rows, flagged=flagged, id="criteria-table")
    )  # fmt: skip
    sections.append(crit)

    # assumptions and uncertainties
    ass = Section("assumptions", t("doc_h_assumptions", lang))
    ass.blocks.append(Para(t("doc_labels_intro", lang)))
    ass.blocks.append(
        Bullets([t(f"doc_label_{k}", lang) for k in ("V", "V_abs", "R", "D", "assumption")])
    )
    rows, flagged = _assumption_rows(d, lang)
    ass.blocks.append(
        table(t("h_assumptions", lang),
              [t("col_key", lang), t("col_value", lang), t("col_unit", lang),
               t("col_source", lang)], rows, flagged=flagged, id="assumptions-table",
              note=t("doc_confirm_note", lang, n=len(flagged)))
    )  # fmt: skip
    rows, flagged = _uncertainty_rows(d, lang)
    if rows:
        ass.blocks.append(
            table(t("h_uncertainty", lang),
                  [t("col_key", lang), t("col_range", lang), t("col_reason", lang)], rows,
                  flagged=flagged, note=t("uncertainty_note", lang), id="uncertainty")
        )  # fmt: skip
    sections.append(ass)

    # limitations
    lim = Section("limitations", t("doc_h_limitations", lang))
    lim.blocks.append(Bullets([t(f"doc_limit_{i}", lang) for i in range(1, 7)]))
    lim.blocks.append(Para(t("doc_limit_more", lang), note=True))
    sections.append(lim)

    # how to cite
    cite = Section("cite", t("doc_h_cite", lang))
    date = now.strftime("%Y-%m-%d")
    cite.blocks.append(
        Para(
            t(
                "doc_cite",
                lang,
                title=_title(d, lang),
                version=__version__,
                scenario=d.info.scenario,
                hash=d.info.scenario_hash,
                sweep=d.sweep["name"],
                seed=str(d.sweep.get("root_seed", "")),
                date=date,
            )
        )
    )
    cite.blocks.append(
        Bullets(
            [
                f"{t('doc_cite_version', lang)}: clustersim {__version__}",
                f"{t('doc_cite_scenario', lang)}: {d.info.scenario}",
                f"{t('doc_cite_hash', lang)}: {d.info.scenario_hash}",
                f"{t('sweep', lang)}: {d.sweep['name']}",
                f"{t('doc_cite_seed', lang)}: {d.sweep.get('root_seed', '')}",
                f"{t('doc_cite_date', lang)}: {now:%Y-%m-%d %H:%M} UTC",
            ]
        )
    )
    sections.append(cite)
    subtitle = f"{t('sweep', lang)}: {d.sweep['name']}. {d.info.line(lang)}. {date}."
    return Document(lang, _title(d, lang), subtitle, date, sections)
