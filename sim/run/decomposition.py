"""Decomposition designs: a regime with each instrument removed in turn and each alone.

For a regime ``R`` with instruments ``I_1 .. I_k``, :func:`decomposition_arms` adds to the
scenario the regimes ``R__without_<i>`` (``R`` minus ``I_i``) and ``R__only_<i>`` (``I_i``
alone), so that paired runs of them against the de-facto arm say which channel carries ``R``'s
effect. Every derived regime keeps ``R``'s levels; only instruments are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InputError
from sim.scenario.schema import Regime, Scenario

__all__ = ["INSTRUMENTS", "Decomposition", "decomposition_arms"]

#: Regime field -> short name used in derived regime names and tables.
INSTRUMENTS: dict[str, str] = {
    "joint_project_subsidy": "joint_projects",
    "starter_batch_subsidy": "starter_batches",
    "preferential_loans": "loans",
    "tax_relief": "tax_relief",
}


@dataclass(frozen=True)
class Decomposition:
    """The derived scenario and what each of its arms is.

    Attributes:
        scenario: The scenario with the derived regimes (and ``regime`` itself) as its regimes.
        regime: The decomposed regime.
        rows: ``(arm, kind, instrument)`` in table order: ``("R", "full", "")``, then
            ``without`` and ``only`` rows per instrument (a regime with one instrument gets one
            ``registration`` row instead: registration with that instrument removed).
    """

    scenario: Scenario
    regime: str
    rows: list[tuple[str, str, str]]

    @property
    def arms(self) -> list[str]:
        """The arms to run: de facto and every row's regime."""
        return ["de_facto", *(arm for arm, _, _ in self.rows)]


def decomposition_arms(scenario: Scenario, regime: str) -> Decomposition:
    """The scenario with ``regime``'s instruments removed in turn and each alone.

    Raises:
        InputError: Unknown regime, or a regime without instruments (nothing to decompose).
    """
    if regime not in scenario.regimes:
        raise InputError.parameter(
            "regime", f"unknown regime '{regime}'; regimes: {', '.join(scenario.regimes)}"
        )
    base = scenario.regimes[regime]
    present = [f for f in INSTRUMENTS if getattr(base, f) is not None]
    if not present:
        raise InputError.parameter(
            "regime", f"regime '{regime}' offers no instrument; there is nothing to decompose"
        )
    regimes: dict[str, Regime] = {regime: base}
    rows: list[tuple[str, str, str]] = [(regime, "full", "")]
    for field in present:
        short = INSTRUMENTS[field]
        if len(present) > 1:
            name = f"{regime}__without_{short}"
            regimes[name] = base.model_copy(
                update={"title": f"{base.title} without {short}", field: None}
            )
            rows.append((name, "without", short))
            name = f"{regime}__only_{short}"
            alone = {f: None for f in present if f != field}
            regimes[name] = base.model_copy(update={"title": f"{short} alone", **alone})
            rows.append((name, "only", short))
        else:
            name = f"{regime}__without_{short}"
            regimes[name] = base.model_copy(update={"title": "registration alone", field: None})
            rows.append((name, "registration", ""))
    return Decomposition(scenario.model_copy(update={"regimes": regimes}), regime, rows)
