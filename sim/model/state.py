"""The model's shared state: a run's firm table, world variables, loans and shared queries.

The firm table is :class:`~sim.model.firms.FirmArrays` (re-exported here with the firm kinds
and roles): one numpy column per firm attribute, a row of a block's tables.
:class:`State` adds the quarter, the world variables each mechanism keeps between quarters
(declared here, one block per mechanism, so no mechanism creates attributes of its own), the
quarter's :class:`~sim.model.ledger.Ledger`, and the public queries mechanisms share
(roster, functional dependence, effective productivity, unit costs, prices, free capacity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from sim.model.compiled import array_sum, kernel
from sim.model.firms import (
    KIND_LARGE,
    KIND_SME,
    ROLE_COMPONENT,
    ROLE_FINAL,
    FirmArrays,
    FirmBlock,
    block_rows,
    firm_tables,
)
from sim.model.ledger import Ledger
from sim.scenario.schema import Scenario

__all__ = [
    "KIND_LARGE",
    "KIND_SME",
    "ROLE_COMPONENT",
    "ROLE_FINAL",
    "FirmArrays",
    "FirmBlock",
    "Loan",
    "LoanBook",
    "State",
    "alive_yards",
    "block_rows",
    "delivery_block",
    "delivery_of",
    "delivery_rows",
    "effective_productivity_columns",
    "firm_tables",
    "free_capacity_block",
    "free_capacity_of",
    "functional_dependence_rows",
    "own_row",
    "roster_rows",
    "supplier_free_capacity_columns",
    "supplier_price_columns",
    "unit_cost_columns",
    "update_costs_rows",
    "yard_delivery_columns",
]


@dataclass
class Loan:
    """One preferential loan on a firm's books (docs/model.md 7.12).

    Attributes:
        firm: The borrower.
        programme: The lending programme (its budget key).
        balance: Principal outstanding (mln RUB).
        rate: Interest rate, fixed at origination (per year).
        term_quarters: Repayment term; ``1 / term_quarters`` of the balance is repaid a quarter.
        federal_share: Share of the interest subsidy borne by the federal budget.
        world: True for a programme open in every arm (IDF, KIP), False for a regime's own.
    """

    firm: int
    programme: str
    balance: float
    rate: float
    term_quarters: int
    federal_share: float
    world: bool


class LoanBook:
    """The preferential loans outstanding, in book order, one array entry per loan.

    Amortisation, the preferential-debt refresh and the committed interest subsidy read the
    columns as they are (financing's kernels), so the book is kept as arrays, not as
    :class:`Loan` objects; iteration and indexing give :class:`Loan` copies. Each column has
    room for more loans than are on the book (``len(self)`` are); the properties are views of
    the loans on the book.

    Attributes:
        programme: Each loan's lending programme (its budget key).
    """

    _COLUMNS = (
        ("firm", np.int64),
        ("balance", float),
        ("rate", float),
        ("term_quarters", np.int64),
        ("federal_share", float),
        ("world", np.bool_),
    )

    def __init__(self, loans: list[Loan] | tuple[Loan, ...] = ()) -> None:
        self._n = 0
        self._cols = {name: np.zeros(8, dtype=dtype) for name, dtype in self._COLUMNS}
        self.programme: list[str] = []
        for loan in loans:
            self.append(loan)

    @property
    def firm(self) -> np.ndarray:
        """Each loan's borrower."""
        return self._cols["firm"][: self._n]

    @property
    def balance(self) -> np.ndarray:
        """Each loan's principal outstanding (mln RUB); repaid in place."""
        return self._cols["balance"][: self._n]

    @property
    def rate(self) -> np.ndarray:
        """Each loan's interest rate, fixed at origination (per year)."""
        return self._cols["rate"][: self._n]

    @property
    def term_quarters(self) -> np.ndarray:
        """Each loan's repayment term in quarters."""
        return self._cols["term_quarters"][: self._n]

    @property
    def federal_share(self) -> np.ndarray:
        """Each loan's share of the interest subsidy borne by the federal budget."""
        return self._cols["federal_share"][: self._n]

    @property
    def world(self) -> np.ndarray:
        """True for a loan of a programme open in every arm (IDF, KIP)."""
        return self._cols["world"][: self._n]

    def append(self, loan: Loan) -> None:
        """Book a new loan after the others."""
        k = self._n
        if k == self._cols["firm"].shape[0]:
            for name, col in self._cols.items():
                grown = np.zeros(2 * k, dtype=col.dtype)
                grown[:k] = col
                self._cols[name] = grown
        c = self._cols
        c["firm"][k], c["balance"][k], c["rate"][k] = loan.firm, loan.balance, loan.rate
        c["term_quarters"][k], c["federal_share"][k] = loan.term_quarters, loan.federal_share
        c["world"][k] = loan.world
        self.programme.append(loan.programme)
        self._n = k + 1

    def keep(self, kept: np.ndarray) -> None:
        """Keep only the loans where ``kept`` is true, in book order."""
        m = int(np.count_nonzero(kept))
        if m == self._n:
            return
        for col in self._cols.values():
            col[:m] = col[: self._n][kept]
        self.programme = [p for p, k in zip(self.programme, kept.tolist(), strict=True) if k]
        self._n = m

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k: int) -> Loan:
        if not -self._n <= k < self._n:
            raise IndexError(k)
        k %= self._n
        c = self._cols
        return Loan(
            int(c["firm"][k]), self.programme[k], float(c["balance"][k]), float(c["rate"][k]),
            int(c["term_quarters"][k]), float(c["federal_share"][k]), bool(c["world"][k]),
        )  # fmt: skip

    def __iter__(self) -> Iterator[Loan]:
        return (self[k] for k in range(self._n))


