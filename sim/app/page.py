"""The strategy-session page: Mesa's SolaraViz around a live pair, plus estimates and comparisons.

Start it with ``clustersim app`` (binds 127.0.0.1:8765). The page has three parts:

* **Session** (sidebar): language, a scenario of the project's ``scenarios/`` folder (the
  allow-list of :func:`sim.app.session.resolve_scenario`; ``?scenario=`` outside it is refused)
  and a regime.
* **Live run**: Mesa's :func:`mesa.visualization.SolaraViz` drives
  :class:`sim.app.live.LivePair` (the regime and de facto on one seed). Its "Model Parameters"
  card holds the regime's preference levels (their unit and legal source in the levels table
  beside them), the horizon and the replicate; Mesa's Reset applies them, ▶/Step run the
  quarters. Its components show the supply network,
  participants and functional dependence against the Decree 779 thresholds with the registration
  moment, and output against de facto -- all drawn by :mod:`sim.report.charts`.
* **Estimate effects / Compare stored sweeps** (tabs above the live run): N paired replications of
  the current run's inputs (:func:`sim.app.session.estimate`) in a worker process
  (:mod:`sim.app.jobs`: N at most :data:`~sim.app.session.MAX_REPLICATIONS`, a Cancel button,
  ended when the session's kernel closes, a bound on estimates across sessions), effect cards
  with 95 % CIs and the fan chart; "Save" stores the runs as a named sweep (the name is checked,
  never a path), "Download" gives the report's figure pack (built in a private temporary
  folder); "Compare" shows :func:`sim.api.compare_sweep` and
  :func:`sim.report.charts.regime_comparison` of a stored sweep.

It is served by :mod:`sim.app.serve` (``clustersim app``), which refuses websocket and
state-changing requests from another Origin.

Labels come from the chart catalogue (:mod:`sim.report.i18n`). Mesa's own controls (Reset, Step,
Play Interval, ...) keep Mesa's English labels.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import matplotlib
import pandas as pd

matplotlib.use("Agg")

import solara
import solara.lab
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.api import compare_sweep, list_sweeps
from sim.app.chart_png import cached_png, new_token, png, token
from sim.app.jobs import cancel_owner, start_estimate, warm_up
from sim.app.live import LivePair
from sim.app.session import (
    BUDGET_CARD_LEVELS,
    CARD_OUTCOMES,
    DEFAULT_REPLICATIONS,
    LANG_ENV,
    MAX_HORIZON,
    MAX_REPLICATIONS,
    MIN_REPLICATIONS,
    card_texts,
    check_sweep_name,
    figure_pack_zip,
    levers,
    resolve_scenario,
    runs_frame,
    save_sweep,
    scenario_choices,
    ui,
)
from sim.errors import InputError
from sim.report import charts
from sim.report.i18n import arm_label, fmt, fmt_ci, outcome_label, regime_titles, t, unit
from sim.report.tables import accounts_notes, accounts_view, additionality_view, io_view
from sim.scenario.loader import scenario_hash
from sim.scenario.schema import ARM_DE_FACTO, Scenario

# ============================================================================================
# State of one browser session (Solara scopes module-level reactives per connection)
# ============================================================================================
_env_lang = os.environ.get(LANG_ENV, "en")
lang_r = solara.reactive(_env_lang if _env_lang in ("ru", "en") else "en")
model_r: solara.Reactive[LivePair | None] = solara.reactive(None)
reps_r = solara.reactive(DEFAULT_REPLICATIONS)
progress_r = solara.reactive((0, 0))
estimate_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
saved_r = solara.reactive("")
sweep_name_r = solara.reactive("")
compare_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
error_r = solara.reactive("")
save_error_r = solara.reactive("")


def _on_kernel_start() -> Callable[[], None]:
    """End a session's estimates when its kernel closes (tab closed, culled, server stopping).

    Their worker processes are killed (:func:`sim.app.jobs.cancel_owner`).
    """
    owner = solara.get_kernel_id()
    return lambda: cancel_owner(owner)


solara.lab.on_kernel_start(_on_kernel_start)
warm_up()  # the estimates' fork server, started with the server (sim.app.jobs)


def _new_pair(scenario_file: str, regime: str | None = None) -> None:
    """Start a fresh live pair (another scenario or regime): defaults of the scenario file."""
    model_r.value = LivePair(scenario_file=scenario_file, regime=regime)
    estimate_r.value = {}
    saved_r.value = ""


def _info(sc: Scenario, n: int) -> charts.SourceInfo:
    return charts.SourceInfo.of_scenario(sc, scenario_hash(sc), n)


def _image(img: bytes, width: str = "100%") -> None:
    """A chart as an inline PNG that fits its box (SolaraViz grid cells are resizable)."""
    b64 = base64.b64encode(img).decode("ascii")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img class="chart" src="data:image/png;base64,{b64}" '
        f'style="width:{width};max-width:100%;height:100%;object-fit:contain;object-position:top">',
        style="height:100%;width:100%",
    )


# ============================================================================================
# Live run: SolaraViz components (plain functions of the model; Mesa re-renders them per step)
# ============================================================================================
@solara.component
def LiveStatus(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Quarter reached and the registration moment of the regime arm (updates per Mesa step)."""
    update_counter.get()
    with solara.Column(classes=["live-status"]):
        if model.quarter == 0:
            solara.Text(ui("not_started", lang))
        solara.Text(ui("quarter_of", lang, q=model.quarter, n=model.horizon),
                    classes=["live-quarter"], style={"font-size": "1.2em"})  # fmt: skip
        reg = model.registered_quarter
        solara.Text(ui("registered_in", lang, q=reg) if reg else ui("not_registered", lang),
                    classes=["live-registered"])  # fmt: skip
        solara.Text(arm_label(model.regime, lang, regime_titles(model.spec)))


