"""Block stages 2 and 3 (join / leave; the registry): each run of a block computed as if alone."""

from __future__ import annotations

import numpy as np

from sim.model.block import ModelBlock
from sim.model.mechanisms import (
    financing,
    investment,
    joint_projects,
    membership,
    registry,
    starter_batches,
    tax_relief,
)
from sim.model.model import QUARTER, ClusterModel, begin_quarters, end_quarters
from sim.scenario.files import SHIPPED_DIR, default_scenario
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

ARM = "cluster_support_2020s"
SB = f"regimes.{ARM}.starter_batch_subsidy"
TR = "regimes.tax_relief_only.tax_relief"


def _varied(k: int) -> Scenario:
    """A design point whose membership, registry and expected instruments differ by ``k``."""
    return apply_overrides(
        default_scenario(),
        {
            "membership.reconsider_share_per_quarter": 0.10 + 0.10 * k,
            "membership.network_benefit_share_of_sales": 0.01 + 0.01 * k,
            "membership.fee_mln_rub_per_year": 0.15 + 0.20 * k,
            "membership.compliance_cost_mln_rub_per_year": 0.25 - 0.10 * k,
            "membership.benefit_scale_mln_rub": 2.0 - 0.5 * k,
            "membership.peer_weight": 1.5 + 0.5 * k,
            "organisation.recruit_bonus": 0.5 + 1.0 * k,
            "registry.min_industrial_participants": 10 - 2 * k,
            "registry.functional_dependence_default": 0.20 - 0.05 * k,
            "registry.processing_lag_quarters": 2 + k,
            "registry.validity_years": 3 - k,
            "registry.contract_memory_quarters": 4 - k,
            "registry.max_non_producing": 3 - k,
            "sme_demography.non_producing_quarters": 2 + k,
            f"{SB}.rate": 0.4 + 0.2 * k,
            f"{SB}.cap_per_applicant_mln_rub": 20.0 + 60.0 * k,
            f"{SB}.annual_budget_mln_rub": 40.0 + 80.0 * k,
            f"{TR}.regional_profit_tax_cut": 0.02 + 0.02 * k,
            f"{TR}.property_tax_cut": 0.004 + 0.004 * k,
            f"{TR}.years": 1 + k,
            "taxes.property_tax": 0.018 + 0.004 * k,
        },
    )


def _trace(model: ClusterModel) -> bytes:
    """What stages 2 and 3 write of a run: its membership columns and registry record."""
    st, gov = model.state, model.government
    f, n = st.firms, st.firms.n
    record = (
        gov.registered, gov.registered_quarter, gov.expires_quarter, gov.pending_decision_quarter,
        gov.pending_kind, gov.decisions, model.organisation.applications, st.last_check,
    )  # fmt: skip
    return f.participant[:n].tobytes() + f.matched[:n].tobytes() + repr(record).encode()


def _changes(block: ModelBlock) -> tuple[np.ndarray, list[int]]:
    """Run the block; the firms stage 2 moves in or out per run and quarter, and the decisions."""
    moves = []
    while block.models[0].state.quarter < block.models[0].horizon:
        rngs = begin_quarters(block.models)
        for name, stage in QUARTER:
            before = block.firms.tables["participant"].copy() if name.startswith("2 ") else None
            stage(block.models, rngs)
            if before is not None:
                moves.append((before != block.firms.tables["participant"]).sum(axis=1))
        end_quarters(block.models)
    return np.array(moves).T, [len(m.government.decisions) for m in block.models]


