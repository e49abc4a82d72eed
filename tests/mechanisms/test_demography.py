"""Stage 9, sim.model.mechanisms.demography: SME entry and exit (docs/model.md 7.17)."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from tiny import KIND_SME, ROLE_COMPONENT, scenario, state, supplier, yard

from sim.model.agents import SME
from sim.model.mechanisms import demography
from sim.model.population import Population

# Astrakhan: entry rate 6 % a year, demand sensitivity 1, exit after 4 quarters of negative
# cash; trades metalwork, machinery, electrical, outfitting, design; group 2 = sme_metalwork.
METALWORK_GROUP = 2
NO_ENTRY = {"sme_demography.entry_rate_per_year": 0.0}


def _population(st):
    """A Mesa model and a Population holding one agent per firm of the hand-built state."""
    model = mesa.Model(rng=0)
    pop = Population(model, st)
    assert not pop.has_agents
    assert len(pop.agents) == st.firms.n  # made when first asked for, one per slot
    return model, pop


def test_sme_at_the_loss_limit_exits_and_its_agent_is_removed():
    firms = [yard(loss_quarters=9.0),
             supplier(0, loss_quarters=4.0, participant=True, matched=True),
             supplier(1, loss_quarters=3.0)]  # fmt: skip
    st = state(firms, scenario(NO_ENTRY), quarter=5)
    model, pop = _population(st)
    demography.entry_exit(st, pop, np.random.default_rng(0))
    f = st.firms
    # 4 >= limit 4: the metalwork SME closes; 3 < 4 stays; large firms never exit here
    assert f.alive[:3].tolist() == [True, False, True]
    assert not f.participant[1] and not f.matched[1]
    assert st.exited.tolist() == [1]
    assert st.exits_this_quarter == 1
    assert pop.agents[1] not in model.agents
    assert pop.agents[0] in model.agents and pop.agents[2] in model.agents
    assert len(model.agents) == 2
    # its flows stay for this quarter's accounts (zeroed by the model next quarter)
    assert f.employment[1] == 100.0


def test_no_entry_when_the_entry_rate_is_zero():
    st = state([yard(), supplier(0, sales_cluster=5.0), supplier(0)], scenario(NO_ENTRY))
    st.entry_group = {"metalwork": METALWORK_GROUP}
    model, pop = _population(st)
    demography.entry_exit(st, pop, np.random.default_rng(0))
    assert st.firms.n == 3
    assert len(model.agents) == 3
    assert st.exits_this_quarter == 0


def test_first_quarter_records_the_reference_sales_and_counts():
    st = state([yard(), supplier(0, sales_cluster=2.0), supplier(0, sales_cluster=3.0),
                supplier(3, sales_cluster=1.0), supplier(3, alive=False, sales_cluster=9.0)],
               scenario(NO_ENTRY))  # fmt: skip
    _, pop = _population(st)
    demography.entry_exit(st, pop, np.random.default_rng(0))
    # alive SMEs only: metalwork 2 + 3, outfitting 1
    assert st.local_sales0.tolist() == [5.0, 0.0, 0.0, 1.0, 0.0]
    assert st.sme_count0.tolist() == [2.0, 0.0, 0.0, 1.0, 0.0]


def _entry_state(seed_overrides=None):
    """Two metalwork SMEs selling 2.5 each; reference: 40 SMEs selling 3 in the first quarter."""
    sc = scenario(seed_overrides)
    st = state([yard(), supplier(0, sales_cluster=2.5), supplier(0, sales_cluster=2.5)], sc, 6)
    st.entry_group = {"metalwork": METALWORK_GROUP}
    st.local_sales0 = np.array([3.0, 0.0, 0.0, 0.0, 0.0])
    st.sme_count0 = np.array([40.0, 0.0, 0.0, 0.0, 0.0])
    return st


@pytest.mark.parametrize(
    ("overrides", "lam_metalwork"),
    [
        # growth (5 + 1) / (3 + 1) = 1.5: lambda = 0.06 / 4 * 40 * 1.5 = 0.9
        (None, 0.06 / 4 * 40 * 1.5),
        # eta = 2: lambda = 0.015 * 40 * 1.5^2 = 1.35
        ({"sme_demography.entry_demand_sensitivity": 2.0}, 0.06 / 4 * 40 * 1.5**2),
    ],
    ids=["eta_1", "eta_2"],
)
def test_entries_are_poisson_with_the_hand_computed_lambda(overrides, lam_metalwork):
    st = _entry_state(overrides)
    model, pop = _population(st)
    # seed 19 draws 0 / 1 / 2 entrants at lambda 0.6 / 0.9 / 1.35, so a wrong lambda shows
    seed = 19
    lam = np.array([lam_metalwork, 0.0, 0.0, 0.0, 0.0])
    expected = np.random.default_rng(seed).poisson(lam)
    assert expected[0] >= 1  # the test is not vacuous
    demography.entry_exit(st, pop, np.random.default_rng(seed))
    f = st.firms
    m = int(expected[0])
    assert f.n == 3 + m
    new = slice(3, 3 + m)
    assert f.alive[new].all()
    assert (f.kind[new] == KIND_SME).all() and (f.role[new] == ROLE_COMPONENT).all()
    assert (f.trade[new] == 0).all() and (f.group[new] == METALWORK_GROUP).all()
    assert (f.born_quarter[new] == 6).all()
    assert (f.last_contract_quarter[new] == -100).all()
    assert not f.participant[new].any() and not f.matched[new].any()
    assert (f.output[new] == 0.0).all() and (f.order_book[new] == 0.0).all()
    assert f.price[new] == pytest.approx([1.04] * m, rel=1e-12)  # metalwork premium 4 %
    assert st.supplier_cost0.size >= f.n
    # reference cost of an entrant = its unit cost at entry (one trade: nothing changes after)
    assert st.supplier_cost0[new] == pytest.approx(f.unit_cost[new], rel=1e-12)
    assert len(model.agents) == 3 + m
    assert all(isinstance(a, SME) for a in pop.agents[3:])


def test_entry_lambda_uses_growth_capped_at_three():
    st = _entry_state()
    st.firms.sales_cluster[1:3] = 50.0  # (100 + 1) / (3 + 1) = 25.25 -> capped at 3
    _, pop = _population(st)
    seed = 14  # draws 2 entrants at lambda 1.35, 4 at 1.8
    expected = np.random.default_rng(seed).poisson(np.array([0.06 / 4 * 40 * 3, 0, 0, 0, 0]))
    assert expected[0] == 4
    demography.entry_exit(st, pop, np.random.default_rng(seed))
    assert st.firms.n == 3 + 4


class _RecordingRng:
    """Stands in for the generator: records the Poisson means (one draw per trade, in trade
    order) and draws no entrants."""

    def __init__(self):
        self.lam = []

    def poisson(self, lam):
        self.lam.append(float(lam))
        return 0


def test_entry_lambda_per_trade_by_hand():
    st = _entry_state()
    st.firms.sales_cluster[1:3] = [1.0, 2.0]  # growth (3 + 1) / (3 + 1) = 1 for metalwork
    st.local_sales0 = np.array([3.0, 1.0, 0.0, 0.0, 0.0])
    st.sme_count0 = np.array([40.0, 25.0, 20.0, 0.0, 0.0])
    _, pop = _population(st)
    rng = _RecordingRng()
    demography.entry_exit(st, pop, rng)
    # metalwork 0.015 * 40 * 1; machinery no sales now: 0.015 * 25 * (0 + 1) / (1 + 1);
    # electrical 0.015 * 20 * 1 / 1; outfitting and design had no SMEs at the start
    assert rng.lam == pytest.approx([0.6, 0.1875, 0.3, 0.0, 0.0], rel=1e-12)
    assert st.firms.n == 3


def test_lambda_of_the_first_quarter_is_the_base_rate():
    # first call: reference set now, growth 1, lambda = 0.015 * n_k0 = 0.015 * 2 = 0.03
    st = state([yard(), supplier(0, sales_cluster=2.5), supplier(0, sales_cluster=2.5)])
    st.entry_group = {"metalwork": METALWORK_GROUP}
    _, pop = _population(st)
    lam = np.array([0.06 / 4 * 2.0, 0.0, 0.0, 0.0, 0.0])
    seed = 82  # the first seed whose Poisson(0.03) draw is 1 (P = 3 %)
    assert np.random.default_rng(seed).poisson(lam)[0] == 1
    demography.entry_exit(st, pop, np.random.default_rng(seed))
    assert st.firms.n == 4
    assert st.firms.trade[3] == 0


def test_no_entry_without_an_entry_group_for_the_trade():
    st = _entry_state()
    st.entry_group = {}
    _, pop = _population(st)
    demography.entry_exit(st, pop, np.random.default_rng(3))
    assert st.firms.n == 3