def NetworkView(model: LivePair) -> None:  # noqa: N802 (a SolaraViz component)
    """The regime arm's supply network: participants highlighted, edges by purchase volume.

    Drawn from the pair's snapshots (every four quarters and at the horizon): a spring layout
    per quarter would stall play.
    """
    lang = lang_r.value
    q, network = model.latest_network()
    info = _info(model.spec, 1)
    img = cached_png(
        ("network", token(model), q, lang),
        lambda: png(
            charts.network_chart, *network, lang=lang, arm=model.regime, quarter=q, info=info
        ),
    )
    _image(img)


def ThresholdsView(model: LivePair) -> None:  # noqa: N802 (a SolaraViz component)
    """Participants and functional dependence against the registry thresholds."""
    lang = lang_r.value
    if model.quarter == 0:
        return
    r = model.spec.registry
    key = ("timeline", token(model), model.quarter, lang)
    img = cached_png(key, lambda: png(
        charts.timeline_chart, model.outcomes_frame(), lang=lang,
        arms=[ARM_DE_FACTO, model.regime], info=_info(model.spec, 1),
        min_industrial_participants=r.min_industrial_participants.value,
        fd_default=r.functional_dependence_default.value,
        fd_reduced=r.functional_dependence_reduced.value))  # fmt: skip
    _image(img)


def OutputView(model: LivePair) -> None:  # noqa: N802 (a SolaraViz component)
    """Output of the regime arm against de facto, with the registration moment."""
    lang = lang_r.value
    if model.quarter == 0:
        return
    runs = pd.DataFrame([{"point": 0, "replicate": model.replicate, "arm": model.regime,
                          "registered_quarter": model.registered_quarter}])  # fmt: skip
    key = ("output", token(model), model.quarter, lang)
    img = cached_png(key, lambda: png(charts.fan_chart, model.outcomes_frame(), "output",
                                        model.regime, lang=lang, runs=runs,
                                        info=_info(model.spec, 1)))  # fmt: skip
    _image(img)


