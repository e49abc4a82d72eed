"""What stages 0, 1 and 9 keep across quarters (issue 17, session 33): never stale, never wrong.

A run's market terms (``market._terms``), its stage-9 constants (``demography._constants``),
its trades' entry plan (``Population.entry_plan``) and its row of ``cost_params`` are kept on
the run's state or population; they equal what computing them afresh gives, follow the values
they were made from when those change, and are each run's own in a block mixing scenarios.
"""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.distributions import lognormal_params
from sim.model.mechanisms import demography, market
from sim.model.model import QUARTER, ClusterModel
from sim.model.population import PLAN_BLOCKS, PLAN_GROUP, PLAN_PARAMS, PLAN_PRICE
from sim.model.state import cost_params
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"


def _mixed_block() -> ModelBlock:
    """Runs of three design points differing in stages 1 and 9, stepped four quarters."""
    sc = default_scenario()
    varied = apply_overrides(
        sc,
        {
            "market.demand_volatility": 0.3,
            "market.order_size_mln_rub.cv": 0.9,
            "market.rival_price_response": 0.5,
            "sme_demography.entry_rate_per_year": 0.4,
            "sme_demography.exit_after_loss_quarters": 3,
        },
    )
    flat = apply_overrides(sc, {"market.order_size_mln_rub.cv": 0.0})
    block = ModelBlock([(varied, ARM, 1), (sc, ARM, 2), (flat, ARM, 3), (varied, ARM, 4)])
    for _ in range(4):
        block.step()
    return block


def _market_terms(st, mk) -> tuple:
    """What ``market._terms`` keeps, computed afresh (the market's values, by name)."""
    cv = mk.order_size_mln_rub.cv
    return (
        1 + mk.demand_growth_per_year,
        mk.demand_volatility,
        mk.demand_volatility**2 / 2.0,
        cv,
        lognormal_params(st.order_size, cv) if cv > 0 else None,
        1 + mk.rival_productivity_trend_per_year,
        mk.rival_price_response,
        mk.competitor_delivery_quarters,
        max(mk.competitor_delivery_quarters - mk.build_quarters_min, 0.0),
        (1 + mk.demand_growth_per_year) * (1 + mk.rival_productivity_trend_per_year),
        (
            mk.price_sensitivity,
            mk.delivery_sensitivity,
            float(st.spec.market.order_window_quarters),
            *st.delivery_parameters(),
        ),
    )


def test_each_runs_kept_terms_are_its_own_in_a_mixed_block() -> None:
    """Every run of a block mixing design points keeps its own scenario's terms."""
    block = _mixed_block()
    seen_market, seen_entry = set(), set()
    for m in block.models:
        st, mk = m.state, m.spec.market
        kept = st.kept["market"]
        assert kept[market._MARKET] is mk
        assert repr(kept[market._GROWTH :]) == repr(_market_terms(st, mk))
        seen_market.add((kept[market._SIGMA], kept[market._CV], kept[market._RESPONSE]))
        d = st.spec.sme_demography
        want = (
            (d.entry_rate_per_year / 4.0, float(d.entry_demand_sensitivity),
             d.exit_after_loss_quarters),
            len(st.trades),
        )  # fmt: skip
        assert st.kept["demography"] == want
        seen_entry.add(want)
        assert cost_params([st]).tobytes() == np.array([st.kept["cost_params"][1]]).tobytes()
    assert len(seen_market) == 3 and len(seen_entry) == 2


def test_market_terms_follow_the_market_order_size_and_agglomeration_base() -> None:
    """The kept terms are made again when the market, the order size or ``E_0`` change."""
    model = ClusterModel(default_scenario(), ARM, rng=5)
    model.step()
    st, mk = model.state, model.spec.market
    first = market._terms(st, mk)
    assert market._terms(st, mk) is first  # kept
    st.order_size *= 1.5
    now = market._terms(st, mk)
    assert now[market._SIZE_TERMS] == lognormal_params(st.order_size, mk.order_size_mln_rub.cv)
    assert now[market._SIZE_TERMS] != first[market._SIZE_TERMS]
    st.agglo_base *= 2.0
    now = market._terms(st, mk)
    assert now[market._CONSTANT][3] == st.agglo_base  # E_0 of the delivery parameters
    other = apply_overrides(default_scenario(), {"market.demand_volatility": 0.05}).market
    now = market._terms(st, other)
    assert now[market._SIGMA] == 0.05 and now[market._MARKET] is other
    assert repr(now[market._GROWTH :]) == repr(_market_terms(st, other))


