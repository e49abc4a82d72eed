"""Scenario schema: a frozen, strictly typed pydantic v2 description of one world.

A scenario file (TOML) is validated into :class:`Scenario`. Every model in this module is
frozen, forbids unknown keys, rejects NaN and infinities and does not coerce types (``true`` is
not ``1.0``). Policy values -- the levels of preference instruments, registry criteria, tax
rates and the SEZ regime -- are :class:`Param` tables that carry ``value``, ``unit`` and
``source``; the source is a legal or literature reference with its evidence label
(``[V]``, ``[V-abs]``, ``[R]``, ``[D]``) or starts with ``assumption``. An optional
``source_ru`` renders the source in Russian (legal acts in Russian style, «ПП РФ от 31.07.2015
№ 779»); it must carry the same evidence labels as ``source``.

The schema keeps levers (``regimes``), the world (``market``, ``firm_groups``, ...) and the
registry rules apart, in the spirit of EMA Workbench.

Every number has an upper bound (and positive magnitudes a floor), stated in its field's
``description``: generous for any real region, and tight enough that no product, power or
exponential of the model overflows -- a run at the corners of the allowed space raises no numpy
warning (``tests/test_input_limits.py``). Plain amounts are at most :data:`MAX_AMOUNT` (money:
1e9 mln RUB), whole numbers at most :data:`MAX_COUNT`; a scenario has at most
:data:`MAX_FIRMS` firms at the start, :data:`MAX_FIRMS_EVER` with SME entry over the horizon,
and :data:`MAX_ORDERS_PER_YEAR` market orders a year at the horizon.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "BudgetLevel",
    "CountParam",
    "Distribution",
    "Experiment",
    "Finance",
    "FirmGroup",
    "JointProjectSubsidy",
    "Labour",
    "LoanProgramme",
    "Market",
    "Membership",
    "MoneyParam",
    "Organisation",
    "Param",
    "PreferentialLoans",
    "Production",
    "RateParam",
    "Regime",
    "Registry",
    "Scenario",
    "ScenarioInfo",
    "Sez",
    "SmeDemography",
    "Sourcing",
    "StarterBatchSubsidy",
    "TaxRelief",
    "Taxes",
    "Trade",
    "Uncertainty",
    "Vat",
    "check_same_labels",
    "evidence_set",
]

EVIDENCE_RE = re.compile(r"\[(V|V-abs|R|D)\]")
NAME_RE = r"^[a-z][a-z0-9_]*$"
BudgetLevel = Literal["federal", "regional"]


def evidence_set(text: str) -> set[str]:
    """The evidence labels a text carries, e.g. ``{"V", "R"}``."""
    return set(EVIDENCE_RE.findall(text))


def check_same_labels(english: str, russian: str, what: str = "source") -> str:
    """``russian`` unchanged when it carries the same evidence labels as ``english``.

    Args:
        english: The English text (``source`` or ``reason``).
        russian: Its Russian rendering (empty: none given).
        what: The English field's name, for the message.

    Raises:
        ValueError: The Russian text is given without the English one, or their sets of
            evidence labels differ.
    """
    if not russian:
        return russian
    if not english:
        raise ValueError(f"a Russian rendering needs its English {what}")
    en, ru = evidence_set(english), evidence_set(russian)
    if en != ru:
        shown = [" ".join(f"[{x}]" for x in sorted(labels)) or "none" for labels in (en, ru)]
        raise ValueError(
            f"the Russian rendering must carry the same evidence labels as {what}: {what} has "
            f"{shown[0]}, the Russian text has {shown[1]}"
        )
    return russian


# Upper bounds: generous for any real region, and small enough that no product, power or
# exponential of the model overflows a float (tests/test_input_limits.py runs the corners).
MAX_AMOUNT = 1e9
"""Largest plain non-negative number (money: 1e9 mln RUB, a quadrillion roubles)."""
MAX_COUNT = 1_000_000
"""Largest whole number (participants, years, quarters)."""
MAX_FIRMS = 200_000
"""Most firms of a scenario, all groups together (twice the largest benchmarked run)."""
MAX_ORDERS_PER_YEAR = 100_000
"""Most market orders a year expected at the horizon (each order is drawn and allocated)."""
MAX_FIRMS_EVER = 1_000_000
"""Most firms a run can hold: those at the start plus the most SMEs that can enter."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT, description="0 to 1e9")]
Positive = Annotated[float, Field(ge=1e-6, le=MAX_AMOUNT, description="1e-6 to 1e9")]
PositiveInt = Annotated[int, Field(gt=0, le=MAX_COUNT, description="1 to 1,000,000")]
NonNegativeInt = Annotated[int, Field(ge=0)]
PriceWeight = Annotated[float, Field(ge=0.0, le=30.0, description="logit weight, 0 to 30")]
Quarters = Annotated[float, Field(ge=0.01, le=100.0, description="quarters, 0.01 to 100")]
CashQuarters = Annotated[float, Field(ge=0.0, le=100.0, description="quarters, 0 to 100")]
Name = Annotated[str, Field(pattern=NAME_RE, max_length=64)]