def model_params(model: LivePair, lang: str) -> dict[str, Any]:
    """SolaraViz's model parameters: the regime's levers, horizon and replicate.

    Values are the current run's, so a remount (language switch) keeps the sliders where they
    were; the scenario file and regime are fixed (chosen in the Session card).
    """
    params: dict[str, Any] = {"scenario_file": model.scenario_file, "regime": model.regime}
    for lv in levers(model.spec, model.regime):
        params[lv.name] = {
            "type": "SliderFloat",
            "label": lv.label(lang),
            "value": float(lv.param.value),
            "min": lv.min, "max": lv.max, "step": lv.step,
        }  # fmt: skip
    params["horizon_quarters"] = {"type": "SliderInt", "label": ui("horizon", lang),
                                  "value": model.horizon, "min": 4, "max": MAX_HORIZON,
                                  "step": 4}  # fmt: skip
    params["replicate"] = {"type": "SliderInt", "label": ui("replicate", lang),
                           "value": model.replicate, "min": 0,
                           "max": DEFAULT_REPLICATIONS - 1, "step": 1}  # fmt: skip
    return params


# ============================================================================================
# Estimate effects
# ============================================================================================
@solara.lab.task
def estimate_task() -> None:
    """N paired replications of the current run's inputs in a worker process (sim.app.jobs).

    This thread only waits, relays progress and ends the worker on Cancel; N and the horizon
    are checked by :func:`sim.app.jobs.start_estimate` on the server, whatever the browser sent.
    """
    m = model_r.value
    if m is None:
        return
    sc, regime, seed = m.spec, m.regime, m.spec.experiment.seed
    progress_r.value = (0, 0)
    save_error_r.value = ""
    job = start_estimate(solara.get_kernel_id(), sc, regime, reps_r.value, seed)
    progress_r.value = (0, job.total)
    out = job.wait(progress=lambda d, t: setattr(progress_r, "value", (d, t)),
                   should_stop=lambda: not estimate_task.is_current())  # fmt: skip
    estimate_r.value = {
        "df": out.df, "results": out.results, "cards": out.cards, "sc": sc,
        "regime": regime, "reps": job.replications, "seed": seed, "levels": dict(m.overrides),
        "token": new_token(),
        "file_values": {lv.key: lv.param.value for lv in levers(m.base, regime)},
    }  # fmt: skip
    saved_r.value = ""


def _cancel_estimate() -> None:
    """The Cancel button: end this session's estimate (its worker process is killed)."""
    cancel_owner(solara.get_kernel_id())
    with contextlib.suppress(RuntimeError):  # never started
        estimate_task.cancel()


def _save() -> None:
    save_error_r.value = ""
    try:
        _save_or_raise()
    except InputError as exc:  # a name that is not a sweep name: refused, with the rule
        msg = exc.problems[0].message if exc.problems else str(exc)
        save_error_r.value = f"{ui('refused', lang_r.value)}: {msg}"
    except Exception as exc:  # e.g. a name taken by a different sweep: say so on the page
        save_error_r.value = str(exc)


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
                               levels=e["levels"])  # fmt: skip


def _name_refusal(lang: str) -> str:
    """Why the typed sweep name cannot be used ("" when it can, or when none is typed)."""
    text = sweep_name_r.value.strip()
    if not text:
        return ""
    try:
        check_sweep_name(text)
    except InputError as exc:
        return f"{ui('refused', lang)}: {exc.problems[0].message}"
    return ""


def _pack() -> bytes:
    """The figure pack of the saved sweep (saved first if needed), built in a private folder."""
    if not saved_r.value:
        _save_or_raise()
    return figure_pack_zip(saved_r.value)


