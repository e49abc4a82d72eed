"""The premises of the compiled firm drawing (sim.model.population): the same numbers as numpy.

:meth:`Population.fill` takes one block of standard normals and computes each lognormal as
``exp(mu + sigma * z)`` and each taste as ``0 + sd * z``; these tests check, against the
per-column ``rng.lognormal``/``rng.normal`` calls it replaced, that the columns are the same
bit for bit and that the generator is left in the same state.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from tiny import scenario

from sim.model.distributions import lognormal
from sim.model.population import Population
from sim.model.state import State


def _by_column(rng: np.random.Generator, spec, gi: int, n: int) -> dict[str, np.ndarray]:
    """A group's drawn columns the way they were drawn before: one generator call per column."""
    g = spec.firm_groups[gi]
    emp = np.maximum(1.0, lognormal(rng, g.employment.mean, g.employment.cv, n))
    prod = lognormal(
        rng,
        g.productivity_mln_rub_per_worker_year.mean,
        g.productivity_mln_rub_per_worker_year.cv,
        n,
    )
    q = lognormal(rng, g.qualification.mean, g.qualification.cv, n)
    qual = np.clip(q, 0.0, 1.0) if g.role == "component" else np.ones(n)
    taste = rng.normal(0.0, spec.membership.heterogeneity_sd, n)
    base = prod * emp / 4.0
    return {
        "employment": emp,
        "productivity": prod,
        "qualification": qual,
        "taste": taste,
        "capacity": base * (1.0 + g.capacity_headroom),
        "cash": g.cash_quarters_of_revenue * base,
    }


@pytest.mark.parametrize(
    "overrides",
    [None, {"firm_groups.2.employment.cv": 0.0}],  # cv 0: the mean, no draws
    ids=["shipped", "employment_cv_0"],
)
def test_fill_draws_the_same_numbers_as_one_call_per_column(overrides):
    spec = scenario(overrides)
    for gi in range(len(spec.firm_groups)):
        st = State(spec, 64)
        pop = Population(mesa.Model(rng=0), st)
        st.firms.add(3)  # the group's firms go after some slots
        rng, ref = np.random.default_rng(gi), np.random.default_rng(gi)
        sl = pop.add(rng, 17, gi, 5, 1.0)
        want = _by_column(ref, spec, gi, 17)
        for name, values in want.items():
            got = getattr(st.firms, name)[sl]
            assert got.tobytes() == values.tobytes(), (gi, name)
        assert rng.random() == ref.random()  # the stream is where the old calls left it
        st.firms.group[:3] = 0  # the slots added by hand: give them a group to make agents
        assert [a.idx for a in pop.agents] == list(range(20))  # one agent per slot, when asked
        assert {a.group for a in pop.agents[3:]} == {spec.firm_groups[gi].name}
        # entrants: born now, at the given price, no output, order book or membership yet
        f = st.firms
        assert (f.born_quarter[sl] == 5).all() and (f.last_contract_quarter[sl] == -100).all()
        assert (f.price[sl] == 1.0).all() and not f.output[sl].any()
        assert not f.order_book[sl].any() and not (f.participant[sl] | f.matched[sl]).any()
