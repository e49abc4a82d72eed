"""The outcome catalogue: every model-level series a run produces, with its unit and labels.

Outcomes are recorded once per quarter. ``horizon`` says how a series is summarised over the
whole horizon for effects: ``sum`` (flows such as output or budget costs, cumulated),
``last_year`` (stocks and rates such as employment or market share, mean of the last four
quarters) or ``end`` (stocks valued at the end of the horizon, such as the committed cost still
due: the value in the horizon's last quarter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["OUTCOMES", "OUTCOME_INDEX", "OUTCOME_NAMES", "Outcome", "outcome"]


@dataclass(frozen=True)
class Outcome:
    """One named model-level series.

    Attributes:
        name: Column name in results and the database.
        unit: Unit of one quarterly value.
        label_en: English label for tables and charts.
        label_ru: Russian label for tables and charts.
        horizon: How the series is summarised over the horizon (``sum``, ``last_year`` or
            ``end``).
        group: Family used to group outcomes in tables (economy, registry, budget).
    """

    name: str
    unit: str
    label_en: str
    label_ru: str
    horizon: Literal["sum", "last_year", "end"]
    group: Literal["economy", "registry", "budget"]


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("output", "mln RUB per quarter", "Gross output", "Валовой выпуск", "sum", "economy"),
    Outcome(
        "value_added",
        "mln RUB per quarter",
        "Value added",
        "Добавленная стоимость",
        "sum",
        "economy",
    ),
    Outcome("employment", "persons", "Employment", "Занятость", "last_year", "economy"),
    Outcome(
        "productivity",
        "mln RUB per worker per year",
        "Labour productivity",
        "Производительность труда",
        "last_year",
        "economy",
    ),
    Outcome(
        "large_employment",
        "persons",
        "Large-enterprise employment",
        "Занятость на крупных предприятиях",
        "last_year",
        "economy",
    ),
    Outcome(
        "large_output",
        "mln RUB per quarter",
        "Large-enterprise output",
        "Выпуск крупных предприятий",
        "sum",
        "economy",
    ),
    Outcome("sme_output", "mln RUB per quarter", "SME output", "Выпуск МСП", "sum", "economy"),
    Outcome(
        "local_content_share",
        "share",
        "Local-content share",
        "Доля локальных закупок",
        "last_year",
        "economy",
    ),
    Outcome(
        "smes_in_chains",
        "firms",
        "SMEs in production chains",
        "МСП в производственных цепочках",
        "last_year",
        "economy",
    ),
    Outcome("smes_alive", "firms", "SMEs active", "Действующие МСП", "last_year", "economy"),
    Outcome(
        "unit_cost_index",
        "index (rivals now = 1)",
        "Unit-cost index",
        "Индекс удельных издержек",
        "last_year",
        "economy",
    ),
    Outcome(
        "market_share", "share of new orders", "Market share", "Доля рынка", "last_year", "economy"
    ),
    Outcome(
        "new_orders", "mln RUB per quarter", "New orders won", "Новые заказы", "sum", "economy"
    ),
    Outcome("order_book", "mln RUB", "Order book", "Портфель заказов", "last_year", "economy"),
    Outcome("investment", "mln RUB per quarter", "Investment", "Инвестиции", "sum", "economy"),
    Outcome(
        "participants",
        "firms",
        "Cluster participants",
        "Участники кластера",
        "last_year",
        "registry",
    ),
    Outcome(
        "industrial_participants",
        "firms",
        "Industrial participants",
        "Промышленные участники",
        "last_year",
        "registry",
    ),
    Outcome("registered", "flag (0/1)", "Registered", "В реестре", "last_year", "registry"),
    Outcome(
        "functional_dependence",
        "share",
        "Functional dependence",
        "Функциональная зависимость",
        "last_year",
        "registry",
    ),
    Outcome(
        "joint_projects",
        "projects per quarter",
        "Joint projects started",
        "Начатые совместные проекты",
        "sum",
        "registry",
    ),
    Outcome(
        "cost_joint_project",
        "mln RUB per quarter",
        "Joint-project subsidy",
        "Субсидия на совместные проекты",
        "sum",
        "budget",
    ),
    Outcome(
        "cost_starter_batch",
        "mln RUB per quarter",
        "Starter-batch subsidy",
        "Субсидия на стартовые партии",
        "sum",
        "budget",
    ),
    Outcome(
        "cost_loans",
        "mln RUB per quarter",
        "Interest subsidy on preferential loans",
        "Субсидия по льготным займам",
        "sum",
        "budget",
    ),
    Outcome(
        "cost_tax_relief",
        "mln RUB per quarter",
        "Tax relief (tax expenditure)",
        "Налоговые льготы (выпадающие доходы)",
        "sum",
        "budget",
    ),
    Outcome(
        "cost_federal",
        "mln RUB per quarter",
        "Preference cost, federal budget",
        "Стоимость преференций, федеральный бюджет",
        "sum",
        "budget",
    ),
    Outcome(
        "cost_regional",
        "mln RUB per quarter",
        "Preference cost, regional budget",
        "Стоимость преференций, региональный бюджет",
        "sum",
        "budget",
    ),
    Outcome(
        "preference_cost",
        "mln RUB per quarter",
        "Preference cost, total",
        "Стоимость преференций, всего",
        "sum",
        "budget",
    ),
    Outcome(
        "sez_tax_expenditure",
        "mln RUB per quarter",
        "SEZ tax expenditure",
        "Выпадающие доходы ОЭЗ",
        "sum",
        "budget",
    ),
    Outcome(
        "tax_federal",
        "mln RUB per quarter",
        "Tax revenue, federal",
        "Налоговые доходы, федеральный бюджет",
        "sum",
        "budget",
    ),
    Outcome(
        "tax_regional",
        "mln RUB per quarter",
        "Tax revenue, regional",
        "Налоговые доходы, региональный бюджет",
        "sum",
        "budget",
    ),
    Outcome(
        "loans_outstanding",
        "mln RUB",
        "Loans outstanding",
        "Задолженность по займам",
        "last_year",
        "budget",
    ),
    Outcome(
        "cost_programme_loans",
        "mln RUB per quarter",
        "Interest subsidy of loan programmes open to all (IDF, KIP)",
        "Субсидия по займам программ для всех (ФРП, КИП)",
        "sum",
        "budget",
    ),
    Outcome(
        "loan_grant_equivalent",
        "mln RUB per quarter",
        "Grant-equivalent of preferential loans granted",
        "Грант-эквивалент выданных льготных займов",
        "sum",
        "budget",
    ),
    Outcome(
        "local_purchases",
        "mln RUB per quarter",
        "Yards' purchases from local firms",
        "Закупки верфей у местных предприятий",
        "sum",
        "economy",
    ),
    Outcome(
        "credit_constrained",
        "firms",
        "Yards held back by their borrowing limit",
        "Верфи, ограниченные лимитом заимствований",
        "sum",
        "economy",
    ),
    Outcome(
        "price_index",
        "index (rivals = 1)",
        "Yards' price relative to rivals",
        "Цена верфей к цене конкурентов",
        "last_year",
        "economy",
    ),
    Outcome(
        "price_cost_margin",
        "share of revenue",
        "Yards' price-cost margin",
        "Маржа верфей (цена - издержки)",
        "last_year",
        "economy",
    ),
    Outcome(
        "delivery_quarters",
        "quarters",
        "Delivery time of a new order",
        "Срок поставки нового заказа",
        "last_year",
        "economy",
    ),
    Outcome(
        "order_book_cover",
        "years of output",
        "Order-book cover",
        "Обеспеченность заказами",
        "last_year",
        "economy",
    ),
    Outcome(
        "displaced_orders",
        "mln RUB per quarter",
        "Orders won that other Russian yards would have won",
        "Заказы, отнятые у других российских верфей",
        "sum",
        "economy",
    ),
    Outcome(
        "net_output",
        "mln RUB per quarter",
        "Output net of intra-cluster supplies",
        "Выпуск за вычетом поставок внутри кластера",
        "sum",
        "economy",
    ),
    Outcome(
        "tax_social_fund",
        "mln RUB per quarter",
        "Insurance contributions, Social Fund",
        "Страховые взносы, Социальный фонд",
        "sum",
        "budget",
    ),
    Outcome(
        "vat_collected",
        "mln RUB per quarter",
        "VAT remitted by the firms (gross, before buyers' deduction)",
        "НДС, уплаченный предприятиями (до вычета у покупателей)",
        "sum",
        "budget",
    ),
    Outcome(
        "tax_expenditure_federal",
        "mln RUB per quarter",
        "Tax expenditure of the regime's relief, federal (at standard rates)",
        "Налоговые расходы по льготам режима, федеральный бюджет (по стандартным ставкам)",
        "sum",
        "budget",
    ),
    Outcome(
        "tax_expenditure_regional",
        "mln RUB per quarter",
        "Tax expenditure of the regime's relief, regional (at standard rates)",
        "Налоговые расходы по льготам режима, региональный бюджет (по стандартным ставкам)",
        "sum",
        "budget",
    ),
    Outcome(
        "committed_federal",
        "mln RUB (present value at the quarter's end)",
        "Committed cost still due, federal (present value)",
        "Принятые обязательства к оплате, федеральный бюджет (приведённая стоимость)",
        "end",
        "budget",
    ),
    Outcome(
        "committed_regional",
        "mln RUB (present value at the quarter's end)",
        "Committed cost still due, regional (present value)",
        "Принятые обязательства к оплате, региональный бюджет (приведённая стоимость)",
        "end",
        "budget",
    ),
    Outcome(
        "purchases_outside_region",
        "mln RUB per quarter",
        "Purchases bought outside the region (leakage)",
        "Закупки за пределами региона (утечка)",
        "sum",
        "budget",
    ),
)

OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
OUTCOME_INDEX: dict[str, int] = {n: i for i, n in enumerate(OUTCOME_NAMES)}
_BY_NAME = {o.name: o for o in OUTCOMES}


def outcome(name: str) -> Outcome:
    """Return the catalogue entry for ``name``.

    Raises:
        KeyError: With the list of known outcomes when ``name`` is not one.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown outcome '{name}'; known: {', '.join(OUTCOME_NAMES)}") from None