def test_kept_market_terms_draw_and_move_the_rivals_as_the_market_says() -> None:
    """One quarter's orders and rivals from the kept terms equal those of the market's values:
    the same draws (the generator ends in the same state) and the same rivals."""
    model = ClusterModel(default_scenario(), ARM, rng=7)
    model.step()
    st, mk = model.state, model.spec.market
    terms = market._terms(st, mk)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    u, sizes = market._draw_orders(st, rng_a, terms)
    level = st.demand_level * (1 + mk.demand_growth_per_year) ** (st.quarter / 4.0)
    sigma = mk.demand_volatility
    level *= np.exp(sigma * rng_b.standard_normal() - sigma * sigma / 2.0)
    n = int(rng_b.poisson(level / st.order_size))
    mu, s = lognormal_params(st.order_size, mk.order_size_mln_rub.cv)
    want_sizes = rng_b.lognormal(mu, s, n)
    want_u = rng_b.random(n)
    assert n > 0 and sizes.tobytes() == want_sizes.tobytes() and u.tobytes() == want_u.tobytes()
    assert rng_a.bit_generator.state == rng_b.bit_generator.state
    market._move_rivals(st, terms)
    trend = (1 + mk.rival_productivity_trend_per_year) ** (-st.quarter / 4.0)
    queue = max(mk.competitor_delivery_quarters - mk.build_quarters_min, 0.0)
    assert st.rival_delivery == mk.competitor_delivery_quarters - queue * (1.0 - trend)


def test_demography_constants_are_the_scenarios() -> None:
    model = ClusterModel(
        apply_overrides(default_scenario(), {"sme_demography.exit_after_loss_quarters": 5}),
        ARM,
        rng=2,
    )
    c, n_trades = demography._constants(model.state)
    d = model.spec.sme_demography
    assert c == (d.entry_rate_per_year / 4.0, float(d.entry_demand_sensitivity), 5)
    assert n_trades == len(model.state.trades)


def test_entry_plan_draws_as_population_draw_does() -> None:
    """Each trade's plan is its entry terms with its group's drawing terms: drawing ``m``
    entrants with them takes the numbers (and leaves the generator as) ``Population.draw``,
    and its row holds the group, price index, normals per firm and drawing parameters."""
    model = ClusterModel(default_scenario(), ARM, rng=3)
    pop = model.population
    blocks, plan, cost = pop.entry_plan()
    trades, cost_terms = pop.entry_terms()
    assert pop.entry_plan() is pop.entry_plan() and cost is cost_terms
    assert plan.shape[0] == len(trades) == len(blocks)
    assert any(b is not None for b in blocks)
    for b, row, t in zip(blocks, plan, trades, strict=True):
        assert (b is None) == (t is None)
        if t is None:
            assert row[PLAN_GROUP] == -1.0
            continue
        gi, price = t
        assert (row[PLAN_GROUP], row[PLAN_PRICE], row[PLAN_BLOCKS]) == (gi, price, b)
        for m in (1, 3):
            rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
            want_p, want_z = pop.draw(rng_a, gi, m)
            z = rng_b.standard_normal(b * m)
            assert row[PLAN_PARAMS:].tobytes() == want_p.tobytes()
            assert z.tobytes() == want_z.tobytes()
            assert rng_a.bit_generator.state == rng_b.bit_generator.state


def test_block_cost_rows_follow_each_runs_agglomeration_base() -> None:
    """In a block, a run's kept row follows its own ``E_0``; the other run's stays."""
    a = ClusterModel(default_scenario(), ARM, rng=5).state
    b = ClusterModel(default_scenario(), ARM, rng=6).state
    first = cost_params([a, b]).copy()
    a.agglo_base *= 2.0
    now = cost_params([a, b])
    assert now[0, 0] == a.agglo_base != first[0, 0]
    assert now[0, 1:].tobytes() == first[0, 1:].tobytes()
    assert now[1].tobytes() == first[1].tobytes()
    assert now.tobytes() == np.concatenate([cost_params([a]), cost_params([b])]).tobytes()


