"""The estimate over the uncertainty set: few worlds, in a worker process, summarised as the brief.

A button on the Effects tab runs the regime against de facto in
:data:`~sim.app.session.WORLDS` worlds of the scenario's uncertainty set with
:data:`~sim.app.session.WORLD_REPLICATIONS` paired replications each
(:func:`sim.app.session.worlds_estimate` in a worker of :mod:`sim.app.jobs`, with progress and
Cancel; it replaces the session's running estimate). Per outcome and budget it shows the median,
the 90 % band across worlds and the share of worlds with a positive effect -- the columns of
:func:`sim.analysis.robustness.across_worlds`, as in the brief. Like the estimate, it names the
levels it belongs to and is greyed when they are no longer those on screen.
"""

from __future__ import annotations

import json
from typing import Any

import solara
import solara.lab

from sim.analysis.robustness import LEVELS
from sim.api import HEADLINE_OUTCOMES
from sim.app import state
from sim.app.jobs import start_estimate
from sim.app.live import LivePair
from sim.app.session import WORLD_REPLICATIONS, WORLDS, ui
from sim.app.variants import levels_text
from sim.app.widgets import html_table
from sim.errors import InputError
from sim.report.i18n import fmt, outcome_label, t

__all__ = ["WorldsPanel", "worlds_rows", "worlds_task"]

#: The page's last estimate over the uncertainty set (empty: none).
worlds_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
worlds_progress_r = solara.reactive((0, 0))


@solara.lab.task
def worlds_task() -> None:
    """The applied levels over :data:`~sim.app.session.WORLDS` worlds, in a worker process."""
    if state.moved(state.model_r.value) if state.model_r.value else False:
        state.apply_pending()
    m = state.model_r.value
    if m is None:
        return
    worlds_r.value = {}
    worlds_progress_r.value = (0, 0)
    job = start_estimate(solara.get_kernel_id(), m.spec, m.regime, WORLD_REPLICATIONS,
                         m.spec.experiment.seed, worlds=WORLDS)  # fmt: skip
    worlds_progress_r.value = (0, job.total)
    out = job.wait(progress=lambda d, n: setattr(worlds_progress_r, "value", (d, n)),
                   should_stop=lambda: not worlds_task.is_current())  # fmt: skip
    worlds_r.value = {"summary": out.worlds, "identity": state.identity(m), "base": m.base,
                      "regime": m.regime, "levels": dict(m.overrides)}  # fmt: skip


def worlds_rows(summary: Any, lang: str) -> list[dict[str, str]]:
    """Table rows of an :func:`~sim.analysis.robustness.across_worlds` row (one regime).

    Args:
        summary: The one-row summary frame.
        lang: ``ru`` or ``en``.
    """
    r = summary.iloc[0]
    items = [(outcome_label(o, lang), o, " %") for o in HEADLINE_OUTCOMES]
    items += [(ui("net", lang, level=t(lvl, lang)), f"net_{lvl}", "") for lvl in LEVELS]
    rows = []
    for label, col, unit in items:
        sep = "\u202f" if lang == "ru" else ""
        rows.append({
            ui("worlds_measure", lang): label,
            ui("worlds_median", lang): fmt(r[f"{col}_median"], lang, 1) + unit.replace(" ", sep),
            ui("worlds_band", lang): f"{fmt(r[f'{col}_low'], lang, 1)} … "
                                     f"{fmt(r[f'{col}_high'], lang, 1)}",
            ui("worlds_positive", lang): f"{fmt(100 * r[f'{col}_positive'], lang, 0)}{sep}%",
        })  # fmt: skip
    return rows


@solara.component
def WorldsPanel(model: LivePair, lang: str) -> None:  # noqa: N802 (Solara component)
    """The button, progress and the summary across worlds (greyed when levels changed)."""
    with solara.Row(style={"align-items": "center"}):
        solara.Button(ui("worlds_button", lang, worlds=WORLDS, n=WORLD_REPLICATIONS),
                      on_click=lambda: worlds_task(), classes=["worlds-button"],
                      disabled=worlds_task.pending)  # fmt: skip
    if worlds_task.pending:
        done, total = worlds_progress_r.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(ui("running", lang, done=done, total=total), classes=["worlds-progress"])
        return
    if worlds_task.error:
        exc = worlds_task.exception
        msg = exc.problems[0].message if isinstance(exc, InputError) and exc.problems else exc
        solara.Error(str(msg), classes=["worlds-error"])
    w = worlds_r.value
    if not w:
        return
    current = w["identity"] == state.identity(model)
    levels = levels_text(w["base"], w["regime"], w["levels"], lang)
    style = {} if current else {"opacity": "0.35", "filter": "grayscale(1)"}
    with solara.Div(classes=["worlds-result", *([] if current else ["stale"])], style=style):
        solara.Text(ui("worlds_title", lang, worlds=WORLDS, n=WORLD_REPLICATIONS),
                    style={"font-weight": "bold"})  # fmt: skip
        with solara.Div():
            solara.Text(ui("for_levels", lang, levels=levels), style={"color": "#1565c0"})
        solara.HTML(tag="div", unsafe_innerHTML=html_table(worlds_rows(w["summary"], lang),
                                                           "worlds-table"))  # fmt: skip
        solara.Text(ui("worlds_note", lang), style={"color": "#444"})
        solara.Text(json.dumps(w["summary"].iloc[0].to_dict(), default=float),
                    classes=["worlds-raw"], style={"display": "none"})  # fmt: skip
