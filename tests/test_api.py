"""The Python API composes run -> store -> analysis: one runner, one reader, named arguments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis import compare
from sim.cli import main
from sim.errors import InputError
from sim.run.designs import design_matrix
from sim.run.sweepfile import load_sweep
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario
from sim.store import open_store

RATE = "regimes.decree41_full.joint_project_subsidy.rate"


@pytest.fixture(scope="module")
def short() -> object:
    return apply_overrides(default_scenario(), {"scenario.horizon_quarters": 8})


def test_library_errors_name_the_argument_and_the_cli_shows_the_flag(tmp_path, capsys):
    db = f"sqlite:///{tmp_path}/e.sqlite"
    open_store(db).close()  # an empty results database: reading never creates one
    with pytest.raises(InputError) as err:
        api.compare_sweep("nosuch", db=db)
    (problem,) = err.value.problems
    assert problem.parameter and problem.key == "sweep"
    assert str(err.value).startswith("sweep: no sweep named 'nosuch'")
    with pytest.raises(InputError) as err:
        api.compare_sweep("nosuch", db=db, outcomes=["outptu"])
    assert str(err.value).startswith("outcome: unknown outcome 'outptu'")
    assert main(["compare", "--sweep", "nosuch", "--db", db]) == 2
    assert capsys.readouterr().err.startswith("--sweep: no sweep named 'nosuch'")


def test_run_pairs_is_simulate_and_pairs_share_seeds(short):
    results = api.run_pairs(short, replications=2, arms=["de_facto", "placebo"])
    assert sorted((r.key.replicate, r.key.arm) for r in results) == [
        (0, "de_facto"), (0, "placebo"), (1, "de_facto"), (1, "placebo")
    ]  # fmt: skip
    by = {(r.key.replicate, r.key.arm): r for r in results}
    assert by[(0, "de_facto")].seed == by[(0, "placebo")].seed != by[(1, "de_facto")].seed
    frame = api.results_frame(results).sort_values(["replicate", "arm", "quarter"])
    again = api.simulate(short, replications=2, arms=["de_facto", "placebo"])
    again = again.sort_values(["replicate", "arm", "quarter"])
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), again.reset_index(drop=True))


def test_store_runs_then_read_back_gives_the_same_effects(short, tmp_path):
    db = f"sqlite:///{tmp_path}/s.sqlite"
    results = api.run_pairs(short, replications=3, arms=["de_facto", "decree41_full"])
    name = api.store_runs("est", short, results, replications=3, seed=short.experiment.seed,
                          arms=["de_facto", "decree41_full"], db=db)  # fmt: skip
    data = api.read(name, db=db)
    assert data.arms == ["de_facto", "decree41_full"] and len(data.runs) == 6
    direct = api.compare_sweep(name, db=db)
    from_memory = compare(api.results_frame(results), outcomes=api.HEADLINE_OUTCOMES,
                              discount_rate=short.experiment.discount_rate.value)  # fmt: skip
    assert direct["output_pct"].iloc[0] == pytest.approx(from_memory["output_pct"].iloc[0],
                                                         abs=1e-12)  # fmt: skip


def test_sweeps_store_their_design_sample_and_analysis_reads_it(tmp_path: Path):
    sweep = tmp_path / "lhs.toml"
    sweep.write_text(
        f'name = "lhs"\nbase = "{Path(__file__).resolve().parents[1]}/scenarios/'
        'astrakhan_shipbuilding.toml"\nreplications = 1\narms = ["de_facto", "decree41_full"]\n'
        '[design]\nmethod = "lhs"\nsamples = 3\nseed = 5\n'
        f'[[design.vary]]\nkey = "{RATE}"\nlow = 0.0\nhigh = 0.6\n'
        '[[design.vary]]\nkey = "organisation.joint_projects_per_year"\nlow = 1\nhigh = 4\n'
        "integer = true\n"
        '[[design.vary]]\nkey = "scenario.horizon_quarters"\nlow = 4\nhigh = 6\ninteger = true\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path}/lhs.sqlite"
    api.run_sweep(sweep, db=db, executor="local", progress=False)
    loaded = load_sweep(sweep)
    with open_store(db) as store:
        stored = np.asarray(store.design_raw("lhs"))
        design = store.design_points("lhs")
    # the stored sample is the unrounded design; the design points are what the model used
    np.testing.assert_array_equal(stored, loaded.raw)
    _, again = design_matrix(loaded.spec.design, loaded.root_seed)
    np.testing.assert_array_equal(stored, again)
    assert (design["scenario.horizon_quarters"] == np.round(stored[:, 2])).all()
    assert not np.array_equal(stored[:, 2], np.round(stored[:, 2]))
