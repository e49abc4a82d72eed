"""Block stages 0, 6a and 6b (prices, production): each run of a block computed as if alone."""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import prices, production
from sim.model.model import ClusterModel
from sim.run.seeds import replicate_seeds
from sim.scenario.files import default_scenario
from sim.scenario.schema import Scenario


def _varied(sc: Scenario, k: int) -> Scenario:
    """A design point whose prices' and production's parameters differ from ``sc``'s."""
    p, lab, mk, fin = sc.production, sc.labour, sc.market, sc.finance
    el = p.agglomeration_elasticity.model_copy(update={"value": 0.03 + 0.04 * k})
    return sc.model_copy(
        update={
            "production": p.model_copy(
                update={"agglomeration_elasticity": el, "learning_elasticity": 0.05 + 0.03 * k}
            ),
            "labour": lab.model_copy(
                update={
                    "hiring_rate_per_quarter": 0.03 + 0.02 * k,
                    "wage_mln_rub_per_worker_year": lab.wage_mln_rub_per_worker_year * (1 + k / 5),
                }
            ),
            "market": mk.model_copy(update={"demand_growth_per_year": 0.01 * k}),
            "finance": fin.model_copy(update={"key_rate_adjustment_per_quarter": 0.05 * (k + 1)}),
        }
    )


def test_a_block_of_design_points_differing_in_these_stages_parameters_equals_lone_runs() -> None:
    sc = default_scenario()
    runs = [
        (_varied(sc, k), arm, 3 + k) for k, arm in enumerate(["de_facto", "placebo", "de_facto"])
    ]
    runs.append((sc, "cluster_support_2020s", 3))
    got = ModelBlock(runs).run()
    for (scenario, arm, seed), outcomes in zip(runs, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes()


def _state_of(block: ModelBlock) -> list[bytes]:
    st = [m.state for m in block.models]
    scalars = [(s.key_rate, s.market_rate) for s in st]
    return [t.tobytes() for t in block.firms.tables.values()] + [repr(scalars).encode()]


def test_the_block_stages_on_some_rows_in_another_order_equal_the_runs_one_by_one() -> None:
    # The rows a stage is given are not 0..k-1: run k of the call is not row k of the tables.
    sc = default_scenario()
    seeds = replicate_seeds(5, 3)
    blocks = [ModelBlock.of_seeds(sc, "cluster_support_2020s", seeds) for _ in range(2)]
    for b in blocks:
        for _ in range(6):
            b.step()
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    together = [blocks[0].models[2].state, blocks[0].models[0].state]
    prices.update_world_block(together)
    production.produce_final_block(together)
    production.produce_suppliers_block(together)
    for row in (0, 2):
        st = blocks[1].models[row].state
        prices.update_world(st)
        production.produce_final(st)
        production.produce_suppliers(st)
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    # and the row left out is untouched in both
    untouched = blocks[0].firms.tables["productivity"][1]
    np.testing.assert_array_equal(untouched, blocks[1].firms.tables["productivity"][1])
