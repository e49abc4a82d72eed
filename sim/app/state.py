"""The state of one browser session of the strategy-session page, and what changes it.

Solara scopes module-level reactives per connection, so every variable here is one visitor's.
Every change of scenario, regime or levels goes through :func:`new_pair`, which builds a fresh
:class:`sim.app.live.LivePair` at quarter 0 and clears the estimate: a result on screen always
belongs to the levels on screen (or is greyed as belonging to others, see
:func:`estimate_is_current`).
"""

from __future__ import annotations

import json
import os
from typing import Any

import solara

from sim.app.jobs import prefetch_de_facto, prefetch_enabled
from sim.app.live import LivePair
from sim.app.session import DEFAULT_REPLICATIONS, LANG_ENV, levers

_env_lang = os.environ.get(LANG_ENV, "en")
lang_r = solara.reactive(_env_lang if _env_lang in ("ru", "en") else "en")
model_r: solara.Reactive[LivePair | None] = solara.reactive(None)
#: Slider positions not yet applied: lever name (or horizon_quarters, replicate) -> value.
pending_r: solara.Reactive[dict[str, float]] = solara.reactive({})
#: Bumped after every live step: the live views read it to re-render.
tick_r = solara.reactive(0)
playing_r = solara.reactive(False)
tab_r = solara.reactive(0)
reps_r = solara.reactive(DEFAULT_REPLICATIONS)
progress_r = solara.reactive((0, 0))
estimate_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
pins_r: solara.Reactive[list[dict[str, Any]]] = solara.reactive([])
pin_msg_r = solara.reactive("")
saved_r = solara.reactive("")
#: The figure pack built for a saved sweep: ``{"sweep": name, "data": zip bytes}`` ({} none).
pack_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
#: Files of the figure pack written so far, and their total (0, 0 before the first count).
pack_progress_r = solara.reactive((0, 0))
sweep_name_r = solara.reactive("")
compare_r: solara.Reactive[dict[str, Any]] = solara.reactive({})
error_r = solara.reactive("")
save_error_r = solara.reactive("")


def applied_values(model: LivePair) -> dict[str, float]:
    """The live pair's levels, horizon and replicate, keyed as :data:`pending_r`."""
    out: dict[str, float] = {lv.name: float(lv.param.value) for lv in levers(model.spec,
                                                                              model.regime)}
    out["horizon_quarters"] = float(model.horizon)
    out["replicate"] = float(model.replicate)
    return out


def moved(model: LivePair) -> set[str]:
    """Names of the sliders moved but not applied."""
    applied = applied_values(model)
    return {k for k, v in pending_r.value.items() if k in applied and abs(v - applied[k]) > 1e-12}


def identity(model: LivePair) -> str:
    """What an estimate must match to be current: scenario, regime, levels and horizon."""
    return json.dumps([model.scenario_file, model.regime, model.overrides, model.horizon],
                      sort_keys=True)  # fmt: skip


def estimate_is_current(model: LivePair) -> bool:
    """The estimate on screen belongs to the applied levels and no slider is moved."""
    e = estimate_r.value
    return bool(e) and e["identity"] == identity(model) and not moved(model)


def new_pair(scenario_file: str, regime: str | None = None, **levels: Any) -> None:
    """A fresh live pair at quarter 0 (scenario, regime or levels changed); clears the estimate.

    The estimate's de-facto runs start in the background (:func:`sim.app.jobs.prefetch_de_facto`)
    unless they are cached or already being computed, or ``CLUSTERSIM_APP_PREFETCH=0``.

    Raises:
        InputError: As :class:`sim.app.live.LivePair`.
    """
    playing_r.value = False
    model = LivePair(scenario_file=scenario_file, regime=regime, **levels)
    model_r.value = model
    # The estimate's de-facto runs, computed while the user sets the levers (sim.app.jobs).
    if prefetch_enabled():
        prefetch_de_facto(model.spec, reps_r.value, model.spec.experiment.seed)
    pending_r.value = applied_values(model)
    estimate_r.value = {}
    saved_r.value = ""
    tick_r.value += 1


def apply_pending() -> None:
    """Apply the sliders: re-run the live pair at once with their levels (no separate reset)."""
    m = model_r.value
    if m is None:
        return
    p = dict(pending_r.value)
    names = {lv.name for lv in levers(m.base, m.regime)}
    kw: dict[str, Any] = {k: v for k, v in p.items() if k in names}
    kw["horizon_quarters"] = int(p.get("horizon_quarters", m.horizon))
    kw["replicate"] = int(p.get("replicate", m.replicate))
    new_pair(m.scenario_file, m.regime, **kw)


def undo_pending() -> None:
    """Put the sliders back at the applied levels."""
    if model_r.value is not None:
        pending_r.value = applied_values(model_r.value)


def restart() -> None:
    """The live pair again from quarter 0 with the same applied levels (the estimate stays)."""
    m = model_r.value
    if m is None:
        return
    playing_r.value = False
    kw = {lv.name: float(lv.param.value) for lv in levers(m.spec, m.regime)}
    model_r.value = LivePair(m.scenario_file, m.regime, horizon_quarters=m.horizon,
                             replicate=m.replicate, **kw)  # fmt: skip
    tick_r.value += 1
