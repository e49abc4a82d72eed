"""What the strategy-session page does, in plain Python (no Solara): the page's logic.

:mod:`sim.app` draws the page; everything it computes comes from here, so it is tested without a
browser and gives the same numbers as the API:

* the scenario allow-list -- the page only opens ``*.toml`` files of the project's scenario
  folder (:func:`resolve_scenario`), never a path sent by the browser; a name with control
  characters (``%00``) is refused like any other;
* the levers -- a regime's main preference levels with their unit and legal source
  (:func:`levers`), each also a keyword of the live model :class:`sim.app.live.LivePair`;
* the estimate -- N paired replications of de facto and the regime by the API's
  :func:`sim.api.run_pairs` (:func:`estimate`), turned into effect cards by
  :func:`sim.analysis.effects` and :func:`sim.analysis.budget` unchanged (:func:`effect_cards`:
  the headline effects, then the net balance of the federal budget, the regional budget and the
  Social Fund, with budget efficiency or "no cost to this budget");
  N and the horizon are bounded (:func:`check_estimate`: at most :data:`MAX_REPLICATIONS`
  pairs of at most :data:`MAX_HORIZON` quarters); the page runs it split across worker
  processes (:func:`estimate_part`, :mod:`sim.app.jobs`), the de-facto runs cached by
  :func:`de_facto_key`;
* "Save" (the runs as a named sweep by :func:`sim.api.store_runs`, :func:`save_sweep`; the name
  is checked by :func:`check_sweep_name`) and "Download" (the report's figure pack by
  :func:`sim.api.build_report` in a private temporary folder, :func:`figure_pack_zip`). The
  page never takes a file path from a visitor.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.budget import budget
from sim.analysis.comparison import compare_points
from sim.analysis.effects import effects
from sim.analysis.robustness import across_worlds
from sim.api import HEADLINE_OUTCOMES, build_report, results_frame, run_pairs, store_runs
from sim.errors import InputError
from sim.report.criteria import source_in
from sim.report.i18n import fmt, fmt_ci, is_flag, outcome_label, param_label, t, unit
from sim.report.paths import safe_component
from sim.report.tables import sig_decimals
from sim.run.designs import design_matrix
from sim.run.results import RunKey, RunResult, in_task_order
from sim.run.runner import MemorySink, execute_pending
from sim.run.seeds import check_replications, replicate_seeds
from sim.run.worlds import world_design
from sim.scenario.files import SHIPPED_DIR
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Param, Scenario

__all__ = [
    "BUDGET_CARD_LEVELS",
    "CARD_OUTCOMES",
    "LEVER_FIELDS",
    "MAX_HORIZON",
    "MAX_REPLICATIONS",
    "WORLDS",
    "WORLD_REPLICATIONS",
    "Lever",
    "check_estimate",
    "check_sweep_name",
    "de_facto_key",
    "effect_cards",
    "estimate",
    "estimate_part",
    "figure_pack_zip",
    "levers",
    "resolve_scenario",
    "save_sweep",
    "scenario_choices",
    "scenario_dir",
    "worlds_estimate",
]

CARD_OUTCOMES = ["output", "employment", "productivity", "market_share"]
#: Budget levels with a net-balance card (:func:`effect_cards`).
BUDGET_CARD_LEVELS = ("federal", "regional", "social_fund")
DEFAULT_REPLICATIONS = 20
#: Most paired replications one estimate of the page may run (about 25 s of 40 quarters in
#: one worker process; more belongs in a sweep: ``clustersim sweep``).
MAX_REPLICATIONS = 200
#: Fewest paired replications (a confidence interval needs two).
MIN_REPLICATIONS = 2
#: Longest horizon of the page's live run and estimate, in quarters (the horizon slider's max).
MAX_HORIZON = 80
#: A saved sweep's name: up to 100 ASCII letters, digits, ``_ . -``; not starting with ``.``
#: or ``-`` (as the results store requires of every new sweep name).
SWEEP_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
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
    no absolute paths, no symlinks leading out of the folder, no control characters (NUL).

    Raises:
        InputError: The name is not a scenario file of the scenario folder.
    """
    d = scenario_dir()
    text = str(name)
    allowed = f"(allowed: {', '.join(scenario_choices()) or 'none'})"
    if any(unicodedata.category(c).startswith("C") for c in text):
        shown = _printable(text)
        raise InputError.parameter(
            "scenario",
            f"refused: '{shown}' contains control characters; it is not a scenario file of "
            f"the project's scenario folder {allowed}",
        )
    if text not in scenario_choices() or (d / text).resolve().parent != d.resolve():
        raise InputError.parameter(
            "scenario",
            f"refused: '{text}' is not a scenario file of the project's scenario folder "
            f"{allowed}",
        )
    return (d / text).resolve()


