"""Registry submodel: the Decree 779 criteria as a pure function of the cluster's state.

``eligible = n_roster >= N_min and FD >= FD_thr and n_non_producing <= 3
and organisation exists and every roster member has >= 1 contract``, with
``FD_thr = FD_reduced if special_share >= S_special else FD_default``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["CriteriaCheck", "check_criteria"]


@dataclass(frozen=True)
class CriteriaCheck:
    """Result of checking the registry criteria at one quarter."""

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


def check_criteria(
    *,
    n_participants: int,
    functional_dependence: float,
    special_share: float,
    n_non_producing: int,
    all_have_contracts: bool,
    organisation: bool,
    n_min: int,
    fd_default: float,
    fd_reduced: float,
    special_share_for_reduced: float,
    max_non_producing: int,
    requires_organisation: bool = True,
) -> CriteriaCheck:
    """Evaluate the Decree 779 criteria (all thresholds are scenario parameters)."""
    fd_thr = fd_reduced if special_share >= special_share_for_reduced else fd_default
    return CriteriaCheck(
        n_participants=n_participants,
        n_min=n_min,
        functional_dependence=functional_dependence,
        fd_threshold=fd_thr,
        n_non_producing=n_non_producing,
        max_non_producing=max_non_producing,
        all_have_contracts=all_have_contracts,
        organisation=organisation or not requires_organisation,
    )
