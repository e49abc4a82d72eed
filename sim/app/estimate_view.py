"""Estimate effects: N paired replications of the applied levels, cards, accounts, save, pin.

The estimate runs in a worker process (:mod:`sim.app.jobs`; N at most
:data:`~sim.app.session.MAX_REPLICATIONS`, a Cancel button, ended with the session). Its result
names the levels it belongs to on every card; when the levels on screen are no longer those
(a slider moved, levels applied, another regime or scenario) it is greyed out with a line
saying so until it is estimated again. The public-finance accounts are the brief's
(:func:`sim.report.tables.accounts_view`): federal and regional budgets each on their own row.

The figure pack (figures, tables and brief of the saved sweep in ru and en) takes seconds to
build, so it is a visible step: "Prepare figure pack" builds it in a background thread
(:data:`pack_task`; the estimate is saved first when it is not yet) with a progress bar of the
files written, and when it is ready a "Download figure pack" button hands over its bytes.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import solara
import solara.lab

from sim.analysis.budget import budget
from sim.app import state
from sim.app.chart_png import cached_png, new_token, png
from sim.app.jobs import cancel_owner, start_estimate
from sim.app.live import LivePair
from sim.app.session import (
    MAX_REPLICATIONS,
    MIN_REPLICATIONS,
    card_texts,
    check_sweep_name,
    figure_pack_zip,
    runs_frame,
    save_sweep,
    ui,
)
from sim.app.variants import MAX_PINS, levels_text, make_pin
from sim.app.widgets import frame_table, image, source_info
from sim.errors import InputError
from sim.report import charts
from sim.report.i18n import fmt, regime_titles, t
from sim.report.tables import accounts_notes, accounts_view
from sim.scenario.loader import scenario_hash

__all__ = ["EstimatePanel", "estimate_task", "pack_task"]


@solara.lab.task
def estimate_task() -> None:
    """N paired replications of the applied levels in a worker process (sim.app.jobs).

    Slider moves not yet applied are applied first, so the estimate is of the levels on screen.
    """
    if state.moved(state.model_r.value) if state.model_r.value else False:
        state.apply_pending()
    m = state.model_r.value
    if m is None:
        return
    sc, regime, seed = m.spec, m.regime, m.spec.experiment.seed
    ident = state.identity(m)
    state.progress_r.value = (0, 0)
    state.save_error_r.value = ""
    state.estimate_r.value = {}
    state.pack_r.value = {}
    job = start_estimate(solara.get_kernel_id(), sc, regime, state.reps_r.value, seed)
    state.progress_r.value = (0, job.total)
    out = job.wait(progress=lambda d, n: setattr(state.progress_r, "value", (d, n)),
                   should_stop=lambda: not estimate_task.is_current())  # fmt: skip
    state.estimate_r.value = {
        "df": out.df, "results": out.results, "cards": out.cards, "sc": sc, "base": m.base,
        "regime": regime, "reps": job.replications, "seed": seed, "levels": dict(m.overrides),
        "token": new_token(), "identity": ident, "scenario_file": m.scenario_file,
    }  # fmt: skip
    state.saved_r.value = ""


def _estimate() -> None:
    state.tab_r.value = 1
    estimate_task()


def _cancel() -> None:
    """End this session's estimate (its worker process is killed)."""
    cancel_owner(solara.get_kernel_id())
    with contextlib.suppress(RuntimeError):  # never started
        estimate_task.cancel()


def _pin() -> None:
    e = state.estimate_r.value
    if not e:
        return
    if len(state.pins_r.value) >= MAX_PINS:
        state.pin_msg_r.value = "full"
        return
    state.pin_msg_r.value = ""
    state.pins_r.value = [*state.pins_r.value, make_pin(e, e["base"])]
    state.tab_r.value = 2


def _save() -> None:
    state.save_error_r.value = ""
    try:
        _save_or_raise()
    except InputError as exc:  # a name that is not a sweep name: refused, with the rule
        msg = exc.problems[0].message if exc.problems else str(exc)
        state.save_error_r.value = f"{ui('refused', state.lang_r.value)}: {msg}"
    except Exception as exc:  # e.g. a name taken by a different sweep: say so on the page
        state.save_error_r.value = str(exc)