class State:
    """Firm arrays, the quarter, world variables and the shared queries of one run.

    The attributes below are the whole of what mechanisms keep between quarters; each block
    names the mechanism (docs/model.md section 7) that writes it.

    Attributes:
        spec: The scenario.
        firms: The firm table: a row of a :class:`FirmBlock` (of one row unless the run is one
            of a block).
        quarter: The current quarter (0 at initialisation, 1 in the first step).
        ledger: Budget flows of the current quarter.
        trades: Trade names, in scenario order (a firm's ``trade`` indexes it).
        key_rate: CBR key rate (prices, 7.1).
        market_rate: Market loan rate, key rate + spread (prices, 7.1).
        loans: Preferential loans outstanding, as arrays (:class:`LoanBook`; financing, 7.12).
        agglo_base: Cluster employment at the start, the spillover's reference (production).
        cost_comp: Competitors' unit cost, the price numeraire (calibration, 5.2).
        supplier_cost0: Each supplier's reference unit cost (calibration; entry adds slots).
        demand_level: Quarterly orders of the market at the start (market, 7.2).
        order_size: Mean order size (market).
        outside_capacity: The rivals' calibrated free-capacity weight in the logit (market).
        rival_price: The rivals' price index now (market; 1 at the start).
        rival_cost: The rivals' unit cost now, in the cluster's cost units (market).
        rival_share0: The rivals' share of orders at the start (market).
        rival_labour_share: Share of labour in the rivals' unit cost: the cluster's at the
            start (calibration; market).
        rival_delivery: The rivals' delivery time now, quarters (market).
        new_orders: Value of orders the cluster won this quarter (market).
        market_share_hist: The cluster's share of new orders, one entry per quarter (market).
        outside_attraction: Outside suppliers' attraction per trade (sourcing, 7.8).
        group_constant: Membership constant per firm group (membership, 7.3).
        last_check: The registry criteria as last checked (registry, 7.4).
        entry_group: Firm group new SMEs of each trade are drawn from (demography, 7.17).
        local_sales0: Cluster sales per trade in the first quarter (demography).
        sme_count0: SMEs per trade in the first quarter (demography).
        exited: Firms that closed this quarter (demography; zeroed next quarter).
        exits_this_quarter: How many closed this quarter (demography).
        kept: What a stage keeps across quarters that depends only on the run's scenario
            (which never changes within a run), by the stage's key: read once, not every
            quarter.
    """

    def __init__(self, spec: Scenario, slots: int, firms: FirmArrays | None = None) -> None:
        self.spec = spec
        # a run's firm table is always a block row (a lone run: a block of one; sim.model.block)
        self.firms = FirmBlock(1, slots).table(0) if firms is None else firms
        self.quarter = 0
        self.ledger = Ledger()
        self.trades = [t.name for t in spec.sourcing.trades]
        self._trade_premium = np.array([1 + t.local_price_premium for t in spec.sourcing.trades])
        # prices (7.1) and production (7.10)
        self.key_rate = spec.finance.key_rate_start
        self.market_rate = self.key_rate + spec.finance.market_loan_spread
        self.loans = LoanBook()
        self.agglo_base = 1.0
        self.cost_comp = 1.0
        self.supplier_cost0 = np.ones(0)
        # market (7.2)
        self.demand_level = spec.market.market_orders_mln_rub_per_year / 4.0
        self.order_size = spec.market.order_size_mln_rub.mean
        self.outside_capacity = 1.0
        self.rival_price = 1.0
        self.rival_cost = 1.0
        self.rival_share0 = 1.0
        self.rival_labour_share = 0.0
        self.rival_delivery = spec.market.competitor_delivery_quarters
        self.new_orders = 0.0
        self.market_share_hist: list[float] = []
        # sourcing (7.8), membership (7.3), registry (7.4)
        self.outside_attraction = np.ones(len(self.trades))
        self.group_constant = np.zeros(len(spec.firm_groups))
        self.last_check = None
        # demography (7.17)
        self.entry_group: dict[str, int] = {}
        self.local_sales0: np.ndarray | None = None
        self.sme_count0 = np.zeros(len(self.trades))
        self.exited = np.zeros(0, dtype=np.int64)
        self.exits_this_quarter = 0
        self.kept: dict = {}

    # ----------------------------------------------------------------------------------------
    # Who is in the cluster
    # ----------------------------------------------------------------------------------------
    def roster(self) -> np.ndarray:
        """Participants with at least one contract with another participant in the memory window."""
        f = self.firms
        row, cols = own_row(f, "alive", "participant", "last_contract_quarter")
        return roster_rows(np.array([(row, f.n, self.roster_since())]), *cols)[0]

    def roster_since(self) -> int:
        """The quarter after which a contract counts for the roster (the memory window's start)."""
        return self.quarter - 1 - self.spec.registry.contract_memory_quarters

    def non_producing(self) -> np.ndarray:
        """Firms still organising production (born within ``non_producing_quarters``)."""
        f, n = self.firms, self.firms.n
        return self.quarter - f.born_quarter[:n] <= self.spec.sme_demography.non_producing_quarters

    def functional_dependence(self, roster: np.ndarray | None = None) -> float:
        """Final producers' purchases from other participants / their total purchases (roster)."""
        f = self.firms
        roster = self.roster() if roster is None else roster
        row, cols = own_row(f, "role", "purchases", "purchases_from_participants")
        runs = np.array([(row, roster.shape[0])])
        return float(functional_dependence_rows(runs, roster[None, :], *cols)[0])

    # ----------------------------------------------------------------------------------------
    # Productivity, costs and prices
    # ----------------------------------------------------------------------------------------
    def effective_productivity(self, idx: slice | np.ndarray | None = None) -> np.ndarray:
        """Own productivity times the agglomeration spillover (participants more than outsiders).

        ``A_eff = A (E / E_0)^gamma_i`` with ``E`` the employment of all alive firms (at least
        1), ``gamma_i = gamma`` for participants and ``gamma * outsider_factor`` for others.
        ``idx`` selects firms (default: all).
        """
        f, n = self.firms, self.firms.n
        return effective_productivity_columns(
            f.productivity, f.employment, f.alive, f.participant, n, _indices(idx, n),
            *spillover_params(self),
        )  # fmt: skip

    def labour_capacity(self) -> np.ndarray:
        """Quarterly output the firms' workers can make at effective productivity."""
        f, n = self.firms, self.firms.n
        return self.effective_productivity() * f.employment[:n] / 4.0

    def unit_costs(self, idx: slice | np.ndarray) -> np.ndarray:
        """Unit cost per rouble of output at normal operation (labour, materials, depreciation).

        ``w (1 + c_kind) / A_eff + purchases share + dep * min(K / Y, 3)`` (``K / Y`` = 1 for a
        firm not producing). Elementwise, so a subset ``idx`` costs only its size.
        """
        f, n = self.firms, self.firms.n
        return unit_cost_columns(
            f.productivity, f.employment, f.alive, f.participant, f.kind, f.output, f.capacity,
            n, _indices(idx, n), *cost_params([self])[0],
        )  # fmt: skip

    def update_costs(self) -> None:
        """Recompute every firm's unit cost (the block kernel of stage 0, for this run's row)."""
        t, rows = firm_tables([self.firms])
        update_costs_rows(
            rows, np.array([self.firms.n]), t["productivity"], t["employment"], t["alive"],
            t["participant"], t["kind"], t["output"], t["capacity"], t["unit_cost"],
            cost_params([self]),
        )  # fmt: skip

    def supplier_price(self) -> np.ndarray:
        """Suppliers' price index: trade premium times unit cost relative to their initial cost."""
        f = self.firms
        return supplier_price_columns(
            f.role, f.trade, f.unit_cost, self.supplier_cost0, self._trade_premium, f.n
        )

    def delivery(self, idx: slice | np.ndarray | None = None) -> np.ndarray:
        """Quarters to deliver a new order: minimum build time plus the queue ahead.

        ``T_min + OB / max(min(K, A_eff L / 4), 1e-9)``; ``idx`` selects firms (default: all).
        """
        out = delivery_block([self])[0]
        return out if idx is None else out[idx]

    def delivery_parameters(self) -> tuple[float, float, float, float]:
        """The run's scalars of :meth:`delivery`.

        ``E_0``, the spillover's elasticity and outsider factor, the minimum build time.
        """
        p = self.spec.production
        return (
            self.agglo_base, p.agglomeration_elasticity.value, p.outsider_spillover_factor,
            float(self.spec.market.build_quarters_min),
        )  # fmt: skip

    def free_capacity(self, idx: slice | np.ndarray | None = None) -> np.ndarray:
        """What each firm can still build within the order window beyond its order book.

        ``max(K * W - OB, 0)`` with ``W = market.order_window_quarters``: the weight of a yard in
        the market's logit (a full yard attracts no orders; idle capacity that is already
        promised counts for nothing). ``idx`` selects firms (default: all).
        """
        out = free_capacity_block([self])[0]
        return out if idx is None else out[idx]

    # ----------------------------------------------------------------------------------------
    # Suppliers
    # ----------------------------------------------------------------------------------------
    def localisable_demand(self) -> np.ndarray:
        """Final producers' purchases that local firms could supply (volume at base prices)."""
        f, n = self.firms, self.firms.n
        fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
        s = self.spec.sourcing
        return np.where(fin, f.output[:n] * s.purchases_share_of_output * s.localisable_share, 0)

    def supplier_free_capacity_all(self) -> tuple[np.ndarray, np.ndarray]:
        """Free capacity of every firm and the mask of qualified producing suppliers (any trade).

        Free capacity ``min(K, A_eff L / 4) * (1 - other-market share)``; qualified producing
        suppliers are alive component makers at or above the qualification threshold that are
        past their non-producing quarters.
        """
        f = self.firms
        return supplier_free_capacity_columns(
            f.productivity, f.employment, f.alive, f.participant, f.capacity, f.role,
            f.qualification, f.born_quarter, f.n, *self.supplier_capacity_parameters(),
        )  # fmt: skip

    def supplier_capacity_parameters(self) -> tuple[float, float, float, float, int, int, float]:
        """The run's scalars of :meth:`supplier_free_capacity_all`, in its kernel's order.

        ``E_0``, the spillover's elasticity and outsider factor, the qualification threshold,
        the quarter, the non-producing quarters and the SMEs' other-market share of capacity.
        """
        s = self.spec
        p = s.production
        return (
            self.agglo_base, p.agglomeration_elasticity.value, p.outsider_spillover_factor,
            s.sourcing.qualification_threshold, self.quarter,
            s.sme_demography.non_producing_quarters, p.sme_other_market_share_of_capacity,
        )  # fmt: skip

    def supplier_free_capacity(self, k: int) -> np.ndarray:
        """Capacity each qualified supplier of trade ``k`` offers the cluster (0 for others)."""
        free, ok = self.supplier_free_capacity_all()
        return np.where(ok & (self.firms.trade[: self.firms.n] == k), free, 0.0)


