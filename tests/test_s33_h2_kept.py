"""Per-block parameter rows kept by stages 4, 7 and 7b (session 33, helper 2).

Each stage keeps its block's per-run parameter rows by the runs' scenarios (their ids, in
order). A block given in another order, or with other design points, must get its own rows.
"""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import investment, joint_projects, qualification
from sim.scenario.files import default_scenario
from sim.scenario.overrides import apply_overrides

ARM = "cluster_support_2020s"


def _states():
    varied = [
        apply_overrides(
            default_scenario(),
            {
                "finance.capital_mln_rub_per_capacity": 4.0 + 1.5 * k,
                "finance.productivity_gain_per_investment": 0.01 + 0.03 * k,
                "finance.investment_share_of_gap": 0.3 + 0.2 * k,
                "production.sme_qualification_step": 0.05 + 0.05 * k,
                "production.sme_qualification_cost_mln_rub": 2.0 + 1.0 * k,
                "sourcing.qualification_threshold": 0.5 + 0.1 * k,
            },
        )
        for k in range(3)
    ]
    block = ModelBlock([(sc, ARM, 3) for sc in varied])
    block.step()
    return [m.state for m in block.models]


def _expected_apply(st) -> tuple[float, float, float]:
    s = st.spec
    return (
        s.finance.capital_mln_rub_per_capacity,
        s.finance.productivity_gain_per_investment,
        2 * s.production.sme_qualification_step,
    )


def test_each_blocks_kept_rows_are_its_runs_in_its_order() -> None:
    states = _states()
    for order in (states, states[::-1], states[1:], states[:1], [states[2], states[0]]):
        for _ in range(2):  # built, then found again
            got = investment._block_params(order)
            want = np.array([(*investment._constants(st), st.firms.n) for st in order])
            assert got.tobytes() == want.tobytes()
            got = qualification._block_params(order)
            want = np.array([qualification._params(st) for st in order], dtype=np.float64)
            assert got.tobytes() == want.tobytes()
            got = joint_projects._apply_params(order)
            want = np.array([_expected_apply(st) for st in order])
            assert got.tobytes() == want.tobytes()


def test_investments_rows_count_each_runs_slots_now() -> None:
    """The kept rows are copied: the slots column is each run's now, not when kept."""
    states = _states()
    first = investment._block_params(states)
    states[0].firms.n += 1
    try:
        again = investment._block_params(states)
    finally:
        states[0].firms.n -= 1
    assert again[0, investment._SLOTS] == first[0, investment._SLOTS] + 1
    assert investment._block_params(states).tobytes() == first.tobytes()
