"""The recorded firm-table sums (sim.model.mechanisms.record) are numpy's sums bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.mechanisms.record import _AT, _firm_figures
from sim.model.state import KIND_LARGE, KIND_SME, ROLE_COMPONENT, ROLE_FINAL


@pytest.mark.parametrize("n", [0, 5, 9, 136, 300])
def test_firm_figures_are_numpys_masked_sums(n):
    rng = np.random.default_rng(n)
    alive_now = rng.random(n) < 0.8
    exited = np.flatnonzero(~alive_now)[:3]
    kind = rng.choice([KIND_LARGE, KIND_SME], n)
    role = rng.choice([ROLE_FINAL, ROLE_COMPONENT], n)
    participant = rng.random(n) < 0.5
    col = {name: rng.lognormal(0.0, 2.0, n) for name in (
        "output", "employment", "sales_cluster", "purchases", "purchases_local", "unit_cost",
        "capacity", "order_book", "qualification", "debt_market", "debt_pref", "delivery",
    )}  # fmt: skip
    price = rng.lognormal(0.0, 1.0, n) * (rng.random(n) < 0.9)  # some zero prices
    col["qualification"] = rng.random(n)
    roster = participant & alive_now & (rng.random(n) < 0.7)
    # the firm columns have more slots than firms (the table grows by doubling)
    pad = {name: np.concatenate([v, rng.random(7)]) for name, v in col.items()}
    x = _firm_figures(
        n, exited, roster, col["delivery"], np.concatenate([alive_now, [True] * 7]),
        np.concatenate([kind, [KIND_SME] * 7]), np.concatenate([role, [ROLE_FINAL] * 7]),
        np.concatenate([participant, [True] * 7]), pad["output"], pad["employment"],
        pad["sales_cluster"], np.concatenate([price, rng.random(7)]), pad["purchases"],
        pad["purchases_local"], pad["unit_cost"], pad["capacity"], pad["order_book"],
        pad["qualification"], pad["debt_market"], pad["debt_pref"], 0.5,
    ).tolist()  # fmt: skip
    alive = alive_now.copy()
    alive[exited] = True
    fin, sup = alive & (role == ROLE_FINAL), alive & (role == ROLE_COMPONENT)
    large, sme = alive & (kind == KIND_LARGE), alive & (kind == KIND_SME)
    out, fo = col["output"], col["output"][fin]
    want = {
        "output": out[alive].sum(),
        "employment": col["employment"][alive_now].sum(),
        "intra": (col["sales_cluster"][alive] / np.maximum(price[alive], 1e-9)).sum(),
        "purchases": col["purchases"][fin].sum(),
        "fin_output": fo.sum(),
        "unit_cost_x_output": np.multiply(col["unit_cost"][fin], fo).sum(),
        "revenue": (fo * price[fin]).sum(),
        "capacity": col["capacity"][fin & alive_now].sum(),
        "order_book": col["order_book"][fin].sum(),
        "in_chain": (sme & (col["qualification"] >= 0.5) & (col["sales_cluster"] > 0)).sum(),
        "smes": sme.sum(),
        "participants": (alive & participant).sum(),
        "large_employment": col["employment"][large].sum(),
        "large_output": out[large].sum(),
        "sme_output": out[sme].sum(),
        "local_purchases": col["purchases_local"][fin].sum(),
        "supplier_purchases": col["purchases"][sup].sum(),
        "loans": (col["debt_market"] + col["debt_pref"])[alive].sum(),
        "roster": roster.sum(),
    }
    for name, value in want.items():
        assert np.float64(x[_AT[name]]).tobytes() == np.float64(value).tobytes(), name
    yards = np.flatnonzero(fin & alive_now)
    if yards.size:
        w = col["capacity"][yards]
        avg = np.average(col["delivery"][yards], weights=w)
        got = x[_AT["delivery_x_capacity"]] / x[_AT["capacity"]]
        assert np.float64(got).tobytes() == np.float64(avg).tobytes()
