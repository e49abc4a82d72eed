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


@kernel
def _exits_and_entry_means(
    n: int,
    alive: np.ndarray,
    kind: np.ndarray,
    trade: np.ndarray,
    sales_cluster: np.ndarray,
    exits: np.ndarray,
    first: bool,
    sales0: np.ndarray,
    count0: np.ndarray,
    rate_per_quarter: float,
    sensitivity: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The SMEs that exit and each trade's mean number of entrants this quarter.

    The alive SMEs' cluster sales and number per trade (no trade counts as trade 0) are
    summed firm by firm in slot order, as ``np.bincount`` with weights does; in the first
    quarter (``first``) they are written to the references ``sales0`` (floored at 0) and
    ``count0``. Then :func:`_entry_means`.

    Args:
        n: Slots in use in the firm table.
        alive: Alive firms (column).
        kind: Firm kind (column).
        trade: Firm trade (column; -1 for none).
        sales_cluster: Sales to the cluster (column).
        exits: :meth:`~sim.model.agents.SME.exits` of each slot ``< n``.
        first: Whether this is the first quarter (the references are recorded).
        sales0: Cluster sales per trade in the first quarter (written when ``first``).
        count0: SMEs per trade in the first quarter (written when ``first``).
        rate_per_quarter: Entry rate per quarter.
        sensitivity: Demand sensitivity of entry.

    Returns:
        The mean entrants per trade, and the slots of the SMEs that exit (in order).
    """
    n_trades = sales0.shape[0]
    sales = np.zeros(n_trades)
    counts = np.zeros(n_trades, dtype=np.int64)
    gone = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if alive[i] and kind[i] == KIND_SME:
            k = max(trade[i], 0)
            sales[k] += sales_cluster[i]
            counts[k] += 1
            if exits[i]:
                gone[m] = i
                m += 1
    if first:
        for k in range(n_trades):
            s = sales[k]
            sales0[k] = s if not s < 0.0 else 0.0  # np.maximum(s, 0.0)
            count0[k] = float(counts[k])
    return _entry_means(sales, sales0, count0, rate_per_quarter, sensitivity), gone[:m]


def entry_exit(state: State, population: Population, rng: np.random.Generator) -> None:
    """Apply exits, then entries, for this quarter."""
    s, f, n, q = state.spec, state.firms, state.firms.n, state.quarter
    d = s.sme_demography
    first = state.local_sales0 is None
    if first:
        state.local_sales0 = np.zeros(len(state.trades))
        state.sme_count0 = np.zeros(len(state.trades))
    lam, gone = _exits_and_entry_means(
        n, f.alive, f.kind, f.trade, f.sales_cluster,
        SME.exits(f.loss_quarters[:n], d.exit_after_loss_quarters), first, state.local_sales0,
        state.sme_count0, d.entry_rate_per_year / 4.0, float(d.entry_demand_sensitivity),
    )  # fmt: skip
    new = rng.poisson(lam)

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
    if not entering:
        return
    size = state.supplier_cost0.size
    need = n + sum(m for _, m, _ in entering)
    if need > size:  # room for the entrants' slots, grown by doubling (read as [:n])
        grown = np.ones(max(need, 2 * size))
        grown[:size] = state.supplier_cost0
        state.supplier_cost0 = grown
    trades = s.sourcing.trades
    for k, m, gi in entering[:-1]:
        sl = population.add(rng, m, gi, q, 1 + trades[k].local_price_premium)
        # The entrants' reference cost: their unit cost at entry, with the firms entered so far.
        state.supplier_cost0[sl] = state.unit_costs(sl)
    # Those of the last trade enter last: theirs is in the table recomputed below.
    k, m, gi = entering[-1]
    last = population.add(rng, m, gi, q, 1 + trades[k].local_price_premium)
    state.update_costs()
    state.supplier_cost0[last] = f.unit_cost[last]
