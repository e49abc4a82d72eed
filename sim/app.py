"""The interactive page for strategy sessions (Solara, the server Mesa's SolaraViz runs on).

Start it with ``clustersim app`` (binds 127.0.0.1:8765). A facilitator chooses a scenario from
the project's ``scenarios/`` folder and a regime, moves the regime's preference levels, watches
one paired run (regime and de facto, same seed) step quarter by quarter, then estimates the
effects over N paired replications with 95 % CIs -- the same numbers as
``sim.simulate`` + ``sim.analysis.effects`` for the same inputs and seeds. "Save" stores the runs
as a named sweep, "Download" gives the report's figure pack, "Compare stored sweeps" shows the
regime table of any stored sweep.

Scenario files are read only from the allow-list of the scenario folder (:func:`resolve_scenario`);
the page never opens a path sent by the browser.

The logic (levers, estimate, effect cards, save) is plain Python below; the Solara page is the
``Page`` component at the end, built only when :mod:`solara` is importable (the ``app`` extra).
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import budget, effects
from sim.api import results_frame
from sim.errors import InputError
from sim.experiment import RunTask, replicate_seeds, run_tasks
from sim.i18n import arm_label, fmt, fmt_ci, outcome_label, param_label, t, unit
from sim.results import RunKey, RunResult
from sim.scenario import apply_overrides, canonical_json, load_scenario, scenario_hash
from sim.scenario.schema import ARM_DE_FACTO, Param, Scenario

__all__ = [
    "CARD_OUTCOMES",
    "Lever",
    "effect_cards",
    "estimate",
    "levers",
    "resolve_scenario",
    "save_sweep",
    "scenario_choices",
    "scenario_dir",
    "to_toml",
]

CARD_OUTCOMES = ["output", "employment", "productivity", "market_share"]
DEFAULT_REPLICATIONS = 20
LANG_ENV = "CLUSTERSIM_APP_LANG"
DIR_ENV = "CLUSTERSIM_SCENARIO_DIR"
_INSTRUMENT_FIELDS = {
    "joint_project_subsidy": ["rate", "annual_budget_mln_rub"],
    "starter_batch_subsidy": ["rate", "annual_budget_mln_rub"],
    "preferential_loans": ["spread", "annual_budget_mln_rub"],
    "tax_relief": ["regional_profit_tax_cut", "property_tax_cut"],
}


# ============================================================================================
# Scenario allow-list
# ============================================================================================
def scenario_dir() -> Path:
    """The project's scenario folder (``CLUSTERSIM_SCENARIO_DIR`` overrides it)."""
    env = os.environ.get(DIR_ENV, "").strip()
    return Path(env).resolve() if env else (Path(__file__).resolve().parents[1] / "scenarios")


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
        raise InputError.single(
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
    """One slider: a dotted key into the scenario and the Param it sets."""

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
    for instrument, fields in _INSTRUMENT_FIELDS.items():
        inst = getattr(reg, instrument)
        if inst is None:
            continue
        for f in fields:
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
            out.append(Lever(f"regimes.{regime}.{instrument}.{f}", p, lo, hi, step))
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

    The tasks are those of :func:`sim.api.simulate` with ``arms=[de_facto, regime]``.

    Returns:
        The outcome series (:func:`sim.api.results_frame`) and the run results.
    """
    root = sc.experiment.seed if seed is None else seed
    seeds = replicate_seeds(root, replications)
    arms = [ARM_DE_FACTO, regime]
    tasks = [RunTask(sc, RunKey(0, r, arm), seeds[r]) for r in range(replications) for arm in arms]
    collected: list[RunResult] = []
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(done[0], len(tasks))

    run_tasks(tasks, executor="local", on_results=collected.extend, progress=tick)
    return results_frame(collected), collected


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
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(data: dict[str, Any], _prefix: str = "") -> str:
    """A TOML document of a JSON-like dict (tables, arrays of tables, scalars, inline lists)."""
    scalars, tables, arrays = [], [], []
    for k, v in data.items():
        if v is None:
            continue
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            scalars.append(f"{json.dumps(k)} = {_toml_value(v)}")
    lines = scalars[:]
    for k, v in tables:
        name = f"{_prefix}{json.dumps(k)}"
        lines.append(f"\n[{name}]")
        lines.append(to_toml(v, name + "."))
    for k, items in arrays:
        name = f"{_prefix}{json.dumps(k)}"
        for item in items:
            lines.append(f"\n[[{name}]]")
            lines.append(to_toml(item, name + "."))
    return "\n".join(x for x in lines if x != "")


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
    """Store the estimate's runs as a named sweep (kind ``run``); return the stored name."""
    from sim.api import _store_batch
    from sim.store import open_store

    h = scenario_hash(sc)
    text = "# written by the clustersim app\n" + to_toml(sc.model_dump(mode="json")) + "\n"
    arms = [ARM_DE_FACTO, regime]
    with open_store(db) as store:
        store.put_scenario(h, sc.scenario.name, sc.scenario.title, text, canonical_json(sc))
        spec = {"kind": "app", "scenario": sc.scenario.name, "regime": regime,
                "levels": levels, "design": {"method": "none"}}  # fmt: skip
        sweep_id = store.create_sweep(name, h, spec, seed, replications, arms, "run", [(0, {}, h)])
        _store_batch(store, sweep_id, results)
        return str(store.get_sweep(name)["name"]) if store.get_sweep(name) else name


def figure_pack_zip(sweep: str, db: str | None = None) -> bytes:
    """The report's figure pack and tables of a stored sweep as a zip file (ru and en)."""
    from sim.report import build_report

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
# Labels of the page: the app_* entries of the chart label catalogue (sim.i18n)
# ============================================================================================


def ui(key: str, lang: str, **kw: Any) -> str:
    """A label of the page: ``app_<key>`` of the catalogue (:data:`sim.i18n.CATALOGUE`)."""
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


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(x)


# ============================================================================================
# The Solara page
# ============================================================================================
try:  # the `app` extra
    import solara
    import solara.lab
except ImportError:  # pragma: no cover - the page is only built with the extra installed
    solara = None


if solara is not None:
    import matplotlib

    matplotlib.use("Agg")

    from sim import charts

    _default_lang = os.environ.get(LANG_ENV, "en") if os.environ.get(LANG_ENV) in ("ru", "en") \
        else "en"  # fmt: skip
    lang_r = solara.reactive(_default_lang)
    scenario_r = solara.reactive(scenario_choices()[0] if scenario_choices() else "")
    regime_r = solara.reactive("")
    levels_r: solara.Reactive[dict[str, float]] = solara.reactive({})
    horizon_r = solara.reactive(0)
    reps_r = solara.reactive(DEFAULT_REPLICATIONS)
    seed_r = solara.reactive(0)
    progress_r = solara.reactive((0, 0))
    live_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
    estimate_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
    saved_r = solara.reactive("")
    sweep_name_r = solara.reactive("")
    compare_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
    error_r = solara.reactive("")

    def _db() -> str | None:
        return os.environ.get("CLUSTERSIM_DB") or None

    def _current() -> tuple[Scenario, str]:
        base = load_scenario(resolve_scenario(scenario_r.value))
        return with_levels(base, levels_r.value, horizon_r.value or None), regime_r.value

    _draw_lock = threading.Lock()

    def _unscope_rcparams() -> None:
        """Undo Solara's per-kernel rcParams (it skips validation on matplotlib 3.11).

        With it, ``plt.style.context`` leaves the style's values as unparsed strings
        (``figure.figsize = '3.15, 2.6'``) and every later figure fails. The page uses no pyplot
        state, so the plain global rcParams are restored (defaults, Agg backend).
        """
        cls = type(matplotlib.rcParams)
        if cls is matplotlib.RcParams and cls.__name__ != "RcParamsScoped":
            return
        orig = next(c for c in cls.__mro__[1:] if c.__name__ == "RcParams")
        matplotlib.RcParams = orig
        matplotlib.rcParams.__class__ = orig
        fresh = matplotlib.rc_params()
        fresh["backend"] = "agg"
        dict.clear(matplotlib.rcParams)
        matplotlib.rcParams.update(fresh)

    def _png(chart: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes:
        """Draw a chart of sim.charts to PNG outside the Solara kernel context.

        Solara scopes matplotlib's rcParams per kernel; the charts' house style
        (``plt.style.context``) does not survive that, so charts are drawn in a plain thread.
        """
        out: dict[str, Any] = {}

        def work() -> None:
            try:
                fig = chart(*args, **kwargs)
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=110)
                out["png"] = buf.getvalue()
            except Exception as exc:  # shown on the page by the caller
                out["error"] = exc

        with _draw_lock:
            _unscope_rcparams()
            th = threading.Thread(target=work, name="clustersim-chart")
            th.start()
            th.join()
        if "error" in out:
            raise out["error"]
        return out["png"]

    def _show(chart: Callable[..., Any], *args: Any, width: str = "100%", **kwargs: Any) -> None:
        solara.Image(_png(chart, *args, **kwargs), width=width, classes=["chart"])

    def _titles(sc: Scenario) -> dict[str, dict[str, str]]:
        return {k: {"en": r.title, "ru": r.title_ru or r.title} for k, r in sc.regimes.items()}

    def _info(sc: Scenario, n: int) -> charts.SourceInfo:
        return charts.SourceInfo(sc.scenario.name, scenario_hash(sc), n, titles=_titles(sc))

    @solara.lab.task
    def live_task() -> None:
        import time

        from sim.model import ClusterModel

        sc, regime = _current()
        seed = replicate_seeds(seed_r.value or sc.experiment.seed, 1)[0]
        models = {a: ClusterModel(sc, arm=a, rng=seed) for a in (ARM_DE_FACTO, regime)}
        n = sc.scenario.horizon_quarters
        for q in range(1, n + 1):
            if not live_task.is_current():
                return
            for m in models.values():
                m.step()
            m = models[regime]
            state = {"q": q, "n": n, "arm": regime, "outcomes": {
                a: mm.outcomes[:q].copy() for a, mm in models.items()},
                "registered": m.government.registered_quarter}  # fmt: skip
            if q % 4 == 0 or q == n:
                state["network"], state["network_q"] = m.supply_network(2000), q
            else:
                state["network"] = live_r.value.get("network")
                state["network_q"] = live_r.value.get("network_q", q)
            live_r.value = state
            time.sleep(0.05)

    @solara.lab.task
    def estimate_task() -> None:
        sc, regime = _current()
        seed = seed_r.value or sc.experiment.seed
        reps = max(2, int(reps_r.value))
        progress_r.value = (0, 2 * reps)
        df, results = estimate(
            sc, regime, reps, seed, progress=lambda d, t: setattr(progress_r, "value", (d, t))
        )
        estimate_r.value = {
            "df": df, "results": results, "cards": effect_cards(df, sc, regime), "sc": sc,
            "regime": regime, "reps": reps, "seed": seed, "levels": dict(levels_r.value),
        }  # fmt: skip
        saved_r.value = ""

    def _save() -> None:
        try:
            _save_or_raise()
        except Exception as exc:  # e.g. a name taken by a different sweep: say so on the page
            error_r.value = str(exc)

    def _save_or_raise() -> None:
        e = estimate_r.value
        if not e:
            return
        name = sweep_name_r.value.strip() or (
            f"app-{e['sc'].scenario.name}-{e['regime']}-{scenario_hash(e['sc'])[:8]}"
            f"-r{e['reps']}-s{e['seed']}"
        )
        saved_r.value = save_sweep(name, e["sc"], e["regime"], e["results"],
                                   replications=e["reps"], seed=e["seed"],
                                   levels=e["levels"], db=_db())  # fmt: skip

    def _pack() -> bytes:
        if not saved_r.value:
            _save_or_raise()
        return figure_pack_zip(saved_r.value, db=_db())

    def _set_horizon(quarters: int) -> None:
        horizon_r.value = int(quarters)

    def _set_scenario(name: str) -> None:
        scenario_r.value = name
        regime_r.value = ""
        levels_r.value = {}
        horizon_r.value = 0
        estimate_r.value = {}
        live_r.value = {}

    @solara.component
    def LanguageSwitch() -> None:  # noqa: N802 (Solara component)
        solara.ToggleButtonsSingle(value=lang_r, values=["ru", "en"], classes=["lang-switch"])

    @solara.component
    def Levers(sc: Scenario, regime: str, lang: str) -> None:  # noqa: N802 (Solara component)
        solara.Text(ui("levels", lang), style={"font-weight": "bold"})
        levels = levels_r.value
        for lv in levers(sc, regime):
            value = float(levels.get(lv.key, lv.param.value))

            def set_value(v: float, key: str = lv.key) -> None:
                levels_r.value = {**levels_r.value, key: float(v)}

            with solara.Div(classes=["lever"]):
                label = f"{lv.label(lang)} ({unit(lv.param.unit, lang)})"
                solara.SliderFloat(label, value=value, min=lv.min, max=lv.max, step=lv.step,
                                   on_value=set_value)  # fmt: skip
                solara.Text(f"{fmt(value, lang, 3)} — {ui('source', lang)}: {lv.param.source}",
                            style={"font-size": "0.8em", "color": "#555"})  # fmt: skip
        solara.Text(json.dumps(levels, sort_keys=True), classes=["overrides-json"],
                    style={"display": "none"})  # fmt: skip

    @solara.component
    def LivePanel(sc: Scenario, lang: str) -> None:  # noqa: N802 (Solara component)
        s = live_r.value
        solara.Button(ui("play", lang), on_click=live_task, classes=["live-button"],
                      disabled=live_task.pending)  # fmt: skip
        if not s:
            return
        solara.Text(ui("quarter_of", lang, q=s["q"], n=s["n"]), classes=["live-quarter"])
        reg = s["registered"]
        solara.Text(ui("registered_in", lang, q=reg) if reg else ui("not_registered", lang))
        frames = []
        for a, arr in s["outcomes"].items():
            f = pd.DataFrame(arr, columns=list(_outcome_names()))
            f.insert(0, "quarter", np.arange(1, len(f) + 1))
            f.insert(0, "arm", a)
            f.insert(0, "replicate", 0)
            f.insert(0, "point", 0)
            frames.append(f)
        df = pd.concat(frames, ignore_index=True)
        info = _info(sc, 1)
        r = sc.registry
        runs = pd.DataFrame([{"point": 0, "arm": s["arm"], "registered_quarter": reg}])
        with solara.Columns([1, 1]):
            _show(charts.timeline_chart, df, lang=lang, arms=[ARM_DE_FACTO, s["arm"]],
                  info=info, min_industrial_participants=r.min_industrial_participants.value,
                  fd_default=r.functional_dependence_default.value,
                  fd_reduced=r.functional_dependence_reduced.value)  # fmt: skip
            _show(charts.fan_chart, df, "output", s["arm"], lang=lang, runs=runs, info=info)
        NetworkView(s.get("network"), s.get("network_q", s["q"]), s["arm"], info, lang)

    @solara.component
    def NetworkView(  # noqa: N802 (Solara component)
        network: Any, quarter: int, arm: str, info: charts.SourceInfo, lang: str
    ) -> None:
        """The supply network, redrawn only when a new snapshot arrives (every 4 quarters)."""
        png = solara.use_memo(
            lambda: None if network is None else _png(
                charts.network_chart, *network, lang=lang, arm=arm, quarter=quarter, info=info),
            dependencies=[quarter, arm, lang, network is None],
        )  # fmt: skip
        if png is not None:
            solara.Image(png, width="720px", classes=["chart"])

    def _outcome_names() -> tuple[str, ...]:
        from sim.outcomes import OUTCOME_NAMES

        return tuple(OUTCOME_NAMES)

    @solara.component
    def EstimatePanel(lang: str) -> None:  # noqa: N802 (Solara component)
        with solara.Row():
            solara.InputInt(ui("reps", lang), value=reps_r, classes=["reps-input"])
            solara.Button(ui("estimate", lang), on_click=estimate_task, color="primary",
                          classes=["estimate-button"], disabled=estimate_task.pending)  # fmt: skip
        done, total = progress_r.value
        if estimate_task.pending:
            solara.ProgressLinear(100 * done / total if total else True)
            solara.Text(ui("running", lang, done=done, total=total), classes=["progress-text"])
        if estimate_task.error:
            solara.Error(str(estimate_task.exception))
        e = estimate_r.value
        if not e or estimate_task.pending:
            return
        solara.Text(f"{ui('effects', lang)} — {arm_label(e['regime'], lang, _titles(e['sc']))}, "
                    f"N = {e['reps']}", style={"font-weight": "bold"})  # fmt: skip
        with solara.Row(classes=["effect-cards"]):
            for c in e["cards"]:
                title, value, note = card_texts(c, lang)
                with solara.Card(title, classes=["effect-card"], style={"min-width": "220px"}):
                    with solara.Div():
                        solara.Text(value, classes=["effect-value"], style={"font-size": "1.3em"})
                    solara.Text(c["key"], classes=["effect-key"], style={"display": "none"})
                    solara.Text(json.dumps([c["value"], c["low"], c["high"]]),
                                classes=["effect-raw"], style={"display": "none"})  # fmt: skip
                    with solara.Div():
                        solara.Text(note, style={"font-size": "0.8em", "color": "#555"})
        info = _info(e["sc"], e["reps"])
        _show(charts.fan_chart, e["df"], "output", e["regime"], lang=lang,
              runs=runs_frame(e["results"]), info=info, width="640px")  # fmt: skip
        with solara.Row():
            solara.InputText(ui("sweep_name", lang), value=sweep_name_r)
            solara.Button(ui("save", lang), on_click=_save, classes=["save-button"])
            solara.FileDownload(_pack, filename="figure_pack.zip", label=ui("download", lang))
        if saved_r.value:
            solara.Success(ui("saved", lang, name=saved_r.value))

    @solara.component
    def ComparePanel(lang: str) -> None:  # noqa: N802 (Solara component)
        from sim.store import open_store

        names: list[str] = []
        _ = saved_r.value  # re-read the stored sweeps after a save
        try:
            with open_store(_db()) as store:
                names = list(store.list_sweeps()["name"])
        except Exception as exc:  # a database that cannot be opened: say so, keep the page
            solara.Warning(str(exc))
        if not names:
            solara.Text(ui("no_sweeps", lang))
            return
        pick = solara.use_reactive(names[0])
        solara.Select(ui("stored", lang), values=names, value=pick)

        def show() -> None:
            from sim.sensitivity import compare_sweep

            compare_r.value = {"name": pick.value, "table": compare_sweep(pick.value, db=_db())}

        solara.Button(ui("show", lang), on_click=show, classes=["compare-button"])
        c = compare_r.value
        if c and not c["table"].empty:
            tab = c["table"]
            shown = tab[["point", "arm", *[f"{o}_pct" for o in CARD_OUTCOMES], "be_total"]]
            solara.DataFrame(shown.round(2), items_per_page=20)
            _show(
                charts.regime_comparison,
                tab,
                CARD_OUTCOMES,
                lang=lang,
                subtitle=c["name"],
                width="900px",
            )

    @solara.component
    def Page() -> None:  # noqa: N802 (Solara component)
        lang = lang_r.value
        router = solara.use_router()
        query = dict(p.split("=", 1) for p in (router.search or "").split("&") if "=" in p)
        if "scenario" in query:
            from urllib.parse import unquote

            asked = unquote(query["scenario"])
            try:
                resolve_scenario(asked)
                if scenario_r.value != asked:
                    _set_scenario(asked)
            except InputError as exc:
                msg = exc.problems[0].message if exc.problems else str(exc)
                error_r.value = f"{ui('refused', lang)}: {msg}"
        solara.Title(ui("title", lang))
        with solara.Row(style={"align-items": "center"}):
            solara.Text(ui("title", lang), style={"font-size": "1.6em", "font-weight": "bold"})
            LanguageSwitch()
        if error_r.value:
            solara.Error(error_r.value, classes=["scenario-error"])
        choices = scenario_choices()
        solara.Select(ui("scenario", lang), values=choices, value=scenario_r.value,
                      on_value=_set_scenario)  # fmt: skip
        if not scenario_r.value:
            return
        base = load_scenario(resolve_scenario(scenario_r.value))
        regimes = list(base.regimes)
        if regime_r.value not in regimes:
            regime_r.value = regimes[0]
        titles = {k: {"en": r.title, "ru": r.title_ru or r.title} for k, r in base.regimes.items()}
        labels = {arm_label(k, lang, titles): k for k in regimes}

        def set_regime(label: str) -> None:
            regime_r.value = labels[label]
            levels_r.value = {}
            estimate_r.value = {}

        current = arm_label(regime_r.value, lang, titles)
        solara.Select(ui("regime", lang), values=list(labels), value=current,
                      on_value=set_regime)  # fmt: skip
        horizon = horizon_r.value or base.scenario.horizon_quarters
        with solara.Div(classes=["horizon-slider"]):
            solara.SliderInt(f"{ui('horizon', lang)}: {horizon}", value=horizon, min=4, max=80,
                             step=4, on_value=_set_horizon)  # fmt: skip
        Levers(base, regime_r.value, lang)
        try:
            sc = with_levels(base, levels_r.value, horizon_r.value or None)
        except InputError as exc:
            solara.Error(str(exc))
            return
        with solara.lab.Tabs():
            with solara.lab.Tab(ui("estimate", lang)):
                EstimatePanel(lang)
            with solara.lab.Tab(ui("live", lang)):
                LivePanel(sc, lang)
            with solara.lab.Tab(ui("compare", lang)):
                ComparePanel(lang)
