"""The firms' Mesa agents: made when first asked for, in step with the firm table after."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.agents import SME, Firm, LargeEnterprise
from sim.model.model import ClusterModel
from sim.model.state import KIND_LARGE
from sim.scenario.files import default_scenario

ARM = "cluster_support_2020s"


def _check_agents(model: ClusterModel) -> None:
    f = model.firms
    agents = model.population.agents
    assert len(agents) == f.n
    assert [a.idx for a in agents] == list(range(f.n))
    registered = set(model.agents)
    firm_agents = {a for a in registered if isinstance(a, Firm)}
    alive = np.flatnonzero(f.alive[: f.n]).tolist()
    assert firm_agents == {agents[i] for i in alive}  # closed firms' agents were removed
    assert model.government in registered and model.organisation in registered
    for a in agents:
        assert type(a) is (LargeEnterprise if f.kind[a.idx] == KIND_LARGE else SME)
    kinds = {type(a) for a in firm_agents}
    assert kinds <= set(model.agent_types)
    assert set(model.agents_by_type[SME]) == {a for a in firm_agents if isinstance(a, SME)}


def test_a_run_that_never_asks_makes_no_firm_agents() -> None:
    model = ClusterModel(default_scenario(), ARM, rng=5)
    model.run()
    assert not model.population.has_agents
    # Mesa's own registry holds the government and the organisation only
    assert len(model._all_agents) == 2


@pytest.mark.parametrize("ask_at", [0, 7, 40])
def test_agents_asked_for_at_any_quarter_match_the_table_and_change_no_outcome(
    ask_at: int,
) -> None:
    sc = default_scenario()
    plain = ClusterModel(sc, ARM, rng=5).run().copy()
    model = ClusterModel(sc, ARM, rng=5)
    if ask_at:
        model.run_for(ask_at)
    _check_agents(model)  # made now, every slot's
    if ask_at < sc.scenario.horizon_quarters:
        model.run_for(sc.scenario.horizon_quarters - ask_at)
    else:  # asked at the end: run 0 more quarters; check once more after a second ask
        model.population.agents  # noqa: B018
    _check_agents(model)  # and kept in step with entries and exits since
    assert model.firms.n > sum(g.count for g in sc.firm_groups)  # entrants came (test has teeth)
    assert not model.firms.alive[: model.firms.n].all()  # and firms closed
    np.testing.assert_array_equal(model.outcomes, plain)
