"""The cluster's agents: large enterprises, SMEs, the government and the specialised organisation.

Each agent type's decision rules live on its class. Firm rules are vectorised over that type's
rows of the firm table (:class:`sim.model.state.FirmArrays`), because a quarter decides for
every firm at once; the mechanisms (:mod:`sim.model.mechanisms`) compute what a rule needs and
call it. A firm agent carries the firm's identity (``idx``, its group) for the supply-network
view and the page: ``yard.employment`` reads ``state.firms.employment[yard.idx]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.compiled import kernel

if TYPE_CHECKING:
    from sim.model.state import State
    from sim.scenario.schema import Regime, Registry

__all__ = [
    "SME",
    "ClusterOrganization",
    "CriteriaCheck",
    "Firm",
    "Government",
    "Grant",
    "LargeEnterprise",
    "employment_target_rule",
    "match_rule",
    "membership_rule",
    "qualification_rule",
]


@dataclass(frozen=True)
class CriteriaCheck:
    """The Decree 779 criteria for one roster at one quarter, as the government checks them.

    ``eligible = n >= N_min and FD >= FD_thr and n_non_producing <= max and organisation
    and every roster member has a contract``; ``FD_thr`` is the reduced threshold when the
    share of participants in special territories reaches the legal share, else the default.
    """

    n_participants: int
    n_min: int
    functional_dependence: float
    fd_threshold: float
    n_non_producing: int
    max_non_producing: int
    all_have_contracts: bool
    organisation: bool

    @property
    def eligible(self) -> bool:
        """True when every criterion holds."""
        return (
            self.n_participants >= self.n_min
            and self.functional_dependence >= self.fd_threshold
            and self.n_non_producing <= self.max_non_producing
            and self.all_have_contracts
            and self.organisation
        )

    def as_dict(self) -> dict:
        """Plain dict, with ``eligible``."""
        return {**asdict(self), "eligible": self.eligible}


class Firm(mesa.Agent):
    """A firm: identity plus an index into the firm table.

    Attributes:
        idx: Row of this firm in ``state.firms``.
        group: Name of the scenario firm group it was drawn from.
    """

    def __init__(self, model: mesa.Model, idx: int, group: str, state: State) -> None:
        super().__init__(model)
        self.idx = int(idx)
        self.group = group
        self._firms = state.firms

    # Read-only views of the firm's state -------------------------------------------------
    @property
    def employment(self) -> float:
        """Workers."""
        return float(self._firms.employment[self.idx])

    @property
    def output(self) -> float:
        """Output in the last quarter (mln RUB)."""
        return float(self._firms.output[self.idx])

    @property
    def participant(self) -> bool:
        """Whether the firm is a cluster participant."""
        return bool(self._firms.participant[self.idx])

    @property
    def alive(self) -> bool:
        """Whether the firm is active."""
        return bool(self._firms.alive[self.idx])

    # Decisions (vectorised over many firms) ----------------------------------------------
    @staticmethod
    def registration_prospect(
        offers_registration: bool, registered: bool, check: CriteriaCheck | None
    ) -> float:
        """Chance of registration as firms see it: 1 when registered, 0 in the de-facto arm.

        Before registration, firms judge how close the roster is to the Decree 779 thresholds:
        ``min(1, n / n_min) * min(1, FD / FD_threshold)``; 0.5 before the first check.
        """
        if not offers_registration:
            return 0.0
        if registered:
            return 1.0
        if check is None:
            return 0.5
        closeness = min(1.0, check.n_participants / max(check.n_min, 1))
        closeness *= min(1.0, check.functional_dependence / max(check.fd_threshold, 1e-9))
        return float(closeness)

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
        with the highest tastes (the de-facto cluster is in equilibrium at the start). Float
        arrays of the same length.
        """
        return membership_rule(
            net_benefit, peer_share, taste, group_constant, float(benefit_scale), float(peer_weight)
        )


