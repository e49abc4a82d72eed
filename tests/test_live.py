"""The live pair the page steps (sim.app.live.LivePair): the numbers of the runs it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from sim.app.controls import PLAY_QUARTER_SECONDS, quarters_per_frame
from sim.app.live import NETWORK_EVERY, LivePair
from sim.app.session import LEVER_FIELDS, card_texts, levers
from sim.errors import InputError
from sim.model import ClusterModel
from sim.run.seeds import replicate_seeds

SCENARIO = "astrakhan_shipbuilding.toml"


def test_every_keyword_has_a_default_and_the_defaults_run() -> None:
    m = LivePair()
    assert m.scenario_file == SCENARIO and m.regime in m.spec.regimes
    assert m.overrides == {} and m.quarter == 0 and m.running
    assert set(LEVER_FIELDS) <= set(LivePair.__init__.__code__.co_varnames)


@pytest.mark.parametrize("replicate", [0, 3])
def test_live_pair_is_replicate_r_of_the_same_inputs(replicate: int) -> None:
    m = LivePair(SCENARIO, "cluster_support_2020s", horizon_quarters=16, replicate=replicate,
                 joint_project_subsidy_rate=0.2, loan_rate=0.04)  # fmt: skip
    assert m.overrides == {
        "regimes.cluster_support_2020s.joint_project_subsidy.rate": 0.2,
        "regimes.cluster_support_2020s.preferential_loans.spread": 0.04,
    }
    steps = 0
    while m.running:
        m.step()
        steps += 1
    assert steps == m.quarter == m.horizon == 16 and m.time == 16
    m.run_for(4)  # past the horizon: nothing changes
    assert m.quarter == 16 and not m.running
    seed = replicate_seeds(m.spec.experiment.seed, replicate + 1)[replicate]
    for arm in ("de_facto", "cluster_support_2020s"):
        ref = ClusterModel(m.spec, arm=arm, rng=seed)
        ref.run()
        assert np.array_equal(ref.outcomes, m.arms[arm].outcomes, equal_nan=True), arm
    df = m.outcomes_frame()
    assert len(df) == 2 * 16 and set(df["arm"]) == {"de_facto", "cluster_support_2020s"}
    assert sorted(m.networks) == [0, *range(NETWORK_EVERY, 17, NETWORK_EVERY)]
    q, (nodes, edges) = m.latest_network()
    assert q == 16 and nodes["participant"].any() and (edges["volume"] > 0).all()


def test_a_lever_at_the_file_value_is_not_an_override() -> None:
    sc = LivePair(SCENARIO, "decree41_full").spec
    lv = {x.name: x for x in levers(sc, "decree41_full")}
    rate = lv["joint_project_subsidy_rate"].param.value
    m = LivePair(SCENARIO, "decree41_full", joint_project_subsidy_rate=rate)
    assert m.overrides == {}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scenario_file": "../pyproject.toml"}, "refused"),
        ({"regime": "no_such_regime"}, "unknown regime"),
        ({"regime": "loans_only", "joint_project_subsidy_rate": 0.3}, "has no joint_project"),
        ({"joint_project_subsidy_rate": 1.5}, "joint_project_subsidy.rate"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        LivePair(**kwargs)


def _regimes() -> list[tuple[str, str]]:
    from sim.app.session import resolve_scenario, scenario_choices
    from sim.scenario import load_scenario

    return [(f, r) for f in scenario_choices() for r in load_scenario(resolve_scenario(f)).regimes]


@pytest.mark.parametrize(("scenario_file", "regime"), _regimes())
def test_every_slider_end_builds_a_valid_pair(scenario_file: str, regime: str) -> None:
    """Each lever of every shipped regime, at its slider's min and max, gives a runnable pair."""
    base = LivePair(scenario_file, regime)
    for lv in levers(base.spec, regime):
        for value in (lv.min, lv.max):
            m = LivePair(scenario_file, regime, horizon_quarters=4, **{lv.name: value})
            assert m.overrides in ({}, {lv.key: value})
            m.run_for(4)
            assert np.isfinite(m.regime_model.outcomes).all(), (lv.name, value)


def test_effect_card_absolute_values_keep_their_digits() -> None:
    """A small absolute effect is not rounded to +0,0; a share's change is in percentage points."""
    card = {"key": "productivity", "value": 0.47, "low": -0.15, "high": 1.09,
            "effect": 0.01234, "unit": "mln RUB per worker per year", "n": 20}  # fmt: skip
    assert card_texts(card, "ru")[2].startswith("+0,0123 ")
    share = card | {"key": "market_share", "effect": 0.0123, "unit": "share of new orders"}
    assert card_texts(share, "ru")[2] == "+1,23 п. п."
    assert card_texts(share, "en")[2] == "+1.23 pp"
    big = card | {"key": "output", "effect": 933.62, "unit": "mln RUB"}
    assert card_texts(big, "ru")[2].startswith("+933,6 ")


def test_a_slow_frame_advances_several_quarters_a_fast_one_every_quarter() -> None:
    q = PLAY_QUARTER_SECONDS
    assert quarters_per_frame(0.0) == 1  # the first frame, and a page that draws at once
    assert quarters_per_frame(0.5 * q) == 1
    assert quarters_per_frame(q) == 1
    assert quarters_per_frame(1.01 * q) == 2
    assert quarters_per_frame(3.6 * q) == 4  # about a quarter per PLAY_QUARTER_SECONDS
