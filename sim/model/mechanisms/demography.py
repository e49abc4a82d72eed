"""Stage 9 (docs/model.md 7.17): SME entry and exit.

Exit: an SME whose cash has been negative for ``exit_after_loss_quarters`` quarters in a row
closes (:meth:`sim.model.agents.SME.exits`); its workers leave the cluster and its agent is
removed.

Entry: per trade, ``N_k ~ Poisson(rate / 4 * n_k0 * (S_k / S_k0)^eta)`` new SMEs, where ``n_k0``
is the number of SMEs of the trade at the start and ``S_k / S_k0`` (capped at 3) the growth of
the cluster's local purchases in that trade since the first quarter (entrepreneurs follow
demand). New SMEs are drawn from the trade's first SME group, are not participants, and do not
produce during their first ``non_producing_quarters``.

A block of runs (:mod:`sim.model.block`) is computed by :func:`entry_exit_block`: one compiled
call for the block's exits and entry means, each run's draws in Python (in the order of a run
alone), one compiled call for the block's entrants; :func:`entry_exit` is a block of one run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import SME
from sim.model.compiled import kernel, power
from sim.model.firms import firm_tables
from sim.model.population import (
    PLAN_BLOCKS,
    PLAN_GROUP,
    PLAN_PARAMS,
    PLAN_PRICE,
    Population,
    close_firms,
    fill_columns,
)
from sim.model.state import KIND_SME, State, unit_cost_columns, update_costs_rows

__all__ = ["entry_exit", "entry_exit_block"]

_MAX_GROWTH = 3.0
#: :meth:`SME.exits` compiled, for :func:`_exits_and_entry_means` (the same function).
_exits = kernel(SME.exits)


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
    loss_quarters: np.ndarray,
    limit: float,
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
        loss_quarters: Consecutive quarters with negative cash (column).
        limit: Quarters of losses before an exit (:meth:`~sim.model.agents.SME.exits`).
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
            if _exits(loss_quarters[i], limit):
                gone[m] = i
                m += 1
    if first:
        for k in range(n_trades):
            s = sales[k]
            sales0[k] = s if not s < 0.0 else 0.0  # np.maximum(s, 0.0)
            count0[k] = float(counts[k])
    return _entry_means(sales, sales0, count0, rate_per_quarter, sensitivity), gone[:m]


def entry_exit(state: State, population: Population, rng: np.random.Generator) -> None:
    """One run's stage 9: :func:`entry_exit_block` for a block of one run."""
    entry_exit_block([state], [population], [rng])


#: Columns of :func:`entry_exit_block`'s per-run parameters (:func:`_exits_rows`): entry rate
#: per quarter, demand sensitivity of entry, quarters of losses before an exit (the run's
#: constants, :func:`_constants`), slots in use, whether it is the first quarter (1) or not (0),
#: where the run's trades start and end in the block's trades.
_RATE, _SENSITIVITY, _LIMIT, _N, _FIRST, _TRADES, _TRADES_END = range(7)
#: Columns of :func:`_enter_rows`' runs (one per run with entrants): its row of the unit-cost
#: scalars, its firm table row, its first new slot, the quarter, where its trades start and end
#: in the block's trades.
_RUN, _ROW, _LO, _BORN, _FROM, _TO = range(6)
_ENTERING = 6
_NONE = np.zeros(0, dtype=np.int64)


def _constants(state: State) -> tuple[tuple[float, float, int], int]:
    """A run's constants of stage 9, kept on its state (``State.kept``: its scenario's).

    Returns:
        The first columns of its parameters (``_RATE``, ``_SENSITIVITY``, ``_LIMIT``) and its
        number of trades.
    """
    c = state.kept.get("demography")
    if c is None:
        d = state.spec.sme_demography
        c = state.kept["demography"] = (
            (d.entry_rate_per_year / 4.0, float(d.entry_demand_sensitivity),
             d.exit_after_loss_quarters),
            len(state.trades),
        )  # fmt: skip
    return c


