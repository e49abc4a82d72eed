"""Scaling a scenario to a given number of firms (for scale tests and benchmarks)."""

from __future__ import annotations

from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = ["scale_economy", "scale_scenario"]


def scale_scenario(scenario: Scenario, n_firms: int) -> Scenario:
    """Scale every firm group and the market so the cluster has about ``n_firms`` firms.

    Each group's ``count`` is multiplied by ``n_firms / total`` and rounded (at least 1, so
    no group disappears); ``market.market_orders_mln_rub_per_year`` is multiplied by the same
    factor so demand per firm stays about the same. Everything else is unchanged.

    Args:
        scenario: The scenario to scale.
        n_firms: The wanted total number of firms (> 0).

    Returns:
        The scaled, validated scenario.

    Raises:
        ValueError: When ``n_firms`` is not a positive integer.
    """
    if isinstance(n_firms, bool) or not isinstance(n_firms, int) or n_firms <= 0:
        raise ValueError(f"n_firms must be a positive integer, not {n_firms!r}")
    data = scenario.model_dump(mode="json")
    total = sum(g["count"] for g in data["firm_groups"])
    factor = n_firms / total
    for group in data["firm_groups"]:
        group["count"] = max(1, round(group["count"] * factor))
    data["market"]["market_orders_mln_rub_per_year"] *= factor
    return scenario_from_dict(data, source=f"<{scenario.scenario.name} scaled to {n_firms} firms>")


def scale_economy(scenario: Scenario, factor: int) -> Scenario:
    """The same region ``factor`` times larger: firms, market, projects and budgets alike.

    Every firm group's ``count``, the market's orders a year, the organisation's joint projects
    a year, and every annual budget (the regimes' instruments and the loan programmes) are
    multiplied by ``factor``. Per-firm values -- firm sizes, order sizes, caps per project or
    applicant, loan sizes -- and the legal thresholds stay as they are. %-effects of a regime
    should then stay about the same (``tests/test_market.py``).

    Raises:
        ValueError: When ``factor`` is not a positive integer.
    """
    if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"factor must be a positive integer, not {factor!r}")
    data = scenario.model_dump(mode="json")
    for group in data["firm_groups"]:
        group["count"] *= factor
    data["market"]["market_orders_mln_rub_per_year"] *= factor
    data["organisation"]["joint_projects_per_year"] *= factor
    budgets = [p for p in data.get("loan_programmes", [])]
    for regime in data["regimes"].values():
        budgets += [regime[k] for k in ("joint_project_subsidy", "starter_batch_subsidy",
                                        "preferential_loans") if regime.get(k)]  # fmt: skip
    for instrument in budgets:
        instrument["annual_budget_mln_rub"]["value"] *= factor
    return scenario_from_dict(data, source=f"<{scenario.scenario.name} x {factor}>")
