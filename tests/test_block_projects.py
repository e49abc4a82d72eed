"""Block stage 4 (joint projects and their subsidy): each run of a block computed as if alone."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.block import ModelBlock
from sim.model.mechanisms import joint_projects
from sim.model.model import ClusterModel
from sim.model.outcomes import OUTCOME_NAMES
from sim.model.state import State
from sim.run.seeds import replicate_seeds
from sim.scenario.files import SHIPPED_DIR, default_scenario
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"
JP = f"regimes.{ARM}.joint_project_subsidy"
PROJECTS = OUTCOME_NAMES.index("joint_projects")
SUBSIDY = OUTCOME_NAMES.index("cost_joint_project")


def _varied(k: int, **more: float) -> Scenario:
    """A design point whose joint-project parameters differ by ``k``."""
    return apply_overrides(
        default_scenario(),
        {
            "organisation.joint_projects_per_year": 3.0 + 5.0 * k,
            "organisation.project_capex_mln_rub.mean": 150.0 + 120.0 * k,
            "organisation.project_capex_mln_rub.cv": 0.3 + 0.3 * k,
            "organisation.project_return_per_year.mean": 0.14 + 0.05 * k,
            "organisation.project_return_per_year.cv": 0.6 - 0.2 * k,
            "finance.capital_mln_rub_per_capacity": 4.0 + 1.5 * k,
            "finance.productivity_gain_per_investment": 0.01 + 0.03 * k,
            "production.sme_qualification_step": 0.05 + 0.05 * k,
            f"{JP}.rate": 0.2 + 0.2 * k,
            f"{JP}.cap_per_project_mln_rub": 60.0 + 150.0 * k,
            f"{JP}.annual_budget_mln_rub": 80.0 + 200.0 * k,
            f"{JP}.payout_years": 2 + k,
            **more,
        },
    )


def _books(st: State) -> list[bytes]:
    """A run's loan book and ledger."""
    book = st.loans
    cols = [a.tobytes() for a in (book.firm, book.balance, book.rate, book.federal_share)]
    return [*cols, repr(sorted(vars(st.ledger).items())).encode()]


def _columns(st: State) -> list[bytes]:
    """A run's firm columns (its own slots) this stage writes or reads, loan book and ledger."""
    f, n = st.firms, st.firms.n
    names = ("capacity", "productivity", "qualification", "matched", "cash", "debt_market")
    cols = [getattr(f, name)[:n].tobytes() for name in (*names, "debt_pref", "alive")]
    return cols + _books(st)


def _government(m: ClusterModel) -> bytes:
    return repr((m.government.grants, sorted(m.government.spent.items()))).encode()


