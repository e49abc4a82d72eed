"""The cluster's agents: large enterprises, SMEs, the government and the specialised organisation.

Firms keep their identity (a Mesa agent each) and their decision rules here; their state lives
in the model's firm arrays (``model.firms``) so that rules run vectorised over thousands of
firms. A firm agent is a view: ``yard.employment`` reads ``model.firms.employment[yard.idx]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.economy.registry import CriteriaCheck

if TYPE_CHECKING:
    from sim.model import ClusterModel
    from sim.scenario.schema import Regime

__all__ = ["SME", "ClusterOrganization", "Firm", "Government", "LargeEnterprise"]


class Firm(mesa.Agent):
    """A firm: identity plus an index into the model's firm arrays.

    Attributes:
        idx: Row of this firm in ``model.firms``.
        group: Name of the scenario firm group it was drawn from.
    """

    def __init__(self, model: ClusterModel, idx: int, group: str) -> None:
        super().__init__(model)
        self.idx = int(idx)
        self.group = group

    # Read-only views of the firm's state -------------------------------------------------
    @property
    def employment(self) -> float:
        """Workers."""
        return float(self.model.firms.employment[self.idx])

    @property
    def output(self) -> float:
        """Output in the last quarter (mln RUB)."""
        return float(self.model.firms.output[self.idx])

    @property
    def participant(self) -> bool:
        """Whether the firm is a cluster participant."""
        return bool(self.model.firms.participant[self.idx])

    @property
    def alive(self) -> bool:
        """Whether the firm is active."""
        return bool(self.model.firms.alive[self.idx])

    # Decisions (vectorised over many firms) ----------------------------------------------
    @staticmethod
    def membership_decision(
        net_benefit: np.ndarray,
        peer_share: np.ndarray,
        taste: np.ndarray,
        group_constant: np.ndarray,
        *,
        benefit_scale: float,
        peer_weight: float,
    ) -> np.ndarray:
        """Participate when scaled net benefit + peer pull + own taste + group constant > 0.

        ``z_i = (B_i - C_i) / scale + w_peer (peer_i - 0.5) + taste_i + c_g``; the group constant
        is calibrated at initialisation so that the initial participants are exactly those
        with the highest tastes (the de-facto cluster is in equilibrium at the start).
        """
        z = net_benefit / benefit_scale + peer_weight * (peer_share - 0.5) + taste + group_constant
        return z > 0.0


class LargeEnterprise(Firm):
    """A shipyard (final producer) or large component maker."""

    @staticmethod
    def employment_target(desired_output: np.ndarray, productivity: np.ndarray) -> np.ndarray:
        """Workers needed for the desired quarterly output at annual productivity."""
        return 4.0 * desired_output / np.maximum(productivity, 1e-9)

    @staticmethod
    def invests(annual_return: np.ndarray, financing_rate: np.ndarray) -> np.ndarray:
        """Invest in capacity when the annual return on capital beats the financing rate."""
        return annual_return > financing_rate


class SME(Firm):
    """A small or medium supplier of one trade."""

    @staticmethod
    def qualification_decision(
        qualification: np.ndarray,
        threshold: float,
        step: float,
        cost: np.ndarray,
        cash: np.ndarray,
        expected_gain: np.ndarray,
    ) -> np.ndarray:
        """Invest in qualification when the expected gain of chain entry exceeds the remaining cost.

        The remaining cost is the number of steps to the threshold times the (matched or not)
        cost of a step; the SME must be able to pay the next step from cash.
        """
        steps = np.ceil(np.maximum(threshold - qualification, 0.0) / step)
        below = qualification < threshold
        return below & (cash >= cost) & (expected_gain > steps * cost)

    @staticmethod
    def exits(loss_quarters: np.ndarray, limit: int) -> np.ndarray:
        """Exit after ``limit`` consecutive quarters with negative cash."""
        return loss_quarters >= limit


@dataclass
class _Grant:
    """A joint-project subsidy being paid out."""

    firm: int
    per_quarter: float
    quarters_left: int
    level: str


class Government(mesa.Agent):
    """Federal and regional budgets and the registry (Minpromtorg applies Decree 779).

    Holds the arm's regime (None in the de-facto arm), decides on registry applications,
    rations subsidies by annual budget limits and per-applicant caps, and books costs.

    Attributes:
        regime: The arm's preference regime, or None (de-facto arm).
        registered: Whether the cluster is in the registry now.
        registered_quarter: First quarter of registration, or None.
        expires_quarter: Quarter in which the current registration lapses.
        pending_decision_quarter: Quarter of the next decision on a filed application.
        decisions: Log of (quarter, kind, CriteriaCheck, approved).
    """

    def __init__(self, model: ClusterModel, regime: Regime | None) -> None:
        super().__init__(model)
        self.regime = regime
        self.registered = False
        self.registered_quarter: int | None = None
        self.expires_quarter: int | None = None
        self.pending_decision_quarter: int | None = None
        self.pending_kind = ""
        self.decisions: list[tuple[int, str, CriteriaCheck, bool]] = []
        self.grants: list[_Grant] = []
        self.spent: dict[tuple[str, int], float] = {}
        self.starter_paid = np.zeros(0)

    # Registry --------------------------------------------------------------------------
    @property
    def offers_registration(self) -> bool:
        """The de-facto arm never registers; every regime arm may."""
        return self.regime is not None

    def receive_application(self, quarter: int, kind: str) -> None:
        """Accept an application; the decision comes after the processing lag."""
        lag = self.model.spec.registry.processing_lag_quarters.value
        self.pending_decision_quarter = quarter + lag
        self.pending_kind = kind

    def decide(self, quarter: int, check: CriteriaCheck) -> bool:
        """Decide a pending application on the criteria as they hold at decision time."""
        approved = check.eligible
        self.decisions.append((quarter, self.pending_kind, check, approved))
        validity = 4 * self.model.spec.registry.validity_years.value
        if approved:
            if self.pending_kind == "reconfirmation" and self.expires_quarter is not None:
                self.expires_quarter += validity
            else:
                self.registered = True
                if self.registered_quarter is None:
                    self.registered_quarter = quarter
                self.expires_quarter = quarter + validity
        self.pending_decision_quarter = None
        self.pending_kind = ""
        return approved

    def lapse_if_expired(self, quarter: int) -> None:
        """Registration lapses at its expiry quarter unless re-confirmed."""
        if self.registered and self.expires_quarter is not None and quarter >= self.expires_quarter:
            self.registered = False
            self.decisions.append((quarter, "lapse", self.decisions[-1][2], False))

    # Budgets ---------------------------------------------------------------------------
    def remaining(self, instrument: str, limit: float, quarter: int) -> float:
        """Budget left this calendar year for ``instrument``."""
        year = (quarter - 1) // 4
        return max(0.0, limit - self.spent.get((instrument, year), 0.0))

    def book(self, instrument: str, amount: float, quarter: int) -> None:
        """Record spending against this year's limit."""
        year = (quarter - 1) // 4
        self.spent[(instrument, year)] = self.spent.get((instrument, year), 0.0) + amount

    def pay_grants(self) -> tuple[np.ndarray, float, float]:
        """Pay this quarter's instalments of joint-project subsidies.

        Returns:
            Cash per firm, federal total, regional total.
        """
        cash = np.zeros(self.model.firms.n)
        fed = reg = 0.0
        for g in self.grants:
            if g.quarters_left > 0:
                cash[g.firm] += g.per_quarter
                g.quarters_left -= 1
                if g.level == "federal":
                    fed += g.per_quarter
                else:
                    reg += g.per_quarter
        self.grants = [g for g in self.grants if g.quarters_left > 0]
        return cash, fed, reg