# --------------------------------------------------------------------------------------------
# The cost queries' block forms: the inputs of one compiled call over the rows of several runs
# --------------------------------------------------------------------------------------------
def spillover_params(state: State) -> tuple[float, float, float]:
    """A run's ``(E_0, gamma, outsider factor)`` of :meth:`State.effective_productivity`."""
    p = state.spec.production
    return state.agglo_base, p.agglomeration_elasticity.value, p.outsider_spillover_factor


def cost_params(states: Sequence[State]) -> np.ndarray:
    """Each run's scalars of :meth:`State.unit_costs`, one row per run (runs x 8).

    A run's row (and a lone run's array) is kept on its state (``kept``) and given again while
    its ``E_0`` (``agglo_base``, the one value of the row that is not the scenario's) is the
    same: callers only read the array.

    Columns: ``E_0``, ``gamma``, outsider factor, wage, insurance contributions of large firms
    and of SMEs, purchases share of output, quarterly depreciation per unit of capacity.
    """
    if len(states) == 1:  # a lone run's array
        return _cost_terms(states[0])[2]
    return np.array([_cost_terms(st)[1] for st in states], dtype=np.float64)


def _cost_terms(st: State) -> tuple[float, tuple[float, ...], np.ndarray]:
    """A run's ``E_0``, its row of :func:`cost_params` and that row as a (1 x 8) array.

    Kept on the state while its ``E_0`` is the same.
    """
    kept = st.kept.get("cost_params")
    if kept is None or kept[0] != st.agglo_base:
        row = _cost_row(st)
        kept = st.kept["cost_params"] = (
            st.agglo_base, row, np.array([row], dtype=np.float64)
        )  # fmt: skip
    return kept


