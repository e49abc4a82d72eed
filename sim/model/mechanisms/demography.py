"""Stage 9 (docs/model.md 7.17): SME entry and exit.

Exit: an SME whose cash has been negative for ``exit_after_loss_quarters`` quarters in a row
closes (:meth:`sim.model.agents.SME.exits`); its workers leave the cluster and its agent is
removed.

Entry: per trade, ``N_k ~ Poisson(rate / 4 * n_k0 * (S_k / S_k0)^eta)`` new SMEs, where ``n_k0``
is the number of SMEs of the trade at the start and ``S_k / S_k0`` (capped at 3) the growth of
the cluster's local purchases in that trade since the first quarter (entrepreneurs follow
demand). New SMEs are drawn from the trade's first SME group, are not participants, and do not
produce during their first ``non_producing_quarters``.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import SME
from sim.model.compiled import kernel, power
from sim.model.population import Population
from sim.model.state import KIND_SME, State

__all__ = ["entry_exit"]

_MAX_GROWTH = 3.0


@kernel
def _smes_by_trade(
    alive: np.ndarray, kind: np.ndarray, trade: np.ndarray, sales_cluster: np.ndarray, n_trades: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Alive SMEs, and their cluster sales and number per trade (no trade counts as trade 0).

    The sales are summed firm by firm in slot order, as ``np.bincount`` with weights does.
    """
    n = alive.shape[0]
    sme = np.empty(n, dtype=np.bool_)
    sales = np.zeros(n_trades)
    counts = np.zeros(n_trades, dtype=np.int64)
    for i in range(n):
        sme[i] = alive[i] and kind[i] == KIND_SME
        if sme[i]:
            k = max(trade[i], 0)
            sales[k] += sales_cluster[i]
            counts[k] += 1
    return sme, sales, counts


@kernel
def _entry_means(
    sales: np.ndarray,
    sales0: np.ndarray,
    count0: np.ndarray,
    rate_per_quarter: float,
    sensitivity: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """``lambda_k = rate / 4 * n_k0 * g_k ** eta``, ``g_k = min((S_k+ + 1) / (S_k0 + 1), 3)``.

    The demand growth entrepreneurs see is smoothed by 1 mln RUB and capped at 3x.
    """
    lam = np.empty(sales.shape[0])
    for k in range(sales.shape[0]):
        s = sales[k]
        s = s if not s < 0.0 else 0.0  # np.maximum(s, 0.0)
        g = (s + 1.0) / (sales0[k] + 1.0)
        g = g if not g > _MAX_GROWTH else _MAX_GROWTH  # np.minimum(g, 3.0)
        lam[k] = rate_per_quarter * count0[k] * power(g, sensitivity)
    return lam


def entry_exit(state: State, population: Population, rng: np.random.Generator) -> None:
    """Apply exits, then entries, for this quarter."""
    s, f, n, q = state.spec, state.firms, state.firms.n, state.quarter
    d = s.sme_demography
    sme, sales, counts = _smes_by_trade(
        f.alive[:n], f.kind[:n], f.trade[:n], f.sales_cluster[:n], len(state.trades)
    )
    if state.local_sales0 is None:
        state.local_sales0 = np.maximum(sales, 0.0)
        state.sme_count0 = counts.astype(float)
    lam = _entry_means(
        sales,
        state.local_sales0,
        state.sme_count0,
        d.entry_rate_per_year / 4.0,
        float(d.entry_demand_sensitivity),
    )
    new = rng.poisson(lam)

    gone = np.flatnonzero(sme & SME.exits(f.loss_quarters[:n], d.exit_after_loss_quarters))
    population.remove(gone)
    # An exiting SME produced and sold this quarter: its flows stay in this quarter's accounts
    # (see record); its workers leave the cluster next quarter (State.exited).
    state.exited = gone
    state.exits_this_quarter = int(gone.size)

    entering = [
        (k, m, gi)
        for k, m in enumerate(new.tolist())
        if m > 0 and (gi := state.entry_group.get(state.trades[k])) is not None
    ]
    last = slice(0, 0)
    for j, (k, m, gi) in enumerate(entering):
        sl = population.add(rng, m, gi)
        f.born_quarter[sl] = q
        f.last_contract_quarter[sl] = -100
        f.participant[sl] = False
        f.matched[sl] = False
        f.order_book[sl] = 0.0
        f.output[sl] = 0.0  # not producing yet
        f.price[sl] = 1 + s.sourcing.trades[k].local_price_premium
        size = state.supplier_cost0.size
        if f.n > size:  # room for the entrants' slots, grown by doubling (read as [:n])
            grown = np.ones(max(f.n, 2 * size))
            grown[:size] = state.supplier_cost0
            state.supplier_cost0 = grown
        # The entrants' reference cost: their unit cost at entry, with the firms entered so far.
        # Those of the last trade enter last: theirs is in the table recomputed below.
        if j < len(entering) - 1:
            state.supplier_cost0[sl] = state.unit_costs(sl)
        else:
            last = sl
    if entering:
        state.update_costs()
        state.supplier_cost0[last] = f.unit_cost[last]
