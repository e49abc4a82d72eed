"""Levers as shown, and pinned variants compared side by side (plain Python, no Solara).

* :func:`lever_text` / :func:`range_text` -- a lever's value in % (% per year for a loan rate)
  or mln RUB, as the sliders of the page show it next to them;
* :func:`levels_text` -- which levels a result belongs to ("as in the scenario file" or the
  moved levers with their values);
* :func:`make_pin` / :func:`pins_table` -- up to :data:`MAX_PINS` variants (regime + levels with
  their estimate) in one table, with each variant's difference to the first.

The numbers of a pin are the estimate's effect cards unchanged
(:func:`sim.app.session.effect_cards`: :func:`sim.analysis.effects` and
:func:`sim.analysis.budget` of the API's paired runs).
"""

from __future__ import annotations

import math
from typing import Any

from sim.app.session import Lever, card_texts, levers, ui
from sim.report.i18n import arm_label, fmt, regime_titles, t
from sim.scenario.schema import Scenario

__all__ = ["MAX_PINS", "levels_text", "lever_text", "make_pin", "pins_table", "range_text",
           "scenario_title"]  # fmt: skip

#: Most variants pinned at once.
MAX_PINS = 4


def scenario_title(sc: Scenario, lang: str) -> str:
    """The scenario's human name in ``lang`` (``title_ru`` for Russian when the file has one)."""
    info = sc.scenario
    return (info.title_ru or info.title) if lang == "ru" else info.title


def _pct(lang: str) -> str:
    return "\u202f%" if lang == "ru" else "%"


def lever_text(lv: Lever, value: float, lang: str) -> str:
    """A lever value as shown: ``45 %``, ``5,5 % годовых``, ``300 млн руб.``."""
    field = lv.key.rsplit(".", 1)[-1]
    if field.endswith("mln_rub"):
        return f"{fmt(value, lang, 0)} {t('mln_rub', lang)}"
    decimals = 0 if abs(100 * value - round(100 * value)) < 1e-9 else 1
    if field == "spread":
        return f"{fmt(100 * value, lang, decimals)} {ui('percent_year', lang)}"
    return f"{fmt(100 * value, lang, decimals)}{_pct(lang)}"


def range_text(lv: Lever, lang: str) -> str:
    """The slider's range as shown: ``from 0 % to 100 %``."""
    return ui("range", lang, lo=lever_text(lv, lv.min, lang), hi=lever_text(lv, lv.max, lang))


def levels_text(sc: Scenario, regime: str, levels: dict[str, float], lang: str) -> str:
    """Which levels a result belongs to: regime, then the moved levers or "as in the file"."""
    head = arm_label(regime, lang, regime_titles(sc))
    moved = [f"{lv.label(lang)} {lever_text(lv, levels[lv.key], lang)}"
             for lv in levers(sc, regime) if lv.key in levels]  # fmt: skip
    tail = "; ".join(moved) if moved else ui("levels_as_file", lang).lower()
    return f"{head}: {tail}"


def make_pin(e: dict[str, Any], base: Scenario) -> dict[str, Any]:
    """A pinned variant from an estimate (its inputs and cards), without the run results."""
    return {
        "regime": e["regime"], "levels": dict(e["levels"]), "reps": e["reps"], "seed": e["seed"],
        "horizon": e["sc"].scenario.horizon_quarters, "cards": e["cards"], "base": base,
        "sc": e["sc"],
    }  # fmt: skip


def pins_table(pins: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """The pinned variants side by side: inputs, then each effect card; differences to the first.

    One row per indicator (regime, horizon and N, every lever of any pinned regime, the effect
    cards); one column per variant, then ``k − 1`` columns with the difference of variant ``k``
    to variant 1 (point estimates; percentage points for effects, mln RUB for net balances).
    """
    if not pins:
        return []
    ind = ui("indicator", lang)
    cols = [ui("variant", lang, i=i + 1) for i in range(len(pins))]
    diffs = [ui("diff", lang, i=i + 1) for i in range(1, len(pins))]
    rows: list[dict[str, str]] = []

    def row(label: str, cells: list[str], delta: list[str] | None = None) -> None:
        r = {ind: label, **dict(zip(cols, cells, strict=True))}
        r.update(dict(zip(diffs, delta or [""] * len(diffs), strict=True)))
        rows.append(r)

    row(t("col_arm", lang), [arm_label(p["regime"], lang, regime_titles(p["base"])) for p in pins])
    row(ui("horizon", lang), [str(p["horizon"]) for p in pins])
    row("N", [str(p["reps"]) for p in pins])
    seen: dict[str, str] = {}
    for p in pins:
        for lv in levers(p["base"], p["regime"]):
            seen.setdefault(lv.name, lv.label(lang))
    for name, label in seen.items():
        cells, values = [], []
        for p in pins:
            lv = next((x for x in levers(p["sc"], p["regime"]) if x.name == name), None)
            values.append(float(lv.param.value) if lv else math.nan)
            cells.append(lever_text(lv, lv.param.value, lang) if lv else "—")
        row(label, cells)
    for k, card in enumerate(pins[0]["cards"]):
        title = card_texts(card, lang)[0]
        cells = [card_texts(p["cards"][k], lang)[1] for p in pins]
        dec = 1 if card["key"].startswith("net_") else 2
        delta = [fmt(p["cards"][k]["value"] - card["value"], lang, dec, sign=True)
                 for p in pins[1:]]  # fmt: skip
        unit_ = f", {t('mln_rub', lang)}" if card["key"].startswith("net_") else ", %"
        row(title + unit_, cells, delta)
    return rows
