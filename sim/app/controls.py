"""The page's controls: session (language, scenario, regime), levers and the live-run buttons.

The session controls are one top bar across the page (:func:`SessionCard`), so that the left
panel holds only the levers and Apply: every regime's levers fit a projector's 1280 x 720 without
scrolling. Each lever takes two lines -- its label and value, then its slider and range (in % or
mln RUB); a slider moved but not applied is marked (orange, "●" before its value; one line above
Apply counts them, "moved, not applied: N") and "Apply and re-run" re-builds the live pair at
once (:func:`sim.app.state.apply_pending`). The live-run buttons -- play, pause, step, back to
quarter 0 -- step :class:`sim.app.live.LivePair` as Mesa's own
controls did (``model.step()`` per quarter), labelled in the page's language.
"""

from __future__ import annotations

import json
import math
import time

import solara
import solara.lab

from sim.app import state
from sim.app.live import LivePair
from sim.app.session import (
    DEFAULT_REPLICATIONS,
    MAX_HORIZON,
    levers,
    resolve_scenario,
    scenario_choices,
    ui,
)
from sim.app.variants import lever_text, range_text, scenario_title
from sim.report.i18n import arm_label, regime_titles
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["LeverPanel", "LiveControls", "SessionCard"]

#: Pause between live frames while playing, seconds.
PLAY_PAUSE = 0.05
#: Screen time per quarter while playing, seconds: when drawing a frame takes longer, a frame
#: advances several quarters (40 quarters play in about 40 x this, not 40 x the drawing time).
PLAY_QUARTER_SECONDS = 0.25


