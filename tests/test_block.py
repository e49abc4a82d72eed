"""A block of runs stepped together gives each run exactly the outcomes it has alone."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import sim.model.block as block_module
from sim.model.block import ModelBlock
from sim.model.model import ClusterModel
from sim.run.seeds import replicate_seeds
from sim.scenario.files import default_scenario
from sim.scenario.scaling import scale_scenario


@pytest.mark.parametrize("arm", ["de_facto", "cluster_support_2020s"])
def test_block_runs_equal_lone_runs(arm: str) -> None:
    sc = default_scenario()
    seeds = replicate_seeds(11, 5)
    block = ModelBlock.of_seeds(sc, arm, seeds)
    got = block.run()
    for seed, outcomes in zip(seeds, got, strict=True):
        alone = ClusterModel(sc, arm, rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes()


def test_rows_grow_together_when_one_run_needs_more_slots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small start width (the block's only: the lone runs below start with the usual room for
    # entrants): entrants make the rows grow several times during the runs.
    monkeypatch.setattr(block_module, "initial_slots", lambda sc: 16)
    sc = scale_scenario(default_scenario(), 40)
    seeds = replicate_seeds(3, 3)
    block = ModelBlock.of_seeds(sc, "cluster_support_2020s", seeds)
    start = block.firms.cap
    got = block.run()
    assert block.firms.cap > start  # the test has teeth: the tables grew
    for row, m in enumerate(block.models):
        assert m.firms.capacity.base is block.firms.tables["capacity"]  # still a row view
        np.testing.assert_array_equal(m.firms.capacity, block.firms.tables["capacity"][row])
    for seed, outcomes in zip(seeds, got, strict=True):
        alone = ClusterModel(sc, "cluster_support_2020s", rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes()


def test_a_block_may_mix_arms_and_design_points() -> None:
    # The runner's chunks hold the arms of a pair, and a sweep's points differ in parameters.
    sc = default_scenario()
    other = sc.model_copy(
        update={"market": sc.market.model_copy(update={"price_sensitivity": 2.0})}
    )
    assert other.market.price_sensitivity != sc.market.price_sensitivity
    runs = [(sc, "de_facto", 5), (sc, "cluster_support_2020s", 5), (other, "placebo", 7)]
    got = ModelBlock(runs).run()
    for (scenario, arm, seed), outcomes in zip(runs, got, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed).run()
        assert outcomes.tobytes() == alone.tobytes()


def test_a_block_shares_one_horizon() -> None:
    sc = default_scenario()
    short = sc.model_copy(
        update={"scenario": sc.scenario.model_copy(update={"horizon_quarters": 8})}
    )
    with pytest.raises(ValueError, match="share one horizon"):
        ModelBlock([(sc, "de_facto", 1), (short, "de_facto", 1)])


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_run_or_block_goes_on_as_the_original(how: str) -> None:
    # The block stages read the block's tables: a copy's columns must be views of its own.
    copy_of = copy.deepcopy if how == "deepcopy" else (lambda x: pickle.loads(pickle.dumps(x)))
    sc = default_scenario()
    m = ClusterModel(sc, "cluster_support_2020s", rng=5)
    m.run_for(7)
    c = copy_of(m)
    assert c.firms.capacity.base is c.firms.block.tables["capacity"]
    assert c.firms.block is not m.firms.block
    assert c.run().tobytes() == m.run().tobytes()
    block = ModelBlock.of_seeds(sc, "de_facto", replicate_seeds(1, 3))
    block.step()
    twin = copy_of(block)
    for a, b in zip(block.run(), twin.run(), strict=True):
        assert a.tobytes() == b.tobytes()
