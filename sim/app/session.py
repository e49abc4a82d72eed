"""What the strategy-session page does, in plain Python (no Solara): the page's logic.

:mod:`sim.app` draws the page; everything it computes comes from here, so it is tested without a
browser and gives the same numbers as the API:

* the scenario allow-list -- the page only opens ``*.toml`` files of the project's scenario
  folder (:func:`resolve_scenario`), never a path sent by the browser;
* the levers -- a regime's main preference levels with their unit and legal source
  (:func:`levers`), each also a keyword of the live model :class:`sim.app.live.LivePair`;
* the estimate -- N paired replications of de facto and the regime by the API's
  :func:`sim.api.run_pairs` (:func:`estimate`), turned into effect cards by
  :func:`sim.analysis.effects` and :func:`sim.analysis.budget` unchanged (:func:`effect_cards`);
* "Save" (the runs as a named sweep by :func:`sim.api.store_runs`, :func:`save_sweep`) and
  "Download" (the report's figure pack by :func:`sim.api.build_report`,
  :func:`figure_pack_zip`).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.budget import budget
from sim.analysis.effects import effects
from sim.api import build_report, results_frame, run_pairs, store_runs
from sim.errors import InputError
from sim.report.i18n import fmt, fmt_ci, outcome_label, param_label, t, unit
from sim.run.results import RunResult
from sim.scenario.files import SHIPPED_DIR
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Param, Scenario

__all__ = [
    "CARD_OUTCOMES",
    "LEVER_FIELDS",
    "Lever",
    "effect_cards",
    "estimate",
    "figure_pack_zip",
    "levers",
    "resolve_scenario",
    "save_sweep",
    "scenario_choices",
    "scenario_dir",
]

CARD_OUTCOMES = ["output", "employment", "productivity", "market_share"]
DEFAULT_REPLICATIONS = 20
LANG_ENV = "CLUSTERSIM_APP_LANG"
DIR_ENV = "CLUSTERSIM_SCENARIO_DIR"
#: The main preference levels of a regime: lever name (a keyword of
#: :class:`sim.app.live.LivePair`)
#: -> (instrument table of the regime, field). Rates, loan rate, tax cuts and budget limits.
LEVER_FIELDS: dict[str, tuple[str, str]] = {
    "joint_project_subsidy_rate": ("joint_project_subsidy", "rate"),
    "joint_project_subsidy_budget": ("joint_project_subsidy", "annual_budget_mln_rub"),
    "starter_batch_subsidy_rate": ("starter_batch_subsidy", "rate"),
    "starter_batch_subsidy_budget": ("starter_batch_subsidy", "annual_budget_mln_rub"),
    "loan_rate": ("preferential_loans", "spread"),
    "loan_budget": ("preferential_loans", "annual_budget_mln_rub"),
    "regional_profit_tax_cut": ("tax_relief", "regional_profit_tax_cut"),
    "property_tax_cut": ("tax_relief", "property_tax_cut"),
}


# ============================================================================================
# Scenario allow-list
# ============================================================================================
def scenario_dir() -> Path:
    """The scenario folder: the shipped scenarios (``CLUSTERSIM_SCENARIO_DIR`` overrides it)."""
    env = os.environ.get(DIR_ENV, "").strip()
    return Path(env).resolve() if env else SHIPPED_DIR.resolve()


def scenario_choices() -> list[str]:
    """Scenario file names offered by the page: the ``*.toml`` files directly in the folder."""
    d = scenario_dir()
    return sorted(p.name for p in d.glob("*.toml") if p.is_file()) if d.is_dir() else []


def resolve_scenario(name: str) -> Path:
    """The path of an allowed scenario file; anything else is refused.

    Only a bare file name from :func:`scenario_choices` is accepted: no directories, no ``..``,
    no absolute paths, no symlinks leading out of the folder.

    Raises:
        InputError: The name is not a scenario file of the scenario folder.
    """
    d = scenario_dir()
    text = str(name)
    path = (d / text).resolve()
    if text not in scenario_choices() or path.parent != d.resolve():
        raise InputError.parameter(
            "scenario",
            f"refused: '{text}' is not a scenario file of the project's scenario folder "
            f"(allowed: {', '.join(scenario_choices()) or 'none'})",
        )
    return path


# ============================================================================================
# Levers: the regime's main preference levels
# ============================================================================================
@dataclass(frozen=True)
class Lever:
    """One slider: its keyword name, the dotted key into the scenario and the Param it sets."""

    name: str
    key: str
    param: Param
    min: float
    max: float
    step: float

    def label(self, lang: str) -> str:
        """Slider label from the catalogue (longest known suffix) or the field name."""
        instrument, field = self.key.split(".")[-2:]
        known = param_label(f"{instrument}.{field}", lang)
        if field == "annual_budget_mln_rub":
            return f"{t(f'app_{instrument}', lang)}: {known}"
        return known


def levers(sc: Scenario, regime: str) -> list[Lever]:
    """Sliders for the preference levels of ``regime`` (rates, loan rate, tax cuts, budgets)."""
    if regime not in sc.regimes:
        return []
    reg = sc.regimes[regime]
    out = []
    for name, (instrument, f) in LEVER_FIELDS.items():
        inst = getattr(reg, instrument)
        if inst is None:
            continue
        p: Param = getattr(inst, f)
        v = float(p.value)
        if f.endswith("mln_rub"):
            hi = max(100.0, 2.0 * v)
            lo, step = 0.0, 10.0 if hi <= 2000 else 50.0
        elif f in ("spread",):
            lo, hi, step = 0.0, max(0.20, 2.0 * v), 0.005
        elif f.endswith("tax_cut"):
            lo, hi, step = 0.0, max(0.10, 2.0 * v), 0.001
        else:
            lo, hi, step = 0.0, 1.0, 0.01
        out.append(Lever(name, f"regimes.{regime}.{instrument}.{f}", p, lo, hi, step))
    return out


def with_levels(sc: Scenario, levels: dict[str, float], horizon: int | None = None) -> Scenario:
    """The scenario with the slider values (and optionally another horizon) applied."""
    overrides: dict[str, Any] = dict(levels)
    if horizon is not None and horizon != sc.scenario.horizon_quarters:
        overrides["scenario.horizon_quarters"] = int(horizon)
    return apply_overrides(sc, overrides, source="<app>") if overrides else sc


# ============================================================================================
# Estimate: paired replications, exactly as sim.simulate runs them
# ============================================================================================
def estimate(
    sc: Scenario,
    regime: str,
    replications: int,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run de facto and ``regime`` on ``replications`` paired seeds in this process.

    The runs of :func:`sim.api.run_pairs` with ``arms=[de_facto, regime]``.

    Returns:
        The outcome series (:func:`sim.api.results_frame`) and the run results.
    """
    results = run_pairs(sc, replications=replications, seed=seed, arms=[ARM_DE_FACTO, regime],
                        executor="local", progress=progress or False)  # fmt: skip
    return results_frame(results), results


