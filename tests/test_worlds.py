"""The main job over the uncertainty: worlds drawn from [[uncertainties]] (issue 18)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis.robustness import across_worlds, conclusions
from sim.run.designs import DesignSpec, VaryEntry, design_matrix, design_problems
from sim.run.worlds import world_design
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "clustersim")
SCENARIO = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
OUTCOMES = ["output", "employment", "productivity", "market_share"]


# -- the design over the uncertainty set --------------------------------------------------------
def test_world_design_varies_every_ranged_uncertainty_and_nothing_else():
    sc = load_scenario(SCENARIO)
    design = world_design(sc, 48, seed=3)
    ranged = [u.key for u in sc.uncertainties if not u.fixed]
    assert [v.key for v in design.vary] == ranged
    points, raw = design_matrix(design, 0)
    assert len(points) == 48 and raw.shape == (48, len(ranged))
    for u in sc.uncertainties:
        if u.fixed:
            continue
        xs = [p[u.key] for p in points]
        lo, hi = u.bounds
        assert min(xs) >= lo and max(xs) <= hi, u.key
        if u.values is None and not u.integer:  # a Latin hypercube fills each of 48 strata once
            strata = np.floor((np.asarray(xs) - lo) / (hi - lo) * 48).astype(int)
            assert sorted(strata) == list(range(48)), u.key
    fd = Counter(p["registry.functional_dependence_default"] for p in points)
    assert fd == {0.10: 24, 0.20: 24}  # categorical: each value equally often
    assert design_matrix(world_design(sc, 48, seed=3), 0)[0] == points  # reproducible


def test_categorical_entries_of_range_designs_are_checked():
    bad = DesignSpec(method="lhs", samples=4,
                     vary=[VaryEntry(key="a.b", values=[1.0], low=0.0, high=1.0)])  # fmt: skip
    assert any("not both" in m for _, m in design_problems(bad))
    one = DesignSpec(method="sobol", samples=4, vary=[VaryEntry(key="a.b", values=[1.0])])
    assert any("at least two values" in m for _, m in design_problems(one))


# -- the summary across worlds ------------------------------------------------------------------
def _per_world() -> pd.DataFrame:
    rows = []
    # world w: regime a has effect w, regime b has effect 2 - w (w = 0..4); a costs the federal
    # budget 10 in every world, b gains it w - 2
    for w in range(5):
        for arm, eff, net in (("a", float(w), -10.0), ("b", 2.0 - w, w - 2.0)):
            row = {"point": w, "arm": arm, "registered_share": 1.0 if arm == "a" else 0.5,
                   "registration_quarter": 4.0 + w, "net_federal": net,
                   "net_regional": 0.0}  # fmt: skip
            for o in OUTCOMES:
                row |= {f"{o}_pct": eff, f"{o}_pct_ci_low": eff - 1, f"{o}_pct_ci_high": eff + 1}
            rows.append(row)
    return pd.DataFrame(rows)


def test_across_worlds_quantiles_shares_and_regret():
    s = across_worlds(_per_world(), ["a", "b"], outcomes=OUTCOMES).set_index("arm")
    assert s.loc["a", "output_median"] == 2.0 and s.loc["b", "output_median"] == 0.0
    assert s.loc["a", "output_low"] == pytest.approx(np.quantile([0, 1, 2, 3, 4], 0.05))
    assert s.loc["a", "output_positive"] == 0.8 and s.loc["b", "output_positive"] == 0.4
    assert s.loc["b", "output_negative"] == 0.4
    assert s.loc["a", "registered"] == 1.0 and s.loc["b", "registered"] == 0.5
    assert s.loc["a", "registration_quarter"] == 6.0
    assert s.loc["a", "net_federal_negative"] == 1.0
    # best effect per world: max(w, 2 - w) = 2, 1, 2, 3, 4; a's shortfall 2, 0, 0, 0, 0
    assert s.loc["a", "regret_median"] == 0.0
    assert s.loc["a", "regret_p90"] == pytest.approx(np.quantile([2, 0, 0, 0, 0], 0.9))
    assert s.loc["b", "regret_median"] == 2.0  # shortfalls 0, 0, 2, 4, 6
    assert s.loc["a", "output_noise"] == 1.0
    held = conclusions(s.reset_index(), ["output"], share=0.9)
    assert held == [
        "a: net federal balance negative in 100 % of worlds",
        "a: net regional balance exactly zero in every world",
        "b: net regional balance exactly zero in every world",
    ]


# -- the run over worlds: reproducible on every executor, placebo zero in every world -----------
@pytest.fixture(scope="module")
def by_executor(tmp_path_factory):
    distributed = pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("worlds")
    out = {}
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:  # fmt: skip
        dask = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        for ex in ("local", "processes", dask):
            out[ex.split(":")[0]] = api.run_worlds(
                SCENARIO, db=f"sqlite:///{tmp}/{len(out)}.sqlite", worlds=3, replications=1,
                seed=11, executor=ex, workers=2, progress=False, report=False,
            )  # fmt: skip
    return out


def test_worlds_are_identical_on_every_executor(by_executor):
    first = by_executor["local"]
    assert first.counts["completed"] == 3 * 1 * 6 and first.counts["failed"] == 0
    for ex, res in by_executor.items():
        pd.testing.assert_frame_equal(res.per_world, first.per_world, obj=ex)
        pd.testing.assert_frame_equal(res.summary, first.summary, obj=ex)


def test_placebo_is_exactly_zero_in_every_world(by_executor):
    pw = by_executor["local"].per_world
    placebo = pw[pw["arm"] == "placebo"]
    assert len(placebo) == 3
    for col in [f"{o}_pct" for o in OUTCOMES] + ["net_federal", "net_regional", "cost_total"]:
        assert (placebo[col] == 0).all(), col
    worlds = pw[["point", "market.price_sensitivity"]].drop_duplicates()
    assert worlds["market.price_sensitivity"].nunique() == 3  # three different worlds


# -- the command ----------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_run_over_worlds_prints_the_table_and_resumes(tmp_path):
    db = f"sqlite:///{tmp_path}/w.sqlite"
    args = ("run", str(SCENARIO), "--worlds", "4", "--replications", "2", "--db", db, "-q")
    first = _cli(*args, "--json", "--no-report", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["report"] is None and not (tmp_path / "results").exists()
    assert out["worlds"] == 4 and out["replications_per_world"] == 2
    assert out["runs"]["completed"] == 4 * 2 * 6
    assert "registry.functional_dependence_default" in out["uncertain_parameters"]
    arms = [r["arm"] for r in out["regimes"]]
    assert arms == ["decree41_full", "cluster_support_2020s", "loans_only", "tax_relief_only",
                    "placebo"]  # fmt: skip
    for r in out["regimes"]:
        assert r["output_low"] <= r["output_median"] <= r["output_high"]
        assert 0 <= r["output_positive"] <= 1 and r["regret_median"] >= 0
    text = _cli(*args, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "4 worlds (Latin hypercube over 31 uncertain parameters" in text.stdout
    assert "48 already stored" in text.stdout
    assert "Holds in at least 90 % of worlds:" in text.stdout
    assert "placebo: output effect exactly zero in every world" in text.stdout
    # the report of the worlds, in a folder named by the sweep
    pack = tmp_path / "results" / out["sweep"]
    assert f"figures, tables and brief: {Path('results') / out['sweep']}" in text.stdout
    assert (pack / ".clustersim-report").is_file()
    for lang in ("ru", "en"):
        assert (pack / f"brief_{lang}.html").is_file()
        assert (pack / "figures" / lang / "budget.svg").is_file()  # (CDFs need 8 worlds)
    assert [p.name for p in (tmp_path / "results").iterdir()] == [out["sweep"]]


def test_point_and_worlds_do_not_mix(tmp_path):
    res = _cli("run", str(SCENARIO), "--point", "--worlds", "3", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--worlds" in res.stderr and "--point" in res.stderr


# -- sweeps over the uncertainty set --------------------------------------------------------------
def test_shipped_studies_draw_the_base_scenarios_uncertainties():
    from sim.run.sweepfile import load_sweep

    sc = load_scenario(SCENARIO)
    ranged = [u.key for u in sc.uncertainties if not u.fixed]
    rob = load_sweep(ROOT / "scenarios" / "sweeps" / "robustness_study.toml")
    assert rob.keys == ranged and len(rob.points) == 200
    assert len(rob.spec.arms) * rob.spec.replications * len(rob.points) == 4_800
    assert rob.store_spec()["design"]["vary"][0]["key"] == ranged[0]  # stored expanded
    morris = load_sweep(ROOT / "scenarios" / "sweeps" / "morris_screening.toml")
    assert morris.keys == ranged and len(morris.points) == 12 * (len(ranged) + 1)


def test_uncertainties_need_a_range_design(tmp_path):
    path = tmp_path / "g.toml"
    text = f'base = "{SCENARIO}"\nreplications = 1\narms = ["de_facto", "placebo"]\n'
    path.write_text(text + '[design]\nmethod = "grid"\nuncertainties = true\n', "utf-8")
    res = _cli("validate", str(path), cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "design.uncertainties: uncertainties = true draws" in res.stderr


# -- worlds from calibrated draws ----------------------------------------------------------------
def _draws_csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "accepted.csv"
    path.write_text("draw,market.price_sensitivity,production.productivity_trend_per_year,"
                    "large_output_year1,accepted\n" + rows, encoding="utf-8")  # fmt: skip
    return path


def test_calibrated_draws_set_their_parameters_and_lhs_the_rest(tmp_path):
    from sim.run.worlds import calibrated_points, read_calibrated

    sc = load_scenario(SCENARIO)
    path = _draws_csv(tmp_path, "0,3.0,0.02,6500,True\n1,5.0,0.03,6600,True\n2,7.0,0.01,9,False\n")
    draws = read_calibrated(path, sc)
    assert draws.keys == ["market.price_sensitivity", "production.productivity_trend_per_year"]
    assert len(draws.values) == 2  # the rejected draw is left out
    design, points, raw = calibrated_points(sc, draws, 4, seed=1)
    assert "market.price_sensitivity" not in [v.key for v in design.vary]
    assert len(design.vary) == 30 and raw.shape == (4, 32)
    pairs = {(p["market.price_sensitivity"], p["production.productivity_trend_per_year"])
             for p in points}  # fmt: skip
    assert pairs == {(3.0, 0.02), (5.0, 0.03)}  # each world takes one whole draw
    assert all("market.market_orders_mln_rub_per_year" in p for p in points)
    again = calibrated_points(sc, read_calibrated(path, sc), 4, seed=1)[1]
    assert again == points


def test_run_over_calibrated_worlds(tmp_path):
    path = _draws_csv(tmp_path, "0,3.0,0.02,6500,True\n1,5.0,0.03,6600,True\n")
    res = api.run_worlds(SCENARIO, db=f"sqlite:///{tmp_path}/c.sqlite", worlds=2, replications=1,
                         executor="local", progress=False, calibrated=path,
                         report=False)  # fmt: skip
    assert res.sweep.endswith(f"-cal{res.calibrated['sha256'][:10]}")
    assert res.calibrated["draws"] == 2 and res.counts["completed"] == 2 * 6
    assert sorted(res.per_world["market.price_sensitivity"].unique()) == [3.0, 5.0]
    assert "2 parameters from 2 accepted calibration draws" in res.to_text()


@pytest.mark.parametrize(
    ("rows", "header", "fragment"),
    [("0,3.0,True\n", "draw,x.y,accepted\n", "no column names a world parameter"),
     ("0,nan,True\n", "draw,market.price_sensitivity,accepted\n", "not a finite number"),
     ("0,3.0,False\n", "draw,market.price_sensitivity,accepted\n", "no accepted draw")],
)  # fmt: skip
def test_bad_calibrated_files_are_one_clear_message(tmp_path, rows, header, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(header + rows, encoding="utf-8")
    res = _cli("run", str(SCENARIO), "--calibrated", str(path), "--worlds", "2", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "bad.csv" in res.stderr and fragment in res.stderr
