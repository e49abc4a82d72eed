"""The Decree 779 registry criteria as shown: one definition for the brief and the page.

:func:`criteria_rows` gives each criterion of a scenario's registry rules with its threshold,
legal reference and when the model checks it; the brief (:mod:`sim.report.document`) prints them
as its criteria table and the strategy-session page (:mod:`sim.app`) adds whether and when its
live run meets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.report.i18n import fmt, t
from sim.scenario.schema import Scenario

__all__ = ["Criterion", "criteria_rows", "needs_confirmation", "source_text"]


def needs_confirmation(source: str) -> bool:
    """A source that is only recalled ([R]): confirm it before quoting."""
    return "[R]" in source


def source_text(source: str, lang: str) -> str:
    """A source as shown: its text, then the flag when it is only recalled ([R])."""
    if needs_confirmation(source):
        return f"{source} — {t('doc_confirm', lang)}"
    return source


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
         reg.min_industrial_participants.source, reg.min_industrial_participants.value),
        ("fd_default", share(reg.functional_dependence_default),
         reg.functional_dependence_default.source, reg.functional_dependence_default.value),
        ("fd_reduced", share(reg.functional_dependence_reduced),
         reg.functional_dependence_reduced.source, reg.functional_dependence_reduced.value),
        ("special_territory", share(reg.special_territory_share_for_reduced),
         reg.special_territory_share_for_reduced.source,
         reg.special_territory_share_for_reduced.value),
        ("non_producing", fmt(reg.max_non_producing, lang, 0), reg.max_non_producing_source,
         reg.max_non_producing),
        ("contracts", fmt(reg.min_contracts_per_participant.value, lang, 0),
         reg.min_contracts_per_participant.source, reg.min_contracts_per_participant.value),
        ("organisation", org, "Decree 779 [V]", None),
        ("lag", fmt(reg.processing_lag_quarters.value, lang, 0),
         reg.processing_lag_quarters.source, reg.processing_lag_quarters.value),
        ("validity", fmt(reg.validity_years.value, lang, 0), reg.validity_years.source,
         reg.validity_years.value),
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
