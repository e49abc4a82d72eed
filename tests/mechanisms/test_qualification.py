"""Stage 7b, sim.model.mechanisms.qualification: SMEs invest to qualify for a yard's chain.

Astrakhan values used below: threshold 0.6, step 0.1, step cost 3 (x 0.7 = 2.1 when matched),
cash buffer 0.5 quarters of revenue; the expected gain is 0.15 x 8 quarters x the trade's SME
cluster sales / (qualified suppliers of the trade + 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.agents import SME
from sim.model.mechanisms import qualification

SEED = 20240607


def _de_facto(st):
    """The de-facto arm: no starter-batch subsidy, so no first-batch sales are expected."""
    return government(st.spec)


def _decide(q, cash, gain, cost=3.0):
    return SME.qualification_decision(
        np.array([q]), 0.6, 0.1, np.array([cost]), np.array([cash]), np.array([gain])
    )[0]


def test_decision_at_the_cash_boundary():
    # q = 0.5: ceil(0.1 / 0.1) = 1 step of cost 3; gain 10 > 3
    assert _decide(0.5, cash=3.0, gain=10.0)  # cash just enough for the next step
    assert not _decide(0.5, cash=2.99, gain=10.0)  # not enough


def test_decision_at_the_gain_boundary_counts_the_remaining_steps():
    # q = 0.4: ceil(0.2 / 0.1) = 2 steps x 3 = 6 must be strictly exceeded
    assert not _decide(0.4, cash=3.0, gain=6.0)
    assert _decide(0.4, cash=3.0, gain=6.01)
    # q = 0.55: ceil(0.05 / 0.1) = 1 step -> gain 3.01 > 3 suffices
    assert _decide(0.55, cash=3.0, gain=3.01)
    assert not _decide(0.55, cash=3.0, gain=3.0)
    # q = 0.3: 3 steps x matched cost 2.1 = 6.3
    assert not _decide(0.3, cash=2.1, gain=6.3, cost=2.1)
    assert _decide(0.3, cash=2.1, gain=6.31, cost=2.1)


def test_decision_at_or_above_the_threshold_is_no():
    assert not _decide(0.6, cash=100.0, gain=100.0)
    assert not _decide(0.9, cash=100.0, gain=100.0)


def test_qualify_raises_an_sme_by_a_noisy_step_and_charges_the_cost():
    st = state([
        supplier(0, qualification=0.8, sales_cluster=20.0, cash=0.0),  # qualified
        supplier(0, qualification=0.5, sales_cluster=0.0, output=4.0, price=1.0, cash=5.0),
        supplier(0, qualification=0.5, sales_cluster=0.0, output=4.0, price=1.0, cash=4.99),
        supplier(0, qualification=0.5, sales_cluster=0.0, output=4.0, price=1.0, cash=4.2,
                 matched=True),
    ], scenario())  # fmt: skip
    qualification.qualify(st, _de_facto(st), np.random.default_rng(SEED))
    noise = np.random.default_rng(SEED).uniform(0.5, 1.5, 4)  # the stage's one draw per firm
    f = st.firms
    # trade 0: sales 20, 1 qualified -> per newcomer 20 / 2 = 10 -> gain 0.15 x 8 x 10 = 12
    # firm 1: 1 step x 3 = 3 < 12, cash above buffer 5 - 0.5 x 4 = 3 >= 3 -> invests
    # firm 2: 4.99 - 2 = 2.99 < 3 -> does not
    # firm 3: matched, cost 3 x 0.7 = 2.1, cash 4.2 - 2 = 2.2 >= 2.1 -> invests
    assert f.qualification[:4].tolist() == pytest.approx(
        [0.8, 0.5 + 0.1 * noise[1], 0.5, 0.5 + 0.1 * noise[3]], rel=1e-12
    )
    assert f.cash[:4].tolist() == pytest.approx([0.0, 2.0, 4.99, 2.1], rel=1e-12)
    assert st.ledger.investment == pytest.approx(3.0 + 2.1, rel=1e-12)


def test_qualify_compares_the_shared_gain_with_the_remaining_cost():
    st = state([
        supplier(1, qualification=0.7, sales_cluster=11.0),  # qualified, machinery
        supplier(1, qualification=0.4, output=0.0, cash=10.0),  # 2 steps, 6 to go
        supplier(2, qualification=0.7, sales_cluster=9.0),  # qualified, electrical
        supplier(2, qualification=0.4, output=0.0, cash=10.0),
    ], scenario())  # fmt: skip
    qualification.qualify(st, _de_facto(st), np.random.default_rng(SEED))
    noise = np.random.default_rng(SEED).uniform(0.5, 1.5, 4)
    f = st.firms
    # machinery: 0.15 x 8 x 11 / 2 = 6.6 > 2 x 3 -> invests
    # electrical: 0.15 x 8 x 9 / 2 = 5.4 < 6 -> does not
    assert f.qualification[1] == pytest.approx(0.4 + 0.1 * noise[1], rel=1e-12)
    assert f.qualification[3] == 0.4
    assert f.cash[[1, 3]].tolist() == pytest.approx([7.0, 10.0], rel=1e-12)


def test_qualify_ignores_large_firms_and_dead_smes():
    st = state([
        yard(qualification=0.3, cash=100.0, sales_cluster=50.0),
        supplier(0, qualification=0.5, cash=100.0, output=0.0, alive=False),
        supplier(0, qualification=0.7, sales_cluster=50.0),
    ], scenario())  # fmt: skip
    qualification.qualify(st, _de_facto(st), np.random.default_rng(SEED))
    assert st.firms.qualification[:3].tolist() == [0.3, 0.5, 0.7]
    assert st.firms.cash[:2].tolist() == [100.0, 100.0]
    assert st.ledger.investment == 0.0
