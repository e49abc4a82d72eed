"""ClusterModel: a de-facto industrial cluster that may register and receive state preferences.

One step is one quarter. The order of :meth:`ClusterModel.step` is the model's process overview
(docs/model.md, "Process overview and scheduling"); each stage is a method below, in order.
Firm state lives in numpy arrays (:class:`sim.economy.firms.FirmArrays`); agents keep identity
and decision rules (:mod:`sim.agents`). Every random draw comes from the model's ``rng``: each
quarter spawns one child generator per mechanism, so the arms of a pair share their random
numbers mechanism by mechanism (common random numbers).
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from sim.agents import SME, ClusterOrganization, Firm, Government, LargeEnterprise
from sim.economy import finance
from sim.economy.demography import entry_exit
from sim.economy.firms import KIND_LARGE, KIND_SME, ROLE_COMPONENT, ROLE_FINAL, FirmArrays
from sim.economy.investment import invest, qualify
from sim.economy.ledger import Ledger
from sim.economy.market import allocate_orders, logit_probabilities, lognormal
from sim.economy.production import produce_final, produce_suppliers
from sim.economy.projects import run_joint_projects
from sim.economy.record import record_outcomes
from sim.economy.registry import CriteriaCheck, check_criteria
from sim.economy.sourcing_step import source
from sim.economy.taxes import TaxBill, compute_taxes
from sim.outcomes import OUTCOME_INDEX, OUTCOME_NAMES
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = ["DEFAULT_SCENARIO", "ClusterModel"]

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "astrakhan_shipbuilding.toml"
_MECHANISMS = ("market", "membership", "matching", "projects", "qualification", "entry")


def _default_scenario() -> Scenario:
    from sim.scenario import load_scenario

    return load_scenario(DEFAULT_SCENARIO)


class ClusterModel(mesa.Model):
    """The cluster economy for one arm of one scenario.

    Args:
        scenario: Validated scenario (default: the Astrakhan shipbuilding scenario).
        arm: ``"de_facto"`` or the name of one of the scenario's regimes.
        rng: Seed (int) or generator for all randomness.
    """

    def __init__(
        self, scenario: Scenario | None = None, arm: str = ARM_DE_FACTO, rng: int | None = 42
    ) -> None:
        super().__init__(rng=rng)
        self.spec = scenario if scenario is not None else _default_scenario()
        if arm not in self.spec.arms:
            raise ValueError(f"unknown arm '{arm}'; this scenario has {', '.join(self.spec.arms)}")
        self.arm = arm
        s = self.spec
        self.horizon = s.scenario.horizon_quarters
        self.quarter = 0
        self.trades = [t.name for t in s.sourcing.trades]
        self._trade_premium = np.array([1 + t.local_price_premium for t in s.sourcing.trades])
        self.government = Government(self, None if arm == ARM_DE_FACTO else s.regimes[arm])
        self.organisation = ClusterOrganization(self, s.organisation.exists)
        self.ledger = Ledger()
        self.last_check: CriteriaCheck | None = None
        self.key_rate = s.finance.key_rate_start
        self.demand_level = s.market.market_orders_mln_rub_per_year / 4.0
        self.market_rate = self.key_rate + s.finance.market_loan_spread
        self.new_orders = 0.0
        self.exits_this_quarter = 0
        self.exited = np.zeros(0, dtype=np.int64)
        self.firm_agents: list[Firm] = []
        self.outcomes = np.full((self.horizon, len(OUTCOME_NAMES)), np.nan)
        self._init_firms(self.rng.spawn(1)[0])
        self._calibrate()

    # ----------------------------------------------------------------------------------------
    # Initialisation
    # ----------------------------------------------------------------------------------------
    def _init_firms(self, rng: np.random.Generator) -> None:
        s = self.spec
        total = sum(g.count for g in s.firm_groups)
        self.firms = f = FirmArrays(int(total * 1.5) + 16)
        self.group_names = [g.name for g in s.firm_groups]
        self._entry_group = {}
        for gi, g in enumerate(s.firm_groups):
            idx = f.add(g.count)
            self._fill_group(rng, idx, gi)
            if g.kind == "sme" and g.trade not in self._entry_group:
                self._entry_group[g.trade] = gi
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

    def _fill_group(self, rng: np.random.Generator, idx: np.ndarray, gi: int) -> None:
        """Draw a group's firms from its distributions and create their agents."""
        s, f = self.spec, self.firms
        g = s.firm_groups[gi]
        n = len(idx)
        agent_idx = idx.tolist()
        if n and agent_idx[-1] - agent_idx[0] == n - 1:
            idx = slice(agent_idx[0], agent_idx[-1] + 1)  # new slots are contiguous: cheaper
        f.alive[idx] = True
        f.kind[idx] = KIND_LARGE if g.kind == "large" else KIND_SME
        f.role[idx] = ROLE_FINAL if g.role == "final" else ROLE_COMPONENT
        f.trade[idx] = self.trades.index(g.trade) if g.trade else -1
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
        agents = cls.create_agents(self, n, idx=agent_idx, group=g.name)
        self.firm_agents.extend(agents.to_list())

    def _calibrate(self) -> None:
        """Fix the unobserved constants so that the de-facto cluster starts in equilibrium.

        * unit cost of the competitors (price index 1 = the cluster's initial average cost
          divided by the scenario's competitor price index),
        * the competitors' capacity weight so that the cluster's expected share of orders equals
          its initial output divided by the market's orders,
        * the outside suppliers' attraction per trade so that local suppliers hold the
          scenario's initial local share,
        * each firm group's membership constant so that the initial participants choose to stay.
        """
        s, f = self.spec, self.firms
        n = f.n
        self.agglo_base = float(f.employment[:n].sum())
        self._update_costs()
        fin = f.role[:n] == ROLE_FINAL
        w = f.output[:n][fin]
        self.cost_ref = float(np.average(f.unit_cost[:n][fin], weights=w))
        self.cost_comp = self.cost_ref / s.market.competitor_price_index
        sup = f.role[:n] == ROLE_COMPONENT
        self.supplier_cost0 = f.unit_cost[:n].copy()
        self.supplier_cost0[~sup] = 1.0
        f.price[:n] = np.where(fin, f.unit_cost[:n] / self.cost_comp, 1.0)
        cluster_q = float(w.sum())
        share = min(0.95, cluster_q / self.demand_level)
        price, deliv = f.price[:n][fin], self._delivery()[fin]
        mk = s.market
        u_in = np.log(f.capacity[:n][fin]) - mk.price_sensitivity * np.log(price)
        u_in -= mk.delivery_sensitivity * deliv
        inside = np.exp(u_in).sum()
        u_out0 = -mk.delivery_sensitivity * mk.competitor_delivery_quarters
        self.outside_capacity = inside * (1 - share) / share / np.exp(u_out0)
        self.market_share_hist = [share] * 4
        # Outside suppliers' attraction per trade, at de-facto prices (no subsidies).
        self.outside_attraction = np.ones(len(self.trades))
        demand = self._localisable_demand()
        for k in range(len(self.trades)):
            cap = self._supplier_free_capacity(k)
            d = demand.sum() * s.sourcing.trades[k].purchase_share
            if d <= 0 or cap.sum() <= 0:
                continue
            prem = 1 + s.sourcing.trades[k].local_price_premium
            price_g = prem * (1 + s.sourcing.unmatched_search_cost)
            target = s.sourcing.initial_local_share
            x = cap.sum() / d * price_g ** (-s.sourcing.price_sensitivity)
            self.outside_attraction[k] = x * (1 - target) / target
        self.group_constant = np.zeros(len(s.firm_groups))
        benefit = self._membership_net_benefit(prospect=0.0)
        peer = self._peer_share()
        for gi in range(len(s.firm_groups)):
            m = f.group[:n] == gi
            z = benefit[m] / s.membership.benefit_scale_mln_rub
            z = z + s.membership.peer_weight * (peer[m] - 0.5) + f.taste[:n][m]
            part = f.participant[:n][m]
            if part.all():
                self.group_constant[gi] = -z.min() + 0.5
            elif not part.any():
                self.group_constant[gi] = -z.max() - 0.5
            else:
                self.group_constant[gi] = -(z[part].min() + z[~part].max()) / 2.0
        self.local_sales0 = None
        f.price[:n] = np.where(fin, f.price[:n], self.supplier_price())
        # Warm-up sourcing at quarter 0: the de-facto supply contracts that exist at the start.
        # Suppliers' other-market demand is what their initial output does not sell locally.
        self.ledger.start_quarter()
        source(self)
        sup = f.role[:n] == ROLE_COMPONENT
        base = f.output[:n].copy()
        local_volume = f.sales_cluster[:n] / np.maximum(f.price[:n], 1e-9)
        f.other_demand[:n] = np.where(sup, np.maximum(base - local_volume, 0.2 * base), 0.0)

    # ----------------------------------------------------------------------------------------
    # The quarter, top to bottom
    # ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one quarter; the order below is the model's schedule."""
        self.quarter += 1
        self._zero_exited()
        rngs = dict(zip(_MECHANISMS, self.rng.spawn(len(_MECHANISMS)), strict=True))
        self.ledger.start_quarter()
        self.update_world()  # 0. key rate; costs and prices
        self.market(rngs["market"])  # 1. new orders and market shares
        self.membership(rngs["membership"])  # 2. join / leave the cluster
        self.registry()  # 3. applications, decisions, lapses
        self.matching(rngs["matching"])  # 3b. the organisation matches SMEs
        self.joint_projects(rngs["projects"])  # 4. joint projects and their subsidies
        self.production()  # 6a. final producers produce
        self.sourcing()  # 5. purchases, starter-batch subsidy
        self.supplier_production()  # 6b. suppliers produce; learning, spillovers
        self.investment()  # 7. capacity investment, loans
        self.qualification(rngs["qualification"])  # 7b. SMEs invest to qualify
        self.taxes_and_cash()  # 8. taxes, tax expenditure, cash
        self.entry_exit(rngs["entry"])  # 9. SME entry and exit
        self.record()  # outcomes of the quarter
        if self.quarter >= self.horizon:
            self.running = False

    def _zero_exited(self) -> None:
        """Firms that closed last quarter stop producing and selling from this quarter on."""
        f, i = self.firms, self.exited
        for name in (
            "employment",
            "output",
            "capacity",
            "sales_cluster",
            "sales_other",
            "purchases",
            "purchases_local",
            "purchases_from_participants",
        ):
            getattr(f, name)[i] = 0.0
        self.exited = np.zeros(0, dtype=np.int64)

    # 0 ----------------------------------------------------------------------------------------
    def update_world(self) -> None:
        """Key-rate path (exogenous); unit costs and prices follow last quarter's productivity."""
        fs = self.spec.finance
        self.key_rate = finance.next_key_rate(
            self.key_rate, fs.key_rate_long_run, fs.key_rate_adjustment_per_quarter
        )
        self.market_rate = self.key_rate + fs.market_loan_spread
        self.update_prices()

    # 1 ----------------------------------------------------------------------------------------
    def market(self, rng: np.random.Generator) -> None:
        """New orders arrive and are won by a logit on price and delivery time."""
        mk, f, n = self.spec.market, self.firms, self.firms.n
        sigma = mk.demand_volatility
        level = self.demand_level * (1 + mk.demand_growth_per_year) ** (self.quarter / 4.0)
        level *= np.exp(sigma * rng.standard_normal() - sigma * sigma / 2.0)
        n_orders = int(rng.poisson(level / mk.order_size_mln_rub.mean))
        sizes = lognormal(rng, mk.order_size_mln_rub.mean, mk.order_size_mln_rub.cv, n_orders)
        fin = np.flatnonzero((f.role[:n] == ROLE_FINAL) & f.alive[:n])
        probs = logit_probabilities(
            f.capacity[fin],
            f.price[fin],
            self._delivery()[fin],
            self.outside_capacity,
            1.0,
            mk.competitor_delivery_quarters,
            mk.price_sensitivity,
            mk.delivery_sensitivity,
        )
        won = allocate_orders(rng, n_orders, np.asarray(sizes, dtype=float), probs)
        f.order_book[fin] += won[:-1]
        total = float(won.sum())
        self.new_orders = float(won[:-1].sum())
        self.market_share_hist.append(self.new_orders / total if total > 0 else np.nan)

    def _delivery(self) -> np.ndarray:
        """Quarters to deliver a new order: minimum build time plus the queue ahead."""
        f, n = self.firms, self.firms.n
        rate = np.maximum(np.minimum(f.capacity[:n], self._labour_capacity()), 1e-9)
        return self.spec.market.build_quarters_min + f.order_book[:n] / rate

    # 2 ----------------------------------------------------------------------------------------
    def membership(self, rng: np.random.Generator) -> None:
        """A share of firms reconsider participation (benefits vs fees, peers, taste)."""
        s, f, n = self.spec, self.firms, self.firms.n
        u = rng.random(n)
        rate = np.full(n, s.membership.reconsider_share_per_quarter)
        if self.organisation.exists:  # the organisation recruits: outsiders hear of it more often
            rate[~f.participant[:n]] *= 1 + s.organisation.recruit_bonus
        reconsider = f.alive[:n] & (u < np.minimum(rate, 1.0))
        if not reconsider.any():
            return
        want = Firm.membership_decision(
            self._membership_net_benefit(self._registration_prospect()),
            self._peer_share(),
            f.taste[:n],
            self.group_constant[f.group[:n]],
            benefit_scale=s.membership.benefit_scale_mln_rub,
            peer_weight=s.membership.peer_weight,
        )
        joined = reconsider & want & ~f.participant[:n]
        left = reconsider & ~want & f.participant[:n]
        f.participant[:n][joined] = True
        f.participant[:n][left] = False
        f.matched[:n][left] = False
        f.matched[:n][joined & (f.kind[:n] == KIND_LARGE)] = True

    def _registration_prospect(self) -> float:
        """Chance of registration as firms see it: 1 when registered, 0 in the de-facto arm."""
        gov = self.government
        if not gov.offers_registration:
            return 0.0
        if gov.registered:
            return 1.0
        c = self.last_check
        if c is None:
            return 0.5
        closeness = min(1.0, c.n_participants / max(c.n_min, 1))
        closeness *= min(1.0, c.functional_dependence / max(c.fd_threshold, 1e-9))
        return float(closeness)

    def _membership_net_benefit(self, prospect: float) -> np.ndarray:
        """Expected quarterly benefit of participation minus fees and compliance cost (mln RUB)."""
        s, f, n = self.spec, self.firms, self.firms.n
        revenue = f.output[:n] * f.price[:n]
        net = s.membership.network_benefit_share_of_sales * revenue
        net -= (
            s.membership.fee_mln_rub_per_year + s.membership.compliance_cost_mln_rub_per_year
        ) / 4
        regime = self.government.regime
        if regime is None or prospect <= 0:
            return net
        value = np.zeros(n)
        large = f.kind[:n] == KIND_LARGE
        fin = f.role[:n] == ROLE_FINAL
        o = s.organisation
        if regime.joint_project_subsidy is not None and o.exists:
            jp = regime.joint_project_subsidy
            per_large = o.joint_projects_per_year / 4 / max(int(large.sum()), 1)
            sub = min(
                jp.rate.value * o.project_capex_mln_rub.mean, jp.cap_per_project_mln_rub.value
            )
            value += np.where(large, per_large * sub, 0.1 * per_large * sub)
        if regime.starter_batch_subsidy is not None:
            sb = regime.starter_batch_subsidy
            local = f.purchases_local[:n]
            value += np.where(fin, sb.rate.value * local, 0.0)
            value += np.where(~fin, 0.25 * sb.rate.value * f.sales_cluster[:n], 0.0)
        if regime.preferential_loans is not None:
            pl = regime.preferential_loans
            gap = self.market_rate - finance.preferential_rate(
                self.key_rate, pl.key_rate_multiplier.value, pl.spread.value
            )
            loan = np.minimum(pl.max_loan_mln_rub.value, 0.5 * revenue)
            value += np.where(large, max(gap, 0.0) / 4 * loan, 0.0)
        if regime.tax_relief is not None:
            tr = regime.tax_relief
            value += tr.regional_profit_tax_cut.value * np.maximum(f.profit[:n], 0.0)
            value += (
                tr.property_tax_cut.value
                / 4
                * f.capacity[:n]
                * s.finance.capital_mln_rub_per_capacity
            )
        return net + prospect * value

    def _peer_share(self) -> np.ndarray:
        """Share of participants among alive firms of the same kind."""
        f, n = self.firms, self.firms.n
        out = np.zeros(n)
        for kind in (KIND_LARGE, KIND_SME):
            m = (f.kind[:n] == kind) & f.alive[:n]
            if m.any():
                out[f.kind[:n] == kind] = f.participant[:n][m].mean()
        return out

    # 3 ----------------------------------------------------------------------------------------
    def registry(self) -> None:
        """Check Decree 779 criteria; file, decide, re-confirm or lapse registration."""
        gov, q = self.government, self.quarter
        self.last_check = self._criteria()
        gov.lapse_if_expired(q)
        if gov.pending_decision_quarter is not None and q >= gov.pending_decision_quarter:
            gov.decide(q, self.last_check)
        kind = self.organisation.should_apply(gov, q)
        if kind and self.last_check.eligible:
            gov.receive_application(q, kind)
            self.organisation.applications.append(q)

    def roster(self) -> np.ndarray:
        """Participants with at least one contract with another participant in the memory window."""
        f, n = self.firms, self.firms.n
        memory = self.spec.registry.contract_memory_quarters
        recent = f.last_contract_quarter[:n] > self.quarter - 1 - memory
        return f.alive[:n] & f.participant[:n] & recent

    def _criteria(self) -> CriteriaCheck:
        """The registry criteria for the roster the organisation would file."""
        s, f, n = self.spec, self.firms, self.firms.n
        roster = self.roster()
        r = s.registry
        return check_criteria(
            n_participants=int(roster.sum()),
            functional_dependence=self.functional_dependence(roster),
            special_share=float(f.special_territory[:n][roster].mean()) if roster.any() else 0.0,
            n_non_producing=int((roster & self._non_producing()).sum()),
            all_have_contracts=True,
            organisation=self.organisation.exists,
            n_min=r.min_industrial_participants.value,
            fd_default=r.functional_dependence_default.value,
            fd_reduced=r.functional_dependence_reduced.value,
            special_share_for_reduced=r.special_territory_share_for_reduced.value,
            max_non_producing=r.max_non_producing,
            requires_organisation=r.requires_specialised_organisation,
        )

    def functional_dependence(self, roster: np.ndarray | None = None) -> float:
        """Final producers' purchases from other participants / their total purchases (roster)."""
        f, n = self.firms, self.firms.n
        roster = self.roster() if roster is None else roster
        m = roster & (f.role[:n] == ROLE_FINAL)
        total = f.purchases[:n][m].sum()
        return float(f.purchases_from_participants[:n][m].sum() / total) if total > 0 else 0.0

    def _non_producing(self) -> np.ndarray:
        f, n = self.firms, self.firms.n
        return self.quarter - f.born_quarter[:n] <= self.spec.sme_demography.non_producing_quarters

    def _eligible_for_preferences(self) -> np.ndarray:
        """Roster members of a registered cluster."""
        if not self.government.registered:
            return np.zeros(self.firms.n, dtype=bool)
        return self.roster()

    # 3b ---------------------------------------------------------------------------------------
    def matching(self, rng: np.random.Generator) -> None:
        """The organisation matches participant SMEs with the large enterprises."""
        f, n = self.firms, self.firms.n
        u = rng.random(n)
        cand = f.alive[:n] & f.participant[:n] & ~f.matched[:n]
        f.matched[:n] |= self.organisation.match_smes(
            cand, u, self.spec.organisation.matching_rate_per_quarter
        )

    # 4 ----------------------------------------------------------------------------------------
    def joint_projects(self, rng: np.random.Generator) -> None:
        """Joint projects proposed by the organisation; subsidised when registered."""
        run_joint_projects(self, rng)

    # 6a ---------------------------------------------------------------------------------------
    def production(self) -> None:
        """Final producers work off their order books within capacity; employment adjusts."""
        produce_final(self)

    # 5 ----------------------------------------------------------------------------------------
    def sourcing(self) -> None:
        """Final producers buy components: local participants, local others or outside."""
        source(self)

    # 6b ---------------------------------------------------------------------------------------
    def supplier_production(self) -> None:
        """Suppliers produce what they sold; learning-by-doing and agglomeration spillovers."""
        produce_suppliers(self)

    # 7 ----------------------------------------------------------------------------------------
    def investment(self) -> None:
        """Final producers invest in capacity, financed by cash and market or preferential loans."""
        invest(self)

    def qualification(self, rng: np.random.Generator) -> None:
        """SMEs below the qualification threshold decide whether to invest in qualifying."""
        qualify(self, rng)

    # 8 ----------------------------------------------------------------------------------------
    def taxes_and_cash(self) -> None:
        """Profit, taxes by budget level, tax expenditure, and the firms' cash."""
        bill: TaxBill = compute_taxes(self)
        self.ledger.add_taxes(bill)

    # 9 ----------------------------------------------------------------------------------------
    def entry_exit(self, rng: np.random.Generator) -> None:
        """Loss-making SMEs exit; new SMEs enter where local demand grows."""
        entry_exit(self, rng)

    # Outcomes -----------------------------------------------------------------------------------
    def record(self) -> None:
        """Write this quarter's outcomes (see sim.outcomes)."""
        row = record_outcomes(self)
        for name, value in row.items():
            self.outcomes[self.quarter - 1, OUTCOME_INDEX[name]] = value

    # Helpers -----------------------------------------------------------------------------------
    def _labour_capacity(self) -> np.ndarray:
        f, n = self.firms, self.firms.n
        return self.effective_productivity() * f.employment[:n] / 4.0

    def effective_productivity(self, idx: slice | np.ndarray | None = None) -> np.ndarray:
        """Own productivity times the agglomeration spillover (participants more than outsiders).

        ``idx`` selects firms (default: all); the spillover depends on all alive firms' employment.
        """
        p, f, n = self.spec.production, self.firms, self.firms.n
        if idx is None:
            idx = slice(0, n)
        scale = max(float(f.employment[:n][f.alive[:n]].sum()), 1.0) / self.agglo_base
        gamma = p.agglomeration_elasticity.value * np.where(
            f.participant[idx], 1.0, p.outsider_spillover_factor
        )
        return f.productivity[idx] * scale**gamma

    def _update_costs(self) -> None:
        """Unit cost per rouble of output at normal operation (labour, materials, depreciation)."""
        f, n = self.firms, self.firms.n
        f.unit_cost[:n] = self._unit_costs(slice(0, n))

    def _unit_costs(self, idx: slice | np.ndarray) -> np.ndarray:
        """Unit costs of the firms ``idx`` (elementwise, so a subset costs only its size)."""
        s, f = self.spec, self.firms
        ic = np.where(
            f.kind[idx] == KIND_LARGE,
            s.taxes.insurance_contributions.value,
            s.taxes.insurance_contributions_sme.value,
        )
        eff = self.effective_productivity(idx)
        labour = s.labour.wage_mln_rub_per_worker_year * (1 + ic) / eff
        fs = s.finance
        dep = fs.depreciation_rate_per_year * fs.capital_mln_rub_per_capacity / 4.0
        out, cap = f.output[idx], f.capacity[idx]
        util = np.where(out > 0, cap / np.maximum(out, 1e-9), 1.0)
        return labour + s.sourcing.purchases_share_of_output + dep * np.minimum(util, 3)

    def supplier_price(self) -> np.ndarray:
        """Suppliers' price index: trade premium times unit cost relative to their initial cost."""
        f, n = self.firms, self.firms.n
        prem = self._trade_premium
        rel = f.unit_cost[:n] / self.supplier_cost0[:n]
        return np.where(f.role[:n] == ROLE_COMPONENT, prem[np.maximum(f.trade[:n], 0)] * rel, 1.0)

    def update_prices(self) -> None:
        """Costs follow productivity; final producers price at unit cost relative to competitors."""
        f, n = self.firms, self.firms.n
        self._update_costs()
        fin = f.role[:n] == ROLE_FINAL
        f.price[:n] = np.where(fin, f.unit_cost[:n] / self.cost_comp, self.supplier_price())

    def _localisable_demand(self) -> np.ndarray:
        f, n = self.firms, self.firms.n
        fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
        s = self.spec.sourcing
        return np.where(fin, f.output[:n] * s.purchases_share_of_output * s.localisable_share, 0)

    def _supplier_free_capacity(self, k: int) -> np.ndarray:
        """Capacity each qualified supplier of trade ``k`` offers the cluster (0 for others)."""
        free, ok = self._supplier_free_capacity_all()
        return np.where(ok & (self.firms.trade[: self.firms.n] == k), free, 0.0)

    def _supplier_free_capacity_all(self) -> tuple[np.ndarray, np.ndarray]:
        """Free capacity of every firm and the mask of qualified producing suppliers (any trade).

        One pass for all trades: ``_supplier_free_capacity(k)`` is this, masked to trade ``k``.
        """
        s, f, n = self.spec, self.firms, self.firms.n
        ok = (
            f.alive[:n]
            & (f.role[:n] == ROLE_COMPONENT)
            & (f.qualification[:n] >= s.sourcing.qualification_threshold)
            & ~self._non_producing()
        )
        cap = np.minimum(f.capacity[:n], self._labour_capacity())
        free = cap * (1 - s.production.sme_other_market_share_of_capacity)
        return free, ok

    def supply_network(self, max_edges: int = 5000) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The supply network of the current quarter as (nodes, edges) DataFrames.

        Nodes are alive firms (``firm, kind, role, trade, participant, employment, output``);
        edges ``buyer, seller, volume`` (mln RUB this quarter) estimate each final producer's
        local purchases from each supplier by proportional allocation within the supplier's
        trade (exact within a buyer and seller group, approximate across groups). The largest
        ``max_edges`` edges are kept.
        """
        f, n = self.firms, self.firms.n
        alive = np.flatnonzero(f.alive[:n])
        trades = self.trades
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
        parts = []
        for k, trade in enumerate(self.spec.sourcing.trades):
            sellers = alive[(f.trade[alive] == k) & (f.sales_cluster[alive] > 0)]
            total = f.sales_cluster[sellers].sum()
            if total <= 0 or buyers.size == 0:
                continue
            vol = np.outer(
                f.purchases_local[buyers] * trade.purchase_share, f.sales_cluster[sellers] / total
            )
            bi, si = np.nonzero(vol > 0)
            parts.append(
                pd.DataFrame({"buyer": buyers[bi], "seller": sellers[si], "volume": vol[bi, si]})
            )
        edges = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame({"buyer": [], "seller": [], "volume": []})
        )
        edges = edges.nlargest(max_edges, "volume").reset_index(drop=True)
        return nodes, edges

    def run(self) -> np.ndarray:
        """Run to the horizon and return the outcome array (quarters x outcomes)."""
        self.run_for(self.horizon - self.quarter)
        return self.outcomes