class _Frozen(BaseModel):
    """Base: frozen, no unknown keys, no NaN/inf, no type coercion."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, allow_inf_nan=False, str_strip_whitespace=True
    )


# --------------------------------------------------------------------------------------------
# Parameters with unit and source
# --------------------------------------------------------------------------------------------
class Param(_Frozen):
    """A policy value with its unit and source.

    Attributes:
        value: The number.
        unit: What the number measures, e.g. ``"share of eligible costs"``.
        source: Legal or literature reference with an evidence label ([V], [V-abs], [R], [D]),
            or text starting with ``assumption``.
        source_ru: The source in Russian (legal acts as «ПП РФ от 31.07.2015 № 779»,
            ``assumption`` as «допущение»), with the same evidence labels; empty: none.
    """

    value: float
    unit: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    source_ru: str = ""

    @field_validator("source")
    @classmethod
    def _labelled(cls, v: str) -> str:
        if v.lower().startswith("assumption") or EVIDENCE_RE.search(v):
            return v
        raise ValueError(
            "source must carry an evidence label [V], [V-abs], [R] or [D], "
            "or start with 'assumption'"
        )

    @field_validator("source_ru")
    @classmethod
    def _same_labels(cls, v: str, info: ValidationInfo) -> str:
        return check_same_labels(str(info.data.get("source", "")), v)

    @property
    def needs_confirmation(self) -> bool:
        """True when the source is only recalled ([R]) and must be confirmed before publishing."""
        return "[R]" in self.source


class RateParam(Param):
    """A rate or share, bounded to [0, 1]."""

    value: Share


class MoneyParam(Param):
    """A non-negative amount (money, rate spread, multiplier)."""

    value: NonNegative


class CountParam(Param):
    """A positive whole number (participants, years, quarters)."""

    value: PositiveInt


class Distribution(_Frozen):
    """A positive quantity drawn per firm from a lognormal (mean, coefficient of variation).

    Attributes:
        mean: Mean of the distribution (> 0).
        cv: Coefficient of variation (sd / mean, >= 0); 0 gives every firm the mean.
    """

    mean: Positive
    cv: Annotated[float, Field(ge=0.0, le=5.0)] = 0.0


# --------------------------------------------------------------------------------------------
# The world (uncertainties)
# --------------------------------------------------------------------------------------------
class ScenarioInfo(_Frozen):
    """Identity of the scenario and the simulation frame."""

    name: Name
    title: Annotated[str, Field(min_length=1)]
    title_ru: str = ""
    region: Annotated[str, Field(min_length=1)]
    sector: Annotated[str, Field(min_length=1)]
    start_year: Annotated[int, Field(ge=1990, le=2100)] = 2025
    horizon_quarters: Annotated[int, Field(gt=0, le=400)] = 40
    description: str = ""


class Experiment(_Frozen):
    """Defaults for experiments built from this scenario.

    Attributes:
        seed: Root seed; replication seeds are spawned from it with numpy's SeedSequence.
        replications: Default number of paired replications of ``clustersim run``.
        discount_rate: Social discount rate for budget efficiency (per year).
    """

    seed: NonNegativeInt = 20261126
    replications: Annotated[PositiveInt, Field(le=10_000, description="1 to 10,000")] = 20
    discount_rate: RateParam = RateParam(
        value=0.08,
        unit="per year",
        source="assumption: social discount rate",
        source_ru="допущение: общественная ставка дисконтирования",
    )


class Market(_Frozen):
    """Demand for the cluster's final products and the outside competitors (the rivals).

    New orders arrive as a Poisson number per quarter with lognormal sizes. Each order goes to a
    final producer of the cluster or to the rivals by a logit on price, delivery time and free
    capacity (docs/model.md 7.2).

    Attributes:
        order_window_quarters: A yard's free capacity for new orders is what its capacity can
            build in this many quarters beyond its order book (a full yard wins nothing).
        rival_productivity_trend_per_year: The rivals' unit cost falls by this share a year
            (their own productivity trend).
        rival_price_response: Elasticity of the rivals' price to their share of orders: rivals
            that lose share cut their price by ``(share / share_0)^response``.
        russian_share_of_rivals: Share of the rivals' orders that other Russian yards win: the
            orders the cluster wins from rivals displace that share from Russian producers.
        order_size_per_yard_quarter: When set, the mean order size is this multiple of the mean
            final producer's initial quarterly output (instead of ``order_size_mln_rub.mean``),
            so that orders keep their size relative to the yards when a scenario is scaled.
    """

    market_orders_mln_rub_per_year: Positive
    order_size_mln_rub: Distribution
    demand_growth_per_year: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.0
    demand_volatility: Annotated[float, Field(ge=0.0, le=2.0)] = 0.15
    competitor_price_index: Annotated[
        float, Field(ge=0.01, le=100.0, description="0.01 to 100 x the cluster's initial cost")
    ] = 1.0
    competitor_delivery_quarters: Quarters = 8.0
    price_sensitivity: PriceWeight = 4.0
    delivery_sensitivity: Annotated[
        float, Field(ge=0.0, le=2.0, description="logit weight per quarter of delivery, 0 to 2")
    ] = 0.15
    build_quarters_min: Quarters = 4.0
    target_cover_quarters: Quarters = 12.0
    initial_order_book_years: Annotated[
        float, Field(ge=0.0, le=25.0, description="years of output, 0 to 25")
    ] = 3.0
    order_window_quarters: Quarters = 12.0
    rival_productivity_trend_per_year: Annotated[float, Field(ge=-0.1, le=0.2)] = 0.0
    rival_price_response: Annotated[float, Field(ge=0.0, le=2.0)] = 0.0
    russian_share_of_rivals: Share = 0.5
    order_size_per_yard_quarter: Annotated[float, Field(gt=0.0, le=100.0)] | None = None


class Trade(_Frozen):
    """A supplier trade (metalwork, machinery, ...).

    Attributes:
        name: Identifier used by firm groups.
        purchase_share: Share of the large enterprises' localisable purchases in this trade.
        local_price_premium: Price of a local supplier relative to an outside one before
            learning and subsidies (0.05 = 5 % dearer).
    """

    name: Name
    purchase_share: Share
    local_price_premium: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.05


class Sourcing(_Frozen):
    """How large enterprises buy components."""

    purchases_share_of_output: Share = 0.4
    localisable_share: Share = 0.5
    initial_local_share: Annotated[
        float, Field(ge=0.001, le=0.999, description="0.001 to 0.999 (calibration divides by it)")
    ] = 0.4
    price_sensitivity: PriceWeight = 8.0
    unmatched_search_cost: Share = 0.06
    qualification_threshold: Share = 0.6
    trades: Annotated[list[Trade], Field(min_length=1)]

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Sourcing:
        total = sum(t.purchase_share for t in self.trades)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"trades purchase_share must sum to 1 (they sum to {total:.4g})")
        names = [t.name for t in self.trades]
        if len(set(names)) != len(names):
            raise ValueError("trade names must be unique")
        return self


class Labour(_Frozen):
    """Wages and hiring."""

    wage_mln_rub_per_worker_year: Positive = 0.9
    wage_growth_per_year: Annotated[float, Field(ge=-0.2, le=0.5)] = 0.0
    hiring_rate_per_quarter: Share = 0.06


class FirmGroup(_Frozen):
    """A group of similar firms, drawn from distributions at initialisation.

    Attributes:
        name: Group identifier.
        kind: ``large`` (LargeEnterprise) or ``sme`` (SME).
        role: ``final`` (builds the cluster's final product) or ``component`` (supplies it).
            SMEs are always component suppliers.
        trade: The trade a component supplier serves (one of ``sourcing.trades``).
        count: Number of firms.
        employment: Workers per firm.
        productivity_mln_rub_per_worker_year: Output per worker per year.
        capacity_headroom: Equipment capacity above current output (0.2 = 20 % spare).
        qualification: Supplier qualification level in [0, 1] (component suppliers).
        initial_participant_share: Share of the group that is already in the de-facto cluster.
        sez_resident_share: Share that are SEZ residents (taxed under the SEZ regime).
        special_territory_share: Share located in special territories (Decree 779 reduced FD).
        cash_quarters_of_revenue: Initial cash, in quarters of revenue.
    """

    name: Name
    kind: Literal["large", "sme"]
    role: Literal["final", "component"] = "component"
    trade: Name | None = None
    count: Annotated[PositiveInt, Field(le=MAX_FIRMS, description="1 to 200,000 firms")]
    employment: Distribution
    productivity_mln_rub_per_worker_year: Distribution
    capacity_headroom: Annotated[float, Field(ge=0.0, le=5.0)] = 0.2
    qualification: Distribution = Distribution(mean=0.5, cv=0.3)
    initial_participant_share: Share = 0.0
    sez_resident_share: Share = 0.0
    special_territory_share: Share = 0.0
    cash_quarters_of_revenue: CashQuarters = 1.0

    @model_validator(mode="after")
    def _role_and_trade(self) -> FirmGroup:
        if self.kind == "sme" and self.role != "component":
            raise ValueError("an SME group must have role = 'component'")
        if self.role == "component" and self.trade is None:
            raise ValueError("a component group needs a trade")
        if self.role == "final" and self.trade is not None:
            raise ValueError("a final-producer group has no trade")
        return self


class Membership(_Frozen):
    """Joining and leaving the cluster (participant status)."""

    fee_mln_rub_per_year: NonNegative = 0.2
    compliance_cost_mln_rub_per_year: NonNegative = 0.3
    reconsider_share_per_quarter: Share = 0.15
    benefit_scale_mln_rub: Positive = 2.0
    peer_weight: NonNegative = 1.5
    heterogeneity_sd: NonNegative = 1.0
    network_benefit_share_of_sales: Share = 0.01


class Organisation(_Frozen):
    """The specialised organisation of the cluster (SOPK)."""

    exists: bool = True
    matching_rate_per_quarter: Share = 0.08
    qualification_cost_reduction: Share = 0.3
    joint_projects_per_year: Annotated[
        float, Field(ge=0.0, le=1000.0, description="project proposals a year, 0 to 1,000")
    ] = 2.0
    project_capex_mln_rub: Distribution = Distribution(mean=200.0, cv=0.6)
    project_return_per_year: Distribution = Distribution(mean=0.12, cv=0.5)
    recruit_bonus: NonNegative = 0.5


class Registry(_Frozen):
    """Decree 779 registry criteria and procedure, each value with its source."""

    min_industrial_participants: CountParam
    functional_dependence_default: RateParam
    functional_dependence_reduced: RateParam
    special_territory_share_for_reduced: RateParam
    max_non_producing: Annotated[int, Field(ge=0, le=MAX_COUNT, description="0 to 1,000,000")] = 3
    max_non_producing_source: str = "Decree 779 as amended [V] bukvoed.ru"
    max_non_producing_source_ru: str = "ПП РФ от 31.07.2015 № 779 (с изм.) [V] bukvoed.ru"
    min_contracts_per_participant: CountParam
    requires_specialised_organisation: bool = True
    processing_lag_quarters: CountParam
    validity_years: CountParam
    reconfirm: bool = True
    contract_memory_quarters: PositiveInt = 4
    earliest_application_quarter: Annotated[
        int, Field(ge=0, le=400, description="quarter, 0 to 400 (the longest horizon)")
    ] = 1

    @field_validator("min_contracts_per_participant")
    @classmethod
    def _one_contract_modelled(cls, p: CountParam) -> CountParam:
        """Criterion (a) is modelled as "a contract in the memory window": only 1 is meaningful."""
        if p.value != 1:
            raise ValueError(
                f"{p.value:g} is not modelled; allowed: 1. The roster is the participants with a "
                "contract with another participant in the last contract_memory_quarters quarters "
                "(Decree 779 cl. a); the model does not count contracts per participant"
            )
        return p

    @model_validator(mode="before")
    @classmethod
    def _own_source_own_ru(cls, data: Any) -> Any:
        """A scenario's own ``max_non_producing_source`` does not take the default's Russian."""
        if (
            isinstance(data, dict)
            and "max_non_producing_source" in data
            and "max_non_producing_source_ru" not in data
        ):
            return {**data, "max_non_producing_source_ru": ""}
        return data

    @field_validator("max_non_producing_source_ru")
    @classmethod
    def _non_producing_labels(cls, v: str, info: ValidationInfo) -> str:
        return check_same_labels(str(info.data.get("max_non_producing_source", "")), v,
                                 "max_non_producing_source")  # fmt: skip


class Finance(_Frozen):
    """Interest rates, investment, depreciation and the firms' borrowing limit.

    Attributes:
        market_loan_spread: Market loan rate over the key rate (per year).
        cash_buffer_quarters: Cash a firm keeps, in quarters of revenue; only cash above it
            pays for investment.
        max_debt_to_ebitda: Borrowing limit: total debt at most this multiple of annual EBITDA
            plus grant instalments still due (a bank covenant).
        own_funds_spread: Opportunity rate of a firm's own funds over the key rate; None: the
            market loan spread (a firm that spends cash would otherwise borrow or repay at the
            market rate).
    """

    key_rate_start: Share = 0.16
    key_rate_long_run: Share = 0.08
    key_rate_adjustment_per_quarter: Share = 0.1
    market_loan_spread: Share = 0.04
    depreciation_rate_per_year: Share = 0.06
    capital_mln_rub_per_capacity: Annotated[
        Positive, Field(le=1000.0, description="mln RUB per mln RUB of quarterly capacity, to 1000")
    ] = 3.0
    investment_share_of_gap: Share = 0.25
    productivity_gain_per_investment: Annotated[
        float, Field(ge=0.0, le=1.0, description="0 to 1 (it compounds every quarter)")
    ] = 0.02
    loan_term_years: PositiveInt = 5
    cash_buffer_quarters: CashQuarters = 0.5
    max_debt_to_ebitda: Annotated[float, Field(ge=0.0, le=20.0)] = 3.5
    own_funds_spread: Annotated[float, Field(ge=-0.2, le=0.5)] | None = None


class Vat(_Frozen):
    """Value-added tax: a federal tax (docs/model.md 7.14).

    Attributes:
        rate: Standard VAT rate, on each firm's sales less its purchases.
        net_share: Share of the VAT the cluster's firms remit that is a net gain of the federal
            budget. Ships and components are sold to VAT payers, who deduct the input VAT they
            pay (Tax Code arts. 171-172), so most of what the cluster remits comes back off the
            buyers' VAT; only the part not credited downstream (buyers outside the VAT, final
            consumption) is new revenue. Default 0; plausible range 0-0.3.
    """

    rate: RateParam = RateParam(
        value=0.22,
        unit="share of value added (sales less purchases)",
        source=(
            "Tax Code art. 164 p.3 as amended by Federal Law 425-FZ of 28.11.2025: 22 % from "
            "01.01.2026, 20 % before [V] harant.ru/blog/nalogi/uvelichenie-nds-do-22-s-1-yanvarya-"
            "2026-goda...; lexviator.ru/tax2026 (the domain note's 3.2 still has 20 % [R])"
        ),
        source_ru=(
            "НК РФ, ст. 164, п. 3 в ред. Федерального закона от 28.11.2025 № 425-ФЗ: 22 % с "
            "01.01.2026, ранее 20 % [V] harant.ru/blog/nalogi/uvelichenie-nds-do-22-s-1-yanvarya-"
            "2026-goda...; lexviator.ru/tax2026 (в п. 3.2 справочной записки ещё 20 % [R])"
        ),
    )
    net_share: RateParam = RateParam(
        value=0.0,
        unit="share of VAT collected that the budget keeps (not credited downstream)",
        source=(
            "assumption: buyers of ships and components are VAT payers who deduct input VAT "
            "(Tax Code arts. 171-172); plausible range 0-0.3"
        ),
        source_ru=(
            "допущение: покупатели судов и комплектующих — плательщики НДС, принимающие входной "
            "НДС к вычету (НК РФ, ст. 171–172); правдоподобный диапазон 0–0,3"
        ),
    )


class Taxes(_Frozen):
    """Standard tax rates, each booked to one budget (docs/model.md 7.14).

    Attributes:
        profit_tax_federal: Federal part of the profit tax.
        profit_tax_regional: Regional part of the profit tax.
        property_tax: Property tax (regional budget).
        personal_income_tax: Personal income tax at the base rate, on the whole wage bill
            (regional budget, consolidated with the local budgets).
        personal_income_tax_progressive: Effective rate of the progressive part of personal
            income tax (rates above the base rate, on pay above the threshold), on the wage bill
            (federal budget).
        insurance_contributions: Insurance contributions of large firms (Social Fund).
        insurance_contributions_sme: Insurance contributions of SMEs (Social Fund).
        vat: Value-added tax (federal budget).
    """

    profit_tax_federal: RateParam
    profit_tax_regional: RateParam
    property_tax: RateParam
    personal_income_tax: RateParam
    personal_income_tax_progressive: RateParam = RateParam(
        value=0.0,
        unit="share of wages, federal budget",
        source=(
            "[D] pay above the 2.4 mln RUB threshold of the 15 % rate is taxed 2 pp more and "
            "goes to the federal budget (NDFL scale and split [V] 1prime.ru 862952572); a mean "
            "wage far below the threshold makes it about 0"
        ),
        source_ru=(
            "[D] доход свыше порога 2,4 млн руб. ставки 15 % облагается на 2 п. п. больше и "
            "зачисляется в федеральный бюджет (шкала НДФЛ и распределение [V] 1prime.ru "
            "862952572); при средней зарплате намного ниже порога — около 0"
        ),
    )
    insurance_contributions: RateParam
    insurance_contributions_sme: RateParam
    vat: Vat = Vat()


class Sez(_Frozen):
    """The special economic zone regime for resident firms.

    Its own layer, independent of registration.

    Attributes:
        vat_rate: Residents' VAT rate (0 for port-SEZ residents); None: the standard rate.
    """

    name: str = "SEZ"
    profit_tax_rate: RateParam
    profit_tax_rate_after: RateParam
    profit_tax_years: CountParam
    property_tax_rate: RateParam
    property_tax_years: CountParam
    vat_rate: RateParam | None = None
    budget_level: BudgetLevel = "regional"


class Production(_Frozen):
    """Production, learning-by-doing and agglomeration spillovers."""

    learning_elasticity: Annotated[float, Field(ge=0.0, le=0.5)] = 0.1
    agglomeration_elasticity: RateParam
    outsider_spillover_factor: Share = 0.5
    productivity_trend_per_year: Annotated[float, Field(ge=-0.1, le=0.2)] = 0.0
    sme_other_market_share_of_capacity: Share = 0.5
    sme_qualification_cost_mln_rub: NonNegative = 3.0
    sme_qualification_step: Annotated[
        float, Field(ge=0.001, le=1.0, description="0.001 to 1 (at most 1,000 steps)")
    ] = 0.1
    sme_capacity_growth_per_quarter: Share = 0.03
    capacity_retirement_per_year: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0


class SmeDemography(_Frozen):
    """Entry and exit of SMEs."""

    entry_rate_per_year: Annotated[float, Field(ge=0.0, le=2.0)] = 0.06
    entry_demand_sensitivity: Annotated[
        float, Field(ge=0.0, le=5.0, description="elasticity of SME entry to demand, 0 to 5")
    ] = 1.0
    exit_after_loss_quarters: PositiveInt = 4
    non_producing_quarters: PositiveInt = 2


# --------------------------------------------------------------------------------------------
# Levers: preference regimes
# --------------------------------------------------------------------------------------------
class JointProjectSubsidy(_Frozen):
    """Subsidy for part of the costs of joint cluster projects (Decree 41; later Decree 1119)."""

    rate: RateParam
    cap_per_project_mln_rub: MoneyParam
    payout_years: CountParam
    annual_budget_mln_rub: MoneyParam
    budget_level: BudgetLevel = "federal"


class StarterBatchSubsidy(_Frozen):
    """Reimbursement of part of purchases of starter batches from other participants.

    Starter batches are a new supplier's first deliveries: purchases from a participant
    supplier count while it is within ``first_batches_quarters`` of its first sale to the
    cluster (or has not sold to it yet).
    """

    rate: RateParam
    cap_per_applicant_mln_rub: MoneyParam
    annual_budget_mln_rub: MoneyParam
    first_batches_quarters: CountParam = CountParam(
        value=4,
        unit="quarters after a supplier's first sale to the cluster",
        source="assumption: starter batches are a new supplier's first year of deliveries",
        source_ru="допущение: стартовые партии — первый год поставок нового поставщика",
    )
    budget_level: BudgetLevel = "federal"


class LoanProgramme(_Frozen):
    """A preferential loan programme with its eligibility rules (IDF, KIP, a regional fund).

    Rate = multiplier x key rate + spread. A firm may borrow from the programme for an outlay
    (a joint project or a capacity investment) of at least ``min_project_mln_rub``: at most
    ``max_share_of_project`` of the outlay (the rest is co-financed), between
    ``min_loan_mln_rub`` and ``max_loan_mln_rub``, while the year's budget lasts, and within
    the firm's borrowing limit. A programme that ``requires_registration`` lends only to
    roster members of a registered cluster; otherwise it lends in every arm.
    """

    programme: Annotated[str, Field(min_length=1)]
    key_rate_multiplier: RateParam
    spread: RateParam
    min_loan_mln_rub: MoneyParam
    max_loan_mln_rub: MoneyParam
    min_project_mln_rub: MoneyParam
    max_share_of_project: RateParam
    term_years: CountParam
    annual_budget_mln_rub: MoneyParam
    federal_share: RateParam
    requires_registration: bool = True
    borrowers: Literal["large", "sme", "any"] = "large"

    @model_validator(mode="after")
    def _loan_range(self) -> LoanProgramme:
        if self.min_loan_mln_rub.value > self.max_loan_mln_rub.value:
            raise ValueError(
                f"min_loan_mln_rub ({self.min_loan_mln_rub.value:g}) exceeds max_loan_mln_rub "
                f"({self.max_loan_mln_rub.value:g})"
            )
        return self


#: A regime's preferential loans are a loan programme (usually one requiring registration).
PreferentialLoans = LoanProgramme


class TaxRelief(_Frozen):
    """Regional tax relief for participants of a registered cluster."""

    regional_profit_tax_cut: RateParam
    property_tax_cut: RateParam
    years: CountParam


class Regime(_Frozen):
    """A named set of preference levels. An absent instrument is not offered."""

    title: Annotated[str, Field(min_length=1)]
    title_ru: str = ""
    description: str = ""
    joint_project_subsidy: JointProjectSubsidy | None = None
    starter_batch_subsidy: StarterBatchSubsidy | None = None
    preferential_loans: PreferentialLoans | None = None
    tax_relief: TaxRelief | None = None


class Uncertainty(_Frozen):
    """One uncertain world parameter: its range, or a reason to hold it fixed.

    Each entry of ``[[uncertainties]]`` names a world parameter by dotted key (as in sweeps and
    overrides: ``market.price_sensitivity``, ``firm_groups.shipyards.count``) and says what is
    known about it, in one of three ways (EMA Workbench's real, integer and categorical
    parameters):

    * ``low``/``high`` (uniform; ``integer = true`` rounds the draw) with ``source``: where the
      range comes from;
    * ``values`` (categorical, each equally likely) with ``source``: e.g. an unconfirmed legal
      threshold, 0.20 or 0.10;
    * ``fixed = true`` with ``reason``: the value is held as written, and why (its source, or
      why its range cannot move a headline). Only a fixed entry's key may hold ``*`` (fnmatch:
      ``firm_groups.*.count``), to fix a family of parameters with one reason.

    Attributes:
        key: Dotted key of the world parameter.
        low: Lower end of the range.
        high: Upper end of the range.
        values: The possible values (categorical).
        integer: Draw whole numbers (a range of counts or quarters).
        fixed: Hold the written value.
        source: Where the range or the values come from (ranges and values).
        reason: Why the value is held fixed (fixed entries).
        source_ru: ``source`` in Russian, with the same evidence labels; empty: none.
        reason_ru: ``reason`` in Russian, with the same evidence labels; empty: none.
    """

    key: Annotated[str, Field(min_length=1, max_length=200)]
    low: float | None = None
    high: float | None = None
    values: Annotated[list[float], Field(min_length=2, max_length=100)] | None = None
    integer: bool = False
    fixed: bool = False
    source: str = ""
    reason: str = ""
    source_ru: str = ""
    reason_ru: str = ""

    @field_validator("source_ru", "reason_ru")
    @classmethod
    def _same_labels(cls, v: str, info: ValidationInfo) -> str:
        english = "source" if info.field_name == "source_ru" else "reason"
        return check_same_labels(str(info.data.get(english, "")), v, english)

    @model_validator(mode="after")
    def _one_kind(self) -> Uncertainty:
        ranged = self.low is not None or self.high is not None
        kinds = [k for k, on in (("low/high", ranged), ("values", self.values is not None),
                                 ("fixed", self.fixed)) if on]  # fmt: skip
        if len(kinds) != 1:
            raise ValueError(
                "give exactly one of: low and high (a range), values (a list of possible "
                "values) or fixed = true (with a reason)"
                + (f"; got {' and '.join(kinds)}" if kinds else "")
            )
        if self.fixed:
            if not self.reason:
                raise ValueError("a fixed entry needs a reason: its source or why it is not varied")
            if self.source:
                raise ValueError("a fixed entry takes reason, not source")
            return self
        if "*" in self.key:
            raise ValueError("only a fixed entry may use '*' in its key; name each range's key")
        if not self.source:
            raise ValueError("a range or list of values needs a source: where it comes from")
        if self.reason:
            raise ValueError("reason is for fixed entries; a range or list of values has a source")
        if ranged:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both low and high")
            if not self.low < self.high:
                raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        elif len(set(self.values or [])) != len(self.values or []):
            raise ValueError("values must be distinct")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The range (``values``: their smallest and largest)."""
        if self.values is not None:
            return min(self.values), max(self.values)
        return float(self.low or 0.0), float(self.high or 0.0)


