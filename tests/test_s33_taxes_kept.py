"""Session 33: stage 8 keeps each scenario's tax terms by quarter (``taxes._quarter_terms``).

A block of design points that differ in the quarter-dependent terms (wage growth, the years of
the SEZ's profit-tax rate) books each run's taxes as the run alone does, with the kept terms
made afresh for the lone runs; and the kept terms are those of the quarter asked for.
"""

from __future__ import annotations

from sim.model.block import ModelBlock
from sim.model.mechanisms import taxes
from sim.model.model import ClusterModel
from sim.scenario.files import default_scenario
from sim.scenario.overrides import apply_overrides

ARM = "cluster_support_2020s"


def _ledger(st) -> bytes:
    return repr(sorted(vars(st.ledger).items())).encode()


def test_a_block_of_design_points_books_each_runs_own_taxes() -> None:
    varied = [
        apply_overrides(
            default_scenario(),
            {"labour.wage_growth_per_year": 0.03 * k, "sez.profit_tax_years.value": 10 - 8 * k},
        )
        for k in range(2)
    ]
    runs = [(varied[0], ARM, 7), (varied[1], ARM, 7), (varied[1], "de_facto", 8)]
    block = ModelBlock(runs)
    for _ in range(12):  # past the second point's 2 SEZ years (8 quarters)
        block.step()
    taxes._BY_SCENARIO.clear()  # the lone runs make their own terms
    for m, (sc, arm, seed) in zip(block.models, runs, strict=True):
        alone = ClusterModel(sc, arm, rng=seed)
        for _ in range(12):
            alone.step()
        n = m.state.firms.n
        assert m.state.firms.cash[:n].tobytes() == alone.state.firms.cash[:n].tobytes()
        assert _ledger(m.state) == _ledger(alone.state)
        assert m.outcomes.tobytes() == alone.outcomes.tobytes()
    # the test has teeth: the two points' taxes differ
    assert _ledger(block.models[0].state) != _ledger(block.models[1].state)


def test_the_kept_terms_are_the_quarters_own() -> None:
    sc = apply_overrides(
        default_scenario(),
        {"labour.wage_growth_per_year": 0.04, "sez.profit_tax_years.value": 1},
    )
    taxes._BY_SCENARIO.clear()
    first = [taxes._quarter_terms(sc, q) for q in (1, 4, 5, 9)]
    again = [taxes._quarter_terms(sc, q) for q in (9, 5, 4, 1)][::-1]  # kept, other order
    assert first == again
    wages = [head[0] for head, _ in first]
    assert wages == sorted(wages) and len(set(wages)) == 4  # the wage grows each quarter
    sez_rates = [tail[2] for _, tail in first]
    assert sez_rates[:2] == [sc.sez.profit_tax_rate.value] * 2  # within the SEZ's year
    assert sez_rates[2:] == [sc.sez.profit_tax_rate_after.value] * 2
