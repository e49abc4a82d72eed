"""Stage 3b, sim.model.mechanisms.matching: the organisation matches SMEs (7.5)."""

from __future__ import annotations

import numpy as np
from tiny import organisation, scenario, state, supplier, yard

from sim.model.mechanisms import matching


class _Uniforms:
    """A stand-in generator whose uniform draws the test chooses."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=float)
        self.calls = []

    def random(self, size):
        self.calls.append(size)
        assert size == self.u.size
        return self.u


def test_match_smes_takes_candidates_with_a_draw_below_the_rate():
    sc = scenario()
    org = organisation(sc, exists=True)
    candidates = np.array([True, True, True, False])
    u = np.array([0.05, 0.08, 0.5, 0.01])
    # rate 0.08: 0.05 < 0.08 matched; 0.08 is not below 0.08; 0.5 above; the last is no candidate
    assert org.match_smes(candidates, u, 0.08).tolist() == [True, False, False, False]


def test_unmatched_participants_are_matched_when_the_draw_is_below_the_rate():
    sc = scenario()  # matching_rate_per_quarter = 0.08
    st = state(
        [
            supplier(0, participant=True),  # U = 0.079 < 0.08: matched
            supplier(1, participant=True),  # U = 0.081 >= 0.08: not this quarter
            supplier(2, participant=True, matched=True),  # already matched: stays matched
            supplier(3, participant=False),  # not a participant: never matched
        ],
        sc,
    )
    draws = _Uniforms([0.079, 0.081, 0.9, 0.0])
    matching.match(st, organisation(sc), draws)
    assert st.firms.matched[:4].tolist() == [True, False, True, False]
    assert draws.calls == [4]


def test_closed_firms_are_not_matched():
    sc = scenario()
    st = state(
        [supplier(0, participant=True, alive=False), yard(participant=True, matched=False)], sc
    )
    matching.match(st, organisation(sc), _Uniforms([0.0, 0.01]))
    # the closed SME stays unmatched; an unmatched alive participant yard is matched like an SME
    assert st.firms.matched[:2].tolist() == [False, True]


def test_without_an_organisation_nobody_is_matched_but_the_draws_are_made():
    sc = scenario()
    st = state([supplier(0, participant=True), supplier(1, participant=True)], sc)
    draws = _Uniforms([0.0, 0.01])
    matching.match(st, organisation(sc, exists=False), draws)
    assert st.firms.matched[:2].tolist() == [False, False]
    assert draws.calls == [2]  # common random numbers: one draw per slot in every arm


def test_a_seeded_generator_advances_by_one_draw_per_firm_in_both_arms():
    sc = scenario({"organisation.matching_rate_per_quarter": 1.0})  # every candidate matched
    for exists, expected in ((True, [True, True, True]), (False, [False, False, False])):
        st = state([supplier(k, participant=True) for k in range(3)], sc)
        rng = np.random.default_rng(2024)
        matching.match(st, organisation(sc, exists=exists), rng)
        assert st.firms.matched[:3].tolist() == expected
        reference = np.random.default_rng(2024)
        reference.random(3)
        assert rng.random() == reference.random()
