"""Small drawing helpers of the page: an inline PNG, an escaped HTML table, a chart's source."""

from __future__ import annotations

import base64
import html

import pandas as pd
import solara

from sim.report import charts
from sim.scenario.loader import scenario_hash
from sim.scenario.schema import Scenario

__all__ = ["Html", "frame_table", "html_table", "image", "source_info"]


class Html(str):
    """A table cell that is HTML already: :func:`html_table` inserts it as is.

    Build it only from escaped text, e.g. :func:`sim.report.criteria.source_html`.
    """


def source_info(sc: Scenario, n: int) -> charts.SourceInfo:
    """The source line of a chart: the scenario, its hash and N."""
    return charts.SourceInfo.of_scenario(sc, scenario_hash(sc), n)


def image(img: bytes, width: str = "100%", classes: str = "") -> None:
    """A chart as an inline PNG that fits its box (``width``: CSS; ``classes``: extra ones)."""
    b64 = base64.b64encode(img).decode("ascii")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img class="chart {classes}" src="data:image/png;base64,{b64}" '
        f'style="width:{width};max-width:100%;height:auto">',
        style="width:100%",
    )


def html_table(rows: list[dict[str, str]], classes: str = "") -> str:
    """A small HTML table (escaped) -- Markdown would fetch KaTeX from a CDN.

    Every cell is escaped except an :class:`Html` one (a source with its evidence labels).
    """

    def cell(v: object) -> str:
        return v if isinstance(v, Html) else html.escape(str(v))

    if not rows:
        return ""
    cols = list(rows[0])
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>"
                   for c in cols)  # fmt: skip
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{cell(r[c])}</td>"
                         for c in cols) + "</tr>"
        for r in rows
    )  # fmt: skip
    return (f"<table class='{classes}' style='border-collapse:collapse'><thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody></table>")  # fmt: skip


def frame_table(df: pd.DataFrame, classes: str = "") -> None:
    """A data frame as an escaped HTML table (no paging footer in English)."""
    rows = [dict(zip(map(str, df.columns), map(str, r), strict=True)) for r in df.to_numpy()]
    solara.HTML(tag="div", unsafe_innerHTML=html_table(rows, classes),
                style="overflow-x:auto")  # fmt: skip