def _printable(text: str) -> str:
    r"""``text`` with control and format characters shown as escapes (``\x00``)."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c).startswith("C")
        else c
        for c in text
    )  # fmt: skip


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

    def source(self, lang: str) -> str:
        """The lever's legal source in ``lang`` (the scenario's ``source_ru`` in Russian)."""
        return source_in(self.param, lang)

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
def check_estimate(sc: Scenario, replications: object) -> int:
    """The number of pairs of an estimate, if the page may run it; bounds checked on the server.

    Raises:
        InputError: N is not a whole number from :data:`MIN_REPLICATIONS` to
            :data:`MAX_REPLICATIONS`, or the horizon is longer than :data:`MAX_HORIZON`.
    """
    try:
        n = int(replications)  # type: ignore[call-overload]
        ok = n == replications
    except (TypeError, ValueError, OverflowError):
        n, ok = 0, False
    if not ok or not MIN_REPLICATIONS <= n <= MAX_REPLICATIONS:
        raise InputError.parameter(
            "replications",
            f"N must be a whole number from {MIN_REPLICATIONS} to {MAX_REPLICATIONS} paired "
            f"replications on this page (got {str(replications)[:20]}); run more as a sweep "
            "(clustersim sweep)",
        )
    if sc.scenario.horizon_quarters > MAX_HORIZON:
        raise InputError.parameter(
            "horizon_quarters",
            f"the horizon must be at most {MAX_HORIZON} quarters on this page "
            f"(got {sc.scenario.horizon_quarters})",
        )
    return n


def estimate(
    sc: Scenario,
    regime: str,
    replications: int,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run de facto and ``regime`` on ``replications`` paired seeds in this process.

    The runs of :func:`sim.api.run_pairs` with ``arms=[de_facto, regime]``. The page makes the
    same runs split across worker processes (:func:`estimate_part`, :mod:`sim.app.jobs`), never
    in the server process, and gets exactly these results, frame and cards.

    Returns:
        The outcome series (:func:`sim.api.results_frame`) and the run results.
    """
    results = run_pairs(sc, replications=replications, seed=seed, arms=[ARM_DE_FACTO, regime],
                        executor="local", progress=progress or False)  # fmt: skip
    return results_frame(results), results


class _PartSink(MemorySink):
    """A :class:`MemorySink` that counts the runs outside a block of replicates as stored.

    :func:`~sim.run.runner.execute_pending` then runs only the block's (as when a sweep resumes).
    """

    def __init__(self, replicates: range, reps: int, arms: list[str]) -> None:
        super().__init__()
        inside = set(replicates)
        self._elsewhere = {RunKey(0, r, a) for r in range(reps) if r not in inside for a in arms}

    def stored_keys(self, sweep_id: int, status: str | None = "completed") -> set[RunKey]:
        """The keys outside the block, and those received so far with ``status``."""
        return self._elsewhere | super().stored_keys(sweep_id, status)


