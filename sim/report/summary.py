"""The brief's one-page summary: key numbers absolute and in %, registration, budgets.

For a sweep whose points are drawn worlds (lhs, sobol) it speaks across worlds
(:func:`sim.analysis.robustness.across_worlds`: median, 90 % band, share of worlds with a
positive effect, "в 9 из 10 сценариев мира …"); for a single point (a run, a grid's base point)
it gives the point estimate and its 95 % confidence interval. :func:`summary_section` is the
first section of :func:`sim.report.document.build_document`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.budget import level_column
from sim.analysis.robustness import across_worlds
from sim.report.brief_common import (
    abs_decimals,
    abs_unit,
    calendar_quarter,
    pct_sign,
    shown_regimes,
)
from sim.report.data import ReportData
from sim.report.docmodel import Bullets, Para, Section
from sim.report.figures import point_values
from sim.report.i18n import (
    arm_label,
    fmt,
    fmt_ci,
    outcome_label,
    t,
)

__all__ = ["summary_section"]


def _money(x: Any, lang: str) -> str:
    return fmt(x, lang, 1, sign=True)




def _abs(x: Any, lang: str) -> str:
    """An absolute effect with a sign and sensible precision."""
    return fmt(x, lang, abs_decimals(x), sign=True)


def _summary_point(d: ReportData, lang: str, abs_eff: pd.DataFrame) -> list[str]:
    """One sentence per regime at the base point.

    Effects absolute and in %, registration, cost and net balance per budget.
    """
    tab = d.table[d.table["point"] == d.base_point].set_index("arm")
    ab = abs_eff[abs_eff["point"] == d.base_point]
    start = d.scenario.scenario.start_year
    items = []
    for arm in shown_regimes(d):
        r = tab.loc[arm]
        parts = []
        for o in d.outcomes[:2]:
            a = ab[(ab["arm"] == arm) & (ab["outcome"] == o)]
            absolute = (
                f"{_abs(a['effect'].iloc[0], lang)} {abs_unit(o, lang)}" if len(a) else "–"
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
        share=fmt(100 * float(share), lang, 0) + pct_sign(lang),
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
    regimes = shown_regimes(d)
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
            absolute = f"{_abs(a.median(), lang)} {abs_unit(o, lang)}" if len(a) else "–"
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
                    median=fmt(r[f"{o}_median"], lang, 1, sign=True) + pct_sign(lang),
                    low=fmt(r[f"{o}_low"], lang, 1, sign=True) + pct_sign(lang),
                    high=fmt(r[f"{o}_high"], lang, 1, sign=True) + pct_sign(lang),
                    absolute=absolute,
                )
            )
        q = r["registration_quarter"]
        reg = t(
            "doc_registered_worlds",
            lang,
            share=fmt(100 * float(r["registered"]), lang, 0) + pct_sign(lang),
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


def summary_section(d: ReportData, lang: str, worlds: bool, abs_eff: pd.DataFrame) -> Section:
    """The summary section: every regime's effects, registration and budgets in sentences."""
    sc = d.scenario.scenario
    q = int(d.df["quarter"].max())
    end_year = sc.start_year + (q - 1) // 4
    sec = Section("summary", t("doc_h_summary", lang))
    regimes = [arm_label(a, lang, d.info.titles) for a in shown_regimes(d)]
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
