"""Hand-built states for the known-answer tests of the mechanisms (tests/mechanisms).

``state([...])`` puts a few firms with hand-chosen attributes into a
:class:`sim.model.state.State` of the shipped Astrakhan scenario (optionally with overrides), so
a test can compute the expected result of one mechanism by hand.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.model.agents import ClusterOrganization, Government
from sim.model.state import KIND_LARGE, KIND_SME, ROLE_COMPONENT, ROLE_FINAL, State
from sim.scenario.files import default_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = [
    "KIND_LARGE",
    "KIND_SME",
    "ROLE_COMPONENT",
    "ROLE_FINAL",
    "government",
    "organisation",
    "scenario",
    "state",
    "supplier",
    "yard",
]

#: Attributes every hand-built firm gets unless the test says otherwise: an alive final
#: producer (a yard) with 100 workers at 1.6 mln RUB a year each, i.e. 40 mln RUB a quarter,
#: earning an EBITDA of 6 a quarter (borrowing limit 3.5 x 4 x 6 = 84 mln RUB of debt).
FIRM_DEFAULTS: dict[str, Any] = {
    "alive": True,
    "kind": KIND_LARGE,
    "role": ROLE_FINAL,
    "trade": -1,
    "group": 0,
    "employment": 100.0,
    "productivity": 1.6,
    "capacity": 40.0,
    "qualification": 1.0,
    "cash": 0.0,
    "order_book": 0.0,
    "output": 40.0,
    "cum_output": 320.0,
    "price": 1.0,
    "unit_cost": 1.0,
    "ebitda": 6.0,
    "born_quarter": -100,
    "last_contract_quarter": -100,
    "participant": False,
    "matched": False,
    "sez": False,
    "special_territory": False,
}


def scenario(overrides: dict[str, Any] | None = None) -> Scenario:
    """The shipped Astrakhan scenario, with dotted-key overrides applied."""
    sc = default_scenario()
    return apply_overrides(sc, overrides) if overrides else sc


def yard(**attrs: Any) -> dict[str, Any]:
    """A final producer (large enterprise) with the given attributes."""
    return {"kind": KIND_LARGE, "role": ROLE_FINAL, "trade": -1, **attrs}


def supplier(trade: int = 0, **attrs: Any) -> dict[str, Any]:
    """An SME supplier of trade ``trade`` with the given attributes."""
    return {"kind": KIND_SME, "role": ROLE_COMPONENT, "trade": trade, **attrs}


def state(firms: list[dict[str, Any]], spec: Scenario | None = None, quarter: int = 1) -> State:
    """A state holding ``firms`` (dicts of firm-table attributes over :data:`FIRM_DEFAULTS`).

    The agglomeration base is the firms' employment (spillover scale 1), each supplier's
    reference cost is 1, and the ledger is open for the quarter.
    """
    st = State(spec or scenario(), len(firms) + 4)
    idx = st.firms.add(len(firms))
    for i, attrs in zip(idx, firms, strict=True):
        for name, value in {**FIRM_DEFAULTS, **attrs}.items():
            getattr(st.firms, name)[i] = value
    st.quarter = quarter
    st.agglo_base = float(st.firms.employment[: st.firms.n].sum())
    st.supplier_cost0 = np.ones(st.firms.n)
    st.ledger.start_quarter()
    return st


def government(
    spec: Scenario, arm: str = ARM_DE_FACTO, *, registered: bool = False, since: int = 1
) -> Government:
    """The government agent of ``arm`` (registered since quarter ``since`` if asked)."""
    gov = Government(mesa.Model(rng=0), None if arm == ARM_DE_FACTO else spec.regimes[arm],
                     spec.registry)  # fmt: skip
    if registered:
        gov.registered = True
        gov.registered_quarter = since
        gov.expires_quarter = since + 4 * spec.registry.validity_years.value
    return gov


def organisation(spec: Scenario, exists: bool = True) -> ClusterOrganization:
    """The specialised organisation agent."""
    return ClusterOrganization(mesa.Model(rng=0), exists, spec.registry)