ARM_DE_FACTO = "de_facto"


class Scenario(_Frozen):
    """One validated description of a world and the preference regimes on offer."""

    scenario: ScenarioInfo
    experiment: Experiment = Experiment()
    market: Market
    sourcing: Sourcing
    labour: Labour = Labour()
    firm_groups: Annotated[list[FirmGroup], Field(min_length=1)]
    membership: Membership = Membership()
    organisation: Organisation = Organisation()
    registry: Registry
    finance: Finance = Finance()
    taxes: Taxes
    sez: Sez
    production: Production
    sme_demography: SmeDemography = SmeDemography()
    loan_programmes: list[LoanProgramme] = Field(default_factory=list)
    regimes: Annotated[dict[Name, Regime], Field(min_length=1)]
    uncertainties: Annotated[list[Uncertainty], Field(max_length=1000)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        trades = {t.name for t in self.sourcing.trades}
        names = [g.name for g in self.firm_groups]
        if len(set(names)) != len(names):
            raise ValueError("firm_groups names must be unique")
        for g in self.firm_groups:
            if g.trade is not None and g.trade not in trades:
                raise ValueError(
                    f"firm group '{g.name}': trade '{g.trade}' is not one of "
                    f"sourcing.trades ({', '.join(sorted(trades))})"
                )
        if not any(g.role == "final" for g in self.firm_groups):
            raise ValueError("at least one firm group must have role = 'final'")
        firms = sum(g.count for g in self.firm_groups)
        if firms > MAX_FIRMS:
            raise ValueError(f"{firms:,} firms in all groups; at most {MAX_FIRMS:,} are allowed")
        d, horizon = self.sme_demography, self.scenario.horizon_quarters
        smes = sum(g.count for g in self.firm_groups if g.kind == "sme")
        # entrants per quarter <= rate / 4 * 3 ** sensitivity * SMEs at the start: the model caps
        # the demand growth entrants see at 3 (sim.model.mechanisms.demography)
        entrants = d.entry_rate_per_year / 4 * 3.0**d.entry_demand_sensitivity * horizon * smes
        if firms + entrants > MAX_FIRMS_EVER:
            raise ValueError(
                f"up to {firms + entrants:,.0f} firms over the horizon ({firms:,} at the start + "
                f"SME entry: entry_rate_per_year / 4 x 3 ** entry_demand_sensitivity x "
                f"horizon_quarters x {smes:,} SMEs); at most {MAX_FIRMS_EVER:,} are allowed"
            )
        m, years = self.market, horizon / 4
        orders = m.market_orders_mln_rub_per_year / m.order_size_mln_rub.mean
        orders *= max(1.0, 1.0 + m.demand_growth_per_year) ** years
        if orders > MAX_ORDERS_PER_YEAR:
            raise ValueError(
                f"market orders a year (market_orders_mln_rub_per_year / order_size_mln_rub.mean, "
                f"grown to the horizon) would reach {orders:.3g}; at most "
                f"{MAX_ORDERS_PER_YEAR:,} are allowed: raise the mean order size"
            )
        if ARM_DE_FACTO in self.regimes:
            raise ValueError(f"'{ARM_DE_FACTO}' is the reserved name of the unregistered arm")
        keys = [u.key for u in self.uncertainties]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"uncertainties: key '{dup}' is listed twice")
        world = [p.programme for p in self.loan_programmes]
        if len(set(world)) != len(world):
            raise ValueError("loan_programmes: programme names must be unique")
        for name, regime in self.regimes.items():
            pl = regime.preferential_loans
            if pl is not None and pl.programme in world:
                raise ValueError(
                    f"regimes.{name}.preferential_loans: programme '{pl.programme}' is already a "
                    "loan programme of the world (loan_programmes); a regime adds its own"
                )
        return self

    @property
    def arms(self) -> list[str]:
        """The de-facto arm followed by every regime name, in file order."""
        return [ARM_DE_FACTO, *self.regimes]
