"""The Decree 779 registry criteria as shown: one definition for the brief and the page.

:func:`criteria_rows` gives each criterion of a scenario's registry rules with its threshold,
legal reference and when the model checks it; the brief (:mod:`sim.report.document`) prints them
as its criteria table and the strategy-session page (:mod:`sim.app`) adds whether and when its
live run meets them.

It also holds the one choice of a source's language (:func:`source_in`, :func:`source_text`):
the Russian brief and page show a value's ``source_ru`` and fall back to the English ``source``
only when the scenario gives no Russian rendering; :func:`source_html` marks each evidence label
of a shown source with its meaning on hover.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from sim.report.i18n import fmt, t
from sim.scenario.schema import EVIDENCE_RE, Param, Scenario

__all__ = [
    "Criterion",
    "criteria_rows",
    "evidence_abbr",
    "needs_confirmation",
    "source_html",
    "source_in",
    "source_text",
]

#: The specialised-organisation criterion has no value of its own in a scenario file.
_ORGANISATION_SOURCE = ("Decree 779 [V]", "ПП РФ от 31.07.2015 № 779 [V]")


def needs_confirmation(source: str) -> bool:
    """A source that is only recalled ([R]): confirm it before quoting."""
    return "[R]" in source


def source_in(source: str | Param, lang: str, source_ru: str = "") -> str:
    """A source in ``lang``: the Russian rendering in Russian when there is one.

    Args:
        source: The English source, or a :class:`~sim.scenario.schema.Param` (its ``source``
            and ``source_ru``).
        lang: ``"ru"`` or ``"en"``.
        source_ru: The Russian rendering (ignored when ``source`` is a Param); empty: none, and
            Russian falls back to the English source.

    Returns:
        The source as written in the scenario, in ``lang`` where the scenario gives it.
    """
    if isinstance(source, Param):
        source, source_ru = source.source, source.source_ru
    return source_ru if lang == "ru" and source_ru else source


def source_text(source: str | Param, lang: str, source_ru: str = "") -> str:
    """A source as shown: its text in ``lang`` (:func:`source_in`), flagged when recalled ([R]).

    Args:
        source: The English source, or a :class:`~sim.scenario.schema.Param`.
        lang: ``"ru"`` or ``"en"``.
        source_ru: The Russian rendering (ignored when ``source`` is a Param).
    """
    text = source_in(source, lang, source_ru)
    if needs_confirmation(text):
        return f"{text} — {t('doc_confirm', lang)}"
    return text


def source_html(text: str, lang: str) -> str:
    """A shown source as HTML: escaped, each evidence label an ``<abbr>`` with its meaning.

    ``[V]`` becomes ``<abbr title="verified: …">[V]</abbr>`` with the meaning of the label in
    ``lang`` (the domain note's legend), shown when the pointer rests on it.
    """
    return EVIDENCE_RE.sub(lambda m: evidence_abbr(m, lang), html.escape(text, quote=True))


def evidence_abbr(m: re.Match[str], lang: str) -> str:
    """One evidence label matched by ``EVIDENCE_RE`` as ``<abbr title="its meaning">``."""
    title = html.escape(t(f"evidence_title_{m.group(1).replace('-', '_')}", lang), quote=True)
    return f'<abbr class="evidence" title="{title}">{m.group(0)}</abbr>'


@dataclass(frozen=True)
class Criterion:
    """One Decree 779 criterion as shown.

    Attributes:
        key: ``min_participants``, ``fd_default``, ``fd_reduced``, ``special_territory``,
            ``non_producing``, ``contracts``, ``organisation``, ``lag`` or ``validity``.
        label: The criterion in ``lang``.
        threshold: Its threshold as text.
        legal: Its legal reference (the scenario's source, flagged when only recalled).
        when: When the model checks it, in ``lang``.
        value: The threshold as a number (``None`` for the organisation).
        flagged: The source is only recalled ([R]).
    """

    key: str
    label: str
    threshold: str
    legal: str
    when: str
    value: float | None
    flagged: bool


def criteria_rows(sc: Scenario, lang: str) -> list[Criterion]:
    """The Decree 779 criteria of ``sc``'s registry rules, in the brief's order."""
    reg = sc.registry
    pct = "\u202f%" if lang == "ru" else "%"

    def share(p: Any) -> str:
        return fmt(100 * p.value, lang, 0) + pct

    org = (t("doc_required", lang) if reg.requires_specialised_organisation
           else t("doc_not_required", lang))  # fmt: skip
    rows: list[tuple[str, str, str, float | None]] = [
        ("min_participants", fmt(reg.min_industrial_participants.value, lang, 0),
         source_in(reg.min_industrial_participants, lang), reg.min_industrial_participants.value),
        ("fd_default", share(reg.functional_dependence_default),
         source_in(reg.functional_dependence_default, lang),
         reg.functional_dependence_default.value),
        ("fd_reduced", share(reg.functional_dependence_reduced),
         source_in(reg.functional_dependence_reduced, lang),
         reg.functional_dependence_reduced.value),
        ("special_territory", share(reg.special_territory_share_for_reduced),
         source_in(reg.special_territory_share_for_reduced, lang),
         reg.special_territory_share_for_reduced.value),
        ("non_producing", fmt(reg.max_non_producing, lang, 0),
         source_in(reg.max_non_producing_source, lang, reg.max_non_producing_source_ru),
         reg.max_non_producing),
        ("contracts", fmt(reg.min_contracts_per_participant.value, lang, 0),
         source_in(reg.min_contracts_per_participant, lang),
         reg.min_contracts_per_participant.value),
        ("organisation", org, source_in(_ORGANISATION_SOURCE[0], lang,
                                        _ORGANISATION_SOURCE[1]), None),
        ("lag", fmt(reg.processing_lag_quarters.value, lang, 0),
         source_in(reg.processing_lag_quarters, lang), reg.processing_lag_quarters.value),
        ("validity", fmt(reg.validity_years.value, lang, 0),
         source_in(reg.validity_years, lang), reg.validity_years.value),
    ]  # fmt: skip
    return [
        Criterion(
            key=key,
            label=t(f"doc_crit_{key}", lang),
            threshold=threshold,
            legal=source_text(source, lang),
            when=t(f"doc_crit_{key}_when", lang, memory=reg.contract_memory_quarters),
            value=None if value is None else float(value),
            flagged=needs_confirmation(source),
        )
        for key, threshold, source, value in rows
    ]