class LargeEnterprise(Firm):
    """A shipyard (final producer) or large component maker."""

    @staticmethod
    def employment_target(desired_output: np.ndarray, productivity: np.ndarray) -> np.ndarray:
        """Workers needed for the desired quarterly output at annual productivity.

        ``4 Y* / max(A, 1e-9)``, element by element (float arrays of the same length).
        """
        return employment_target_rule(desired_output, productivity)

    @staticmethod
    def invests(annual_return: np.ndarray, financing_rate: np.ndarray) -> np.ndarray:
        """Invest in capacity when the annual return on capital beats the financing rate."""
        return annual_return > financing_rate

    @staticmethod
    def undertakes_project(
        annual_return: float, subsidy_share: float, financing_rate: float
    ) -> bool:
        """Lead a joint project when the return on own funds beats the financing rate.

        ``r / (1 - s) >= r_f``: the subsidy share ``s`` of the capex is reimbursed.
        """
        return not annual_return / max(1.0 - subsidy_share, 1e-9) < financing_rate


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
        cost of a step; the SME must be able to pay the next step from cash:
        ``q < q_thr and cash >= c and gain > ceil(max(q_thr - q, 0) / step) c``, element by
        element (float arrays of the same length).
        """
        return qualification_rule(
            qualification, float(threshold), float(step), cost, cash, expected_gain
        )

    @staticmethod
    def exits(loss_quarters: np.ndarray | int, limit: float) -> np.ndarray | bool:
        """Exit after ``limit`` consecutive quarters with negative cash.

        Element-wise on arrays, or one firm's verdict (stage 9 compiles it for one firm at a
        time: :mod:`sim.model.mechanisms.demography`).
        """
        return loss_quarters >= limit


# --------------------------------------------------------------------------------------------
# The firm rules' element-wise arithmetic, compiled (sim/model/compiled.py: the same operations,
# in the same order, as the numpy expressions in the rules' docstrings)
# --------------------------------------------------------------------------------------------
@kernel
def membership_rule(
    net_benefit: np.ndarray,
    peer_share: np.ndarray,
    taste: np.ndarray,
    group_constant: np.ndarray,
    benefit_scale: float,
    peer_weight: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`Firm.membership_decision`: ``((B / scale + w (peer - 0.5)) + taste) + c > 0``."""
    n = net_benefit.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        z = net_benefit[i] / benefit_scale + peer_weight * (peer_share[i] - 0.5)
        out[i] = (z + taste[i]) + group_constant[i] > 0.0
    return out


