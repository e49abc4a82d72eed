"""The quarter's streams (sim.model.streams) are exactly the generators ``rng.spawn`` makes."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.streams import QuarterStreams

NAMES = ("market", "membership", "matching", "projects", "qualification", "entry")
SEEDS = [
    0,
    1,
    42,
    2**31 - 1,
    2**32,
    2**64 + 5,
    2**127 + 99,
    np.random.SeedSequence(7).spawn(3)[2],  # a spawned seed: entropy plus a spawn key
    np.random.SeedSequence([3, 2**40]),  # entropy given as a sequence
    np.random.SeedSequence(11, spawn_key=(2**33, 5)),  # a spawn-key word above 32 bits
]


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{i}" for i in range(len(SEEDS))])
@pytest.mark.parametrize("spawned_before", [0, 1, 5])
def test_every_quarter_equals_spawn(seed: object, spawned_before: int) -> None:
    reference, fast = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(spawned_before):  # the model spawns the population's stream first
        reference.spawn(1)
        fast.spawn(1)
    streams = QuarterStreams(fast, NAMES)
    assert streams._prefix is not None  # the compiled path, not the fallback
    for _quarter in range(60):
        expected = dict(zip(NAMES, reference.spawn(len(NAMES)), strict=True))
        got = streams.next_quarter()
        assert list(got) == list(NAMES)
        for name in NAMES:
            # several kinds of draw, so the whole state (incl. the buffered 32-bit half) matches
            a, b = expected[name], got[name]
            assert np.array_equal(a.random(3), b.random(3))
            assert np.array_equal(a.integers(0, 2**40, 2), b.integers(0, 2**40, 2))
            assert np.array_equal(a.normal(size=3), b.normal(size=3))
            assert a.bit_generator.state == b.bit_generator.state


def test_a_generator_of_another_kind_falls_back_to_spawn() -> None:
    reference = np.random.Generator(np.random.MT19937(5))
    fast = np.random.Generator(np.random.MT19937(5))
    streams = QuarterStreams(fast, NAMES)
    assert streams._prefix is None
    for _ in range(3):
        expected = reference.spawn(len(NAMES))
        got = streams.next_quarter()
        for a, name in zip(expected, NAMES, strict=True):
            assert np.array_equal(a.random(4), got[name].random(4))


def test_the_model_uses_the_parent_generator_it_was_given() -> None:
    """A model seeded with a generator draws the same as one seeded with that generator's seed."""
    from sim.model import ClusterModel

    a = ClusterModel(rng=np.random.default_rng(9))
    b = ClusterModel(rng=9)
    a.run_for(4)
    b.run_for(4)
    assert np.array_equal(a.outcomes[:4], b.outcomes[:4])