def test_a_block_of_arms_and_design_points_differing_in_this_stage_equals_lone_runs() -> None:
    ural = load_scenario(SHIPPED_DIR / "ural_machine_building.toml")
    runs = [
        (_varied(0), ARM, 6),  # the cap of 60 a project and the budget of 80 a year bind
        (_varied(1), "decree41_full", 4),
        (default_scenario(), ARM, 5),
        (_varied(2), ARM, 7),
        (_varied(1, **{"organisation.exists": False}), ARM, 6),  # draws, but no projects
        (_varied(1), "de_facto", 8),  # no subsidy: projects on their own financing
        (_varied(0, **{"organisation.project_capex_mln_rub.cv": 0.0}), "loans_only", 9),
        (_varied(2, **{"organisation.joint_projects_per_year": 0.0}), ARM, 3),
        (ural, ARM, 10),
    ]
    block = ModelBlock(runs)
    got = block.run()
    projects, subsidy = [], []
    for (scenario, arm, seed), outcomes, m in zip(runs, got, block.models, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        assert outcomes.tobytes() == alone.run().tobytes()
        assert _columns(m.state) == _columns(alone.state)
        assert _government(m) == _government(alone)
        projects.append(float(np.nansum(outcomes[:, PROJECTS])))
        subsidy.append(float(np.nansum(outcomes[:, SUBSIDY])))
    # the test has teeth: projects where there is an organisation and proposals, of different
    # numbers; the subsidy where the arm offers it, up to the caps and budgets
    assert all(projects[k] > 0 for k in (0, 1, 2, 3, 5, 6, 8))
    assert projects[4] == projects[7] == 0
    assert len({projects[k] for k in (0, 1, 2, 3, 5, 6)}) >= 4
    assert all(subsidy[k] > 0 for k in (0, 1, 2, 3, 8)) and len({*subsidy}) >= 6
    assert subsidy[4] == subsidy[5] == subsidy[6] == subsidy[7] == 0
    grants = [g.per_quarter for g in block.models[0].government.grants]
    assert grants and max(grants) <= 60.0 / (4 * 2)  # the cap, paid over 2 years
    spent = block.models[0].government.spent
    assert max(v for (name, _), v in spent.items() if name == "joint_project") <= 80.0


def _stepped(seeds: list[int], quarters: int) -> ModelBlock:
    block = ModelBlock.of_seeds(_varied(2), ARM, seeds)
    for _ in range(quarters):
        block.step()
    return block


def _state_of(block: ModelBlock) -> list[bytes]:
    out = [t.tobytes() for t in block.firms.tables.values()]
    for m in block.models:
        out += [*_books(m.state), _government(m)]
    return out


def test_the_block_stage_on_some_rows_in_another_order_equals_the_runs_one_by_one() -> None:
    # The rows the stage is given are not 0..k-1: run k of the call is not row k of the tables.
    seeds = replicate_seeds(5, 3)
    blocks = [_stepped(seeds, 8) for _ in range(2)]
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    for b in blocks:  # the quarter's ledger starts empty, as the stage finds it
        for m in b.models:
            m.state.ledger.start_quarter()
    a, b = blocks[0].models, blocks[1].models
    joint_projects.run_block(
        [a[2].state, a[0].state], [a[2].government, a[0].government],
        [a[2].spec.organisation, a[0].spec.organisation],
        [np.random.default_rng(12), np.random.default_rng(10)],
    )  # fmt: skip
    for row in (0, 2):
        m = b[row]
        joint_projects.run(
            m.state, m.government, m.spec.organisation, np.random.default_rng(10 + row)
        )
    assert _state_of(blocks[0]) == _state_of(blocks[1])
    assert a[0].state.ledger.joint_projects > 0 and a[2].state.ledger.joint_projects > 0
    assert a[1].state.ledger.joint_projects == 0  # the row left out is untouched
    before = _stepped(seeds, 8)
    np.testing.assert_array_equal(
        blocks[0].firms.tables["capacity"][1], before.firms.tables["capacity"][1]
    )
    assert not np.array_equal(
        blocks[0].firms.tables["capacity"][0], before.firms.tables["capacity"][0]
    )


def test_the_stage_starts_projects_in_some_run_quarters_and_none_in_others() -> None:
    block = ModelBlock.of_seeds(default_scenario(), ARM, [1, 2, 3, 4])
    got = np.stack([o[:, PROJECTS] for o in block.run()])
    assert (got > 0).any() and (got == 0).any()
    assert (got > 0).sum(axis=1).min() > 0  # every run starts some


def _keys(rng: np.random.Generator, a: np.ndarray) -> list[np.ndarray]:
    return [
        rng.random(5) * a[-1],
        np.sort(rng.normal(size=6)),
        rng.normal(size=6)[::-1].copy(),
        np.array([np.nan, 0.0, a[0], np.nan, a[-1], -np.inf, np.inf]),
        np.zeros(0),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_searchsorted_is_numpys_on_sorted_arrays_with_ties_and_nan(seed: int) -> None:
    # the leads' cumulative capacity: sorted (capacities are not negative), ties where 0
    rng = np.random.default_rng(seed)
    for size in (0, 1, 2, 3, 7, 30, 200):
        ties = np.cumsum(rng.integers(0, 3, size).astype(float))
        nan_last = np.sort(np.where(rng.random(size) < 0.3, np.nan, rng.normal(size=size)))
        for a in (ties, nan_last):
            for keys in _keys(rng, a) if size else [np.array([0.5, np.nan])]:
                got = joint_projects._searchsorted_left(a, keys)
                np.testing.assert_array_equal(got, np.searchsorted(a, keys))


@pytest.mark.parametrize("seed", range(6))
def test_searchsorted_is_numpys_even_on_unsorted_arrays(seed: int) -> None:
    # out of searchsorted's contract (never in the model): the same search as NumPy 2.x
    rng = np.random.default_rng(seed)
    for size in (1, 2, 3, 7, 30, 200):
        unsorted = rng.normal(size=size)
        with_nan = np.where(rng.random(size) < 0.3, np.nan, rng.normal(size=size))
        for a in (unsorted, with_nan):
            for keys in _keys(rng, a):
                got = joint_projects._searchsorted_left(a, keys)
                np.testing.assert_array_equal(got, np.searchsorted(a, keys))


def test_draws_of_size_zero_draw_nothing() -> None:
    # run_block makes no draw of size 0 (a quarter without proposals): numpy's draw nothing
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    rng.lognormal(0.5, 0.3, 0)
    rng.random(0)
    rng.random((0, 3))
    assert rng.bit_generator.state == state