def _save_or_raise() -> None:
    e = state.estimate_r.value
    if not e:
        return
    name = state.sweep_name_r.value.strip() or (
        f"app-{e['sc'].scenario.name}-{e['regime']}-{scenario_hash(e['sc'])[:8]}"
        f"-r{e['reps']}-s{e['seed']}"
    )
    state.saved_r.value = save_sweep(name, e["sc"], e["regime"], e["results"],
                                     replications=e["reps"], seed=e["seed"],
                                     levels=e["levels"])  # fmt: skip


def _name_refusal(lang: str) -> str:
    """Why the typed sweep name cannot be used ("" when it can, or when none is typed)."""
    text = state.sweep_name_r.value.strip()
    if not text:
        return ""
    try:
        check_sweep_name(text)
    except InputError as exc:
        return f"{ui('refused', lang)}: {exc.problems[0].message}"
    return ""


@solara.lab.task
def pack_task() -> None:
    """Build the figure pack of the saved sweep (saved first if needed) in a background thread.

    The files written are counted into :data:`sim.app.state.pack_progress_r` as the report
    writer writes them; the zip's bytes end in :data:`sim.app.state.pack_r`, with the sweep's
    name, for the download button.
    """
    state.pack_r.value = {}
    state.pack_progress_r.value = (0, 0)
    state.save_error_r.value = ""
    if not state.saved_r.value:
        _save_or_raise()
    name = state.saved_r.value
    data = figure_pack_zip(name, progress=lambda d, n: setattr(state.pack_progress_r, "value",
                                                               (d, n)))  # fmt: skip
    if pack_task.is_current():
        state.pack_r.value = {"sweep": name, "data": data}