def _cost_row(st: State) -> tuple[float, ...]:
    """A run's row of :func:`cost_params`."""
    s, fs = st.spec, st.spec.finance
    return (
        *spillover_params(st), s.labour.wage_mln_rub_per_worker_year,
        s.taxes.insurance_contributions.value, s.taxes.insurance_contributions_sme.value,
        s.sourcing.purchases_share_of_output,
        fs.depreciation_rate_per_year * fs.capital_mln_rub_per_capacity / 4.0,
    )  # fmt: skip


def _runs(states: Sequence[State]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The runs' 2-D firm tables and ``(row, slots in use)`` of each run (a block query's runs)."""
    t, rows = firm_tables([st.firms for st in states])
    if len(states) == 1:
        return t, np.array([(rows[0], states[0].firms.n)], dtype=np.int64)
    runs = np.empty((len(states), 2), dtype=np.int64)
    runs[:, 0] = rows
    runs[:, 1] = [st.firms.n for st in states]
    return t, runs


def delivery_block(states: Sequence[State]) -> np.ndarray:
    """:meth:`State.delivery` of every firm of each run, one compiled call (runs x most firms).

    Run ``k``'s firms are ``[k, :n]``; the rest of a row is 0.
    """
    t, runs = _runs(states)
    par = np.array([st.delivery_parameters() for st in states])
    return delivery_rows(
        runs, par, t["productivity"], t["employment"], t["alive"], t["participant"],
        t["capacity"], t["order_book"],
    )  # fmt: skip


def free_capacity_block(states: Sequence[State]) -> np.ndarray:
    """:meth:`State.free_capacity` of every firm of each run, one compiled call (as above)."""
    t, runs = _runs(states)
    window = np.array([float(st.spec.market.order_window_quarters) for st in states])
    return _free_capacity(runs, window, t["capacity"], t["order_book"])


def supplier_price_refs(
    states: Sequence[State],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The runs' reference costs and trade premia of :meth:`State.supplier_price`, concatenated.

    Returns:
        ``(cost0, cost0_at, premium, premium_at)``: run ``k``'s reference costs are
        ``cost0[cost0_at[k]:cost0_at[k + 1]]``, its premia per trade likewise.
    """
    if len(states) == 1:
        st = states[0]
        c, p = st.supplier_cost0, st._trade_premium
        return c, _ends(c.size), p, _ends(p.size)
    cost0 = [st.supplier_cost0 for st in states]
    premium = [st._trade_premium for st in states]
    return (
        np.concatenate(cost0), _offsets(cost0), np.concatenate(premium), _offsets(premium)
    )  # fmt: skip


