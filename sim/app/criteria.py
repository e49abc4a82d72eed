"""Whether and when the live run meets each Decree 779 criterion (plain Python, no Solara).

The criteria, thresholds and legal references are the brief's
(:func:`sim.report.criteria.criteria_rows`); this module adds the live run's state of each: the
participant count and functional dependence quarter by quarter (met since which quarter, or
the value now), the other criteria as the government checked them at its last decision.
"""

from __future__ import annotations

import pandas as pd

from sim.app.live import LivePair
from sim.app.session import ui
from sim.app.widgets import Html
from sim.report.criteria import Criterion, criteria_rows, source_html
from sim.report.i18n import fmt, t

__all__ = ["criteria_table", "live_status"]

#: Criteria read quarter by quarter from the regime arm's outcomes: (outcome, as a share).
_SERIES = {
    "min_participants": ("industrial_participants", False),
    "fd_default": ("functional_dependence", True),
    "fd_reduced": ("functional_dependence", True),
}


def _since(series: pd.Series, threshold: float) -> int | None:
    """First quarter of the current unbroken run of quarters at or above ``threshold``."""
    met = (series >= threshold - 1e-12).to_numpy()
    if not len(met) or not met[-1]:
        return None
    q = len(met)
    while q > 1 and met[q - 2]:
        q -= 1
    return int(series.index[q - 1])


def live_status(c: Criterion, model: LivePair, lang: str) -> str:
    """The live run's state of criterion ``c`` ("—" before the first quarter)."""
    if model.quarter == 0:
        return "—"
    gov = model.regime_model.government
    if c.key in _SERIES and c.value is not None:
        outcome, share = _SERIES[c.key]
        df = model.outcomes_frame()
        s = df[df["arm"] == model.regime].set_index("quarter")[outcome]
        q = _since(s, c.value)
        if q is not None:
            return ui("met_since", lang, q=q)
        now = s.iloc[-1]
        shown = fmt(100 * now, lang, 1) + ("\u202f%" if lang == "ru" else "%") if share else (
            fmt(now, lang, 0))  # fmt: skip
        return ui("not_met", lang, value=shown)
    if c.key in ("lag", "validity"):
        reg = gov.registered_quarter
        return ui("registered_q", lang, q=reg) if reg else ui("not_registered", lang)
    if not gov.decisions:
        return ui("no_decision", lang)
    q, _, check, _ = gov.decisions[-1]
    ok = {
        "special_territory": abs(check.fd_threshold - model.spec.registry.
                                 functional_dependence_reduced.value) < 1e-12,
        "non_producing": check.n_non_producing <= check.max_non_producing,
        "contracts": check.all_have_contracts,
        "organisation": check.organisation,
    }.get(c.key, check.eligible)  # fmt: skip
    return ui("met_decision" if ok else "failed_decision", lang, q=q)


def criteria_table(model: LivePair, lang: str) -> list[dict[str, str]]:
    """The criteria panel: criterion, threshold, legal reference, when (model), live run.

    The legal reference is in ``lang`` and HTML (:class:`sim.app.widgets.Html`): escaped, each
    evidence label an ``<abbr>`` with its meaning on hover.
    """
    cols = [t(f"doc_col_{c}", lang) for c in ("criterion", "threshold", "legal", "when")]
    return [
        dict(zip([*cols, ui("live_col", lang)],
                 [c.label, c.threshold, Html(source_html(c.legal, lang)), c.when,
                  live_status(c, model, lang)],
                 strict=True))
        for c in criteria_rows(model.spec, lang)
    ]  # fmt: skip
