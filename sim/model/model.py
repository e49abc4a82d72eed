"""ClusterModel: a de-facto industrial cluster that may register and receive state preferences.

One step is one quarter. :meth:`ClusterModel.step` is the model's process overview
(docs/model.md, "Process overview and scheduling"), top to bottom: each line is one stage, a
function of :mod:`sim.model.mechanisms` named after its docs section. Firm state lives in the
numpy arrays of :class:`sim.model.state.State`; the agents (:mod:`sim.model.agents`) keep
identity and decision rules. Every random draw comes from the model's ``rng``: each quarter
spawns one child generator per mechanism (:mod:`sim.model.streams`), so the arms of a pair
share their random numbers mechanism by mechanism (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import accumulate

import mesa
import numpy as np
import pandas as pd

from sim.model.agents import ClusterOrganization, Government
from sim.model.calibration import calibrate
from sim.model.compiled import kernel
from sim.model.mechanisms import (
    demography,
    investment,
    joint_projects,
    market,
    matching,
    membership,
    prices,
    production,
    qualification,
    registry,
    sourcing,
    taxes,
)
from sim.model.mechanisms.record import record_quarter
from sim.model.network import supply_network
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.population import Population
from sim.model.state import FirmArrays, State, block_rows
from sim.model.streams import QuarterStreams, next_quarters
from sim.scenario.files import default_scenario
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = [
    "QUARTER",
    "ClusterModel",
    "Stage",
    "begin_quarters",
    "end_quarters",
    "initial_slots",
]

_MECHANISMS = ("market", "membership", "matching", "projects", "qualification", "entry")
#: Columns of the firm table zeroed for firms that closed last quarter.
_FLOWS_OF_CLOSED = (
    "employment",
    "output",
    "capacity",
    "sales_cluster",
    "sales_other",
    "purchases",
    "purchases_local",
    "purchases_from_participants",
    "purchases_starter",
)
_NONE = np.zeros(0, dtype=np.int64)


@kernel
def _zero_rows(
    rows: np.ndarray,
    offsets: np.ndarray,
    idx: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    c2: np.ndarray,
    c3: np.ndarray,
    c4: np.ndarray,
    c5: np.ndarray,
    c6: np.ndarray,
    c7: np.ndarray,
    c8: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Zero the firms ``idx`` of each run in the nine tables of :data:`_FLOWS_OF_CLOSED`.

    Run ``k``'s firms are ``idx[offsets[k]:offsets[k + 1]]``, in row ``rows[k]`` of the tables
    (2-D, one row per run of the block; in place).
    """
    for k in range(rows.shape[0]):
        r = rows[k]
        for j in range(offsets[k], offsets[k + 1]):
            i = idx[j]
            c0[r, i] = 0.0
            c1[r, i] = 0.0
            c2[r, i] = 0.0
            c3[r, i] = 0.0
            c4[r, i] = 0.0
            c5[r, i] = 0.0
            c6[r, i] = 0.0
            c7[r, i] = 0.0
            c8[r, i] = 0.0