#: :func:`_ends`' arrays, by size (read only).
_ENDS: dict[int, np.ndarray] = {}


def _ends(size: int) -> np.ndarray:
    """``[0, size]``, the offsets of one run's array (one array per size, read only)."""
    at = _ENDS.get(size)
    if at is None:
        at = _ENDS[size] = np.array([0, size])
    return at


def _offsets(arrays: list[np.ndarray]) -> np.ndarray:
    """Where each of ``arrays`` starts in their concatenation, and the total length."""
    return np.array([0, *accumulate(a.size for a in arrays)], dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Compiled kernels (sim/model/compiled.py: the same operations, in the same order, as numpy)
# --------------------------------------------------------------------------------------------
def _indices(idx: slice | np.ndarray | None, n: int) -> np.ndarray:
    """Firm indices as an int64 array (``None`` = all ``n`` slots)."""
    if idx is None:
        return np.arange(n)
    if isinstance(idx, slice):
        return np.arange(*idx.indices(n))
    idx = np.asarray(idx)
    return np.flatnonzero(idx) if idx.dtype == np.bool_ else idx.astype(np.int64, copy=False)


def own_row(f: FirmArrays, *names: str) -> tuple[int, list[np.ndarray]]:
    """A run's row and the 2-D tables ``names`` that hold it, for a block kernel.

    The tables of its block, or, for firm columns of their own (a hand-built state), each
    column viewed as a table of one row (row 0).
    """
    block = f.block
    if block is not None:
        t = block.tables
        return f.row, [t[name] for name in names]
    return 0, [getattr(f, name)[None, :] for name in names]


# The queries below are block kernels: they compute runs ``k`` of a block at once, run ``k``
# being row ``runs[k, 0]`` of the 2-D firm tables with ``runs[k, 1]`` firms, and its other
# scalars at ``runs[k, 2:]`` (integers) and ``par[k]`` (floats); the result's row ``k`` (or
# entry ``k``) is run ``k``'s, as wide as the block's most firms. A lone run's query is the
# block of its one row.


@kernel
def _widest(runs: np.ndarray) -> int:  # pragma: no cover - compiled
    """The most firms of any run (``runs[:, 1]``), at least 0."""
    width = 0
    for k in range(runs.shape[0]):
        width = max(width, runs[k, 1])
    return width


@kernel
def roster_rows(
    runs: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    last_contract: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.roster`: alive participants with a contract after quarter ``runs[k, 2]``.

    ``runs[k, 2]`` is :meth:`State.roster_since`.
    """
    out = np.zeros((runs.shape[0], _widest(runs)), dtype=np.bool_)
    for k in range(runs.shape[0]):
        r, since = runs[k, 0], runs[k, 2]
        for i in range(runs[k, 1]):
            out[k, i] = alive[r, i] and participant[r, i] and last_contract[r, i] > since
    return out


@kernel
def functional_dependence_rows(
    runs: np.ndarray,
    roster: np.ndarray,
    role: np.ndarray,
    purchases: np.ndarray,
    from_participants: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.functional_dependence` of the firms in ``roster[k]`` (numpy's summation)."""
    width = _widest(runs)
    total = np.empty(width)
    inner = np.empty(width)
    out = np.empty(runs.shape[0])
    for k in range(runs.shape[0]):
        r = runs[k, 0]
        m = 0
        for i in range(runs[k, 1]):
            if roster[k, i] and role[r, i] == ROLE_FINAL:
                total[m] = purchases[r, i]
                inner[m] = from_participants[r, i]
                m += 1
        denominator = array_sum(total[:m])
        out[k] = array_sum(inner[:m]) / denominator if denominator > 0 else 0.0
    return out


@kernel
def supplier_price_columns(
    role: np.ndarray,
    trade: np.ndarray,
    unit_cost: np.ndarray,
    cost0: np.ndarray,
    premium: np.ndarray,
    n: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.supplier_price` of the first ``n`` firms."""
    out = np.empty(n)
    for i in range(n):
        if role[i] == ROLE_COMPONENT:
            out[i] = premium[max(trade[i], 0)] * (unit_cost[i] / cost0[i])
        else:
            out[i] = 1.0
    return out


@kernel
def update_costs_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    kind: np.ndarray,
    output: np.ndarray,
    capacity: np.ndarray,
    unit_cost: np.ndarray,
    params: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:meth:`State.update_costs` of the runs ``rows`` of 2-D tables (in place).

    Run ``k`` is row ``rows[k]`` with ``ns[k]`` slots and scalars ``params[k]``
    (:func:`cost_params`); its unit costs are :func:`unit_cost_columns` of all its slots.
    """
    for k in range(rows.shape[0]):
        r, n = rows[k], ns[k]
        unit_cost[r, :n] = unit_cost_columns(
            productivity[r], employment[r], alive[r], participant[r], kind[r], output[r],
            capacity[r], n, np.arange(n), params[k, 0], params[k, 1], params[k, 2],
            params[k, 3], params[k, 4], params[k, 5], params[k, 6], params[k, 7],
        )  # fmt: skip


@kernel
def _employment_scale(
    employment: np.ndarray, alive: np.ndarray, n: int, agglo_base: float
) -> float:  # pragma: no cover - compiled
    """``max(E, 1) / E_0`` with ``E`` the employment of alive firms (numpy's summation order)."""
    buf = np.empty(n)
    m = 0
    for i in range(n):
        if alive[i]:
            buf[m] = employment[i]
            m += 1
    return max(array_sum(buf[:m]), 1.0) / agglo_base


@kernel
def effective_productivity_columns(
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    n: int,
    idx: np.ndarray,
    agglo_base: float,
    elasticity: float,
    outsider: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.effective_productivity` of the firms ``idx``."""
    scale = _employment_scale(employment, alive, n, agglo_base)
    # Only two exponents occur: each spillover is computed once (the same pow, the same value).
    inside = scale ** (elasticity * 1.0)
    outside = scale ** (elasticity * outsider)
    out = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        i = idx[j]
        out[j] = productivity[i] * (inside if participant[i] else outside)
    return out


@kernel
def unit_cost_columns(
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    kind: np.ndarray,
    output: np.ndarray,
    capacity: np.ndarray,
    n: int,
    idx: np.ndarray,
    agglo_base: float,
    elasticity: float,
    outsider: float,
    wage: float,
    ic_large: float,
    ic_sme: float,
    purchases_share: float,
    dep: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.unit_costs` of the firms ``idx``."""
    eff = effective_productivity_columns(
        productivity, employment, alive, participant, n, idx, agglo_base, elasticity, outsider
    )
    out = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        i = idx[j]
        ic = ic_large if kind[i] == KIND_LARGE else ic_sme
        labour = wage * (1 + ic) / eff[j]
        util = capacity[i] / max(output[i], 1e-9) if output[i] > 0 else 1.0
        out[j] = labour + purchases_share + dep * min(util, 3.0)
    return out


@kernel
def delivery_rows(
    runs: np.ndarray,
    par: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.delivery` of every firm of each run.

    ``par[k]`` is :meth:`State.delivery_parameters` (E_0, elasticity, outsider factor, T_min).
    """
    out = np.zeros((runs.shape[0], _widest(runs)))
    for k in range(runs.shape[0]):
        r, n = runs[k, 0], runs[k, 1]
        eff = effective_productivity_columns(
            productivity[r], employment[r], alive[r], participant[r], n, np.arange(n),
            par[k, 0], par[k, 1], par[k, 2],
        )  # fmt: skip
        build_min = par[k, 3]
        for i in range(n):
            out[k, i] = delivery_of(
                build_min, eff[i], capacity[r, i], employment[r, i], order_book[r, i]
            )
    return out


@kernel
def alive_yards(
    role: np.ndarray, alive: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """The yards (alive final producers) among firms ``0..n-1``, in firm order."""
    fin = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if role[i] == ROLE_FINAL and alive[i]:
            fin[m] = i
            m += 1
    return fin[:m]


@kernel
def yard_delivery_columns(
    role: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    productivity: np.ndarray,
    employment: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
    n: int,
    agglo_base: float,
    elasticity: float,
    outsider: float,
    build_min: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.delivery` of the yards (alive final producers) of firms ``0..n-1``.

    0 for the other firms. Each yard's figure is its own (:func:`delivery_of`); the
    spillover's scale is the run's, over all its alive firms.
    """
    idx = alive_yards(role, alive, n)
    m = idx.shape[0]
    eff = effective_productivity_columns(
        productivity, employment, alive, participant, n, idx, agglo_base, elasticity, outsider
    )
    out = np.zeros(n)
    for j in range(m):
        i = idx[j]
        out[i] = delivery_of(build_min, eff[j], capacity[i], employment[i], order_book[i])
    return out


@kernel
def delivery_of(
    build_min: float, eff: float, capacity: float, employment: float, order_book: float
) -> float:  # pragma: no cover - compiled
    """:meth:`State.delivery` of one firm (``eff``: its effective productivity)."""
    rate = max(min(capacity, eff * employment / 4.0), 1e-9)
    return build_min + order_book / rate


@kernel
def free_capacity_of(
    capacity: float, window: float, order_book: float
) -> float:  # pragma: no cover - compiled
    """:meth:`State.free_capacity` of one firm (``window``: the order window)."""
    x = capacity * window - order_book
    return x if not x < 0.0 else 0.0  # np.maximum(x, 0.0)


@kernel
def _free_capacity(
    runs: np.ndarray,
    window: np.ndarray,
    capacity: np.ndarray,
    order_book: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:meth:`State.free_capacity` of every firm of each run (``window[k]``: the order window)."""
    out = np.zeros((runs.shape[0], _widest(runs)))
    for k in range(runs.shape[0]):
        r = runs[k, 0]
        for i in range(runs[k, 1]):
            out[k, i] = free_capacity_of(capacity[r, i], window[k], order_book[r, i])
    return out


@kernel
def supplier_free_capacity_columns(
    productivity: np.ndarray,
    employment: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    role: np.ndarray,
    qualification: np.ndarray,
    born: np.ndarray,
    n: int,
    agglo_base: float,
    elasticity: float,
    outsider: float,
    threshold: float,
    quarter: int,
    non_producing_quarters: int,
    other_share: float,
) -> tuple:  # pragma: no cover - compiled
    """:meth:`State.supplier_free_capacity_all` on firm columns: (free capacity, qualified mask).

    The first ``n`` firms; the scalars are :meth:`State.supplier_capacity_parameters`.
    """
    eff = effective_productivity_columns(
        productivity, employment, alive, participant, n, np.arange(n), agglo_base, elasticity,
        outsider,
    )  # fmt: skip
    free = np.empty(n)
    ok = np.empty(n, dtype=np.bool_)
    for i in range(n):
        ok[i] = (
            alive[i]
            and role[i] == ROLE_COMPONENT
            and qualification[i] >= threshold
            and not quarter - born[i] <= non_producing_quarters
        )
        free[i] = min(capacity[i], eff[i] * employment[i] / 4.0) * (1 - other_share)
    return free, ok


#: Blocks a stage keeps its per-run rows for (:func:`kept_for_block`).
BLOCKS_KEPT = 16


def kept_for_block(
    cache: dict[tuple[int, ...], tuple[tuple[Scenario, ...], np.ndarray]],
    states: Sequence[State],
    build: Callable[[Sequence[State]], np.ndarray],
) -> np.ndarray:
    """A stage's per-run rows that depend only on the runs' scenarios, kept per block.

    ``build(states)`` is made once for the runs' scenarios in this order and kept in ``cache``
    (the stage's own) by their ids; the entry holds the scenarios, so their ids stay theirs. A
    sweep's block steps the same runs every quarter; at most :data:`BLOCKS_KEPT` blocks are
    kept. Callers only read the rows (or copy them).
    """
    specs = tuple([st.spec for st in states])
    key = tuple(map(id, specs))
    got = cache.get(key)
    if got is None:
        if len(cache) >= BLOCKS_KEPT:
            cache.clear()
        cache[key] = got = (specs, build(states))
    return got[1]