class ClusterOrganization(mesa.Agent):
    """The specialised organisation (SOPK): recruits, matches, prepares projects, applies.

    Attributes:
        exists: Whether the cluster has a specialised organisation.
        applications: Quarters in which it filed an application.
    """

    def __init__(self, model: ClusterModel, exists: bool) -> None:
        super().__init__(model)
        self.exists = exists
        self.applications: list[int] = []

    def match_smes(self, candidates: np.ndarray, u: np.ndarray, rate: float) -> np.ndarray:
        """Match a share ``rate`` of unmatched participant SMEs this quarter (random order).

        Args:
            candidates: Boolean mask of unmatched participant SMEs.
            u: Uniform draws, one per firm slot (drawn whatever the arm, for common random
                numbers).
            rate: Matching rate per quarter.

        Returns:
            Boolean mask of newly matched SMEs.
        """
        if not self.exists:
            return np.zeros_like(candidates)
        return candidates & (u < rate)

    def should_apply(self, gov: Government, quarter: int) -> str:
        """Return ``application`` / ``reconfirmation`` when it is time to file, else ``""``."""
        if not self.exists or not gov.offers_registration or gov.pending_decision_quarter:
            return ""
        rules = self.model.spec.registry
        if quarter < rules.earliest_application_quarter:
            return ""
        if not gov.registered:
            return "application"
        lag = rules.processing_lag_quarters.value
        expires = gov.expires_quarter
        if rules.reconfirm and expires is not None and quarter >= expires - lag - 1:
            return "reconfirmation"
        return ""


@dataclass
class ProjectDraws:
    """Random draws of one quarter's joint-project proposals (same in every arm)."""

    capex: np.ndarray
    annual_return: np.ndarray
    lead_u: np.ndarray
    partner_u: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