@solara.component
def EstimateBar(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """N, Estimate / Cancel, Pin, and the progress of a running estimate."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt(ui("reps", lang, lo=MIN_REPLICATIONS, hi=MAX_REPLICATIONS),
                        value=state.reps_r, classes=["reps-input"],
                        style={"max-width": "220px"})  # fmt: skip
        solara.Button(ui("estimate", lang), on_click=_estimate, color="primary",
                      classes=["estimate-button"], disabled=estimate_task.pending)  # fmt: skip
        if estimate_task.pending:
            solara.Button(ui("cancel", lang), on_click=_cancel, classes=["cancel-button"])
        current = state.estimate_is_current(model) and not estimate_task.pending
        solara.Button(ui("pin", lang), on_click=_pin, classes=["pin-button"],
                      disabled=not current)  # fmt: skip
        solara.Text(ui("pins", lang) + f": {len(state.pins_r.value)}", classes=["pin-count"])
    if state.pin_msg_r.value:
        solara.Warning(ui("pins_full", lang))
    done, total = state.progress_r.value
    if estimate_task.pending:
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(ui("running", lang, done=done, total=total), classes=["progress-text"])
    if estimate_task.error:
        exc = estimate_task.exception
        msg = exc.problems[0].message if isinstance(exc, InputError) and exc.problems else exc
        solara.Error(str(msg), classes=["estimate-error"])
    if estimate_task.cancelled:
        solara.Info(ui("cancelled", lang), classes=["estimate-cancelled"])


@solara.component
def EstimatePanel(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """The effect cards (each with its levels), the budget accounts, fan chart, save/download."""
    e = state.estimate_r.value
    if not e or estimate_task.pending:
        return
    levels = levels_text(e["base"], e["regime"], e["levels"], lang)
    current = state.estimate_is_current(model)
    if not current:
        solara.Warning(ui("stale", lang, levels=levels), classes=["estimate-stale"])
    style = {} if current else {"opacity": "0.35", "filter": "grayscale(1)"}
    with solara.Div(classes=["estimate-result", *([] if current else ["stale"])], style=style):
        with solara.Div():
            solara.Text(f"{ui('effects', lang)}, N = {e['reps']}", style={"font-weight": "bold"})
        with solara.Div():
            solara.Text(levels, classes=["estimate-levels"])
        with solara.Row(classes=["effect-cards"], style={"flex-wrap": "wrap"}):
            for c in e["cards"]:
                title, value, note = card_texts(c, lang)
                with solara.Card(title, classes=["effect-card"], style={"width": "290px"}):
                    with solara.Div():
                        solara.Text(value, classes=["effect-value"], style={"font-size": "20px"})
                    solara.Text(c["key"], classes=["effect-key"], style={"display": "none"})
                    solara.Text(json.dumps([c["value"], c["low"], c["high"]]),
                                classes=["effect-raw"], style={"display": "none"})  # fmt: skip
                    with solara.Div():
                        solara.Text(note, style={"color": "#444"})
                    with solara.Div():
                        solara.Text(ui("for_levels", lang, levels=levels),
                                    classes=["card-levels"], style={"color": "#1565c0"})
        AccountsView(e, lang)
        img = cached_png(("fan", e["token"], lang), lambda: png(
            charts.fan_chart, e["df"], "output", e["regime"], lang=lang,
            runs=runs_frame(e["results"]), info=source_info(e["sc"], e["reps"])))  # fmt: skip
        image(img, width="720px")
    if current:
        SaveRow(lang)


@solara.component
def AccountsView(e: dict[str, Any], lang: str) -> None:  # noqa: N802 (Solara component)
    """The estimate's public-finance accounts as in the brief (one row per budget)."""
    b = budget(e["df"], discount_rate=e["sc"].experiment.discount_rate.value)
    b = b[b["arm"] == e["regime"]]
    note, _ = accounts_notes(lang, discount_rate=e["sc"].experiment.discount_rate.value,
                             quarters=int(e["df"]["quarter"].max()))  # fmt: skip
    solara.Text(t("h_accounts", lang), style={"font-weight": "bold"})
    solara.Text(ui("budget_note", lang) + ". " + note, style={"color": "#444"})
    view = accounts_view(b, lang, titles=regime_titles(e["sc"]))
    frame_table(view, "accounts-table")


@solara.component
def SaveRow(lang: str) -> None:  # noqa: N802 (Solara component)
    """Save the estimate as a named sweep; prepare its figure pack (with progress), download it."""
    refusal = _name_refusal(lang)  # checked as typed: a path or formula is never used
    pack = state.pack_r.value
    ready = bool(pack) and pack["sweep"] == state.saved_r.value and not pack_task.pending
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText(ui("sweep_name", lang), value=state.sweep_name_r,
                         style={"flex": "0 1 240px"})  # fmt: skip
        solara.Button(ui("save", lang), on_click=_save, classes=["save-button"],
                      disabled=pack_task.pending)  # fmt: skip
        if pack_task.pending:  # in the button's place, so the room sees it where it clicked
            done, total = state.pack_progress_r.value
            with solara.Div(style={"flex": "1 1 300px"}):
                solara.ProgressLinear(100 * done / total if total else True,
                                      classes=["pack-progress"])  # fmt: skip
                text = (ui("pack_running", lang, done=done, total=total) if total
                        else ui("pack_drawing", lang))  # fmt: skip
                solara.Text(text, classes=["pack-progress-text"])
        elif ready:
            with solara.FileDownload(pack["data"], filename="figure_pack.zip",
                                     mime_type="application/zip"):  # fmt: skip
                solara.Button(ui("download", lang), color="primary", classes=["download-button"],
                              icon_name="mdi-download")  # fmt: skip
        else:
            solara.Button(ui("pack_prepare", lang), on_click=pack_task, classes=["pack-button"],
                          disabled=bool(refusal))  # fmt: skip
    if ready:
        mb = fmt(len(pack["data"]) / 1e6, lang, 1)
        solara.Text(ui("pack_ready", lang, name=pack["sweep"], mb=mb), classes=["pack-ready"])
    if pack_task.error:
        exc = pack_task.exception
        msg = exc.problems[0].message if isinstance(exc, InputError) and exc.problems else exc
        solara.Error(str(msg), classes=["pack-error"])
    if refusal or state.save_error_r.value:
        solara.Error(refusal or state.save_error_r.value, classes=["save-error"])
    if state.saved_r.value:
        solara.Success(ui("saved", lang, name=state.saved_r.value))