def estimate_part(
    sc: Scenario,
    arms: list[str],
    replicates: range,
    replications: int,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """The runs of replicates ``replicates`` of :func:`sim.api.run_pairs`, in this process.

    ``run_pairs(sc, replications=replications, seed=seed, arms=arms, executor="local")`` makes
    the same runs for these replicates, with the same keys and seeds (replicate ``r`` uses seed
    ``r`` of :func:`~sim.run.seeds.replicate_seeds`), in the same order: the runs of the other
    replicates count as stored, as when a sweep resumes (:func:`~sim.run.runner.execute_pending`).
    The page splits an estimate into such parts across worker processes (:mod:`sim.app.jobs`).

    Args:
        sc: The scenario with the levels applied.
        arms: The arms to run (in run_pairs's order).
        replicates: A block of replicate indices, within ``range(replications)``.
        replications: N, the estimate's paired replications (the seeds depend on it).
        seed: Root seed (default: the scenario's).
        progress: Called with ``(runs done, runs of this part)``.

    Returns:
        The results, one per (replicate, arm), replicate by replicate.
    """
    arms = list(arms)
    reps = check_replications(replications, len(arms))
    if replicates.step != 1 or (replicates and not 0 <= replicates[0] <= replicates[-1] < reps):
        raise ValueError(f"replicates {replicates} is not a block of range({reps})")
    seeds = replicate_seeds(sc.experiment.seed if seed is None else seed, reps)
    sink = _PartSink(replicates, reps, arms)
    execute_pending(sink, 0, [sc], reps, arms, seeds, executor="local",
                    progress=progress or False)  # fmt: skip
    return in_task_order(sink.results, arms)


def de_facto_key(sc: Scenario, replications: int, seed: int | None = None) -> str:
    """What the de-facto runs of an estimate depend on, as a SHA-256 (hex).

    The de-facto arm offers no preference (:class:`sim.model.ClusterModel` gives its government
    no regime), so its runs depend on the scenario without its ``regimes`` (the world, the
    horizon, the experiment), the root seed and N, not on the levels of any regime: moving a
    lever leaves the key, and the de-facto runs, unchanged (``tests/test_app_jobs_split.py``).
    """
    root = sc.experiment.seed if seed is None else seed
    world = sc.model_dump(mode="json", exclude={"regimes"})
    text = json.dumps([world, int(root), int(replications), sc.scenario.horizon_quarters],
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: The page's uncertainty view: worlds and paired replications per world (few, for a session).
WORLDS = 8
WORLD_REPLICATIONS = 2


def worlds_estimate(
    sc: Scenario,
    regime: str,
    worlds: int = WORLDS,
    replications: int = WORLD_REPLICATIONS,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The regime against de facto over the uncertainty set, summarised as the brief does.

    The worlds are :func:`sim.api.run_worlds`'s (a Latin hypercube over the scenario's ranged
    uncertainties, :func:`sim.run.worlds.world_design`, the same seeds in every world), drawn
    around the page's applied levels; each world's regime table is
    :func:`sim.analysis.comparison.compare_points` and the summary
    :func:`sim.analysis.robustness.across_worlds` (median, 90 % band across worlds, share of
    worlds with a positive effect). Run in a worker process (:mod:`sim.app.jobs`).

    Args:
        sc: The scenario with the levels applied.
        regime: The regime (the other arm is de facto).
        worlds: Worlds to draw.
        replications: Paired replications per world.
        seed: Root seed (default: the scenario's).
        progress: Called with ``(runs done, runs in total)``.

    Returns:
        The one-row summary of :func:`~sim.analysis.robustness.across_worlds`.

    Raises:
        InputError: A scenario without ranged uncertainties.
    """
    root = sc.experiment.seed if seed is None else seed
    try:
        points, _ = design_matrix(world_design(sc, worlds, root), root)
    except ValueError as exc:
        raise InputError.parameter("worlds", str(exc)) from None
    total = 2 * replications * len(points)
    frames = []
    for i, p in enumerate(points):
        def step(done: int, _n: int, i: int = i) -> None:
            if progress is not None:
                progress(2 * replications * i + done, total)

        df, _ = estimate(apply_overrides(sc, p), regime, replications, root, progress=step)
        frames.append(df.assign(point=i))
    design = pd.DataFrame({"point": range(len(points))})
    per_world = compare_points(pd.concat(frames, ignore_index=True), design,
                               [ARM_DE_FACTO, regime], outcomes=HEADLINE_OUTCOMES,
                               discount_rate=sc.experiment.discount_rate.value)  # fmt: skip
    return across_worlds(per_world, [regime], outcomes=HEADLINE_OUTCOMES)


def effect_cards(df: pd.DataFrame, sc: Scenario, regime: str) -> list[dict[str, Any]]:
    """Effect cards: % effect with 95 % CI per headline outcome, then the net balance per budget.

    Numbers come from :func:`sim.analysis.effects` and :func:`sim.analysis.budget` unchanged.
    The budget cards (keys ``net_federal``, ``net_regional``, ``net_social_fund``) hold the net
    balance (present value, mln RUB) with its 95 % interval, the extra revenue and cash cost
    behind it, and the level's budget efficiency or ``no_cost`` -- the same figures and
    definitions as the terminal table and the brief (:func:`sim.report.tables.accounts_view`).
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
    for level in BUDGET_CARD_LEVELS:
        cards.append(
            {
                "key": f"net_{level}",
                "value": float(b[f"net_{level}"]),
                "low": float(b[f"net_{level}_ci_low"]),
                "high": float(b[f"net_{level}_ci_high"]),
                "effect": float(b[f"extra_revenue_{level}_pv"]),
                "unit": "mln RUB",
                "n": int(b["n"]),
                "cash_cost": float(b[f"cash_cost_{level}_pv"]),
                "be": float(b[f"be_{level}"]),
                "no_cost": is_flag(b[f"no_cost_{level}"]),
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
    """Store the estimate's runs as a named sweep (:func:`sim.api.store_runs`); return its name.

    Raises:
        InputError: The name is not a valid sweep name (:func:`check_sweep_name`).
    """
    name = check_sweep_name(name)
    spec = {"kind": "app", "regime": regime, "levels": levels}
    return store_runs(name, sc, results, replications=replications, seed=seed,
                      arms=[ARM_DE_FACTO, regime], spec=spec, db=db)  # fmt: skip


def check_sweep_name(name: str) -> str:
    """A sweep name typed on the page, if it is one: never a path, never a formula.

    One to 100 ASCII letters, digits, ``_``, ``.`` and ``-``, the first a letter, digit or
    ``_``: so no ``/``, no ``..`` at the start, no spaces or control characters and no leading
    ``=``, ``+``, ``-`` or ``@`` (a spreadsheet formula).

    Raises:
        InputError: Anything else.
    """
    text = str(name).strip()
    if not SWEEP_NAME_RE.fullmatch(text):
        shown = _printable(text[:60]) + ("…" if len(text) > 60 else "")
        raise InputError.parameter(
            "sweep",
            f"'{shown}' is not a sweep name; use up to 100 ASCII letters, digits, '_', '.' "
            "and '-', starting with a letter, digit or '_'",
        )
    return text


def figure_pack_zip(sweep: str, db: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> bytes:  # fmt: skip
    """The report's figure pack and tables of a stored sweep as a zip file (ru and en).

    The report is built in a private temporary folder (``tempfile.mkdtemp``, mode 0700) whose
    path does not depend on the sweep's name; inside the zip, files are under the sweep's name
    made a safe file name (:func:`sim.report.paths.safe_component`).

    Args:
        sweep: The stored sweep's name.
        db: The results database (default: the configured one).
        progress: Called with ``(files written, total)`` as the report is written (first with
            0 once the first language's figures are drawn; the page's progress bar).

    Returns:
        The zip file's bytes.
    """
    with tempfile.TemporaryDirectory(prefix="clustersim-pack-") as tmp:
        rep = build_report(sweep, Path(tmp) / "pack", db=db, formats=("html",),
                           figure_formats=("png", "svg"),
                           progress=progress or False)  # fmt: skip
        top = safe_component(sweep)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for rel in rep.files:
                z.write(rep.out / rel, f"{top}/{rel}")
        return buf.getvalue()


# ============================================================================================
# Labels of the page: the app_* entries of the chart label catalogue (sim.report.i18n)
# ============================================================================================


def ui(key: str, lang: str, **kw: Any) -> str:
    """A label of the page: ``app_<key>`` of the catalogue (:data:`sim.report.i18n.CATALOGUE`)."""
    return t(f"app_{key}", lang, **kw)


def card_texts(card: dict[str, Any], lang: str) -> tuple[str, str, str]:
    """Title, main value and note of an effect card."""
    if card["key"].startswith("net_"):
        level = card["key"].removeprefix("net_")
        value = fmt_ci(card["value"], card["low"], card["high"], lang, 1)
        be = (
            t("no_cost", lang)
            if card["no_cost"]
            else ui("be", lang, value=fmt(card["be"], lang, 2))
        )
        note = ui("net_note", lang, revenue=fmt(card["effect"], lang, 1, sign=True),
                  cash=fmt(card["cash_cost"], lang, 1), be=be)  # fmt: skip
        return ui("net", lang, level=t(level, lang)), value, note
    value = fmt_ci(card["value"], card["low"], card["high"], lang, 2)
    if str(card["unit"]).startswith("share"):  # a change of a share: in percentage points
        note = f"{fmt(100 * card['effect'], lang, 2, sign=True)} {t('app_pp', lang)}"
    else:  # three significant digits, at least one decimal (+0,0123, not +0,0)
        dec = max(1, sig_decimals([card["effect"]], sig=3, most=4))
        what = unit(card["unit"], lang, horizon=True)
        note = f"{fmt(card['effect'], lang, dec, sign=True)} {what}"
    return outcome_label(card["key"], lang), value, note
