"""The firm population: firms drawn from the scenario's groups, their agents, entry and removal.

:class:`Population` owns the firm agents (one :class:`~sim.model.agents.Firm` per slot of the
firm table) and is the only place that adds or removes firms, at initialisation and when SMEs
enter or exit (docs/model.md 5.1 and 7.17).

Drawing a group's firms (:meth:`Population.fill`) takes one block of standard normals from the
generator and turns it into the firms' columns in one compiled loop (:func:`fill_columns`).
The block holds, in this order, the employment, productivity and qualification draws (each a
lognormal, ``exp(mu + sigma * z)``; none when the group's coefficient of variation is 0) and the
tastes (``0 + sd * z``): the same numbers, in the same order, as drawing each column with
``rng.lognormal``/``rng.normal``, which compute exactly these expressions from the same stream
of standard normals (:mod:`sim.model.distributions`).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import SME, Firm, LargeEnterprise
from sim.model.compiled import kernel
from sim.model.distributions import lognormal_params
from sim.model.state import (
    KIND_LARGE,
    KIND_SME,
    ROLE_COMPONENT,
    ROLE_FINAL,
    State,
    cost_params,
)

__all__ = [
    "PLAN_BLOCKS",
    "PLAN_GROUP",
    "PLAN_PARAMS",
    "PLAN_PRICE",
    "Population",
    "close_firms",
    "fill_columns",
]

# Layout of a group's drawing parameters (``Population._group_params``): for each lognormal
# column (employment, productivity, qualification) whether it is drawn, mu, sigma and the
# value when not drawn (the mean); then the scalars of the derived columns.
_DRAWN, _MU, _SIGMA, _MEAN = 0, 1, 2, 3
_EMPLOYMENT, _PRODUCTIVITY, _QUALIFICATION = 0, 4, 8
_TASTE_SD, _HEADROOM, _CASH, _OTHER, _ORDER_BOOK, _COMPONENT, _KIND, _ROLE, _TRADE = range(12, 21)
_N_PARAMS = 21
#: Columns of a trade's row of :meth:`Population.entry_plan`: its entrants' group, their price
#: index, their standard normals per firm, then their group's drawing parameters (the layout
#: above).
PLAN_GROUP, PLAN_PRICE, PLAN_BLOCKS, PLAN_PARAMS = 0, 1, 2, 3


@kernel
def _lognormal_column(
    p: np.ndarray, at: int, z: np.ndarray, k: int, n: int, out: np.ndarray
) -> int:  # pragma: no cover - compiled
    """Write one lognormal column (``exp(mu + sigma * z)`` or the mean); return the next ``k``."""
    if p[at + _DRAWN] == 0.0:
        for i in range(n):
            out[i] = p[at + _MEAN]
        return k
    mu, sigma = p[at + _MU], p[at + _SIGMA]
    for i in range(n):
        out[i] = np.exp(mu + sigma * z[k + i])
    return k + n


@kernel
def fill_columns(
    p: np.ndarray,
    z: np.ndarray,
    lo: int,
    n: int,
    gi: int,
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
    born: int,
    entrant: bool,
    price0: float,
) -> None:  # pragma: no cover - compiled
    """A group's ``n`` new firms in slots ``lo..lo+n-1`` from the standard normals ``z``.

    Every new firm is born in quarter ``born``, has no contract, is not a participant nor
    matched and has the price index ``price0``; an entrant (``entrant``) has no output and no
    order book yet.
    """
    draw = np.empty(n)
    k = _lognormal_column(p, _EMPLOYMENT, z, 0, n, draw)
    for i in range(n):
        x = draw[i]
        employment[lo + i] = x if (x > 1.0 or x != x) else 1.0  # np.maximum(1.0, x)
    k = _lognormal_column(p, _PRODUCTIVITY, z, k, n, draw)
    for i in range(n):
        productivity[lo + i] = draw[i]
    k = _lognormal_column(p, _QUALIFICATION, z, k, n, draw)
    component = p[_COMPONENT] != 0.0
    for i in range(n):
        x = draw[i]
        if component:  # np.clip(x, 0.0, 1.0)
            if x < 0.0:
                x = 0.0
            if x > 1.0:
                x = 1.0
        else:
            x = 1.0
        qualification[lo + i] = x
    sd, headroom, cash_q = p[_TASTE_SD], p[_HEADROOM], p[_CASH]
    other, book = p[_OTHER], p[_ORDER_BOOK]
    for i in range(n):
        j = lo + i
        alive[j] = True
        kind[j] = int(p[_KIND])
        role[j] = int(p[_ROLE])
        trade[j] = int(p[_TRADE])
        group[j] = gi
        base = productivity[j] * employment[j] / 4.0
        capacity[j] = base * headroom
        output[j] = 0.0 if entrant else base  # an entrant produces nothing yet
        cum_output[j] = 8.0 * base
        cash[j] = cash_q * base
        taste[j] = 0.0 + sd * z[k + i]
        other_demand[j] = other * base if component else 0.0
        order_book[j] = book * base if p[_ROLE] == ROLE_FINAL and not entrant else 0.0
        price[j] = price0
        born_quarter[j] = born
        last_contract_quarter[j] = -100
        participant[j] = False
        matched[j] = False


@kernel
def close_firms(
    idx: np.ndarray, alive: np.ndarray, participant: np.ndarray, matched: np.ndarray
) -> None:  # pragma: no cover - compiled
    """The firms ``idx`` are no longer alive, participants or matched (in place)."""
    for i in idx:
        alive[i] = False
        participant[i] = False
        matched[i] = False


class Population:
    """Draws firms from their groups into the firm table and keeps their agents.

    The firms' economics runs on the firm table; their Mesa agents (identity, the rules of
    :mod:`sim.model.agents`) are made when first asked for (:attr:`agents`, or the model's
    ``agents`` / ``agents_by_type``): every slot's agent at once, in slot order, those of closed
    firms removed again, and from then on with every entry and exit. A run that never asks (a
    sweep's run records outcomes only) never pays for registering and removing a few hundred
    agents with Mesa (about 7 % of an Astrakhan run); the agents change nothing in the
    economics, so outcomes are the same either way (``tests/test_golden_outcomes.py``).

    Args:
        model: The Mesa model the agents belong to.
        state: The model state whose firm table the firms occupy.
    """

    def __init__(self, model: mesa.Model, state: State) -> None:
        self.model = model
        self.state = state
        self._agents: list[Firm] | None = None
        self._params: dict[int, tuple[np.ndarray, int]] = {}
        self._entry: tuple[list[tuple[int, float] | None], np.ndarray] | None = None
        self._plan: tuple[list[int | None], np.ndarray, np.ndarray] | None = None

    @property
    def agents(self) -> list[Firm]:
        """The firm agent of every slot, in slot order (removed agents stay listed)."""
        if self._agents is None:
            f = self.state.firms
            self._agents = []
            self._make_agents(0, f.n)
            for i in np.flatnonzero(~f.alive[: f.n]).tolist():
                self._agents[i].remove()
        return self._agents

    @property
    def has_agents(self) -> bool:
        """Whether the firms' agents have been made (:attr:`agents`)."""
        return self._agents is not None

    def _make_agents(self, lo: int, hi: int) -> None:
        """Make and register the agents of the slots ``lo..hi-1``."""
        st, agents = self.state, self._agents
        assert agents is not None and len(agents) == lo
        groups, model = st.spec.firm_groups, self.model
        for i, gi in enumerate(st.firms.group[lo:hi].tolist(), start=lo):
            g = groups[gi]
            cls = LargeEnterprise if g.kind == "large" else SME
            agents.append(cls(model, i, g.name, st))

    def populate(self, rng: np.random.Generator) -> None:
        """Draw every firm group of the scenario (initialisation, docs/model.md 5.1)."""
        st = self.state
        s, f = st.spec, st.firms
        for gi, g in enumerate(s.firm_groups):
            lo = f.n
            idx = f.add(g.count)
            self.fill(rng, lo, g.count, gi, born=-100)
            if g.kind == "sme" and g.trade not in st.entry_group:
                st.entry_group[g.trade] = gi
            n_part = round(g.initial_participant_share * g.count)
            order = np.argsort(-f.taste[idx], kind="stable")
            f.participant[idx[order[:n_part]]] = True
            n_sez = round(g.sez_resident_share * g.count)
            f.sez[rng.permutation(idx)[:n_sez]] = True
            n_sp = round(g.special_territory_share * g.count)
            f.special_territory[rng.permutation(idx)[:n_sp]] = True
        f.matched[: f.n] = f.participant[: f.n] & (f.kind[: f.n] == KIND_LARGE)

    def add(
        self, rng: np.random.Generator, count: int, gi: int, quarter: int, price: float
    ) -> slice:
        """Add ``count`` new SMEs (entrants) drawn from group ``gi``; return their slots.

        Entrants are born in ``quarter`` with the price index ``price``; they are not
        participants, not matched, and have no output and no order book yet (docs/model.md 7.17).
        The slots are contiguous.
        """
        lo = self.state.firms.n
        self.state.firms.add(count)
        self.fill(rng, lo, count, gi, born=quarter, entrant=True, price=price)
        return slice(lo, lo + count)

    def remove(self, idx: np.ndarray) -> None:
        """Close the firms ``idx``: not alive, not participants; their agents are removed."""
        if idx.size == 0:
            return
        f = self.state.firms
        close_firms(idx, f.alive, f.participant, f.matched)
        self.remove_agents(idx)

    def remove_agents(self, idx: np.ndarray) -> None:
        """Remove the agents of the firms ``idx``, closed by :func:`close_firms` (once made).

        Stage 9's block form (:func:`sim.model.mechanisms.demography.entry_exit_block`) closes
        the firms of a block's runs in one compiled call and removes their agents here.
        """
        if self._agents is not None:
            agents = self._agents
            for i in idx.tolist():
                agents[i].remove()

    def added(self, lo: int, hi: int) -> None:
        """The slots ``lo..hi-1`` were filled (:func:`fill_columns`): make their agents, if made.

        Stage 9's block form fills a block's entrants in one compiled call and tells each run's
        population here, in slot order.
        """
        if self._agents is not None:
            self._make_agents(lo, hi)

    def entry_terms(self) -> tuple[list[tuple[int, float] | None], np.ndarray]:
        """What stage 9 reads of the run to let SMEs enter (kept: none of it changes in a run).

        Returns:
            Per trade (scenario order), its entrants' group (the trade's first SME group) and
            price index ``1 + local price premium``, or None when the trade has no SME group;
            and the run's unit-cost scalars (:func:`sim.model.state.cost_params`, one row):
            its reference employment, set when the run is calibrated, and the scenario's.
        """
        if self._entry is None:
            st = self.state
            specs = st.spec.sourcing.trades
            trades = [
                None if (gi := st.entry_group.get(name)) is None
                else (gi, 1 + specs[j].local_price_premium)
                for j, name in enumerate(st.trades)
            ]  # fmt: skip
            self._entry = (trades, cost_params([st]))
        return self._entry

    def entry_plan(self) -> tuple[list[int | None], np.ndarray, np.ndarray]:
        """:meth:`entry_terms` with each trade's drawing terms (kept: none of it changes in a run).

        Stage 9 draws a trade's entrants with these (:meth:`draw`'s call) and fills them in one
        compiled call for a block (:func:`sim.model.mechanisms.demography._enter_rows`).

        Returns:
            Per trade (scenario order), the standard normals its entrants draw per firm
            (:meth:`_group_params`), or None when the trade has no SME group; per trade, one
            row (:data:`PLAN_GROUP`, :data:`PLAN_PRICE`, :data:`PLAN_BLOCKS`, then the group's
            drawing parameters from :data:`PLAN_PARAMS` on; group -1 and zeros when it has
            none); and the run's unit-cost scalars (:meth:`entry_terms`).
        """
        if self._plan is None:
            trades, cost = self.entry_terms()
            blocks: list[int | None] = []
            rows = np.zeros((len(trades), PLAN_PARAMS + _N_PARAMS))
            for j, e in enumerate(trades):
                if e is None:
                    blocks.append(None)
                    rows[j, PLAN_GROUP] = -1.0
                    continue
                p, b = self._group_params(e[0])
                blocks.append(b)
                rows[j, PLAN_GROUP], rows[j, PLAN_PRICE] = e
                rows[j, PLAN_BLOCKS] = b
                rows[j, PLAN_PARAMS:] = p
            self._plan = (blocks, rows, cost)
        return self._plan

    def draw(self, rng: np.random.Generator, gi: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Group ``gi``'s drawing parameters and the standard normals of ``n`` of its firms.

        One generator call (``rng.standard_normal``) for all the firms' columns: the input of
        :func:`fill_columns` (:meth:`fill`; stage 9's entrants).
        """
        p, blocks = self._group_params(gi)
        return p, rng.standard_normal(blocks * n)

    def fill(
        self,
        rng: np.random.Generator,
        lo: int,
        n: int,
        gi: int,
        *,
        born: int,
        entrant: bool = False,
        price: float = 1.0,
    ) -> None:
        """Draw ``n`` firms of group ``gi`` into the slots ``lo..lo+n-1`` (agents, once made).

        Employment ``max(1, lognormal)``, productivity and qualification lognormal (clipped to
        ``[0, 1]`` for component makers, 1 for final producers), tastes normal; capacity, output,
        cash, other demand and order book follow from quarterly labour output (docs/model.md 5.1).
        The firms are born in quarter ``born`` with no contract, are not participants nor
        matched, and have the price index ``price``; an ``entrant`` has no output and no order
        book yet.
        """
        if n <= 0:
            return
        f = self.state.firms
        p, z = self.draw(rng, gi, n)
        fill_columns(
            p, z, lo, n, gi, f.alive, f.kind, f.role, f.trade, f.group,
            f.employment, f.productivity, f.qualification, f.capacity, f.output, f.cum_output,
            f.cash, f.taste, f.other_demand, f.order_book, f.price, f.born_quarter,
            f.last_contract_quarter, f.participant, f.matched, born, entrant, float(price),
        )  # fmt: skip
        self.added(lo, lo + n)

    def _group_params(self, gi: int) -> tuple[np.ndarray, int]:
        """Group ``gi``'s drawing parameters (layout above) and standard normals per firm."""
        cached = self._params.get(gi)
        if cached is not None:
            return cached
        st = self.state
        s = st.spec
        g = s.firm_groups[gi]
        p = np.zeros(_N_PARAMS)
        blocks = 1  # the taste
        for at, dist in (
            (_EMPLOYMENT, g.employment),
            (_PRODUCTIVITY, g.productivity_mln_rub_per_worker_year),
            (_QUALIFICATION, g.qualification),
        ):
            p[at + _MEAN] = dist.mean
            if dist.cv > 0:
                p[at + _DRAWN] = 1.0
                p[at + _MU], p[at + _SIGMA] = lognormal_params(dist.mean, dist.cv)
                blocks += 1
        component, final = g.role == "component", g.role == "final"
        p[_TASTE_SD] = s.membership.heterogeneity_sd
        p[_HEADROOM] = 1.0 + g.capacity_headroom
        p[_CASH] = g.cash_quarters_of_revenue
        p[_OTHER] = s.production.sme_other_market_share_of_capacity if component else 0.0
        p[_ORDER_BOOK] = 4.0 * s.market.initial_order_book_years if final else 0.0
        p[_COMPONENT] = 1.0 if component else 0.0
        p[_KIND] = KIND_LARGE if g.kind == "large" else KIND_SME
        p[_ROLE] = ROLE_FINAL if final else ROLE_COMPONENT
        p[_TRADE] = st.trades.index(g.trade) if g.trade else -1
        self._params[gi] = (p, blocks)
        return p, blocks
