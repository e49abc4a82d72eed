"""After stage 9 (docs/model.md 7.18): the quarter's outcomes (catalogue: sim.model.outcomes).

Output is measured at constant base-year prices (volume); prices only enter revenue and costs.
Taxes are read from the ledger by budget (federal, regional with local, the Social Fund); the
committed cost of the regime is a stock at the end of the quarter (docs/model.md 7.14.1).
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.ledger import LEVELS
from sim.model.mechanisms import financing, joint_projects, tax_relief
from sim.model.state import KIND_LARGE, KIND_SME, ROLE_COMPONENT, ROLE_FINAL, State

__all__ = ["committed_cost", "record_outcomes"]


def committed_cost(state: State, gov: Government) -> dict[str, float]:
    """What the regime has committed and falls due after this quarter, by budget level.

    The present value at the end of the quarter, at ``experiment.discount_rate``, of the
    interest subsidy on the regime's outstanding loans
    (:func:`~sim.model.mechanisms.financing.committed_interest_subsidy`), the joint-project
    grant instalments still due (:func:`~sim.model.mechanisms.joint_projects.committed_grants`)
    and the tax relief still promised (an estimate,
    :func:`~sim.model.mechanisms.tax_relief.committed_relief`). 0 in the de-facto arm.
    """
    rho = state.spec.experiment.discount_rate.value
    relief = {lvl: state.ledger.cost[("tax_relief", lvl)] for lvl in LEVELS}
    parts = (
        financing.committed_interest_subsidy(state, rho),
        joint_projects.committed_grants(gov, rho),
        tax_relief.committed_relief(gov, state.quarter, relief, rho),
    )
    return {lvl: sum(part[lvl] for part in parts) for lvl in LEVELS}


def record_outcomes(state: State, gov: Government) -> dict[str, float]:
    """Return ``{outcome: value}`` for the current quarter."""
    f, n, led, s = state.firms, state.firms.n, state.ledger, state.spec
    alive = f.alive[:n].copy()
    alive[state.exited] = True  # firms that closed at the end of this quarter produced in it
    large = alive & (f.kind[:n] == KIND_LARGE)
    sme = alive & (f.kind[:n] == KIND_SME)
    fin = alive & (f.role[:n] == ROLE_FINAL)
    sup = alive & (f.role[:n] == ROLE_COMPONENT)
    volume = f.output[:n]  # output at constant base-year prices
    output = float(volume[alive].sum())
    emp = float(f.employment[:n][f.alive[:n]].sum())
    # Value added at constant prices: output less the inputs it takes (purchases_share of the
    # volume, the fixed input coefficient of every firm), not less their current value.
    value_added = output * (1.0 - s.sourcing.purchases_share_of_output)
    # Output net of what the cluster's suppliers sold to its yards (counted again in the
    # yards' output), at constant prices.
    intra = float((f.sales_cluster[:n][alive] / np.maximum(f.price[:n][alive], 1e-9)).sum())
    purch = float(f.purchases[:n][fin].sum())
    fin_out = f.output[:n][fin]
    produced = fin_out.sum() > 0
    uc = float(np.average(f.unit_cost[:n][fin], weights=fin_out)) if produced else np.nan
    price = float(np.average(f.price[:n][fin], weights=fin_out)) if produced else np.nan
    revenue = float((fin_out * f.price[:n][fin]).sum())
    margin = (
        (revenue - float((fin_out * f.unit_cost[:n][fin]).sum())) / revenue if produced else np.nan
    )
    yards = np.flatnonzero(fin & f.alive[:n])
    weights = f.capacity[yards]
    delivery = (
        float(np.average(state.delivery()[yards], weights=weights)) if weights.sum() > 0 else np.nan
    )
    order_book = float(f.order_book[:n][fin].sum())
    cover = order_book / (4.0 * float(fin_out.sum())) if produced else np.nan
    thr = s.sourcing.qualification_threshold
    in_chain = sme & (f.qualification[:n] >= thr) & (f.sales_cluster[:n] > 0)
    share_hist = [x for x in state.market_share_hist[-4:] if not np.isnan(x)]
    roster = state.roster()
    costs = {
        i: led.instrument_cost(i) for i in ("joint_project", "starter_batch", "loans", "tax_relief")
    }
    committed = committed_cost(state, gov)
    # Bought outside the region: the yards' purchases not bought locally, and every supplier's
    # own purchases (the model buys them all outside).
    outside = purch - float(f.purchases_local[:n][fin].sum()) + float(f.purchases[:n][sup].sum())
    return {
        "output": output,
        "value_added": value_added,
        "employment": emp,
        "productivity": 4.0 * output / emp if emp > 0 else np.nan,
        "large_employment": float(f.employment[:n][large].sum()),
        "large_output": float(volume[large].sum()),
        "sme_output": float(volume[sme].sum()),
        "local_content_share": float(f.purchases_local[:n][fin].sum() / purch)
        if purch > 0
        else 0.0,
        "smes_in_chains": float(in_chain.sum()),
        "smes_alive": float(sme.sum()),
        "unit_cost_index": uc / state.rival_cost,
        "market_share": float(np.mean(share_hist)) if share_hist else np.nan,
        "new_orders": state.new_orders,
        "order_book": order_book,
        "investment": led.investment,
        "participants": float((alive & f.participant[:n]).sum()),
        "industrial_participants": float(roster.sum()),
        "registered": 1.0 if gov.registered else 0.0,
        "functional_dependence": state.functional_dependence(roster),
        "joint_projects": float(led.joint_projects),
        "cost_joint_project": costs["joint_project"],
        "cost_starter_batch": costs["starter_batch"],
        "cost_loans": costs["loans"],
        "cost_tax_relief": costs["tax_relief"],
        "cost_federal": led.level_cost("federal"),
        "cost_regional": led.level_cost("regional"),
        "preference_cost": sum(costs.values()),
        "sez_tax_expenditure": led.sez_tax_expenditure,
        "tax_federal": led.tax["federal"],
        "tax_regional": led.tax["regional"],
        "cost_programme_loans": led.programme_cost["federal"] + led.programme_cost["regional"],
        "loan_grant_equivalent": led.grant_equivalent,
        "credit_constrained": float(led.credit_constrained),
        "local_purchases": float(f.purchases_local[:n][fin].sum()),
        "price_index": price / state.rival_price,
        "price_cost_margin": margin,
        "delivery_quarters": delivery,
        "order_book_cover": cover,
        "displaced_orders": state.new_orders * s.market.russian_share_of_rivals,
        "net_output": output - intra,
        "loans_outstanding": float((f.debt_market[:n] + f.debt_pref[:n])[alive].sum()),
        "tax_social_fund": led.tax["social_fund"],
        "vat_collected": led.vat_collected,
        "tax_expenditure_federal": led.cost[("tax_relief", "federal")],
        "tax_expenditure_regional": led.cost[("tax_relief", "regional")],
        "committed_federal": committed["federal"],
        "committed_regional": committed["regional"],
        "purchases_outside_region": outside,
    }
