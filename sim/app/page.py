"""The strategy-session page: levers, a live pair, estimates, pinned variants, criteria.

Start it with ``clustersim app`` (binds 127.0.0.1:8765). Every label is in the chosen language
(the ``app_*`` entries of :mod:`sim.report.i18n`); the page is composed from Solara's parts
around Mesa's model :class:`sim.app.live.LivePair` (the regime and de facto on one seed), so
no control keeps another language's label:

* **top bar** (:mod:`sim.app.controls`): language, title, scenario and regime by their human
  names;
* **left**: the regime's levers, each on two lines (label and value in % or mln RUB, slider and
  range), the horizon and the replicate; a moved lever is marked until "Apply and re-run"
  re-builds the live pair. Every regime's levers and Apply fit 1280 x 720 without scrolling;
* **right**: play / pause / step / back to quarter 0 with the quarter counter, the estimate bar
  (N, Estimate, Cancel, Pin; :mod:`sim.app.estimate_view`) and tabs: the live charts, the
  estimate's effect cards and budget accounts (greyed when they belong to other levels),
  the pinned variants side by side (:mod:`sim.app.pins_view`), the Decree 779 criteria with the
  live run's state of each (:mod:`sim.app.criteria`), and the stored sweeps
  (:mod:`sim.app.compare_view`).

It is served by :mod:`sim.app.serve` (``clustersim app``), which refuses websocket and
state-changing requests from another Origin.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import matplotlib
import pandas as pd

matplotlib.use("Agg")

import solara
import solara.lab
from solara.server import settings as solara_settings

from sim.app import state
from sim.app.chart_png import cached_png, png, token
from sim.app.compare_view import ComparePanel
from sim.app.controls import LeverPanel, LiveControls, SessionCard
from sim.app.criteria import criteria_table
from sim.app.estimate_view import EstimateBar, EstimatePanel
from sim.app.jobs import cancel_owner, warm_up
from sim.app.live import LivePair
from sim.app.pins_view import PinsPanel
from sim.app.session import resolve_scenario, scenario_choices, ui
from sim.app.widgets import html_table, image, source_info
from sim.app.worlds_view import WorldsPanel
from sim.errors import InputError
from sim.report import charts
from sim.report.i18n import regime_titles
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["Page"]


def _on_kernel_start() -> Callable[[], None]:
    """End a session's estimates when its kernel closes (tab closed, culled, server stopping)."""
    owner = solara.get_kernel_id()
    return lambda: cancel_owner(owner)


solara.lab.on_kernel_start(_on_kernel_start)
solara_settings.theme.show_banner = False  # Solara's English "This website runs on Solara"
warm_up()  # the estimates' fork server, started with the server (sim.app.jobs)


# ============================================================================================
# Live charts (drawn per quarter reached; cached)
# ============================================================================================
#: The live charts' pixel sizes: one under another at the right column's width at 1280 x 720
#: (drawn at the size they are shown, text >= 14 px; sim.app.chart_png).
_TIMELINE_PX = (820, 420)
_OUTPUT_PX = (820, 520)
_NETWORK_PX = (820, 420)