def entry_exit_block(
    states: Sequence[State],
    populations: Sequence[Population],
    rngs: Sequence[np.random.Generator],
) -> None:
    """Apply exits, then entries, for this quarter; every run of a block.

    The runs' firm tables are rows of one block (:mod:`sim.model.block`). One compiled call
    (:func:`_exits_rows`) finds and closes each run's exiting SMEs and its trades' mean
    entrants; each run then draws its entrants in Python (``rng.poisson`` per trade, then one
    ``rng.standard_normal`` per entering trade, in trade order: :meth:`Population.draw`'s call
    with the terms of :meth:`Population.entry_plan`), and one compiled call
    (:func:`_enter_rows`) fills all the runs' entrants and their reference costs from the
    counts drawn and the runs' plans.
    """
    firms = [st.firms for st in states]
    t, rows = firm_tables(firms)
    params, firsts, trades_at = [], [], [0]
    sales0, count0 = [], []
    at = 0
    for k, st in enumerate(states):
        c, n_trades = _constants(st)
        end = at + n_trades
        trades_at.append(end)
        first = st.local_sales0 is None
        params.append((*c, st.firms.n, first, at, end))
        at = end
        if first:
            firsts.append(k)
            sales0.append(np.zeros(n_trades))
            count0.append(np.zeros(n_trades))
        else:
            sales0.append(st.local_sales0)
            count0.append(st.sme_count0)
    params = np.array(params, dtype=np.float64)
    refs = np.concatenate(sales0 + count0)  # the runs' sales0, then their count0
    lam, gone, gone_at = _exits_rows(
        rows, params, t["alive"], t["kind"], t["trade"], t["sales_cluster"], t["participant"],
        t["matched"], t["loss_quarters"], refs,
    )  # fmt: skip
    total = trades_at[-1]
    for k in firsts:  # the references, recorded in the first quarter
        a, b = trades_at[k], trades_at[k + 1]
        states[k].local_sales0 = refs[a:b].copy()
        states[k].sme_count0 = refs[total + a : total + b].copy()

    entering: list[int] = []  # _ENTERING numbers per run with entrants (the columns above)
    counts: list[int] = []  # every trade's entrants, the block's trades (as trades_at)
    plans, normals = [], []  # every run's Population.entry_plan rows; the entrants' normals
    entered: list[tuple[int, int, int]] = []  # (run, first slot, end)
    costs: list[np.ndarray] = []  # their unit-cost scalars (Population.entry_terms)
    gone_at, means, row_of = gone_at.tolist(), lam.tolist(), rows.tolist()
    for k, (st, pop, rng) in enumerate(zip(states, populations, rngs, strict=True)):
        # One scalar draw per trade, in trade order: the values and the generator state of one
        # ``rng.poisson`` of the run's array (NumPy draws an array's elements one by one, in
        # order), without the array's argument checks (~11 us a call; the scalar's ~1 us).
        poisson = rng.poisson
        new = [poisson(x) for x in means[trades_at[k] : trades_at[k + 1]]]
        counts += new
        g0, g1 = gone_at[k], gone_at[k + 1]
        # An exiting SME produced and sold this quarter: its flows stay in this quarter's
        # accounts (see record); its workers leave the cluster next quarter (State.exited).
        if g1 > g0:
            go = st.exited = gone[g0:g1]
            pop.remove_agents(go)
        else:
            st.exited = _NONE
        st.exits_this_quarter = g1 - g0
        blocks, plan, cost = pop.entry_plan()
        plans.append(plan)
        f = st.firms
        lo = slot = f.n
        for m, b in zip(new, blocks, strict=True):
            if m > 0 and b is not None:
                normals.append(rng.standard_normal(b * m))  # Population.draw's call
                slot += m
        if slot == lo:
            continue
        entering += (len(entered), row_of[k], lo, st.quarter, trades_at[k], trades_at[k + 1])
        f.add(slot - lo)
        size = st.supplier_cost0.size
        if slot > size:  # room for the entrants' slots, grown by doubling (read as [:n])
            grown = np.ones(max(slot, 2 * size))
            grown[:size] = st.supplier_cost0
            st.supplier_cost0 = grown
        entered.append((k, lo, slot))
        costs.append(cost)
    if not entering:
        return

    t = firm_tables(firms)[0]  # the entrants' slots may have widened the tables
    cost0 = _enter_rows(
        np.array(entering, dtype=np.int64).reshape(-1, _ENTERING),
        np.array(counts, dtype=np.int64), plans[0] if len(plans) == 1 else np.concatenate(plans),
        np.concatenate(normals), costs[0] if len(costs) == 1 else np.concatenate(costs),
        t["alive"], t["kind"], t["role"], t["trade"], t["group"], t["employment"],
        t["productivity"], t["qualification"], t["capacity"], t["output"], t["cum_output"],
        t["cash"], t["taste"], t["other_demand"], t["order_book"], t["price"], t["born_quarter"],
        t["last_contract_quarter"], t["participant"], t["matched"], t["unit_cost"],
    )  # fmt: skip
    at = 0
    for k, lo, hi in entered:
        states[k].supplier_cost0[lo:hi] = cost0[at : at + hi - lo]
        at += hi - lo
        populations[k].added(lo, hi)


