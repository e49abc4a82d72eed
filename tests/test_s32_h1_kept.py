"""What stages keep across calls (issue 17, session 32): kept values are never stale.

The firm tables' row arrays (:func:`sim.model.firms.firm_tables`, :func:`block_rows`), a
run's stage terms and cost parameters kept on its state (``State.kept``), and the planning of
the projects' loan values for leaders only (``membership._add_project_loans``) give exactly
what computing them afresh gives.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from sim.model.block import ModelBlock
from sim.model.firms import FirmBlock, block_rows, firm_tables
from sim.model.mechanisms import financing, market, membership, prices, record
from sim.model.model import ClusterModel
from sim.model.state import (
    KIND_LARGE,
    KIND_SME,
    ROLE_FINAL,
    cost_params,
    supplier_price_refs,
    yard_delivery_columns,
)
from sim.scenario.files import default_scenario

ARM = "cluster_support_2020s"


# --------------------------------------------------------------------------------------------
# firm_tables / block_rows
# --------------------------------------------------------------------------------------------
def test_block_rows_are_the_rows_asked_for_in_their_order() -> None:
    block = FirmBlock(4, 16)
    firms = [block.table(row) for row in range(4)]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0], [1], [0, 1, 2, 3], [3, 2, 1, 0]):
        got, rows = block_rows([firms[r] for r in order])
        assert got is block
        assert rows.tolist() == order
        _, rows = firm_tables([firms[r] for r in order])
        assert rows.tolist() == order
    # the same runs in the same order: the same array, not a new one each call
    assert block_rows(firms)[1] is block_rows(firms)[1]


def test_block_rows_kept_are_bounded_and_a_copy_keeps_its_own() -> None:
    block = FirmBlock(8, 16)
    firms = [block.table(row) for row in range(8)]
    for r in range(8):
        for s in range(8):
            assert block_rows([firms[r], firms[s]])[1].tolist() == [r, s]
            assert block_rows([firms[s], firms[r], firms[s]])[1].tolist() == [s, r, s]
    assert 0 < len(block._rows) <= 64
    twin = copy.deepcopy(firms)
    assert twin[0].block is not block
    assert block_rows(twin[::-1])[1].tolist() == list(range(8))[::-1]
    assert block_rows(twin[::-1])[0] is twin[0].block


def test_block_rows_refuse_rows_of_two_blocks() -> None:
    a, b = FirmBlock(2, 16), FirmBlock(2, 16)
    with pytest.raises(ValueError, match="not rows of one FirmBlock"):
        block_rows([a.table(0), b.table(1)])
    with pytest.raises(ValueError, match="not rows of one FirmBlock"):
        block_rows([a.table(0), a.table(1), b.table(0)])


def test_a_lone_runs_rows_are_its_row_also_after_a_copy_or_pickle() -> None:
    block = FirmBlock(3, 16)
    for row in range(3):
        f = block.table(row)
        assert firm_tables([f])[1].tolist() == [row]
        assert firm_tables([f])[0] is block.tables
    model = ClusterModel(default_scenario(), ARM, rng=1)
    for twin in (copy.deepcopy(model.firms), pickle.loads(pickle.dumps(model.firms))):
        t, rows = firm_tables([twin])
        assert rows.tolist() == [twin.row] == [0]
        assert t is twin.block.tables


# --------------------------------------------------------------------------------------------
# stage 2: the projects' loan values, planned for the leaders only
# --------------------------------------------------------------------------------------------
def test_project_loans_of_leaders_only_equal_every_firms_plans() -> None:
    """Bit for bit ``financing._add_loan_value`` of every firm, signed zeros and NaN kept."""
    rng = np.random.default_rng(7)
    n = 300
    for trial in range(20):
        projects = np.zeros(n)
        lead = rng.random(n) < 0.1
        projects[lead] = rng.random(lead.sum()) * 2
        projects[rng.random(n) < 0.1] = -0.0
        projects[rng.random(n) < 0.02] = np.nan
        value = rng.normal(0, 1, n) * (rng.random(n) < 0.5)
        value[rng.random(n) < 0.2] = -0.0
        table = np.zeros((3, 8))
        table[:, financing._RATE] = [0.03, 0.05, 0.08]
        table[:, financing._SHARE] = 0.8
        table[:, financing._MAX_LOAN] = [50.0, 200.0, 500.0]
        table[:, financing._BUDGET_LEFT] = [100.0, 1e9, 1e9]
        table[:, financing._BORROWERS] = [financing._ANY, financing._LARGE_ONLY, financing._ANY]
        target = np.array([True, False, True])
        terms = np.array([3.0, 1.0, 0.16, 0.12, 1.0, 1.0])
        alive = rng.random(n) < 0.9
        kind = np.where(rng.random(n) < 0.2, KIND_LARGE, KIND_SME).astype(np.int64)
        cols = (
            rng.normal(5, 5, n), rng.random(n) * 20, rng.random(n) * 5, kind,
            rng.random(n) * 30, rng.random(n) * 10, 1 + rng.random(n),
        )  # fmt: skip
        receivable = rng.random(n) * 3
        capex = 40.0 + trial
        want = value.copy()
        financing._add_loan_value(
            want, projects, table, target, 20, np.full(n, capex), receivable, alive, terms, *cols
        )
        got = value.copy()
        membership._add_project_loans(
            got, projects, table, target, 20, capex, receivable, terms, alive, *cols
        )
        assert got.tobytes() == want.tobytes()
        assert np.signbit(got).tolist() == np.signbit(want).tolist()
        changed = want != value
        assert changed[lead & alive].any()  # leaders' plans lend something


# --------------------------------------------------------------------------------------------
# what a run keeps on its state
# --------------------------------------------------------------------------------------------
def test_membership_terms_follow_the_organisation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept by whether the organisation exists: outsiders hear of it once it does."""
    model = ClusterModel(default_scenario(), ARM, rng=3)
    st, gov, org = model.state, model.government, model.organisation
    seen: list[np.ndarray] = []
    real = membership._reconsidering_rows

    def spy(rows, ns, u, params, alive, participant):
        seen.append(params.copy())
        return real(rows, ns, u, params, alive, participant)

    monkeypatch.setattr(membership, "_reconsidering_rows", spy)
    rng = np.random.default_rng(0)
    for exists in (False, True, False, True):
        org.exists = exists
        membership.reconsider_block([st], [gov], [org], [rng])
        want = np.array(membership._stage_terms(st, exists))
        assert seen[-1][0].tobytes() == want.tobytes()
    assert seen[1][0, membership._OUTSIDERS] == 1 + st.spec.organisation.recruit_bonus
    assert seen[0][0, membership._OUTSIDERS] == 1.0