@solara.component
def AppliedLevels(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """The levels the live run and the estimate use, with unit and legal source."""
    solara.Text(ui("applied", lang), style={"font-weight": "bold"})
    rows = [{ui("lever", lang): lv.label(lang), ui("value", lang): fmt(lv.param.value, lang, 3),
             ui("unit", lang): unit(lv.param.unit, lang), ui("source", lang): lv.param.source}
            for lv in levers(model.spec, model.regime)]  # fmt: skip
    with solara.Div(classes=["applied-levels"]):
        solara.HTML(tag="div", unsafe_innerHTML=_html_table(rows), style="font-size:0.85em")
    solara.Text(json.dumps(model.overrides, sort_keys=True), classes=["overrides-json"],
                style={"display": "none"})  # fmt: skip


def _levels_used(e: dict[str, Any], lang: str) -> str:
    """Which levels an estimate used: the moved ones with the file's value, or "as in the file"."""
    if not e["levels"]:
        return ui("levels_as_file", lang)
    moved = [
        f"{lv.label(lang)} {fmt(lv.param.value, lang, 3)} "
        f"({ui('file_value', lang)} {fmt(e['file_values'][lv.key], lang, 3)})"
        for lv in levers(e["sc"], e["regime"])
        if lv.key in e["levels"]
    ]
    return f"{ui('levels_moved', lang)}: " + "; ".join(moved)


def _html_table(rows: list[dict[str, str]]) -> str:
    """A small HTML table (escaped) -- Markdown would fetch KaTeX from a CDN."""
    if not rows:
        return ""
    cols = list(rows[0])
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>"
                   for c in cols)  # fmt: skip
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(str(r[c]))}</td>"
                         for c in cols) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@solara.component