@kernel
def employment_target_rule(
    desired_output: np.ndarray, productivity: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`LargeEnterprise.employment_target`: ``4 Y* / np.maximum(A, 1e-9)``."""
    n = desired_output.shape[0]
    out = np.empty(n)
    for i in range(n):
        a = productivity[i]
        a = a if (a >= 1e-9 or a != a) else 1e-9  # np.maximum: NaN propagates
        out[i] = 4.0 * desired_output[i] / a
    return out


@kernel
def qualification_rule(
    qualification: np.ndarray,
    threshold: float,
    step: float,
    cost: np.ndarray,
    cash: np.ndarray,
    expected_gain: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`SME.qualification_decision` element by element."""
    n = qualification.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        gap = threshold - qualification[i]
        gap = gap if (gap >= 0.0 or gap != gap) else 0.0  # np.maximum: NaN propagates
        steps = np.ceil(gap / step)
        below = qualification[i] < threshold
        out[i] = below and cash[i] >= cost[i] and expected_gain[i] > steps * cost[i]
    return out


@kernel
def match_rule(candidate: bool, u: float, rate: float) -> bool:  # pragma: no cover - compiled
    """:meth:`ClusterOrganization.match_smes`' rule for one firm: ``candidate and u < rate``."""
    return candidate and u < rate


@kernel
def _match_smes(
    candidates: np.ndarray, u: np.ndarray, rate: float
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`ClusterOrganization.match_smes` element by element (:func:`match_rule`)."""
    n = candidates.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        out[i] = match_rule(candidates[i], u[i], rate)
    return out


@dataclass
class Grant:
    """A joint-project subsidy being paid out in quarterly instalments."""

    firm: int
    per_quarter: float
    quarters_left: int
    level: str


class Government(mesa.Agent):
    """Federal and regional budgets and the registry (Minpromtorg applies Decree 779).

    Holds the arm's regime (None in the de-facto arm), decides on registry applications,
    rations subsidies by annual budget limits and per-applicant caps, and pays grants.

    Attributes:
        regime: The arm's preference regime, or None (de-facto arm).
        rules: The scenario's registry rules.
        registered: Whether the cluster is in the registry now.
        registered_quarter: First quarter of registration, or None.
        expires_quarter: Quarter in which the current registration lapses.
        pending_decision_quarter: Quarter of the next decision on a filed application.
        decisions: Log of (quarter, kind, CriteriaCheck, approved).
        grants: Joint-project subsidies being paid out.
        spent: Money committed per (instrument, year).
        starter_paid: Starter-batch subsidy paid so far per firm.
    """

    def __init__(self, model: mesa.Model, regime: Regime | None, rules: Registry) -> None:
        super().__init__(model)
        self.regime = regime
        self.rules = rules
        self.registered = False
        self.registered_quarter: int | None = None
        self.expires_quarter: int | None = None
        self.pending_decision_quarter: int | None = None
        self.pending_kind = ""
        self.decisions: list[tuple[int, str, CriteriaCheck, bool]] = []
        self.grants: list[Grant] = []
        self.spent: dict[tuple[str, int], float] = {}
        self.starter_paid = np.zeros(0)

    # Registry --------------------------------------------------------------------------
    @property
    def offers_registration(self) -> bool:
        """The de-facto arm never registers; every regime arm may."""
        return self.regime is not None

    def eligible_for_preferences(self, state: State) -> np.ndarray:
        """Who may receive preferences: roster members of a registered cluster."""
        if not self.registered:
            return np.zeros(state.firms.n, dtype=bool)
        return state.roster()

    def check_criteria(
        self,
        *,
        n_participants: int,
        functional_dependence: float,
        special_share: float,
        n_non_producing: int,
        all_have_contracts: bool,
        organisation: bool,
    ) -> CriteriaCheck:
        """Apply the Decree 779 criteria (thresholds from the scenario's registry rules)."""
        r = self.rules
        fd_thr = (
            r.functional_dependence_reduced.value
            if special_share >= r.special_territory_share_for_reduced.value
            else r.functional_dependence_default.value
        )
        return CriteriaCheck(
            n_participants=n_participants,
            n_min=r.min_industrial_participants.value,
            functional_dependence=functional_dependence,
            fd_threshold=fd_thr,
            n_non_producing=n_non_producing,
            max_non_producing=r.max_non_producing,
            all_have_contracts=all_have_contracts,
            organisation=organisation or not r.requires_specialised_organisation,
        )

    def receive_application(self, quarter: int, kind: str) -> None:
        """Accept an application; the decision comes after the processing lag."""
        self.pending_decision_quarter = quarter + self.rules.processing_lag_quarters.value
        self.pending_kind = kind

    def decide(self, quarter: int, check: CriteriaCheck) -> bool:
        """Decide a pending application on the criteria as they hold at decision time."""
        approved = check.eligible
        self.decisions.append((quarter, self.pending_kind, check, approved))
        validity = 4 * self.rules.validity_years.value
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

    def lapse_if_expired(self, quarter: int, check: CriteriaCheck) -> None:
        """Registration lapses at its expiry quarter unless re-confirmed.

        The lapse is logged with ``check``, the criteria as they hold at the lapse.
        """
        if self.registered and self.expires_quarter is not None and quarter >= self.expires_quarter:
            self.registered = False
            self.decisions.append((quarter, "lapse", check, False))

    # Budgets ---------------------------------------------------------------------------
    def remaining(self, instrument: str, limit: float, quarter: int) -> float:
        """Budget left this calendar year for ``instrument``."""
        year = (quarter - 1) // 4
        return max(0.0, limit - self.spent.get((instrument, year), 0.0))

    def book(self, instrument: str, amount: float, quarter: int) -> None:
        """Record spending against this year's limit."""
        year = (quarter - 1) // 4
        self.spent[(instrument, year)] = self.spent.get((instrument, year), 0.0) + amount

    def receivable(self, n: int) -> np.ndarray:
        """Grant instalments still due to each firm (mln RUB)."""
        out = np.zeros(n)
        for g in self.grants:
            out[g.firm] += g.per_quarter * g.quarters_left
        return out

    def pay_grants(self, n: int) -> tuple[np.ndarray, float, float]:
        """Pay this quarter's instalments of joint-project subsidies.

        Args:
            n: Number of firm slots (length of the returned cash array).

        Returns:
            Cash per firm, federal total, regional total.
        """
        cash = np.zeros(n)
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
        rules: The scenario's registry rules (when to file).
        applications: Quarters in which it filed an application.
    """

    def __init__(self, model: mesa.Model, exists: bool, rules: Registry) -> None:
        super().__init__(model)
        self.exists = exists
        self.rules = rules
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
        return _match_smes(candidates, u, float(rate))

    def should_apply(self, gov: Government, quarter: int) -> str:
        """Return ``application`` / ``reconfirmation`` when it is time to file, else ``""``."""
        if not self.exists or not gov.offers_registration or gov.pending_decision_quarter:
            return ""
        rules = self.rules
        if quarter < rules.earliest_application_quarter:
            return ""
        if not gov.registered:
            return "application"
        lag = rules.processing_lag_quarters.value
        expires = gov.expires_quarter
        if rules.reconfirm and expires is not None and quarter >= expires - lag - 1:
            return "reconfirmation"
        return ""
