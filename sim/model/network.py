"""The supply network of the current quarter, for the network chart, the store and the page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.state import KIND_LARGE, ROLE_FINAL, State

__all__ = ["supply_network"]


def supply_network(state: State, max_edges: int = 5000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The supply network of the current quarter as (nodes, edges) DataFrames.

    Nodes are alive firms (``firm, kind, role, trade, participant, employment, output``);
    edges ``buyer, seller, volume`` (mln RUB this quarter) estimate each final producer's
    local purchases from each supplier by proportional allocation within the supplier's
    trade (exact within a buyer and seller group, approximate across groups). The largest
    ``max_edges`` edges are kept.
    """
    f, n = state.firms, state.firms.n
    alive = np.flatnonzero(f.alive[:n])
    trades = state.trades
    nodes = pd.DataFrame(
        {
            "firm": alive,
            "kind": np.where(f.kind[alive] == KIND_LARGE, "large", "sme"),
            "role": np.where(f.role[alive] == ROLE_FINAL, "final", "component"),
            "trade": [trades[t] if t >= 0 else "" for t in f.trade[alive]],
            "participant": f.participant[alive],
            "employment": f.employment[alive],
            "output": f.output[alive],
        }
    )
    buyers = alive[(f.role[alive] == ROLE_FINAL) & (f.purchases_local[alive] > 0)]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for k, trade in enumerate(state.spec.sourcing.trades):
        sellers = alive[(f.trade[alive] == k) & (f.sales_cluster[alive] > 0)]
        total = f.sales_cluster[sellers].sum()
        if total <= 0 or buyers.size == 0:
            continue
        vol = np.outer(
            f.purchases_local[buyers] * trade.purchase_share, f.sales_cluster[sellers] / total
        )
        bi, si = np.nonzero(vol > 0)
        parts.append((buyers[bi], sellers[si], vol[bi, si]))
    if parts:  # the trades' edges end to end, as one frame
        edges = pd.DataFrame(
            {name: np.concatenate([part[j] for part in parts])
             for j, name in enumerate(("buyer", "seller", "volume"))}
        )  # fmt: skip
    else:
        edges = pd.DataFrame({"buyer": [], "seller": [], "volume": []})
    edges = edges.nlargest(max_edges, "volume").reset_index(drop=True)
    return nodes, edges
