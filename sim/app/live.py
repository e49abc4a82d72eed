"""A pair, live: the Mesa model the strategy-session page steps quarter by quarter.

:class:`LivePair` holds the two arms of one pair -- the chosen regime and the de-facto cluster --
as two :class:`sim.model.model.ClusterModel` on the same seed (common random numbers), and advances
both one quarter per :meth:`LivePair.step`. Every keyword has a default, as the page needs to
re-create the model on "Reset": the scenario file (a name from the allow-list of
:func:`sim.app.session.resolve_scenario`), the regime, the horizon, the replicate, and the regime's
preference levels (:data:`sim.app.session.LEVER_FIELDS`; ``None`` keeps the scenario file's value).

Replicate ``r`` uses the seed of replicate ``r`` of :func:`sim.run.seeds.replicate_seeds` from
the scenario's root seed, so the live run is exactly replicate ``r`` of an estimate or sweep
with the same inputs.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.app.session import LEVER_FIELDS, resolve_scenario, scenario_choices, with_levels
from sim.errors import InputError
from sim.model.model import ClusterModel
from sim.model.outcomes import OUTCOME_NAMES
from sim.run.seeds import replicate_seeds
from sim.scenario.loader import load_scenario
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = ["NETWORK_EVERY", "LivePair", "default_scenario_file"]

#: The live pair keeps a supply-network snapshot every this many quarters (and at the horizon).
NETWORK_EVERY = 4


def default_scenario_file() -> str:
    """The first scenario of the scenario folder (the page's default)."""
    choices = scenario_choices()
    return choices[0] if choices else ""


class LivePair(mesa.Model):
    """The regime arm and the de-facto arm of one scenario, stepped together.

    Attributes:
        scenario_file: Scenario file name in the scenario folder.
        regime: The regime arm (the other arm is de facto).
        base: The scenario file as loaded (no levels applied).
        spec: The scenario with the preference levels and horizon applied.
        overrides: Dotted keys whose value differs from the scenario file (the moved levers).
        arms: ``{arm: ClusterModel}`` for de facto and the regime.
        replicate: Replicate index; its seed is ``replicate_seeds(root, replicate + 1)[-1]``.
        networks: ``{quarter: (nodes, edges)}`` of the regime arm at quarter 0, every
            :data:`NETWORK_EVERY` quarters and at the horizon.
    """

    def __init__(
        self,
        scenario_file: str | None = None,
        regime: str | None = None,
        horizon_quarters: int | None = None,
        replicate: int = 0,
        joint_project_subsidy_rate: float | None = None,
        joint_project_subsidy_budget: float | None = None,
        starter_batch_subsidy_rate: float | None = None,
        starter_batch_subsidy_budget: float | None = None,
        loan_rate: float | None = None,
        loan_budget: float | None = None,
        regional_profit_tax_cut: float | None = None,
        property_tax_cut: float | None = None,
    ) -> None:
        """Load the scenario from the allow-list, apply the levels, build both arms.

        Raises:
            InputError: The file is not an allowed scenario, the regime is unknown, or a level
                is outside what the scenario schema allows.
        """
        given = {
            "joint_project_subsidy_rate": joint_project_subsidy_rate,
            "joint_project_subsidy_budget": joint_project_subsidy_budget,
            "starter_batch_subsidy_rate": starter_batch_subsidy_rate,
            "starter_batch_subsidy_budget": starter_batch_subsidy_budget,
            "loan_rate": loan_rate,
            "loan_budget": loan_budget,
            "regional_profit_tax_cut": regional_profit_tax_cut,
            "property_tax_cut": property_tax_cut,
        }
        self.scenario_file = scenario_file or default_scenario_file()
        self.base = base = load_scenario(resolve_scenario(self.scenario_file))
        self.regime = regime or next(iter(base.regimes))
        if self.regime not in base.regimes:
            raise InputError.parameter(
                "regime", f"unknown regime '{self.regime}'; allowed: {', '.join(base.regimes)}"
            )
        self.overrides = _overrides(base, self.regime, given)
        self.spec: Scenario = with_levels(base, self.overrides, horizon_quarters)
        self.replicate = int(replicate)
        self.seed = replicate_seeds(self.spec.experiment.seed, self.replicate + 1)[-1]
        super().__init__(rng=self.seed)
        self.arms = {a: ClusterModel(self.spec, arm=a, rng=self.seed)
                     for a in (ARM_DE_FACTO, self.regime)}  # fmt: skip
        self.horizon = self.spec.scenario.horizon_quarters
        self.quarter = 0
        self.networks: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {0: self.network()}

    def step(self) -> None:
        """One quarter in both arms; at the horizon ``running`` turns False and steps do nothing."""
        if self.quarter >= self.horizon:
            self.running = False
            return
        for m in self.arms.values():
            m.step()
        self.quarter += 1
        self.running = self.quarter < self.horizon
        if self.quarter % NETWORK_EVERY == 0 or not self.running:
            self.networks[self.quarter] = self.network()

    # ----------------------------------------------------------------------------------------
    # What the page shows
    # ----------------------------------------------------------------------------------------
    @property
    def regime_model(self) -> ClusterModel:
        """The regime arm."""
        return self.arms[self.regime]

    @property
    def registered_quarter(self) -> int | None:
        """Quarter the regime arm's cluster entered the registry (None: not yet)."""
        return self.regime_model.government.registered_quarter

    def outcomes_frame(self) -> pd.DataFrame:
        """Outcomes so far, long by arm, in the stored layout (point, replicate, arm, quarter)."""
        frames = []
        for arm, m in self.arms.items():
            f = pd.DataFrame(m.outcomes[: self.quarter], columns=list(OUTCOME_NAMES))
            f.insert(0, "quarter", np.arange(1, self.quarter + 1))
            f.insert(0, "arm", arm)
            f.insert(0, "replicate", self.replicate)
            f.insert(0, "point", 0)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def network(self, max_edges: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The regime arm's supply network now (nodes, edges)."""
        return self.regime_model.supply_network(max_edges)

    def latest_network(self) -> tuple[int, tuple[pd.DataFrame, pd.DataFrame]]:
        """The last snapshot: (quarter, (nodes, edges))."""
        q = max(self.networks)
        return q, self.networks[q]


def _overrides(base: Scenario, regime: str, given: dict[str, Any]) -> dict[str, float]:
    """Dotted overrides for the given levels that differ from the scenario file's values."""
    reg = base.regimes[regime]
    out: dict[str, float] = {}
    for name, value in given.items():
        if value is None:
            continue
        instrument, field = LEVER_FIELDS[name]
        inst = getattr(reg, instrument)
        if inst is None:
            raise InputError.parameter(
                name, f"regime '{regime}' has no {instrument}; its levers are the ones it sets"
            )
        if float(value) != float(getattr(inst, field).value):
            out[f"regimes.{regime}.{instrument}.{field}"] = float(value)
    return out
