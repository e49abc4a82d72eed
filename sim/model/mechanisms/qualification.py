"""Stage 7b (docs/model.md 7.13): SMEs invest to qualify for a large enterprise's chain.

An SME below the threshold pays a step cost (lower when matched by the organisation) to raise
its qualification when the expected margin from entering the chain over two years exceeds the
remaining cost (:meth:`sim.model.agents.SME.qualification_decision`). The expected margin is a
15 % margin on the trade's cluster sales shared among the qualified suppliers and the newcomer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government, qualification_rule
from sim.model.compiled import array_sum, kernel
from sim.model.mechanisms import starter_batches
from sim.model.state import KIND_SME, ROLE_COMPONENT, State, block_rows, kept_for_block
from sim.scenario.schema import Scenario

__all__ = ["qualify", "qualify_block"]

_SUPPLIER_MARGIN = 0.15
_GAIN_HORIZON_QUARTERS = 8
#: Rows of :func:`_prospects`' table: expected gain, cost of a step, free cash.
_GAIN, _COST, _FREE_CASH = 0, 1, 2


def qualify(state: State, gov: Government, rng: np.random.Generator) -> None:
    """One run's stage 7b: :func:`qualify_block` for a block of one run."""
    qualify_block([state], [gov], [rng])


def qualify_block(
    states: Sequence[State], govs: Sequence[Government], rngs: Sequence[np.random.Generator]
) -> None:
    """SMEs below the qualification threshold decide whether to invest in a step; every run.

    Where a registered cluster's regime reimburses starter batches, a participant SME that
    qualifies expects its first deliveries to be bought (the claimants prefer them): it adds
    the margin on its free capacity over the first-batch window
    (:func:`sim.model.mechanisms.starter_batches.first_batch_sales`) to its expected gain.

    The runs' firm tables are rows of one block (:mod:`sim.model.block`): each run draws its
    noise and reads its regime in Python, then one compiled call decides and invests for all.
    """
    block, rows = block_rows([st.firms for st in states])
    t, runs = block.tables, len(states)
    ns = np.array([st.firms.n for st in states], dtype=np.int64)
    if runs == 1:  # the run's draws as a one-row table (the kernel reads its first n)
        n = states[0].firms.n
        noise = rngs[0].uniform(0.5, 1.5, n).reshape(1, n)
    else:
        noise = np.zeros((runs, block.cap))
        for k, (n, rng) in enumerate(zip(ns.tolist(), rngs, strict=True)):
            noise[k, :n] = rng.uniform(0.5, 1.5, n)
    params = _block_params(states)  # read only
    first_batches = starter_batches.first_batch_sales_block(states, govs)
    outlay, decided = _qualify_rows(
        rows, ns, t["alive"], t["kind"], t["role"], t["trade"], t["qualification"],
        t["sales_cluster"], t["matched"], t["output"], t["price"], t["cash"], first_batches,
        noise, params,
    )  # fmt: skip
    for st, paid, booked in zip(states, outlay.tolist(), decided.tolist(), strict=True):
        if booked:  # a run without SMEs books nothing
            st.ledger.investment += paid


#: Columns of :func:`qualify_block`'s per-run parameters.
_TRADES, _THRESHOLD, _STEP_COST, _MATCHED_REDUCTION, _BUFFER, _STEP = range(6)
_PARAMS = 6
#: :func:`_params` by scenario, a few at a time (a block may mix design points).
_BY_SCENARIO: dict[int, tuple[Scenario, tuple[float, ...]]] = {}
_KEPT = 16


#: A block's :func:`_params` rows by its runs' scenarios (their ids, in order; the entry holds
#: the scenarios, so their ids stay theirs): a sweep's block steps the same runs every quarter.
_BY_BLOCK: dict[tuple[int, ...], tuple[tuple[Scenario, ...], np.ndarray]] = {}


def _block_params(states: Sequence[State]) -> np.ndarray:
    """:func:`qualify_block`'s parameters, a row per run (:func:`_params`), kept per block."""
    return kept_for_block(
        _BY_BLOCK, states, lambda sts: np.array([_params(st) for st in sts], dtype=np.float64)
    )


def _params(state: State) -> tuple[float, ...]:
    """A run's row of :func:`qualify_block`'s parameters (from its frozen scenario, kept)."""
    s = state.spec
    got = _BY_SCENARIO.get(id(s))
    if got is None or got[0] is not s:
        if len(_BY_SCENARIO) >= _KEPT:
            _BY_SCENARIO.clear()
        row = (
            len(s.sourcing.trades), s.sourcing.qualification_threshold,
            s.production.sme_qualification_cost_mln_rub,
            s.organisation.qualification_cost_reduction, s.finance.cash_buffer_quarters,
            s.production.sme_qualification_step,
        )  # fmt: skip
        _BY_SCENARIO[id(s)] = got = (s, row)
    return got[1]