def test_a_run_without_exits_has_none() -> None:
    """Stage 9 gives a run without exits an empty int64 ``exited`` and ``exits`` 0."""
    sc = apply_overrides(default_scenario(), {"sme_demography.exit_after_loss_quarters": 1000})
    model = ClusterModel(sc, ARM, rng=4)
    for _ in range(3):
        model.step()
        assert model.state.exits_this_quarter == 0
    model.state.exited = np.array([1, 2])
    demography.entry_exit(model.state, model.population, np.random.default_rng(1))
    assert model.state.exited.dtype == np.int64 and model.state.exited.size == 0


def _no_electrical_smes() -> Scenario:
    """The scenario without the electrical trade's SMEs: a trade (the third) with no entrants."""
    data = default_scenario().model_dump()
    data["firm_groups"] = [
        g for g in data["firm_groups"] if not (g["trade"] == "electrical" and g["kind"] == "sme")
    ]
    return Scenario.model_validate(data)


def test_a_trade_without_smes_between_entering_trades_in_a_block() -> None:
    """Stage 9 of a block mixing a run whose middle trade has no SME group (no entrants, though
    it is drawn for) with ordinary runs gives each run's firm table and reference costs exactly
    as the run alone; entrants enter both before and after the empty trade."""
    runs = [(_no_electrical_smes(), ARM, 1), (default_scenario(), ARM, 2)]
    runs += [(_no_electrical_smes(), ARM, 3)]
    block = ModelBlock(runs)
    alone = [ClusterModel(sc, arm, rng=seed) for sc, arm, seed in runs]
    for _ in range(8):
        block.step()
        for m in alone:
            m.step()
    for m, a in zip(block.models, alone, strict=True):
        n = m.state.firms.n
        assert n == a.state.firms.n
        for name in ("trade", "group", "employment", "taste", "unit_cost", "price", "alive"):
            x, y = getattr(m.state.firms, name)[:n], getattr(a.state.firms, name)[:n]
            assert x.tobytes() == y.tobytes(), name
        assert m.state.supplier_cost0[:n].tobytes() == a.state.supplier_cost0[:n].tobytes()
    f, n = block.models[0].state.firms, block.models[0].state.firms.n
    born = f.born_quarter[:n] > 0
    trades = set(f.trade[:n][born].tolist())
    assert 2 not in trades and trades & {0, 1} and trades & {3, 4}


def _without_smes_of(trade: str) -> Scenario:
    """The scenario without the SMEs of ``trade`` (it stays a trade: drawn for, none enter)."""
    data = default_scenario().model_dump()
    data["firm_groups"] = [
        g for g in data["firm_groups"] if not (g["trade"] == trade and g["kind"] == "sme")
    ]
    return Scenario.model_validate(data)


def test_entrants_leave_every_unit_cost_recomputed_when_the_last_trade_has_no_smes() -> None:
    """After stage 9, a run with entrants has every unit cost as recomputing them gives (the
    last entering trade's recompute), also when its last trade has no SME group; each trade's
    entrants' reference costs are their unit costs at entry, the last's those recomputed."""
    seen = 0
    for trade in ("design", "electrical"):
        model = ClusterModel(_without_smes_of(trade), ARM, rng=9)
        for _ in range(6):
            rngs = model.begin_quarter()
            for label, stage in QUARTER:
                if label.startswith("9"):
                    break
                stage((model,), (rngs,))
            st, f = model.state, model.state.firms
            lo = f.n
            demography.entry_exit(st, model.population, rngs["entry"])
            n = f.n
            if n > lo:
                seen += 1
                got = f.unit_cost[:n].copy()
                st.update_costs()
                assert got.tobytes() == f.unit_cost[:n].tobytes()
                last = f.trade[n - 1]
                at = np.flatnonzero(f.trade[lo:n] == last) + lo
                assert st.supplier_cost0[at].tobytes() == f.unit_cost[at].tobytes()
            model.end_quarter()
    assert seen >= 4