def test_cost_parameters_follow_agglomeration_base() -> None:
    model = ClusterModel(default_scenario(), ARM, rng=5)
    st = model.state
    first = cost_params([st]).copy()
    assert cost_params([st]) is cost_params([st])  # kept
    st.agglo_base = st.agglo_base * 2.0
    now = cost_params([st])
    assert now[0, 0] == st.agglo_base != first[0, 0]
    assert now[0, 1:].tobytes() == first[0, 1:].tobytes()
    together = cost_params([st, st])
    assert together.tobytes() == np.concatenate([now, now]).tobytes()


def test_prices_follow_the_numeraire() -> None:
    """A lone run's numeraire is read each quarter: a new one prices the final producers."""
    model = ClusterModel(default_scenario(), ARM, rng=5)
    st = model.state
    f, n = st.firms, st.firms.n
    final = (f.role[:n] == 0) & f.alive[:n]
    for comp in (1.0, 1.25, 0.8):
        st.cost_comp = comp
        prices.update_prices_block([st])
        want = f.unit_cost[:n][final] / comp
        assert f.price[:n][final].tobytes() == want.tobytes()


def test_supplier_price_offsets_of_a_lone_run() -> None:
    model = ClusterModel(default_scenario(), ARM, rng=5)
    st = model.state
    c, c_at, p, p_at = supplier_price_refs([st])
    assert c_at.tolist() == [0, c.size] and p_at.tolist() == [0, p.size]
    st.supplier_cost0 = np.ones(c.size + 3)
    c, c_at, _, _ = supplier_price_refs([st])
    assert c_at.tolist() == [0, c.size]