@solara.component
def SessionCard(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """The top bar: language, title, scenario (by its human name; allow-list), regime (title).

    One row across the page, so that the left panel holds only the levers and Apply.
    """
    from_title = {}
    for f in scenario_choices():
        sc = model.base if f == model.scenario_file else _load(f)
        from_title[scenario_title(sc, lang)] = f
    titles = regime_titles(model.base)
    regimes = {arm_label(k, lang, titles): k for k in model.base.regimes}
    with solara.Row(classes=["top-bar"], gap="12px",
                    style={"align-items": "center", "flex-wrap": "nowrap"}):  # fmt: skip
        solara.ToggleButtonsSingle(value=state.lang_r, values=["ru", "en"], dense=True,
                                   classes=["lang-switch"])  # fmt: skip
        solara.Text(ui("title", lang), classes=["page-title"],
                    style={"font-weight": "bold", "font-size": "18px", "line-height": "1.2",
                           "flex": "0 1 270px"})  # fmt: skip
        solara.Select(ui("scenario", lang), values=list(from_title), dense=True,
                      value=scenario_title(model.base, lang), classes=["scenario-select"],
                      style={"flex": "3 1 480px", "min-width": "0"},
                      on_value=lambda title: state.new_pair(from_title[title]))  # fmt: skip
        solara.Select(ui("regime", lang), values=list(regimes), dense=True,
                      value=arm_label(model.regime, lang, titles), classes=["regime-select"],
                      style={"flex": "2 1 300px", "min-width": "0"},
                      on_value=lambda lb: state.new_pair(model.scenario_file,
                                                         regimes[lb]))  # fmt: skip


def _load(name: str) -> Scenario:
    return load_scenario(resolve_scenario(name))


def _slider_row(name: str, label: str, value: float, lo: float, hi: float, step: float,
                shown: str, rng: str, is_moved: bool, *, integer: bool = False) -> None:
    """One lever in two lines: label and value, then the slider and its range.

    The label wraps, the value and the range keep their width (``.lever-line`` in the page's
    CSS). A moved lever keeps its two lines: an orange bar and background, and "●" before its
    value; :func:`LeverPanel` says once, above Apply, how many are moved and not applied, so
    that any number of moved levers still fits the projector's 720 px.
    """

    def set_value(v: float) -> None:
        state.pending_r.value = {**state.pending_r.value, name: float(v)}

    with solara.Div(classes=["lever", *(["lever-moved"] if is_moved else [])],
                    style={"border-left": "4px solid " + ("#e65100" if is_moved
                                                          else "transparent"),
                           "background": "#fff3e0" if is_moved else "none"}):  # fmt: skip
        with solara.Div(classes=["lever-line"]):
            solara.Text(label, classes=["lever-label"])
            solara.Text(("● " if is_moved else "") + shown, classes=["lever-value"],
                        style={"font-weight": "bold",
                               "color": "#e65100" if is_moved else "inherit"})  # fmt: skip
        with solara.Div(classes=["lever-line"]):
            slider = solara.SliderInt if integer else solara.SliderFloat
            slider(label, value=int(value) if integer else value, min=lo, max=hi, step=step,
                   on_value=set_value, thumb_label=False)  # fmt: skip
            solara.Text(rng, classes=["lever-range"])


@solara.component
def LeverPanel(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """The regime's levers, horizon and replicate with values; Apply re-runs at once."""
    pending = state.pending_r.value
    changed = state.moved(model)
    for lv in levers(model.spec, model.regime):
        v = pending.get(lv.name, float(lv.param.value))
        _slider_row(lv.name, lv.label(lang), v, lv.min, lv.max, lv.step,
                    lever_text(lv, v, lang), range_text(lv, lang), lv.name in changed)
    h = pending.get("horizon_quarters", model.horizon)
    _slider_row("horizon_quarters", ui("horizon", lang), h, 4, MAX_HORIZON, 4, str(int(h)),
                ui("range", lang, lo=4, hi=MAX_HORIZON), "horizon_quarters" in changed,
                integer=True)  # fmt: skip
    r = pending.get("replicate", model.replicate)
    _slider_row("replicate", ui("replicate", lang), r, 0, DEFAULT_REPLICATIONS - 1, 1,
                str(int(r) + 1), ui("range", lang, lo=1, hi=DEFAULT_REPLICATIONS),
                "replicate" in changed, integer=True)  # fmt: skip
    solara.Text(json.dumps(model.overrides, sort_keys=True), classes=["overrides-json"],
                style={"display": "none"})  # fmt: skip
    if changed:
        solara.Text("● " + ui("moved_n", lang, n=len(changed)), classes=["moved-mark"],
                    style={"color": "#e65100", "font-weight": "bold"})  # fmt: skip
    with solara.Row(style={"margin-top": "4px"}):
        solara.Button(ui("apply", lang), on_click=state.apply_pending, color="primary",
                      classes=["apply-button"], disabled=not changed)  # fmt: skip
        solara.Button(ui("undo", lang), on_click=state.undo_pending, classes=["undo-button"],
                      disabled=not changed, text=True)  # fmt: skip


def quarters_per_frame(frame_seconds: float) -> int:
    """Quarters one frame advances so that a quarter takes about :data:`PLAY_QUARTER_SECONDS`.

    ``frame_seconds`` is how long the last frame took to step and draw. A page that draws
    quickly shows every quarter; a slow one (big network charts, a loaded machine) skips frames
    rather than slowing the play: the model still steps every quarter, and the charts, drawn
    from the whole series, show every quarter once drawn.
    """
    return max(1, math.ceil(frame_seconds / PLAY_QUARTER_SECONDS - 1e-9))


@solara.lab.task
def play_task() -> None:
    """Step the live pair to the horizon (several quarters a frame if drawing is slow).

    Stops at the horizon, on Pause, or when another pair replaces this one.
    """
    m = state.model_r.value
    frame = 0.0
    while (m is not None and m is state.model_r.value and m.running and state.playing_r.value
           and play_task.is_current()):  # fmt: skip
        start = time.perf_counter()
        for _ in range(quarters_per_frame(frame)):
            if not m.running:
                break
            m.step()
        state.tick_r.value += 1  # re-draws the page's live parts
        time.sleep(PLAY_PAUSE)
        frame = time.perf_counter() - start
    state.playing_r.value = False


def _play() -> None:
    state.playing_r.value = True
    state.tab_r.value = 0
    play_task()


def _pause() -> None:
    state.playing_r.value = False


def _step() -> None:
    m = state.model_r.value
    if m is not None and not state.playing_r.value:
        m.step()
        state.tick_r.value += 1


@solara.component
def LiveControls(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """Play / pause / step / back to quarter 0, the quarter counter and the registration."""
    _ = state.tick_r.value
    playing = state.playing_r.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, classes=["live-status"]):
        if playing:
            solara.Button(ui("pause", lang), on_click=_pause, classes=["pause-button"])
        else:
            solara.Button(ui("play_button", lang), on_click=_play, color="primary",
                          classes=["play-button"], disabled=not model.running)  # fmt: skip
        solara.Button(ui("step", lang), on_click=_step, classes=["step-button"],
                      disabled=playing or not model.running)  # fmt: skip
        solara.Button(ui("restart", lang), on_click=state.restart, classes=["restart-button"],
                      disabled=playing)  # fmt: skip
        solara.Text(ui("quarter_of", lang, q=model.quarter, n=model.horizon),
                    classes=["live-quarter"], style={"font-size": "18px", "font-weight": "bold"})
        reg = model.registered_quarter
        solara.Text(ui("registered_in", lang, q=reg) if reg else ui("not_registered", lang),
                    classes=["live-registered"])  # fmt: skip
    if model.quarter == 0:
        solara.Text(ui("not_started", lang))