def EstimatePanel(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Levels used, N, the estimate button and progress, effect cards, fan chart, save/download."""
    AppliedLevels(model, lang)
    with solara.Row():
        solara.InputInt(ui("reps", lang, lo=MIN_REPLICATIONS, hi=MAX_REPLICATIONS),
                        value=reps_r, classes=["reps-input"])  # fmt: skip
        solara.Button(ui("estimate", lang), on_click=estimate_task, color="primary",
                      classes=["estimate-button"], disabled=estimate_task.pending)  # fmt: skip
        if estimate_task.pending:
            solara.Button(ui("cancel", lang), on_click=_cancel_estimate,
                          classes=["cancel-button"])  # fmt: skip
    done, total = progress_r.value
    if estimate_task.pending:
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(ui("running", lang, done=done, total=total), classes=["progress-text"])
    if estimate_task.error:
        exc = estimate_task.exception
        msg = exc.problems[0].message if isinstance(exc, InputError) and exc.problems else exc
        solara.Error(str(msg), classes=["estimate-error"])
    if estimate_task.cancelled:
        solara.Info(ui("cancelled", lang), classes=["estimate-cancelled"])
    e = estimate_r.value
    if not e or estimate_task.pending:
        return
    solara.Text(f"{ui('effects', lang)} — {arm_label(e['regime'], lang, regime_titles(e['sc']))}, "
                f"N = {e['reps']}", style={"font-weight": "bold"})  # fmt: skip
    solara.Text(_levels_used(e, lang), classes=["estimate-levels"], style={"font-size": "0.9em"})
    with solara.Row(classes=["effect-cards"], style={"flex-wrap": "wrap"}):
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
    img = cached_png(("fan", e["token"], lang), lambda: png(
        charts.fan_chart, e["df"], "output", e["regime"], lang=lang,
        runs=runs_frame(e["results"]), info=info))  # fmt: skip
    _image(img, width="640px")
    refusal = _name_refusal(lang)  # checked as typed: a path or formula is never used
    with solara.Row():
        solara.InputText(ui("sweep_name", lang), value=sweep_name_r)
        solara.Button(ui("save", lang), on_click=_save, classes=["save-button"])
        if refusal:
            solara.Button(ui("download", lang), disabled=True, classes=["download-button"])
        else:
            solara.FileDownload(_pack, filename="figure_pack.zip", label=ui("download", lang))
    if refusal or save_error_r.value:
        solara.Error(refusal or save_error_r.value, classes=["save-error"])
    if saved_r.value:
        solara.Success(ui("saved", lang, name=saved_r.value))


# ============================================================================================
# Compare stored sweeps (the functions of `clustersim compare` and `report`)
# ============================================================================================
@solara.component
def ComparePanel(lang: str) -> None:  # noqa: N802 (Solara component)
    """A stored sweep's regime table and comparison chart."""
    names: list[str] = []
    _ = saved_r.value  # re-read the stored sweeps after a save
    try:
        names = list(list_sweeps()["name"])
    except Exception as exc:  # a database that cannot be opened: say so, keep the page
        solara.Warning(str(exc))
    if not names:
        solara.Text(ui("no_sweeps", lang))
        return
    pick = solara.use_reactive(names[0])
    solara.Select(ui("stored", lang), values=names, value=pick)

    def show() -> None:
        table = compare_sweep(pick.value)
        compare_r.value = {"name": pick.value, "table": table, "token": new_token()}

    solara.Button(ui("show", lang), on_click=show, classes=["compare-button"])
    c = compare_r.value
    if c and not c["table"].empty:
        tab = c["table"]
        solara.DataFrame(_compare_shown(tab, lang), items_per_page=20)
        AccountsPanel(tab, lang)
        img = cached_png(
            ("compare", c["token"], lang),
            lambda: png(
                charts.regime_comparison, tab, CARD_OUTCOMES, lang=lang, subtitle=c["name"]
            ),
        )
        _image(img, width="900px")


def _compare_shown(tab: Any, lang: str) -> Any:
    """The regime table: effect % [95 % CI] per outcome, net balance per budget level.

    The net balance is the present value in mln RUB with its 95 % interval, as in the terminal
    and the brief.
    """
    out = pd.DataFrame({"point": tab["point"], "arm": tab["arm"]})
    for o in CARD_OUTCOMES:
        out[f"{outcome_label(o, lang)}, %"] = [
            fmt_ci(v, lo, hi, lang, 2)
            for v, lo, hi in zip(tab[f"{o}_pct"], tab[f"{o}_pct_ci_low"], tab[f"{o}_pct_ci_high"],
                                 strict=True)
        ]  # fmt: skip
    for level in BUDGET_CARD_LEVELS:
        col = f"net_{level}"
        out[f"{ui('net', lang, level=t(level, lang))}, {t('mln_rub', lang)}"] = [
            fmt_ci(v, lo, hi, lang, 1)
            for v, lo, hi in zip(tab[col], tab[f"{col}_ci_low"], tab[f"{col}_ci_high"],
                                 strict=True)
        ]  # fmt: skip
    return out


@solara.component
def AccountsPanel(tab: Any, lang: str) -> None:  # noqa: N802 (Solara component)
    """The public-finance accounts and additionality of a stored sweep, as in the brief."""
    rate = float(tab.attrs.get("discount_rate", float("nan")))
    quarters = int(tab.attrs.get("horizon_quarters", 0))
    note, add_note = accounts_notes(lang, discount_rate=rate, quarters=quarters)
    points = {int(p): str(int(p)) for p in tab["point"]}
    solara.Text(t("h_accounts", lang), style={"font-weight": "bold"})
    solara.Text(note, style={"font-size": "0.8em", "color": "#555"})
    solara.DataFrame(accounts_view(tab, lang, points=points), items_per_page=20)
    solara.Text(t("h_additionality", lang), style={"font-weight": "bold"})
    solara.Text(add_note, style={"font-size": "0.8em", "color": "#555"})
    solara.DataFrame(additionality_view(tab, lang, points=points), items_per_page=20)
    io = io_view(tab, lang, points=points)
    if io is not None:
        solara.Text(t("h_io", lang), style={"font-weight": "bold"})
        solara.Text(t("io_note", lang), style={"font-size": "0.8em", "color": "#555"})
        solara.DataFrame(io, items_per_page=20)


# ============================================================================================
# The page
# ============================================================================================
@solara.component
def SessionCard(model: LivePair, lang: str) -> None:  # noqa: N802
    """Language, scenario (allow-list) and regime."""
    titles = regime_titles(model.base)
    labels = {arm_label(k, lang, titles): k for k in model.base.regimes}
    with solara.Card(ui("session", lang)):
        solara.ToggleButtonsSingle(value=lang_r, values=["ru", "en"], classes=["lang-switch"])
        solara.Select(ui("scenario", lang), values=scenario_choices(), value=model.scenario_file,
                      on_value=lambda name: _new_pair(name))  # fmt: skip
        solara.Select(ui("regime", lang), values=list(labels),
                      value=arm_label(model.regime, lang, titles),
                      on_value=lambda lb: _new_pair(model.scenario_file, labels[lb]))  # fmt: skip


#: Long lever labels wrap instead of squeezing Mesa's sliders in the sidebar.
_CSS = """
.v-navigation-drawer .v-input__slot { height: auto !important; min-height: 32px; }
.v-navigation-drawer .v-input__slot > .v-label {
  flex: 0 0 48%; max-width: 48%; white-space: normal; line-height: 1.2; font-size: 0.9em;
  height: auto !important; overflow: visible;
}
"""


@solara.component
def Page() -> None:  # noqa: N802 (Solara component)
    """The page Solara serves: session card, estimate/compare tabs, and SolaraViz's live run."""
    lang = lang_r.value
    router = solara.use_router()
    query = dict(p.split("=", 1) for p in (router.search or "").split("&") if "=" in p)
    asked = unquote(query["scenario"]) if "scenario" in query else None
    if asked is not None:
        try:
            resolve_scenario(asked)
            if model_r.value is None or model_r.value.scenario_file != asked:
                _new_pair(asked)
        except InputError as exc:
            msg = exc.problems[0].message if exc.problems else str(exc)
            error_r.value = f"{ui('refused', lang)}: {msg}"
    if model_r.value is None:
        if not scenario_choices():
            solara.Error("no scenario files in the scenario folder")
            return
        _new_pair(scenario_choices()[0])
    model = model_r.value
    solara.Title(ui("title", lang))
    solara.Style(_CSS)
    with solara.Sidebar():
        SessionCard(model, lang)
    if error_r.value:
        solara.Error(error_r.value, classes=["scenario-error"])
    with solara.lab.Tabs():
        with solara.lab.Tab(ui("estimate", lang)):
            EstimatePanel(model, lang)
        with solara.lab.Tab(ui("compare", lang)):
            ComparePanel(lang)
    solara.Text(ui("live", lang), style={"font-size": "1.3em", "font-weight": "bold"})
    LiveStatus(model, lang)
    LiveRun(model, lang)


@solara.component
def LiveRun(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Mesa's SolaraViz around the live pair, mounted afresh for each scenario, regime, language.

    SolaraViz keeps its model parameters in state created when it mounts, and its sidebar
    controls live in the layout's sidebar portal, where a keyed re-mount is reconciled onto the
    old controls. So on a change the old SolaraViz is taken out for one render and the new one
    mounted on the next: its "Model Parameters" then start from this pair's scenario, regime
    and applied levels.
    """
    key = f"{model.scenario_file}|{model.regime}|{lang}"
    mounted, set_mounted = solara.use_state("")
    solara.use_effect(lambda: set_mounted(key), [key])
    if mounted != key:
        solara.ProgressLinear(True)
        return
    SolaraViz(
        model_r,
        components=[(ThresholdsView, 0), (OutputView, 0), (NetworkView, 0)],
        model_params=model_params(model, lang),
        name=ui("title", lang),
        play_interval=50,
    ).key(key)
