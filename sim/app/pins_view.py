"""Pinned variants side by side: one table (and one chart) with differences to the first.

Up to :data:`sim.app.variants.MAX_PINS` variants -- regime and levels with their estimate --
pinned during the session (:func:`sim.app.variants.pins_table`). Their numbers are the
estimate's effect cards unchanged.
"""

from __future__ import annotations

import json

import solara
from matplotlib.figure import Figure

from sim.app import state
from sim.app.chart_png import cached_png, png
from sim.app.session import CARD_OUTCOMES, ui
from sim.app.variants import pins_table
from sim.app.widgets import html_table, image
from sim.report.i18n import outcome_label

__all__ = ["PinsPanel"]


def _unpin(i: int) -> None:
    pins = list(state.pins_r.value)
    del pins[i]
    state.pins_r.value = pins
    state.pin_msg_r.value = ""


def pins_chart(pins: list[dict], lang: str) -> Figure:
    """Effects with 95 % CI of each pinned variant, one group per headline outcome."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    width = 0.8 / len(pins)
    for i, p in enumerate(pins):
        cards = {c["key"]: c for c in p["cards"]}
        xs = [k + (i - (len(pins) - 1) / 2) * width for k in range(len(CARD_OUTCOMES))]
        ys = [cards[o]["value"] for o in CARD_OUTCOMES]
        err = [[y - cards[o]["low"] for o, y in zip(CARD_OUTCOMES, ys, strict=True)],
               [cards[o]["high"] - y for o, y in zip(CARD_OUTCOMES, ys, strict=True)]]
        ax.bar(xs, ys, width, yerr=err, capsize=3, label=ui("variant", lang, i=i + 1))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(CARD_OUTCOMES)), [outcome_label(o, lang) for o in CARD_OUTCOMES],
                  fontsize=11)  # fmt: skip
    ax.set_ylabel("%", fontsize=11)
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig


@solara.component
def PinsPanel(lang: str) -> None:  # noqa: N802 (Solara component)
    """The pinned variants' table and chart, with a remove button per variant."""
    pins = state.pins_r.value
    if not pins:
        solara.Text(ui("no_pins", lang))
        return
    with solara.Row(style={"flex-wrap": "wrap"}):
        for i in range(len(pins)):
            solara.Button(ui("unpin", lang, i=i + 1), on_click=lambda i=i: _unpin(i), text=True,
                          classes=["unpin-button"])  # fmt: skip
    solara.Text(ui("pins_note", lang), style={"color": "#444"})
    solara.HTML(tag="div", unsafe_innerHTML=html_table(pins_table(pins, lang), "pins-table"))
    raw = [{c["key"]: [c["value"], c["low"], c["high"]] for c in p["cards"]} for p in pins]
    solara.Text(json.dumps(raw), classes=["pins-raw"], style={"display": "none"})
    key = ("pins", tuple(id(p) for p in pins), lang)
    image(cached_png(key, lambda: png(pins_chart, pins, lang)), width="900px")