@kernel
def _exits_rows(
    rows: np.ndarray,
    params: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    trade: np.ndarray,
    sales_cluster: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    loss_quarters: np.ndarray,
    refs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Stage 9's exits and entry means for run ``k`` of the block (firm table row ``rows[k]``).

    Run ``k`` has the scalars ``params[k]`` (slots in use, its trades ``a:b`` among the
    block's, the exit rule's limit, ...: the columns above); its
    references are ``refs[a:b]`` (sales) and ``refs[T + a:T + b]`` (counts; ``T`` trades in
    the block), written in its first quarter. :func:`_exits_and_entry_means` of its row; its
    exiting SMEs close (:func:`sim.model.population.close_firms`).

    Returns:
        The runs' mean entrants per trade (run ``k``'s at ``a:b``), their exiting SMEs' slots
        and where each run's start in them (and their number).
    """
    runs = rows.shape[0]
    total = int(params[runs - 1, _TRADES_END])
    lam = np.empty(total)
    gone = np.empty(int(params[:, _N].sum()), dtype=np.int64)
    gone_at = np.zeros(runs + 1, dtype=np.int64)
    for k in range(runs):
        r, p = rows[k], params[k]
        a, b = int(p[_TRADES]), int(p[_TRADES_END])
        means, out = _exits_and_entry_means(
            int(p[_N]), alive[r], kind[r], trade[r], sales_cluster[r], loss_quarters[r],
            p[_LIMIT], p[_FIRST] != 0.0, refs[a:b], refs[total + a : total + b], p[_RATE],
            p[_SENSITIVITY],
        )  # fmt: skip
        lam[a:b] = means
        close_firms(out, alive[r], participant[r], matched[r])
        gone[gone_at[k] : gone_at[k] + out.shape[0]] = out
        gone_at[k + 1] = gone_at[k] + out.shape[0]
    return lam, gone[: gone_at[runs]], gone_at


@kernel
def _enter_rows(
    entering: np.ndarray,
    counts: np.ndarray,
    plan: np.ndarray,
    z: np.ndarray,
    cost: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    role: np.ndarray,
    trade: np.ndarray,
    group: np.ndarray,
    employment: np.ndarray,
    productivity: np.ndarray,
    qualification: np.ndarray,
    capacity: np.ndarray,
    output: np.ndarray,
    cum_output: np.ndarray,
    cash: np.ndarray,
    taste: np.ndarray,
    other_demand: np.ndarray,
    order_book: np.ndarray,
    price: np.ndarray,
    born_quarter: np.ndarray,
    last_contract_quarter: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    unit_cost: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Stage 9's entrants of the runs of a block, trade after trade, and their reference costs.

    Run ``e`` with entrants (``entering[e]``: the columns above) has its trades ``j`` at
    ``_FROM`` to ``_TO`` of the block's trades: ``counts[j]`` entrants drawn, entering when its
    plan row ``plan[j]`` (:meth:`~sim.model.population.Population.entry_plan`) has a group. A
    trade's entrants take the next slots of the run's firm table row and the next standard
    normals of ``z`` (``PLAN_BLOCKS`` per firm), with the run's unit-cost scalars
    ``cost[entering[e, _RUN]]`` (:func:`sim.model.state.cost_params`): they are filled by
    :func:`sim.model.population.fill_columns` at their price index. Their reference cost is
    their unit cost at entry with the firms entered so far
    (:func:`sim.model.state.unit_cost_columns`); after the run's last entering trade every unit
    cost of the run is recomputed (:meth:`sim.model.state.State.update_costs`) and that trade's
    entrants take theirs from that table.

    Returns:
        The entrants' reference costs, run after run (each run's in slot order).
    """
    out = np.empty(z.shape[0])  # at least one normal per entrant (the taste)
    at = 0
    z_at = 0
    n_final = np.empty(1, dtype=np.int64)
    for e in range(entering.shape[0]):
        k, r, lo = entering[e, _RUN], entering[e, _ROW], entering[e, _LO]
        last = -1  # the run's last trade with entrants: theirs come from the recomputed table
        for j in range(entering[e, _FROM], entering[e, _TO]):
            if counts[j] > 0 and plan[j, PLAN_GROUP] >= 0.0:
                last = j
        for j in range(entering[e, _FROM], entering[e, _TO]):
            m = counts[j]
            if m <= 0 or plan[j, PLAN_GROUP] < 0.0:
                continue
            n = lo + m
            p = plan[j, PLAN_PARAMS:]
            z_end = z_at + int(plan[j, PLAN_BLOCKS]) * m
            fill_columns(
                p, z[z_at:z_end], lo, m, int(plan[j, PLAN_GROUP]), alive[r], kind[r], role[r],
                trade[r], group[r], employment[r], productivity[r], qualification[r],
                capacity[r], output[r], cum_output[r], cash[r], taste[r], other_demand[r],
                order_book[r], price[r], born_quarter[r], last_contract_quarter[r],
                participant[r], matched[r], entering[e, _BORN], True, plan[j, PLAN_PRICE],
            )  # fmt: skip
            if j == last:
                n_final[0] = n
                update_costs_rows(
                    entering[e : e + 1, _ROW], n_final, productivity, employment, alive,
                    participant, kind, output, capacity, unit_cost, cost[k : k + 1],
                )  # fmt: skip
                out[at : at + m] = unit_cost[r, lo:n]
            else:
                c = cost[k]
                out[at : at + m] = unit_cost_columns(
                    productivity[r], employment[r], alive[r], participant[r], kind[r],
                    output[r], capacity[r], n, np.arange(lo, n), c[0], c[1], c[2], c[3], c[4],
                    c[5], c[6], c[7],
                )  # fmt: skip
            at += m
            z_at = z_end
            lo = n
    return out[:at]
