"""The brief's content: :func:`build_document` fills the document model once per language.

:func:`build_document` lays out what a strategy document needs, once, in the report's
language (the model is :mod:`sim.report.docmodel`): the one-page summary first
(:mod:`sim.report.summary`: key numbers absolute and in %, the uncertainty in plain words, cost
and net balance per budget, the registration quarter), then the method, the results (tables
with numbered captions, figures numbered "Рисунок N – …" with a source line under each), a
sensitivity section where the sweep has sensitivity results (the Sobol or Morris indices, or a
grid's one-at-a-time effects, as a numbered table with unreliable indices marked and explained,
their charts, and one sentence naming the most influential parameters:
:mod:`sim.report.sensitivity_table`), the Decree 779 criteria, the assumptions and
uncertainties with the evidence labels explained and every [R] source flagged "confirm before
quoting", the limitations, and how to cite (version, scenario hash, seed, date). The renderers
(:mod:`sim.report.brief` for HTML and PDF, :mod:`sim.report.word` for Word) only lay the model
out; none of them computes a figure.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.analysis.robustness import LEVELS, across_worlds
from sim.report import charts, sensitivity_table
from sim.report.brief_common import (
    abs_decimals,
    abs_effects,
    abs_unit,
    drawn_worlds,
    is_drawn,
    key_assumptions,
    pct_sign,
    shown_regimes,
)
from sim.report.criteria import criteria_rows, needs_confirmation, source_text
from sim.report.data import ReportData
from sim.report.docmodel import (
    Bullets,
    DocFigure,
    DocTable,
    Document,
    Para,
    Section,
)
from sim.report.figures import point_values
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
from sim.report.summary import summary_section
from sim.report.tables import (
    accounts_notes,
    accounts_view,
    additionality_view,
    io_view,
)

__all__ = ["build_document", "source_line"]

#: Charts shown in the sensitivity section (when the sweep has sensitivity results).
SENSITIVITY_CHARTS = ("tornado", "sobol")


def _png(fig: Figure, saved: Path | None) -> bytes:
    if saved is not None and saved.exists():
        return saved.read_bytes()
    buf = io.BytesIO()
    with charts.house_style():
        fig.savefig(buf, format="png", dpi=200)
    return buf.getvalue()


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
    head += [f"{outcome_label(o, lang)}, {abs_unit(o, lang)}" for o in d.outcomes]
    ab = abs_eff[abs_eff["point"] == d.base_point]
    rows = []
    for arm in shown_regimes(d):
        cells = [arm_label(arm, lang, d.info.titles)]
        for o in d.outcomes:
            a = ab[(ab["arm"] == arm) & (ab["outcome"] == o)]
            if not len(a):
                cells.append("–")
                continue
            dec = abs_decimals(a["effect"].iloc[0], a["ci_low"].iloc[0], a["ci_high"].iloc[0])
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
    regimes = shown_regimes(d)
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
    d = replace(d, table=d.table[d.table["point"] == d.base_point]) if is_drawn(d) else d
    abs_eff = abs_effects(full if worlds else d)
    src = source_line(d, lang)
    counter = {"table": 0}

    def table(caption: str, head: list[str], rows: list[list[str]], **kw: Any) -> DocTable:
        counter["table"] += 1
        return DocTable(counter["table"], caption, head, rows, **kw)

    sections = [summary_section(full if worlds else d, lang, worlds, abs_eff)]

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
                rate=fmt(rate * 100, lang, 2).rstrip("0").rstrip(",.") + pct_sign(lang),
            )
        )
    )
    method.blocks.append(Para(t("doc_regimes_intro", lang)))
    method.blocks.append(Bullets([
        f"{arm_label(a, lang, d.info.titles)} — {title}"
        for a in shown_regimes(d)
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
