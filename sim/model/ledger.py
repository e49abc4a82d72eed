"""The quarter's ledger: budget flows and totals booked by the model's stages.

Every preference payment is booked here by instrument and budget level (federal, regional), and
every tax by the budget it goes to (:data:`TAX_LEVELS`: federal, regional consolidated with local,
and the Social Fund for insurance contributions), so that outcomes and accounting tests read one
place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

__all__ = ["FLOWS", "INSTRUMENTS", "LEVELS", "TAX_LEVELS", "Ledger"]

INSTRUMENTS = ("joint_project", "starter_batch", "loans", "tax_relief")
#: Budget levels that bear preference costs.
LEVELS = ("federal", "regional")
#: Budgets that receive taxes: insurance contributions go to the Social Fund.
TAX_LEVELS = ("federal", "regional", "social_fund")
#: The keys of :attr:`Ledger.cost`, in booking order.
_COST_KEYS = tuple((i, lvl) for i in INSTRUMENTS for lvl in LEVELS)
#: The flows :meth:`Ledger.flows` gives, in that order: the costs by (instrument, level) in
#: booking order, the taxes by budget, the programmes' cost by level, then the other flows.
_SCALARS = (
    "vat_collected", "sez_tax_expenditure", "investment", "joint_projects", "paid_to_firms",
    "grant_equivalent", "credit_constrained",
)  # fmt: skip
FLOWS = (
    *(f"cost.{i}.{lvl}" for i, lvl in _COST_KEYS),
    *(f"tax.{lvl}" for lvl in TAX_LEVELS),
    *(f"programme_cost.{lvl}" for lvl in LEVELS),
    *_SCALARS,
)
_costs, _taxes, _programmes = itemgetter(*_COST_KEYS), itemgetter(*TAX_LEVELS), itemgetter(*LEVELS)
_scalars = attrgetter(*_SCALARS)
# The dicts a quarter starts with (copied: a copy of a small dict is cheaper than fromkeys).
_ZERO_COST = dict.fromkeys(_COST_KEYS, 0.0)
_ZERO_TAX = dict.fromkeys(TAX_LEVELS, 0.0)
_ZERO_LEVELS = dict.fromkeys(LEVELS, 0.0)
_ZERO_SCALARS = {name: 0 if name in ("joint_projects", "credit_constrained") else 0.0
                 for name in _SCALARS}  # fmt: skip


@dataclass
class Ledger:
    """Flows of the current quarter (reset by :meth:`start_quarter`).

    Attributes:
        cost: Cost of the regime's preferences by (instrument, budget level).
        tax: Tax revenue at actual rates by budget (:data:`TAX_LEVELS`); federal VAT counted at
            its net share.
        vat_collected: VAT the firms remit (gross, before the buyers' deduction).
        sez_tax_expenditure: Tax forgone under the SEZ regime.
        investment: Capacity, project and qualification outlays.
        joint_projects: Joint projects started.
        paid_to_firms: Subsidies paid into firms' cash.
        programme_cost: Interest subsidy of the loan programmes open in every arm (IDF, KIP),
            by budget level; not a preference of the regime.
        grant_equivalent: Grant-equivalent of the preferential loans originated (all
            programmes).
        credit_constrained: Final producers whose wanted investment the borrowing limit cut.
    """

    cost: dict[tuple[str, str], float] = field(default_factory=dict)
    tax: dict[str, float] = field(default_factory=dict)
    vat_collected: float = 0.0
    sez_tax_expenditure: float = 0.0
    investment: float = 0.0
    joint_projects: int = 0
    paid_to_firms: float = 0.0
    programme_cost: dict[str, float] = field(default_factory=dict)
    grant_equivalent: float = 0.0
    credit_constrained: int = 0

    def start_quarter(self) -> None:
        """Zero every flow."""
        self.cost = _ZERO_COST.copy()
        self.tax = _ZERO_TAX.copy()
        self.programme_cost = _ZERO_LEVELS.copy()
        self.__dict__.update(_ZERO_SCALARS)  # the other flows, in one call

    def flows(self) -> tuple[float, ...]:
        """Every flow of the quarter as one tuple of numbers, in the order of :data:`FLOWS`.

        What the quarter's outcomes read of the ledger (:mod:`sim.model.mechanisms.record`
        gathers a block's ledgers into one array). The costs come in booking order, the order
        :meth:`level_cost` sums them in.
        """
        return (
            *_costs(self.cost), *_taxes(self.tax), *_programmes(self.programme_cost),
            *_scalars(self),
        )  # fmt: skip

    def book_cost(self, instrument: str, level: str, amount: float) -> None:
        """Book a preference cost (subsidy paid, interest subsidy or tax expenditure)."""
        self.cost[(instrument, level)] += float(amount)

    def instrument_cost(self, instrument: str) -> float:
        """Cost of one instrument this quarter, both budget levels."""
        return self.cost[(instrument, "federal")] + self.cost[(instrument, "regional")]

    def level_cost(self, level: str) -> float:
        """Preference cost borne by one budget level this quarter."""
        return sum(v for (_, lvl), v in self.cost.items() if lvl == level)

    def add_taxes(self, bill) -> None:
        """Book a :class:`sim.model.mechanisms.taxes.TaxBill`."""
        self._add_tax(
            bill.federal, bill.regional, bill.social_fund, bill.vat_collected,
            bill.sez_expenditure,
        )  # fmt: skip
        for level, amount in bill.relief_expenditure.items():
            self.book_cost("tax_relief", level, amount)

    def add_tax_totals(
        self,
        federal: float,
        regional: float,
        social_fund: float,
        vat_collected: float,
        sez_expenditure: float,
        relief_regional: float,
    ) -> None:
        """Book a run's tax totals as :meth:`add_taxes` books its bill (same operations).

        The relief's expenditure is the regional budget's (the federal one books 0.0), as in
        every bill the tax stage makes.
        """
        self._add_tax(federal, regional, social_fund, vat_collected, sez_expenditure)
        self.book_cost("tax_relief", "federal", 0.0)
        self.book_cost("tax_relief", "regional", relief_regional)

    def _add_tax(
        self,
        federal: float,
        regional: float,
        social_fund: float,
        vat_collected: float,
        sez_expenditure: float,
    ) -> None:
        """Add the taxes by budget, the VAT collected and the SEZ tax expenditure."""
        tax = self.tax
        tax["federal"] += federal
        tax["regional"] += regional
        tax["social_fund"] += social_fund
        self.vat_collected += vat_collected
        self.sez_tax_expenditure += sez_expenditure
