"""SME entry and exit.

Exit: an SME whose cash has been negative for ``exit_after_loss_quarters`` quarters in a row
closes; its workers leave the cluster and its agent is removed.

Entry: per trade, ``N_k ~ Poisson(rate / 4 * n_k0 * (S_k / S_k0)^eta)`` new SMEs, where ``n_k0``
is the number of SMEs of the trade at the start and ``S_k / S_k0`` (capped at 3) the growth of
the cluster's local purchases in that trade since the first quarter (entrepreneurs follow
demand). New SMEs are drawn from the trade's first SME group, are not participants, and do not
produce during their first ``non_producing_quarters``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents import SME
from sim.economy.firms import KIND_SME

if TYPE_CHECKING:
    from sim.model import ClusterModel

__all__ = ["entry_exit"]

_MAX_GROWTH = 3.0


def entry_exit(model: ClusterModel, rng: np.random.Generator) -> None:
    """Apply exits, then entries, for this quarter."""
    s, f, n, q = model.spec, model.firms, model.firms.n, model.quarter
    d = s.sme_demography
    sme = f.alive[:n] & (f.kind[:n] == KIND_SME)
    k_count = len(model.trades)
    sales = np.bincount(
        np.maximum(f.trade[:n][sme], 0), weights=f.sales_cluster[:n][sme], minlength=k_count
    )
    counts = np.bincount(np.maximum(f.trade[:n][sme], 0), minlength=k_count)
    if model.local_sales0 is None:
        model.local_sales0 = np.maximum(sales, 0.0)
        model.sme_count0 = counts.astype(float)
    # Demand growth seen by entrepreneurs, smoothed by 1 mln RUB and capped at 3x.
    growth = np.minimum((np.maximum(sales, 0.0) + 1.0) / (model.local_sales0 + 1.0), _MAX_GROWTH)
    lam = d.entry_rate_per_year / 4.0 * model.sme_count0 * growth**d.entry_demand_sensitivity
    new = rng.poisson(lam)

    gone = np.flatnonzero(sme & SME.exits(f.loss_quarters[:n], d.exit_after_loss_quarters))
    f.alive[gone] = False
    f.participant[gone] = False
    f.matched[gone] = False
    agents = model.firm_agents
    for i in gone.tolist():
        agents[i].remove()
    # An exiting SME produced and sold this quarter: its flows stay in this quarter's accounts
    # (see record_outcomes); its workers leave the cluster now.
    model.exited = gone
    model.exits_this_quarter = int(gone.size)

    entered = False
    for k, m in enumerate(new):
        gi = model._entry_group.get(model.trades[k])
        if gi is None or m == 0:
            continue
        idx = f.add(int(m))
        model._fill_group(rng, idx, gi)
        sl = slice(int(idx[0]), int(idx[-1]) + 1)  # f.add returns contiguous slots
        f.born_quarter[sl] = q
        f.last_contract_quarter[sl] = -100
        f.participant[sl] = False
        f.matched[sl] = False
        f.order_book[sl] = 0.0
        f.output[sl] = 0.0  # not producing yet
        grow = f.n - model.supplier_cost0.size
        if grow > 0:
            model.supplier_cost0 = np.concatenate((model.supplier_cost0, np.ones(grow)))
        # The entrants' reference cost at entry (the whole table is recomputed once below).
        model.supplier_cost0[sl] = model._unit_costs(sl)
        f.price[sl] = 1 + s.sourcing.trades[k].local_price_premium
        entered = True
    if entered:
        model._update_costs()