def test_recording_leaves_the_loan_book_as_it_was() -> None:
    """A lone run's loan book is read as it is by the outcome kernels, never written."""
    block = ModelBlock.of_seeds(default_scenario(), ARM, [11])
    model = block.models[0]
    for _ in range(12):
        block.step()
        book = model.state.loans
        before = [c.copy() for c in book._cols.values()]
        record._record([model.state], [model.government], block.firms.tables, [0])
        after = list(book._cols.values())
        assert all(a.tobytes() == b.tobytes() for a, b in zip(before, after, strict=True))
    assert len(model.state.loans) > 0


# --------------------------------------------------------------------------------------------
# stage 2: the values of the firms reconsidering only; stage 1: the yards' queries
# --------------------------------------------------------------------------------------------
def test_values_of_the_firms_asked_for_equal_every_firms_values() -> None:
    """``only``: those firms' values bit for bit; others are left without plans (teeth)."""
    runs = [
        (default_scenario(), ARM, 6), (default_scenario(), "decree41_full", 5),
        (default_scenario(), "loans_only", 4), (default_scenario(), ARM, 7),
    ]  # fmt: skip
    block = ModelBlock(runs)
    order = [3, 1, 0, 2]
    rng = np.random.default_rng(2)
    left_out = 0
    for _ in range(20):
        block.step()
        models = [block.models[k] for k in order]
        states, govs = [m.state for m in models], [m.government for m in models]
        orgs = [m.organisation for m in models]
        cap, runs_ = block.firms.cap, len(models)
        full = np.zeros((runs_, cap))
        membership._add_expected_values(full, states, govs, orgs, list(range(runs_)))
        only = rng.random((runs_, cap)) < rng.random((runs_, 1))  # a share per run
        part = np.zeros((runs_, cap))
        membership._add_expected_values(part, states, govs, orgs, list(range(runs_)), only=only)
        assert part[only].tobytes() == full[only].tobytes()
        left_out += int((part[~only] != full[~only]).sum())
    assert left_out > 0


def test_the_yards_queries_are_the_states() -> None:
    block = ModelBlock.of_seeds(default_scenario(), ARM, [8])
    st = block.models[0].state
    t = block.firms.tables
    yards = 0
    for _ in range(10):
        block.step()
        f, n = st.firms, st.firms.n
        p = np.zeros(10)
        p[market._WINDOW] = float(st.spec.market.order_window_quarters)
        p[market._E0 :] = st.delivery_parameters()
        free, delivery = market._yard_queries(
            n, t["role"][0], t["alive"][0], t["participant"][0], t["productivity"][0],
            t["employment"][0], t["capacity"][0], t["order_book"][0], p,
        )  # fmt: skip
        fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
        assert free[fin].tobytes() == st.free_capacity()[fin].tobytes()
        assert delivery[fin].tobytes() == st.delivery()[fin].tobytes()
        assert not free[~fin].any() and not delivery[~fin].any()
        yards += int(fin.sum())
        closed = t["alive"][0].copy()  # a yard that closed has no delivery time
        first = int(np.flatnonzero(fin)[0])
        closed[first] = False
        gone = yard_delivery_columns(
            t["role"][0], closed, t["participant"][0], t["productivity"][0], t["employment"][0],
            t["capacity"][0], t["order_book"][0], n, *st.delivery_parameters(),
        )  # fmt: skip
        assert gone[first] == 0.0 < delivery[first]
    assert yards > 0
