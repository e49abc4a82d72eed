"""What the brief's summary and tables share: assumptions, labels, calendar quarters, effects.

Helpers of :mod:`sim.report.summary` and :mod:`sim.report.document`: the ``{value, unit,
source}`` entries of a scenario file and their evidence labels, calendar quarters, which
regimes and points a brief shows, and the absolute effects (a share's in percentage points)
with the rounding every table uses.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.analysis.effects import effects
from sim.model.outcomes import outcome
from sim.report.data import ReportData
from sim.report.figures import MIN_WORLDS_FOR_CDF
from sim.report.i18n import (
    t,
    unit,
)
from sim.report.tables import (
    sig_decimals,
)
from sim.scenario.schema import ARM_DE_FACTO, EVIDENCE_RE

__all__ = [
    "WORLD_DESIGNS",
    "abs_decimals",
    "abs_effects",
    "abs_unit",
    "calendar_quarter",
    "drawn_worlds",
    "evidence_labels",
    "is_drawn",
    "is_share",
    "key_assumptions",
    "pct_sign",
    "shown_regimes",
]

#: Designs whose points are drawn worlds (the summary then speaks across worlds).
WORLD_DESIGNS = ("lhs", "sobol")


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


def pct_sign(lang: str) -> str:
    """The per-cent sign as written in ``lang`` (a narrow no-break space before it in Russian)."""
    return "\u202f%" if lang == "ru" else "%"


def calendar_quarter(q: float, start_year: int, lang: str) -> str:
    """Model quarter ``q`` (1 = the first quarter of the start year) as a calendar quarter."""
    qi = round(q) - 1
    year, quarter = start_year + qi // 4, qi % 4 + 1
    return t("doc_calendar_q", lang, q=quarter, year=year)



def drawn_worlds(d: ReportData) -> bool:
    """Whether the sweep's points are drawn worlds (lhs, sobol) with enough of them."""
    method = (d.sweep["spec"].get("design") or {}).get("method")
    return (
        method in WORLD_DESIGNS
        and not d.table.empty
        and d.table["point"].nunique() >= MIN_WORLDS_FOR_CDF
    )


def is_drawn(d: ReportData) -> bool:
    """Whether the points are draws (lhs, sobol, morris), not cases to list one by one."""
    return (d.sweep["spec"].get("design") or {}).get("method") in ("lhs", "sobol", "morris")


def shown_regimes(d: ReportData) -> list[str]:
    """The sweep's regimes (not de facto) that have rows in the regime table, in sweep order."""
    arms = [a for a in d.sweep["arms"] if a != ARM_DE_FACTO]
    have = set(d.table["arm"]) if not d.table.empty else set()
    return [a for a in arms if a in have]


def is_share(o: str) -> bool:
    """An outcome that is a share: its absolute effect is a change in percentage points."""
    return str(outcome(o).unit).startswith("share")


def abs_effects(d: ReportData) -> pd.DataFrame:
    """Absolute effects (regime minus de facto over the horizon) per point, arm and outcome.

    A share's effect is given in percentage points (the change of the share times 100).
    """
    try:
        eff = effects(d.df, list(d.outcomes))
    except Exception:  # pragma: no cover - a report still renders without absolute figures
        return pd.DataFrame(columns=["point", "arm", "outcome", "effect", "ci_low", "ci_high"])
    shares = eff["outcome"].map(is_share).astype(bool)
    for c in ("effect", "ci_low", "ci_high"):
        eff.loc[shares, c] = 100 * eff.loc[shares, c]
    return eff


def abs_unit(o: str, lang: str) -> str:
    """The unit of an absolute effect: п. п./pp for a share, else the outcome's unit."""
    if is_share(o):
        return t("app_pp", lang)
    return unit(outcome(o).unit, lang, horizon=outcome(o).horizon == "sum")


def abs_decimals(*values: Any) -> int:
    """Decimals for an absolute effect, by the tables' rule.

    Three significant digits of the largest value, at least one decimal
    (:func:`sim.report.tables.sig_decimals`), so the brief, the XLSX and the page's cards round
    an effect alike.
    """
    return max(1, sig_decimals(list(values)))