@solara.component
def LiveCharts(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Thresholds and output against de facto (per quarter), and the supply network.

    Each is drawn at the pixel size it is shown at (no downscaling), one under another.
    """
    _ = state.tick_r.value
    info = source_info(model.spec, 1)
    with solara.Column(gap="8px"):
        if model.quarter > 0:
            r = model.spec.registry
            img = cached_png(("timeline", token(model), model.quarter, lang), lambda: png(
                charts.timeline_chart, model.outcomes_frame(), lang=lang,
                arms=[ARM_DE_FACTO, model.regime], info=info, px=_TIMELINE_PX,
                min_industrial_participants=r.min_industrial_participants.value,
                fd_default=r.functional_dependence_default.value,
                fd_reduced=r.functional_dependence_reduced.value))  # fmt: skip
            image(img, width=f"{_TIMELINE_PX[0]}px", classes="live-chart")
            runs = pd.DataFrame([{"point": 0, "replicate": model.replicate, "arm": model.regime,
                                  "registered_quarter": model.registered_quarter}])  # fmt: skip
            img = cached_png(("output", token(model), model.quarter, lang), lambda: png(
                charts.fan_chart, model.outcomes_frame(), "output", model.regime, lang=lang,
                runs=runs, info=info, px=_OUTPUT_PX))  # fmt: skip
            image(img, width=f"{_OUTPUT_PX[0]}px", classes="live-chart")
        q, network = model.latest_network()
        img = cached_png(("network", token(model), q, lang), lambda: png(
            charts.network_chart, *network, lang=lang, arm=model.regime, quarter=q,
            info=info, px=_NETWORK_PX))  # fmt: skip
        image(img, width=f"{_NETWORK_PX[0]}px", classes="live-chart")


@solara.component
def CriteriaPanel(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Each Decree 779 criterion, threshold, legal reference and the live run's state of it."""
    _ = state.tick_r.value
    solara.HTML(tag="div", unsafe_innerHTML=html_table(criteria_table(model, lang),
                                                       "criteria-table"))  # fmt: skip


# ============================================================================================
# The page
# ============================================================================================
#: Projector-readable text (≥ 14 px), long lever labels wrap, compact sliders.
_CSS = """
.v-application, .v-application .v-btn, .v-application .v-label, .v-application input,
.v-application .v-select__selection, .v-application .v-tab, .v-application td,
.v-application th, .v-application .v-alert { font-size: 15px !important; }
.v-application .v-messages, .v-application .v-card__title { font-size: 16px !important; }
.lever { padding: 1px 6px 1px 4px; margin-bottom: 3px; }
.lever-line { display: flex; align-items: center; gap: 8px; }
.lever-line > .v-input { flex: 1 1 auto; min-width: 0; }
.lever .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.lever .v-input__slot { min-height: 20px; margin-bottom: 0 !important; }
.lever .v-slider--horizontal { min-height: 20px; margin-left: 2px; margin-right: 2px; }
.lever .v-input__slot > .v-label { display: none; }
.lever .v-messages, .lever .v-text-field__details { display: none; }
.lever-label, .lever-range, .moved-mark { font-size: 14px !important; line-height: 1.15; }
.lever-label { flex: 1 1 auto; min-width: 0; }
.lever-value, .lever-range { flex: 0 0 auto; text-align: right; white-space: nowrap; }
.top-bar { padding: 2px 4px 4px 4px; }
.top-bar .v-input { margin-top: 4px; padding-top: 0; }
.top-bar .v-text-field__details { display: none; }
table th { background: #eceff1; }
table td, table th { border-bottom: 1px solid #ddd; }
.v-application .v-tab { text-transform: none; padding: 0 10px; min-width: 0; letter-spacing: 0; }
.v-slide-group__prev, .v-slide-group__next { display: none !important; }
.v-application .v-btn { text-transform: none; letter-spacing: 0; }
"""


def _scenario_from_query(lang: str) -> None:
    """Open ``?scenario=`` when it is an allowed scenario file; say why not otherwise."""
    router = solara.use_router()
    query = dict(p.split("=", 1) for p in (router.search or "").split("&") if "=" in p)
    if "scenario" not in query:
        return
    asked = unquote(query["scenario"])
    try:
        resolve_scenario(asked)
        if state.model_r.value is None or state.model_r.value.scenario_file != asked:
            state.new_pair(asked)
    except InputError as exc:
        msg = exc.problems[0].message if exc.problems else str(exc)
        shown = asked.encode("unicode_escape").decode("ascii")
        text = msg.removeprefix("refused: ") if lang == "en" else ui("bad_scenario", lang,
                                                                     name=shown)
        state.error_r.value = f"{ui('refused', lang)}: {text}"


@solara.component
def Page() -> None:  # noqa: N802 (Solara component)
    """The page Solara serves: session bar on top; levers on the left; live run and tabs right."""
    lang = state.lang_r.value
    _scenario_from_query(lang)
    if state.model_r.value is None:
        if not scenario_choices():
            solara.Error(ui("bad_scenario", lang, name="*.toml"))
            return
        state.new_pair(scenario_choices()[0])
    model = state.model_r.value
    solara.Title(ui("title", lang))
    solara.Style(_CSS)
    SessionCard(model, lang)
    with solara.Columns([4, 8], style={"padding": "0 4px 4px 4px"}):
        with solara.Column(classes=["left-panel"], gap="0"):
            LeverPanel(model, lang)
        with solara.Column(gap="4px"):
            if state.error_r.value:
                solara.Error(state.error_r.value, classes=["scenario-error"])
            LiveControls(model, lang)
            EstimateBar(model, lang)
            if state.moved(model):
                solara.Warning(ui("pending", lang), classes=["pending-note"], dense=True)
            with solara.lab.Tabs(value=state.tab_r):
                with solara.lab.Tab(ui("live_tab", lang)):
                    LiveCharts(model, lang)
                with solara.lab.Tab(ui("effects_tab", lang)):
                    EstimatePanel(model, lang)
                    WorldsPanel(model, lang)
                with solara.lab.Tab(ui("pins_tab", lang)):
                    PinsPanel(lang)
                with solara.lab.Tab(ui("criteria_tab", lang)):
                    CriteriaPanel(model, lang)
                with solara.lab.Tab(ui("stored_tab", lang)):
                    ComparePanel(lang, regime_titles(model.base))
