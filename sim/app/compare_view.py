"""Stored sweeps compared (the functions of ``clustersim compare`` and ``report``).

A stored sweep's regime table (:func:`sim.api.compare_sweep`) with regimes by their titles,
its public-finance accounts as in the brief and the regime-comparison chart.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara

from sim.api import compare_sweep, list_sweeps
from sim.app import state
from sim.app.chart_png import cached_png, new_token, png
from sim.app.session import BUDGET_CARD_LEVELS, CARD_OUTCOMES, ui
from sim.app.widgets import frame_table, image
from sim.report import charts
from sim.report.i18n import arm_label, fmt_ci, outcome_label, t
from sim.report.tables import accounts_notes, accounts_view, additionality_view, io_view

__all__ = ["ComparePanel"]


@solara.component
def ComparePanel(lang: str, titles: dict[str, dict[str, str]]) -> None:  # noqa: N802
    """A stored sweep's regime table, accounts and comparison chart."""
    names: list[str] = []
    _ = state.saved_r.value  # re-read the stored sweeps after a save
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
        state.compare_r.value = {"name": pick.value, "table": table, "token": new_token()}

    solara.Button(ui("show", lang), on_click=show, classes=["compare-button"])
    c = state.compare_r.value
    if c and not c["table"].empty:
        tab = c["table"]
        frame_table(compare_shown(tab, lang, titles))
        AccountsPanel(tab, lang, titles)
        img = cached_png(("compare", c["token"], lang), lambda: png(
            charts.regime_comparison, tab, CARD_OUTCOMES, lang=lang,
            subtitle=c["name"]))  # fmt: skip
        image(img, width="900px")


def compare_shown(tab: Any, lang: str, titles: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The regime table: effect % [95 % CI] per outcome, net balance per budget level."""
    out = pd.DataFrame({t("col_point", lang): tab["point"],
                        t("col_arm", lang): [arm_label(a, lang, titles) for a in tab["arm"]]})
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
def AccountsPanel(tab: Any, lang: str, titles: dict[str, dict[str, str]]) -> None:  # noqa: N802
    """The public-finance accounts and additionality of a stored sweep, as in the brief."""
    rate = float(tab.attrs.get("discount_rate", float("nan")))
    quarters = int(tab.attrs.get("horizon_quarters", 0))
    note, add_note = accounts_notes(lang, discount_rate=rate, quarters=quarters)
    points = {int(p): str(int(p)) for p in tab["point"]}
    solara.Text(t("h_accounts", lang), style={"font-weight": "bold"})
    solara.Text(note, style={"color": "#444"})
    frame_table(accounts_view(tab, lang, points=points, titles=titles))
    solara.Text(t("h_additionality", lang), style={"font-weight": "bold"})
    solara.Text(add_note, style={"color": "#444"})
    frame_table(additionality_view(tab, lang, points=points, titles=titles))  # fmt: skip
    io = io_view(tab, lang, points=points, titles=titles)
    if io is not None:
        solara.Text(t("h_io", lang), style={"font-weight": "bold"})
        solara.Text(t("io_note", lang), style={"color": "#444"})
        frame_table(io)
