"""Pinned variants side by side: one table (and one chart) with differences to the first.

Up to :data:`sim.app.variants.MAX_PINS` variants -- regime and levels with their estimate --
pinned during the session (:func:`sim.app.variants.pins_table`). Their numbers are the
estimate's effect cards unchanged. The comparison downloads as the brief's DOCX or PDF
(:func:`comparison_file`: the same table texts and chart, :mod:`sim.report.comparison`), built
in a thread when its button is pressed (the button spins meanwhile).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import solara
from matplotlib.figure import Figure

from sim.app import state
from sim.app.chart_png import cached_png, png
from sim.app.session import CARD_OUTCOMES, ui
from sim.app.variants import pins_table, scenario_title
from sim.app.widgets import html_table, image
from sim.report.comparison import comparison_bytes, comparison_document
from sim.report.i18n import outcome_label

__all__ = ["PinsPanel", "comparison_file", "pins_chart"]

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


def _chart_png(pins: list[dict[str, Any]], lang: str) -> bytes:
    """The comparison chart as shown (drawn once per set of pins and language)."""
    key = ("pins", tuple(id(p) for p in pins), lang)
    return cached_png(key, lambda: png(pins_chart, pins, lang))


def comparison_file(pins: list[dict[str, Any]], lang: str, kind: Literal["docx", "pdf"]) -> bytes:
    """The pinned variants' table (as on the page) and chart as a DOCX or PDF document."""
    doc = comparison_document(pins_table(pins, lang), _chart_png(pins, lang), lang,
                              scenario=scenario_title(pins[0]["base"], lang),
                              note=ui("pins_note", lang),
                              seeds=[p["seed"] for p in pins])  # fmt: skip
    return comparison_bytes(doc, kind)


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
    image(_chart_png(pins, lang), width="900px")
    ExportRow(pins, lang)


@solara.component
def ExportRow(pins: list[dict[str, Any]], lang: str) -> None:  # noqa: N802 (Solara component)
    """Download the comparison as DOCX or PDF (built in a thread on click, the button spinning)."""
    key = [tuple(id(p) for p in pins), lang]
    # stable callables per set of pins: a new one on every render would cancel a running build
    docx = solara.use_memo(lambda: lambda: comparison_file(pins, lang, "docx"), dependencies=key)
    pdf = solara.use_memo(lambda: lambda: comparison_file(pins, lang, "pdf"), dependencies=key)
    with solara.Row(style={"flex-wrap": "wrap"}):
        with solara.Div(classes=["export-docx"]):
            solara.FileDownload(docx, filename="comparison.docx", label=ui("export_docx", lang),
                                mime_type=DOCX_MIME)  # fmt: skip
        with solara.Div(classes=["export-pdf"]):
            solara.FileDownload(pdf, filename="comparison.pdf", label=ui("export_pdf", lang),
                                mime_type="application/pdf")  # fmt: skip
