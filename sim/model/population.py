"""The firm population: firms drawn from the scenario's groups, their agents, entry and removal.

:class:`Population` owns the firm agents (one :class:`~sim.model.agents.Firm` per slot of the
firm table) and is the only place that adds or removes firms, at initialisation and when SMEs
enter or exit (docs/model.md 5.1 and 7.17).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import SME, Firm, LargeEnterprise
from sim.model.distributions import lognormal
from sim.model.state import KIND_LARGE, KIND_SME, ROLE_COMPONENT, ROLE_FINAL, State

__all__ = ["Population"]


class Population:
    """Draws firms from their groups into the firm table and keeps their agents.

    Args:
        model: The Mesa model the agents belong to.
        state: The model state whose firm table the firms occupy.

    Attributes:
        agents: The firm agent of every slot, in slot order (removed agents stay listed).
    """

    def __init__(self, model: mesa.Model, state: State) -> None:
        self.model = model
        self.state = state
        self.agents: list[Firm] = []

    def populate(self, rng: np.random.Generator) -> None:
        """Draw every firm group of the scenario (initialisation, docs/model.md 5.1)."""
        st = self.state
        s, f = st.spec, st.firms
        for gi, g in enumerate(s.firm_groups):
            idx = f.add(g.count)
            self.fill(rng, idx, gi)
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
        f.born_quarter[: f.n] = -100
        f.last_contract_quarter[: f.n] = -100

    def add(self, rng: np.random.Generator, count: int, gi: int) -> slice:
        """Add ``count`` firms drawn from group ``gi``; return their (contiguous) slots."""
        idx = self.state.firms.add(count)
        self.fill(rng, idx, gi)
        return slice(int(idx[0]), int(idx[-1]) + 1)

    def remove(self, idx: np.ndarray) -> None:
        """Close the firms ``idx``: not alive, not participants; their agents are removed."""
        f = self.state.firms
        f.alive[idx] = False
        f.participant[idx] = False
        f.matched[idx] = False
        for i in idx.tolist():
            self.agents[i].remove()

    def fill(self, rng: np.random.Generator, idx: np.ndarray, gi: int) -> None:
        """Draw a group's firms from its distributions into slots ``idx``; create their agents."""
        st = self.state
        s, f = st.spec, st.firms
        g = s.firm_groups[gi]
        n = len(idx)
        agent_idx = idx.tolist()
        if n and agent_idx[-1] - agent_idx[0] == n - 1:
            idx = slice(agent_idx[0], agent_idx[-1] + 1)  # new slots are contiguous: cheaper
        f.alive[idx] = True
        f.kind[idx] = KIND_LARGE if g.kind == "large" else KIND_SME
        f.role[idx] = ROLE_FINAL if g.role == "final" else ROLE_COMPONENT
        f.trade[idx] = st.trades.index(g.trade) if g.trade else -1
        f.group[idx] = gi
        f.employment[idx] = np.maximum(1.0, lognormal(rng, g.employment.mean, g.employment.cv, n))
        f.productivity[idx] = lognormal(
            rng,
            g.productivity_mln_rub_per_worker_year.mean,
            g.productivity_mln_rub_per_worker_year.cv,
            n,
        )
        q = lognormal(rng, g.qualification.mean, g.qualification.cv, n)
        f.qualification[idx] = np.clip(q, 0.0, 1.0) if g.role == "component" else 1.0
        base = f.productivity[idx] * f.employment[idx] / 4.0
        f.capacity[idx] = base * (1.0 + g.capacity_headroom)
        f.output[idx] = base
        f.cum_output[idx] = 8.0 * base
        f.cash[idx] = g.cash_quarters_of_revenue * base
        f.taste[idx] = rng.normal(0.0, s.membership.heterogeneity_sd, n) if n else 0.0
        f.other_demand[idx] = (
            s.production.sme_other_market_share_of_capacity * base if g.role == "component" else 0
        )
        f.order_book[idx] = (
            4.0 * s.market.initial_order_book_years * base if g.role == "final" else 0
        )
        f.price[idx] = 1.0
        cls = LargeEnterprise if g.kind == "large" else SME
        agents = cls.create_agents(self.model, n, idx=agent_idx, group=g.name, state=st)
        self.agents.extend(agents.to_list())