def test_a_block_of_arms_and_design_points_differing_in_these_stages_equals_lone_runs() -> None:
    no_organisation = apply_overrides(default_scenario(), {"organisation.exists": False})
    ural = load_scenario(SHIPPED_DIR / "ural_machine_building.toml")
    runs = [
        (_varied(0), ARM, 6),
        (_varied(1), "de_facto", 4),
        (default_scenario(), ARM, 5),
        (no_organisation, ARM, 6),
        (_varied(2), "tax_relief_only", 6),
        (_varied(1), "loans_only", 8),
        (_varied(2), "decree41_full", 7),
        (_varied(0), "placebo", 3),
        (ural, ARM, 10),
        (_varied(0), "tax_relief_only", 9),
        (default_scenario(), "tax_relief_only", 4),
    ]
    block = ModelBlock(runs)
    moves, decisions = _changes(block)
    for (scenario, arm, seed), model in zip(runs, block.models, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        outcomes = alone.run()
        assert model.outcomes.tobytes() == outcomes.tobytes()
        assert _trace(model) == _trace(alone)
    # the test has teeth: firms join or leave in some run-quarters and not in others, more
    # often where more reconsider; the registry decides where a regime offers registration
    assert (moves > 0).any() and (moves == 0).any()
    assert moves[4].sum() > moves[0].sum()  # reconsider shares 0.30 and 0.10
    assert decisions[1] == 0 and all(decisions[k] > 0 for k in (0, 2, 4, 5, 6, 7, 8, 9, 10))
    assert decisions[3] == 0  # no specialised organisation: it never files
    registered = [m.government.registered_quarter for m in block.models]
    assert len({registered[k] for k in (0, 2, 4, 6)}) > 1  # lags and criteria differ


def _state_of(block: ModelBlock) -> list[bytes]:
    tables = [t.tobytes() for t in block.firms.tables.values()]
    return [*tables, *(_trace(m) for m in block.models)]


def _stages_0_and_1(block: ModelBlock) -> list[dict]:
    rngs = begin_quarters(block.models)
    for _, stage in QUARTER[:2]:
        stage(block.models, rngs)
    return rngs


def test_the_block_stages_on_some_rows_in_another_order_equal_the_runs_one_by_one() -> None:
    # The rows a stage is given are not 0..k-1: run k of the call is not row k of the tables.
    runs = [(_varied(1), ARM, 4), (_varied(2), "de_facto", 6), (_varied(0), "tax_relief_only", 5)]
    blocks = [ModelBlock(runs) for _ in range(2)]
    for quarter in range(14):
        for b in blocks:
            b.step()
        assert _state_of(blocks[0]) == _state_of(blocks[1])
        rngs = [_stages_0_and_1(b) for b in blocks]
        together = [blocks[0].models[k] for k in (2, 0)]
        states = [m.state for m in together]
        govs, orgs = [m.government for m in together], [m.organisation for m in together]
        membership.reconsider_block(states, govs, orgs, [rngs[0][k]["membership"] for k in (2, 0)])
        registry.apply_and_decide_block(states, govs, orgs)
        for k in (0, 2):
            m = blocks[1].models[k]
            membership.reconsider(m.state, m.government, m.organisation, rngs[1][k]["membership"])
            registry.apply_and_decide(m.state, m.government, m.organisation)
        assert _state_of(blocks[0]) == _state_of(blocks[1]), quarter
        # finish the quarter in both (run 1 takes stages 2 and 3 alone, in both)
        for b, r in zip(blocks, rngs, strict=True):
            m = b.models[1]
            membership.reconsider(m.state, m.government, m.organisation, r[1]["membership"])
            registry.apply_and_decide(m.state, m.government, m.organisation)
            for _, stage in QUARTER[4:]:
                stage(b.models, r)
            end_quarters(b.models)
    assert blocks[0].models[0].government.registered


def test_the_criteria_of_a_block_are_each_runs_own_queries() -> None:
    # Contracts 3 quarters old count in a memory of 4 quarters, not of 2; firms born 3 quarters
    # ago are still organising production where that takes 4 quarters, not 2.
    runs = [(_varied(0), ARM, 4), (_varied(2), ARM, 6), (default_scenario(), "de_facto", 5)]
    block = ModelBlock(runs)
    for _ in range(8):
        block.step()
    for row, m in enumerate(block.models):
        st = m.state
        f, n, q = st.firms, st.firms.n, st.quarter
        f.participant[:n] = np.arange(n) % 4 != 3
        f.last_contract_quarter[:n] = np.where(np.arange(n) % 3 == 0, q - 4, q - 1)
        f.born_quarter[:n] = np.where(np.arange(n) % 5 == row, q - 3, -100)
        f.special_territory[:n] = (np.arange(n) % 2 == 0) & (row == 0)
    order = (2, 0, 1)
    models = [block.models[k] for k in order]
    checks = registry.criteria_block(
        [m.state for m in models], [m.government for m in models], [m.organisation for m in models]
    )
    members = []
    for m, check in zip(models, checks, strict=True):
        st, roster = m.state, m.state.roster()
        special = int((roster & st.firms.special_territory[: st.firms.n]).sum())
        expected = m.government.check_criteria(
            n_participants=int(roster.sum()),
            functional_dependence=st.functional_dependence(roster),
            special_share=special / int(roster.sum()),
            n_non_producing=int((roster & st.non_producing()).sum()),
            all_have_contracts=True,
            organisation=m.organisation.exists,
        )
        assert check == expected
        members.append((check.n_participants, check.n_non_producing))
    # the test has teeth: the memory windows and the non-producing quarters differ by run
    assert members[1][0] > members[2][0]  # memories of 4 and 2 quarters
    assert members[2][1] > 0 == members[0][1] == members[1][1]  # 4 quarters, not 2
    assert len({c.fd_threshold for c in checks}) == 2  # shares in special territories differ


def test_the_instruments_a_block_expects_are_each_runs_own() -> None:
    # What firms expect of the regime's instruments (net benefit's value), for runs given out
    # of order, equals each run's computed alone; so do the starter-batch claims and the relief.
    runs = [
        (_varied(0), ARM, 6), (default_scenario(), ARM, 5), (_varied(1), "tax_relief_only", 4),
        (_varied(2), ARM, 7), (_varied(0), "tax_relief_only", 9),
    ]  # fmt: skip
    block = ModelBlock(runs)
    order = [4, 3, 1, 0, 2]
    claimed = relieved = 0
    for _ in range(24):
        block.step()
        models = [block.models[k] for k in order]
        states, govs = [m.state for m in models], [m.government for m in models]
        orgs = [m.organisation for m in models]
        together = np.zeros((len(models), block.firms.cap))
        membership._add_expected_values(together, states, govs, orgs, list(range(len(models))))
        for j, m in enumerate(models):
            alone = np.zeros((1, block.firms.cap))
            membership._add_expected_values(alone, [m.state], [m.government], [m.organisation], [0])
            assert together[j].tobytes() == alone[0].tobytes()
        for module, instrument in (
            (starter_batches, "starter_batch_subsidy"), (tax_relief, "tax_relief")
        ):  # fmt: skip
            some = [m for m in models if getattr(m.government.regime, instrument) is not None]
            rules = [getattr(m.government.regime, instrument) for m in some]
            rows = module.expected_benefits(
                [m.state for m in some], [m.government for m in some], rules
            )
            for row, m, rule in zip(rows, some, rules, strict=True):
                own = module.expected_benefit(m.state, m.government, rule)
                assert row[: m.state.firms.n].tobytes() == own.tobytes()
            if module is starter_batches:
                claimed += int((rows > 0).any(axis=1).sum())
            else:
                relieved += int((rows > 0).any(axis=1).sum())
    # the test has teeth: buyers expect claims and firms expect relief in some run-quarters
    assert claimed > 0 and relieved > 0


JP = f"regimes.{ARM}.joint_project_subsidy"
PL = f"regimes.{ARM}.preferential_loans"


def _instruments(k: int, **extra: object) -> Scenario:
    """A design point whose joint-project subsidy, preferential loans and projects differ by k."""
    return apply_overrides(
        default_scenario(),
        {
            f"{JP}.rate": 0.2 + 0.2 * k,
            f"{JP}.cap_per_project_mln_rub": 100.0 + 150.0 * k,
            f"{JP}.payout_years": 2 + k,
            f"{JP}.annual_budget_mln_rub": 60.0 + 200.0 * k,
            "regimes.decree41_full.joint_project_subsidy.rate": 0.3 + 0.2 * k,
            f"{PL}.spread": 0.02 + 0.02 * k,
            f"{PL}.max_share_of_project": 0.5 + 0.2 * k,
            f"{PL}.max_loan_mln_rub": 100.0 + 100.0 * k,
            f"{PL}.term_years": 3 + 2 * k,
            f"{PL}.annual_budget_mln_rub": 80.0 + 200.0 * k,
            "regimes.loans_only.preferential_loans.spread": 0.01 + 0.03 * k,
            "regimes.loans_only.preferential_loans.term_years": 7 - 2 * k,
            "organisation.joint_projects_per_year": 1.0 + 2.0 * k,
            "organisation.project_capex_mln_rub.mean": 150.0 + 100.0 * k,
            "organisation.project_return_per_year.mean": 0.10 + 0.03 * k,
            "finance.max_debt_to_ebitda": 2.0 + 1.0 * k,
            **extra,
        },
    )


def test_a_block_differing_in_the_projects_and_loans_expected_equals_lone_runs() -> None:
    first, second = _instruments(0), _instruments(2)
    runs = [
        (first, ARM, 6), (second, ARM, 7), (_instruments(1), "loans_only", 5),
        (second, "decree41_full", 4), (first, "loans_only", 8),
        (_instruments(1, **{"organisation.exists": False}), ARM, 3),
        (first, "tax_relief_only", 4), (load_scenario(SHIPPED_DIR / "ural_machine_building.toml"),
        "loans_only", 9), (second, "loans_only", 6),
    ]  # fmt: skip
    block = ModelBlock(runs)
    moves, _ = _changes(block)
    for (scenario, arm, seed), model in zip(runs, block.models, strict=True):
        alone = ClusterModel(scenario, arm, rng=seed)
        outcomes = alone.run()
        assert model.outcomes.tobytes() == outcomes.tobytes()
        assert _trace(model) == _trace(alone)
    assert (moves > 0).any() and (moves == 0).any()


def _one_run_parts(model: ClusterModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """What a run's firms expect, composed of the one-run functions as stage 2 once did.

    Returns the value (projects' subsidy, starter batches, loans, relief, added in that order)
    and its projects' and loans' parts alone, and the subsidy of a project (0 without).
    """
    st, gov, org = model.state, model.government, model.organisation
    n, spec, regime = st.firms.n, st.spec, gov.regime
    jp, loans = regime.joint_project_subsidy, regime.preferential_loans
    value, subsidy, lent = np.zeros(n), np.zeros(n), np.zeros(n)
    due = gov.receivable(n)
    programmes = financing._programmes(st, gov)
    terms = financing._terms(st, gov, True)
    projects, sub = np.zeros(n), 0.0
    if org.exists and (jp is not None or loans is not None):
        projects, sub = joint_projects.expected_projects(st, gov, spec.organisation, jp)
    if jp is not None and org.exists:
        subsidy = joint_projects.expected_benefit(
            st, gov, jp, spec.organisation, expected=(projects, sub)
        )
        value += subsidy
    if regime.starter_batch_subsidy is not None:
        value += starter_batches.expected_benefit(st, gov, regime.starter_batch_subsidy)
    if loans is not None:
        outlays = [(np.ones(n), investment.wanted_outlay(st), due)]
        if org.exists:
            capex = np.full(n, spec.organisation.project_capex_mln_rub.mean)
            outlays.append((projects, capex, due + sub))
        for add_to in (value, lent):
            financing.add_expected_benefit(
                add_to, st, gov, loans, outlays, programmes=programmes, terms=terms
            )
    if regime.tax_relief is not None:
        value += tax_relief.expected_benefit(st, gov, regime.tax_relief)
    return value, subsidy, lent, sub


def test_the_projects_and_loans_a_block_expects_are_the_one_run_functions() -> None:
    # What firms expect of joint projects and loans in a block (runs given out of order, arms
    # of one design point sharing its scenario) equals the one-run functions' composition.
    first, second = _instruments(0), _instruments(2)
    runs = [
        (first, ARM, 6), (second, ARM, 7), (first, "loans_only", 5), (second, "decree41_full", 4),
        (_instruments(1, **{"organisation.exists": False}), ARM, 3), (second, "loans_only", 8),
        (first, "tax_relief_only", 9),
    ]  # fmt: skip
    block = ModelBlock(runs)
    order = [5, 3, 0, 6, 1, 4, 2]
    subsidised, lent, due, spent = (np.zeros(len(runs), dtype=int) for _ in range(4))
    subsidies: list[set[float]] = [set() for _ in runs]
    for _ in range(28):
        block.step()
        models = [block.models[k] for k in order]
        states, govs = [m.state for m in models], [m.government for m in models]
        orgs = [m.organisation for m in models]
        together = np.zeros((len(models), block.firms.cap))
        membership._add_expected_values(together, states, govs, orgs, list(range(len(models))))
        for j, (k, m) in enumerate(zip(order, models, strict=True)):
            n = m.state.firms.n
            value, subsidy, loans, sub = _one_run_parts(m)
            assert together[j, :n].tobytes() == value.tobytes(), (k, m.state.quarter)
            assert not together[j, n:].any()
            subsidised[k] += (subsidy > 0).any()
            lent[k] += (loans > 0).any()
            due[k] += bool(m.government.grants)
            spent[k] += m.government.remaining("joint_project", 1e9, m.state.quarter) < 1e9
            subsidies[k].add(sub)
    # the test has teeth: the subsidy and the loans are expected in some run-quarters (with
    # grants due and budgets spent), by runs of both design points, whose projects' subsidies
    # differ
    assert subsidised[0] > 0 and subsidised[1] > 0 and subsidised[3] > 0
    assert lent[0] > 0 and lent[1] > 0 and lent[2] > 0 and lent[5] > 0
    assert subsidised[2] == subsidised[4] == subsidised[5] == subsidised[6] == 0
    assert lent[3] == lent[6] == 0
    assert due.sum() > 0 and spent.sum() > 0
    assert subsidies[0] and subsidies[1] and subsidies[0].isdisjoint(subsidies[1])
