"""The report's figure set: which charts apply to a sweep, drawn for one language.

A sweep's charts summarise across its design points; their number never grows with the number
of points. The regime comparison, the budget chart and the fan charts show the base point; a
sweep of several points adds the robustness chart (every regime's effect at every point,
:func:`sim.report.sweep_charts.robustness_chart`); a grid adds dose-response charts (each
varied number against the effect, the other parameters at the base point) and the one-at-a-time
tornado chart; a Morris sweep the tornado chart of mu*, a Sobol sweep the chart of its indices;
drawn worlds (lhs, sobol) the distribution of the effect across worlds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.effects import effects
from sim.report import charts, sweep_charts
from sim.report.data import ReportData
from sim.report.distribution_charts import effect_cdf
from sim.report.i18n import fmt, param_label
from sim.scenario.schema import ARM_DE_FACTO

MIN_WORLDS_FOR_CDF = 8
"""Fewest drawn design points (worlds) for the chart of effects across worlds."""

__all__ = ["figures", "is_numeric", "oat_table", "point_label", "point_values"]


def _oat(
    table: pd.DataFrame, params: list[str], base: pd.Series, arm: str, o: str, df: pd.DataFrame
) -> pd.DataFrame | None:
    """One-at-a-time effects (absolute) at each parameter's lowest and highest value.

    For each parameter, the points where every other parameter is at its base value; the
    effect at the base point (``base``) and the parameter's values (``low_value``,
    ``high_value``) come along. None when fewer than two parameters can be varied alone.
    """
    eff = effects(df[df["arm"].isin([ARM_DE_FACTO, arm])], [o]).set_index("point")["effect"]
    rows = []
    design = table[table["arm"] == arm]
    base_pt = _base_rows(design, params, base)
    base_eff = eff.get(int(base_pt["point"].iloc[0]), np.nan) if len(base_pt) else np.nan
    for p in params:
        sel = _base_rows(design, [q for q in params if q != p], base)
        if sel[p].nunique() < 2:
            continue
        lo_pt = int(sel.loc[sel[p].idxmin(), "point"])
        hi_pt = int(sel.loc[sel[p].idxmax(), "point"])
        rows.append(
            {"parameter": p, "arm": arm, "outcome": o, "low": eff.get(lo_pt, np.nan),
             "high": eff.get(hi_pt, np.nan), "base": base_eff,
             "low_value": float(sel[p].min()), "high_value": float(sel[p].max())}
        )  # fmt: skip
    return pd.DataFrame(rows) if len(rows) >= 2 else None


def _base_rows(table: pd.DataFrame, params: list[str], base: pd.Series) -> pd.DataFrame:
    """The rows of ``table`` where each of ``params`` has its value at the base point."""
    sel = table
    for q in params:
        sel = sel[sel[q] == base[q]]
    return sel


def oat_table(d: ReportData) -> pd.DataFrame | None:
    """One-at-a-time effects of a grid sweep's first regime on its first outcome, or None.

    Each numeric parameter varied alone (the others at the base point): the absolute effect at
    its lowest and highest value (:func:`_oat`). None for other designs, without a regime, or
    with fewer than two numeric parameters varied alone.
    """
    method = (d.sweep["spec"].get("design") or {}).get("method", "none")
    regimes = [a for a in d.sweep["arms"] if a != ARM_DE_FACTO]
    if method != "grid" or d.table.empty or not regimes or ARM_DE_FACTO not in d.sweep["arms"]:
        return None
    numeric = [p for p in d.params if is_numeric(d.design[p]) and d.design[p].nunique() > 1]
    if len(numeric) < 2:
        return None
    base = d.design[d.design["point"] == d.base_point].iloc[0]
    return _oat(d.table, numeric, base, regimes[0], d.outcomes[0], d.df)


def _dose_response(d: ReportData, lang: str, figs: dict[str, Figure]) -> None:
    """Dose-response charts of a grid: each numeric parameter alone, the others at the base.

    Every outcome against the first parameter; the first outcome against each further one.
    """
    numeric = [p for p in d.params if is_numeric(d.design[p]) and d.design[p].nunique() > 1]
    base = d.design[d.design["point"] == d.base_point].iloc[0]
    for j, p in enumerate(numeric):
        sub = _base_rows(d.table, [q for q in d.params if q != p], base)
        if sub[p].nunique() < 2:
            continue
        for o in d.outcomes if j == 0 else d.outcomes[:1]:
            name = f"dose_response_{o}" if j == 0 else f"dose_response_{o}_{p.rsplit('.', 1)[-1]}"
            figs[name] = charts.dose_response(sub, p, o, lang=lang, info=d.info)


def is_numeric(s: pd.Series) -> bool:
    """Numeric and not boolean."""
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def point_label(d: ReportData, point: int, lang: str) -> str:
    """``parameter = value; ...`` of a design point, in the language."""
    if not d.params:
        return ""
    row = d.design[d.design["point"] == point].iloc[0]
    parts = []
    for p in d.params:
        v = row[p]
        if is_numeric(d.design[p]):  # a whole number (a horizon, a count) without decimals
            v = fmt(v, lang, 0 if float(v).is_integer() else 3)
        parts.append(f"{param_label(p, lang)} = {v}")
    return "; ".join(parts)


def point_values(d: ReportData, point: int, lang: str) -> str:
    """The parameter values of a design point, in the language."""
    row = d.design[d.design["point"] == point].iloc[0]
    return "; ".join(
        fmt(row[p], lang, 3) if is_numeric(d.design[p]) else str(row[p]) for p in d.params
    )


def figures(d: ReportData, lang: str, notes: list[str]) -> dict[str, Figure]:
    """Every chart that applies to the sweep, by file stem; what is skipped goes to ``notes``."""
    figs: dict[str, Figure] = {}
    info = d.info
    arms = list(d.sweep["arms"])
    regimes = [a for a in arms if a != ARM_DE_FACTO]
    bp = d.base_point
    if ARM_DE_FACTO not in arms or not regimes or d.table.empty:
        notes.append("comparison charts skipped: the sweep has no de_facto arm and regime")
    else:
        many = d.design["point"].nunique() > 1
        method = (d.sweep["spec"].get("design") or {}).get("method", "none")
        drawn = method in ("lhs", "sobol", "morris")  # points are draws, not cases to show
        if drawn and method != "morris" and d.design["point"].nunique() >= MIN_WORLDS_FOR_CDF:
            for o in d.outcomes[:2]:
                figs[f"effect_cdf_{o}"] = effect_cdf(d.table, regimes, o, lang=lang, info=info)
        subtitle = point_label(d, bp, lang) if many else ""
        figs["regime_comparison"] = charts.regime_comparison(
            d.table, d.outcomes, lang=lang, point=bp, info=info, subtitle=subtitle
        )
        figs["budget"] = charts.budget_chart(
            d.table, lang=lang, point=bp, info=info,
            discount_rate=d.scenario.experiment.discount_rate.value,
        )  # fmt: skip
        for arm in regimes:
            figs[f"fan_{d.outcomes[0]}_{arm}"] = charts.fan_chart(
                d.df, d.outcomes[0], arm, lang=lang, runs=d.runs, point=bp, info=info
            )
        if many:
            figs["robustness"] = sweep_charts.robustness_chart(
                d.table, regimes, d.outcomes, lang=lang, info=info, base_point=bp
            )
        if method == "grid":
            _dose_response(d, lang, figs)
            oat = oat_table(d)
            if oat is not None:
                figs["tornado"] = charts.tornado_chart(oat, lang=lang, info=info)
    if "morris" in d.sensitivity:
        figs["tornado"] = charts.tornado_chart(d.sensitivity["morris"], lang=lang, info=info)
    if "sobol" in d.sensitivity:
        figs["sobol"] = charts.sobol_chart(d.sensitivity["sobol"], lang=lang, info=info)
    horizon = int(d.df["quarter"].max())
    for arm, (nodes, edges) in d.networks.items():
        figs[f"network_{arm}"] = charts.network_chart(
            nodes, edges, lang=lang, arm=arm, quarter=horizon, info=info
        )
    reg = d.scenario.registry
    figs["timeline"] = charts.timeline_chart(
        d.df, lang=lang, point=bp, info=info,
        min_industrial_participants=reg.min_industrial_participants.value,
        fd_default=reg.functional_dependence_default.value,
        fd_reduced=reg.functional_dependence_reduced.value,
    )  # fmt: skip
    return figs