def effect_cards(df: pd.DataFrame, sc: Scenario, regime: str) -> list[dict[str, Any]]:
    """Effect cards: % effect with 95 % CI per headline outcome, then budget efficiency.

    Numbers come from :func:`sim.analysis.effects` and :func:`sim.analysis.budget` unchanged.
    """
    eff = effects(df, CARD_OUTCOMES)
    eff = eff[(eff["arm"] == regime) & (eff["point"] == 0)].set_index("outcome")
    cards = []
    for o in CARD_OUTCOMES:
        r = eff.loc[o]
        cards.append(
            {
                "key": o,
                "value": float(r["effect_pct"]),
                "low": float(r["pct_ci_low"]),
                "high": float(r["pct_ci_high"]),
                "effect": float(r["effect"]),
                "unit": r["unit"],
                "n": int(r["n"]),
            }
        )
    b = budget(df, discount_rate=sc.experiment.discount_rate.value)
    b = b[(b["arm"] == regime) & (b["point"] == 0)].iloc[0]
    cards.append(
        {
            "key": "budget_efficiency",
            "value": float(b["be_total"]),
            "low": float(b["be_total_ci_low"]),
            "high": float(b["be_total_ci_high"]),
            "effect": float(b["cost_total"]),
            "unit": "mln RUB",
            "n": int(b["n"]),
        }
    )
    return cards


def runs_frame(results: list[RunResult]) -> pd.DataFrame:
    """``point, replicate, arm, registered_quarter`` of completed runs (for the fan chart)."""
    return pd.DataFrame(
        [
            {
                "point": r.key.point,
                "replicate": r.key.replicate,
                "arm": r.key.arm,
                "registered_quarter": r.registered_quarter,
            }
            for r in results
            if r.status == "completed"
        ]
    )


# ============================================================================================
# Save and download
# ============================================================================================
def save_sweep(
    name: str,
    sc: Scenario,
    regime: str,
    results: list[RunResult],
    *,
    replications: int,
    seed: int,
    levels: dict[str, float],
    db: str | None = None,
) -> str:
    """Store the estimate's runs as a named sweep (:func:`sim.api.store_runs`); return its name."""
    spec = {"kind": "app", "regime": regime, "levels": levels}
    return store_runs(name, sc, results, replications=replications, seed=seed,
                      arms=[ARM_DE_FACTO, regime], spec=spec, db=db)  # fmt: skip


def figure_pack_zip(sweep: str, db: str | None = None) -> bytes:
    """The report's figure pack and tables of a stored sweep as a zip file (ru and en)."""
    with tempfile.TemporaryDirectory() as tmp:
        rep = build_report(sweep, Path(tmp) / sweep, db=db, formats=("html",),
                           figure_formats=("png", "svg"))  # fmt: skip
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(rep.out.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(rep.out.parent))
        return buf.getvalue()


# ============================================================================================
# Labels of the page: the app_* entries of the chart label catalogue (sim.report.i18n)
# ============================================================================================


def ui(key: str, lang: str, **kw: Any) -> str:
    """A label of the page: ``app_<key>`` of the catalogue (:data:`sim.report.i18n.CATALOGUE`)."""
    return t(f"app_{key}", lang, **kw)


def card_texts(card: dict[str, Any], lang: str) -> tuple[str, str, str]:
    """Title, main value and note of an effect card."""
    if card["key"] == "budget_efficiency":
        value = fmt_ci(card["value"], card["low"], card["high"], lang, 2)
        note = ui("be_note", lang, cost=fmt(card["effect"], lang, 0))
        return ui("budget_efficiency", lang), value, note
    value = fmt_ci(card["value"], card["low"], card["high"], lang, 2)
    note = f"{fmt(card['effect'], lang, 1, sign=True)} {unit(card['unit'], lang, horizon=True)}"
    return outcome_label(card["key"], lang), value, note
