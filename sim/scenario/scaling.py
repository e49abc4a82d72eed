"""Scaling a scenario to a given number of firms (for scale tests and benchmarks)."""

from __future__ import annotations

from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = ["scale_scenario"]


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