@kernel
def _qualify_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    role: np.ndarray,
    trade: np.ndarray,
    qualification: np.ndarray,
    sales_cluster: np.ndarray,
    matched: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    cash: np.ndarray,
    first_batches: np.ndarray,
    noise: np.ndarray,
    params: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Stage 7b for run ``k`` of the block (firm table row ``rows[k]``, ``ns[k]`` slots).

    The firm columns are the block's 2-D tables; ``first_batches``, ``noise`` and ``params``
    have one row per run. The SMEs decide by :meth:`sim.model.agents.SME.qualification_decision`'s
    compiled rule. Returns each run's outlay, and whether the run had SMEs to decide (a run
    without books nothing).
    """
    out = np.zeros(rows.shape[0])
    decided = np.zeros(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        r, n, p = rows[k], ns[k], params[k]
        sme, smes = _smes(alive[r], kind[r], role[r], n)
        if smes == 0:
            continue
        thr = p[_THRESHOLD]
        prospects = _prospects(
            sme, trade[r], qualification[r], sales_cluster[r], matched[r], output[r], price[r],
            cash[r], first_batches[k, :n], int(p[_TRADES]), thr, p[_STEP_COST],
            p[_MATCHED_REDUCTION], p[_BUFFER],
        )  # fmt: skip
        cost = prospects[_COST]
        decision = qualification_rule(
            qualification[r, :n], thr, p[_STEP], cost, prospects[_FREE_CASH], prospects[_GAIN]
        )
        out[k] = _invest(sme, decision, qualification[r], cash[r], cost, noise[k, :n], p[_STEP])
        decided[k] = True
    return out, decided


@kernel
def _smes(
    alive: np.ndarray, kind: np.ndarray, role: np.ndarray, n: int
) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """The mask of alive SME component makers among the first ``n`` firms, and their number."""
    sme = np.empty(n, dtype=np.bool_)
    count = 0
    for i in range(n):
        sme[i] = alive[i] and kind[i] == KIND_SME and role[i] == ROLE_COMPONENT
        if sme[i]:
            count += 1
    return sme, count


@kernel
def _prospects(
    sme: np.ndarray,
    trade: np.ndarray,
    qualification: np.ndarray,
    sales_cluster: np.ndarray,
    matched: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    cash: np.ndarray,
    first_batch_sales: np.ndarray,
    trades: int,
    threshold: float,
    step_cost: float,
    matched_reduction: float,
    buffer_quarters: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """Each SME's expected gain from a qualification step, its cost and its free cash.

    The gain is the margin over the gain horizon on the cluster sales of its trade shared with
    one more qualified supplier, plus the margin on first batches; matched SMEs pay less. The
    firms are the first ``sme.shape[0]`` of the firm columns; returns the table with the rows
    ``_GAIN``, ``_COST`` and ``_FREE_CASH``, one column per firm.
    """
    n = sme.shape[0]
    sales = np.zeros(trades)
    qualified = np.zeros(trades)
    for i in range(n):
        if sme[i]:
            sales[trade[i]] += sales_cluster[i]
            if qualification[i] >= threshold:
                qualified[trade[i]] += 1.0
    out = np.empty((3, n))
    for i in range(n):
        per_new = sales[max(trade[i], 0)] / (qualified[max(trade[i], 0)] + 1.0)
        out[_GAIN, i] = _SUPPLIER_MARGIN * _GAIN_HORIZON_QUARTERS * per_new + (
            _SUPPLIER_MARGIN * first_batch_sales[i]
        )
        out[_COST, i] = step_cost * (1 - matched_reduction if matched[i] else 1.0)
        out[_FREE_CASH, i] = cash[i] - buffer_quarters * output[i] * price[i]
    return out


@kernel
def _invest(
    sme: np.ndarray,
    decision: np.ndarray,
    qualification: np.ndarray,
    cash: np.ndarray,
    cost: np.ndarray,
    noise: np.ndarray,
    step: float,
) -> float:  # pragma: no cover - compiled
    """Take a qualification step where an SME decided to (in place); returns the outlay.

    The outlay is summed as numpy sums it; the firms are the first ``sme.shape[0]``.
    """
    n = sme.shape[0]
    paid = np.empty(n)
    m = 0
    for i in range(n):
        if sme[i] and decision[i]:
            qualification[i] = min(1.0, qualification[i] + step * noise[i])
            cash[i] -= cost[i]
            paid[m] = cost[i]
            m += 1
    return array_sum(paid[:m])