class ClusterModel(mesa.Model):
    """The cluster economy for one arm of one scenario.

    Args:
        scenario: Validated scenario (default: the shipped Astrakhan shipbuilding scenario).
        arm: ``"de_facto"`` or the name of one of the scenario's regimes.
        rng: Seed (int) or generator for all randomness.
        firms: The firm table to fill: a row of a :class:`~sim.model.state.FirmBlock` (the
            run is one of a block: :mod:`sim.model.block`); default: the row of a block of one.

    Attributes:
        spec: The scenario.
        arm: The arm.
        horizon: Quarters to simulate.
        government: The government agent (regime, registry, budgets).
        organisation: The specialised organisation agent.
        state: Firm table, world variables and shared queries (:class:`~sim.model.state.State`).
        population: The firm agents and the drawing of firms.
        outcomes: Quarters x outcomes (:mod:`sim.model.outcomes`), NaN until recorded.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        arm: str = ARM_DE_FACTO,
        rng: int | None = 42,
        firms: FirmArrays | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.spec = s = scenario if scenario is not None else default_scenario()
        if arm not in s.arms:
            raise ValueError(f"unknown arm '{arm}'; this scenario has {', '.join(s.arms)}")
        self.arm = arm
        self.horizon = s.scenario.horizon_quarters
        self.government = Government(
            self, None if arm == ARM_DE_FACTO else s.regimes[arm], s.registry
        )
        self.organisation = ClusterOrganization(self, s.organisation.exists, s.registry)
        self.state = State(s, initial_slots(s), firms)  # firms None: a block of one
        self.population = Population(self, self.state)
        self.outcomes = np.full((self.horizon, len(OUTCOME_NAMES)), np.nan)
        self.population.populate(self.rng.spawn(1)[0])
        self._streams = QuarterStreams(self.rng, _MECHANISMS)
        calibrate(self.state, self.government, self.organisation)

    @property
    def quarter(self) -> int:
        """The current quarter (0 before the first step)."""
        return self.state.quarter

    @property
    def firms(self) -> FirmArrays:
        """The firm table."""
        return self.state.firms

    # Mesa's views of the agents: the firms' agents are made when first asked for
    # (:class:`~sim.model.population.Population`), so these make them first.
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent: government, organisation and the firms alive (Mesa's ``agents``)."""
        self._make_firm_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """The agents by type (Mesa's ``agents_by_type``)."""
        self._make_firm_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent types (Mesa's ``agent_types``)."""
        self._make_firm_agents()
        return super().agent_types

    def _make_firm_agents(self) -> None:
        population = self.__dict__.get("population")  # None while Mesa's __init__ runs
        if population is not None:
            population.agents  # noqa: B018 - the property makes them

    # ----------------------------------------------------------------------------------------
    # The quarter, top to bottom
    # ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one quarter: the stages of :data:`QUARTER`, in order (docs/model.md 3)."""
        models = (self,)
        rngs = begin_quarters(models)
        for _, stage in QUARTER:
            stage(models, rngs)
        end_quarters(models)

    def begin_quarter(self) -> dict[str, np.random.Generator]:
        """Start a quarter (:func:`begin_quarters` of this run alone); return its generators."""
        return begin_quarters((self,))[0]

    def end_quarter(self) -> None:
        """End the quarter (:func:`end_quarters` of this run alone)."""
        end_quarters((self,))

    # ----------------------------------------------------------------------------------------
    # Views
    # ----------------------------------------------------------------------------------------
    def supply_network(self, max_edges: int = 5000) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The supply network of the current quarter (:func:`sim.model.network.supply_network`)."""
        return supply_network(self.state, max_edges)

    def run(self) -> np.ndarray:
        """Run to the horizon and return the outcome array (quarters x outcomes)."""
        self.run_for(self.horizon - self.state.quarter)
        return self.outcomes


def initial_slots(scenario: Scenario) -> int:
    """Firm slots a run's table starts with: its initial firms and room for entrants.

    Room for a horizon's entrants in the shipped scenarios, so that a run seldom widens its
    tables mid-run (:meth:`~sim.model.firms.FirmBlock.grow`, which copies every column of every
    run of a block: about 4 ms for a block of 32). An Astrakhan run of 40 quarters ends with
    about 300 slots used from 136 firms (the 1.5x + 16 before this gave 220, so every run grew
    near quarter 25); scaled to 1,000 firms, about 2,160. A run that needs more still grows.
    """
    return int(sum(g.count for g in scenario.firm_groups) * 2.5) + 16


def begin_quarters(models: Sequence[ClusterModel]) -> list[dict[str, np.random.Generator]]:
    """Start a quarter for a block of runs; return each run's generators by mechanism.

    Each run's quarter advances and its ledger starts the quarter, the firms that closed last
    quarter stop producing and selling (:func:`_close_exited`) and the quarter's generators are
    made (``rng.spawn(6)`` of each run, one compiled call for the block:
    :func:`~sim.model.streams.next_quarters`). ``models`` are runs whose firm tables are rows
    of one block.
    """
    for m in models:
        st = m.state
        st.quarter += 1
        st.ledger.start_quarter()
    _close_exited(models)
    return next_quarters([m._streams for m in models])


def end_quarters(models: Sequence[ClusterModel]) -> None:
    """End a quarter for a block of runs: record its outcomes; stop the runs at the horizon."""
    record_quarter(models)
    for m in models:
        if m.state.quarter >= m.horizon:
            m.running = False


def _close_exited(models: Sequence[ClusterModel]) -> None:
    """Firms that closed last quarter stop producing and selling from this quarter on.

    Their flows (:data:`_FLOWS_OF_CLOSED`) are zeroed in every run by one compiled call over
    the block's tables (the rows of the runs where firms closed).
    """
    closing: list[FirmArrays] = []
    exits: list[np.ndarray] = []
    for m in models:
        st = m.state
        if st.exited.size:
            closing.append(st.firms)
            exits.append(st.exited)
        st.exited = _NONE
    if closing:
        block, rows = block_rows(closing)
        offsets = np.array([0, *accumulate(e.size for e in exits)], dtype=np.int64)
        t = block.tables
        _zero_rows(
            rows, offsets, np.concatenate(exits).astype(np.int64, copy=False),
            *[t[name] for name in _FLOWS_OF_CLOSED],
        )  # fmt: skip


#: A stage of the quarter: it advances a block of runs (one or more models whose firm tables
#: are rows of one :class:`~sim.model.state.FirmBlock`), given each run's generators.
Stage = Callable[[Sequence[ClusterModel], Sequence[dict[str, np.random.Generator]]], None]


# --------------------------------------------------------------------------------------------
# The quarter, top to bottom: the model's schedule (docs/model.md 3). Each stage is a function of
# :mod:`sim.model.mechanisms` named after its docs section; ``r`` holds the quarter's generators.
# Every stage advances a block of runs, its compiled parts by one call over the block's tables
# (the batch dimension, :mod:`sim.model.block`); its draws stay each run's, in the same order.
# --------------------------------------------------------------------------------------------
QUARTER: tuple[tuple[str, Stage], ...] = (
    ("0 key rate; costs and prices",
     lambda ms, rs: prices.update_world_block([m.state for m in ms])),
    ("1 new orders and market shares", lambda ms, rs: market.new_orders_block(
        [m.state for m in ms], [m.spec.market for m in ms], [r["market"] for r in rs])),
    ("2 join / leave", lambda ms, rs: membership.reconsider_block(
        [m.state for m in ms], [m.government for m in ms], [m.organisation for m in ms],
        [r["membership"] for r in rs])),
    ("3 applications, decisions, lapses", lambda ms, rs: registry.apply_and_decide_block(
        [m.state for m in ms], [m.government for m in ms], [m.organisation for m in ms])),
    ("3b the organisation matches SMEs", lambda ms, rs: matching.match_block(
        [m.state for m in ms], [m.organisation for m in ms], [r["matching"] for r in rs])),
    ("4 joint projects", lambda ms, rs: joint_projects.run_block(
        [m.state for m in ms], [m.government for m in ms], [m.spec.organisation for m in ms],
        [r["projects"] for r in rs])),
    ("6a final producers produce",
     lambda ms, rs: production.produce_final_block([m.state for m in ms])),
    ("5 purchases, starter-batch subsidy",
     lambda ms, rs: sourcing.source_block([m.state for m in ms], [m.government for m in ms])),
    ("6b suppliers produce; learning, spillovers",
     lambda ms, rs: production.produce_suppliers_block([m.state for m in ms])),
    ("7 loans amortised; capacity investment", lambda ms, rs: investment.invest_block(
        [m.state for m in ms], [m.government for m in ms])),
    ("7b SMEs invest to qualify", lambda ms, rs: qualification.qualify_block(
        [m.state for m in ms], [m.government for m in ms], [r["qualification"] for r in rs])),
    ("8 taxes, tax expenditure, cash", lambda ms, rs: taxes.book_taxes(
        [m.state for m in ms], [m.government for m in ms])),
    ("9 SME entry and exit", lambda ms, rs: demography.entry_exit_block(
        [m.state for m in ms], [m.population for m in ms], [r["entry"] for r in rs])),
)  # fmt: skip
