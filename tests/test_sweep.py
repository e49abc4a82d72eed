"""Sweep files, design generation, the resumable sweep loop, compare and sensitivity."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.api import compare_sweep, run_sweep, sensitivity
from sim.errors import InputError
from sim.run.sweepfile import load_sweep

ROOT = Path(__file__).resolve().parents[1]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
SWEEPS = ROOT / "scenarios" / "sweeps"
RATE = "regimes.decree41_full.joint_project_subsidy.rate"


def clustersim(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLUSTERSIM, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
        check=False,
    )  # fmt: skip


def write_sweep(
    tmp: Path,
    *,
    name: str = "t",
    reps: int = 2,
    arms: str = '["de_facto", "decree41_full"]',
    design: str = "",
    horizon: int | None = 12,
) -> Path:
    """A small sweep file pointing at the real Astrakhan scenario."""
    if not design:
        design = f'method = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = [0.1, 0.4]\n'
    text = (
        f'name = "{name}"\nbase = "{BASE}"\nreplications = {reps}\narms = {arms}\n\n'
        f"[design]\n{design}"
    )
    if horizon is not None:
        text += f'\n[[design.vary]]\nkey = "scenario.horizon_quarters"\nvalues = [{horizon}]\n'
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arms", "key", "value", "expected"),
    [
        ('["de_facto", "decree41_full"]', "market.demand_growht_per_year", "0.01",
         ":8: design.vary[0]: market.demand_growht_per_year: unknown key "
         "'demand_growht_per_year' in 'market' (did you mean 'demand_growth_per_year'?)"),
        ('["de_facto", "decree41_full"]', RATE, "1.7",
         ":8: design.vary[0]: " + RATE + ".value: Input should be less than or equal to 1"),
        ('["de_facto", "decree41_ful"]', RATE, "0.2",
         ":4: arms: unknown arm 'decree41_ful' in scenario astrakhan_shipbuilding "
         "(did you mean 'decree41_full'?)"),
        ('["decree41_full"]', RATE, "0.2", ":4: arms: must include 'de_facto'"),
    ],
    ids=["unknown-key", "out-of-range", "unknown-arm", "no-de-facto"],
)  # fmt: skip
def test_invalid_sweep_files_exit_2(tmp_path, arms, key, value, expected):
    design = f'method = "grid"\n[[design.vary]]\nkey = "{key}"\nvalues = [{value}]\n'
    path = write_sweep(tmp_path, arms=arms, design=design, horizon=None)
    for verb in (["validate", str(path)], ["sweep", str(path), "--db", f"sqlite:///{tmp_path}/x"]):
        proc = clustersim(*verb)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"{path}{expected}" in proc.stderr
    assert not (tmp_path / "x").exists()  # nothing ran, no database was created


def test_design_table_problems(tmp_path):
    design = (
        f'method = "sobol"\nsamples = 6\n[[design.vary]]\nkey = "{RATE}"\nlow = 0.5\nhigh = 0.1\n'
    )
    path = write_sweep(tmp_path, design=design, horizon=None)
    with pytest.raises(InputError) as err:
        load_sweep(path)
    text = str(err.value)
    assert "high must be greater than low" in text
    assert "design.samples: sobol needs a power of 2, got 6" in text


def test_shipped_sweeps_validate():
    proc = clustersim("validate", *sorted(str(p) for p in SWEEPS.glob("*.toml")))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("OK ") == len(list(SWEEPS.glob("*.toml"))) == 5


# -- designs ------------------------------------------------------------------------------------
def test_grid_points_full_factorial(tmp_path):
    design = (
        f'method = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = [0.0, 0.25, 0.5]\n'
        '[[design.vary]]\nkey = "market.demand_growth_per_year"\nvalues = [-0.02, 0.06]\n'
    )
    sw = load_sweep(write_sweep(tmp_path, design=design))
    assert len(sw.points) == 6
    assert sw.points[1] == {RATE: 0.0, "market.demand_growth_per_year": 0.06,
                            "scenario.horizon_quarters": 12}  # fmt: skip
    assert sw.scenarios[5].market.demand_growth_per_year == 0.06
    assert sw.scenarios[5].regimes["decree41_full"].joint_project_subsidy.rate.value == 0.5


@pytest.mark.parametrize(("method", "n", "expected"), [("lhs", 7, 7), ("sobol", 4, 16)])
def test_range_designs(tmp_path, method, n, expected):
    design = (
        f'method = "{method}"\nsamples = {n}\nseed = 3\n'
        f'[[design.vary]]\nkey = "{RATE}"\nlow = 0.1\nhigh = 0.5\n'
        '[[design.vary]]\nkey = "firm_groups[0].count"\nlow = 1\nhigh = 9\ninteger = true\n'
    )
    sw = load_sweep(write_sweep(tmp_path, design=design, horizon=None))
    assert len(sw.points) == expected  # sobol: N * (D + 2)
    rates = [p[RATE] for p in sw.points]
    counts = [p["firm_groups[0].count"] for p in sw.points]
    assert all(0.1 <= r <= 0.5 for r in rates)
    assert all(isinstance(c, int) and 1 <= c <= 9 for c in counts)
    assert [s.firm_groups[0].count for s in sw.scenarios] == counts
    if method == "lhs":  # one point in each of the n strata
        strata = sorted(int((r - 0.1) / 0.4 * n) for r in rates)
        assert strata == list(range(n))
    again = load_sweep(write_sweep(tmp_path, design=design, horizon=None))
    assert again.points == sw.points  # deterministic for a given seed


# -- running and resuming -----------------------------------------------------------------------
def _dup_and_count(db: Path) -> tuple[list, int]:
    with sqlite3.connect(db) as con:
        dups = con.execute(
            "SELECT point, replicate, arm, count(*) FROM run GROUP BY sweep_id, point, "
            "replicate, arm HAVING count(*) > 1"
        ).fetchall()
        n = con.execute("SELECT count(*) FROM run WHERE status = 'completed'").fetchone()[0]
    return dups, n


def test_resume_skips_everything(tmp_path):
    path = write_sweep(tmp_path)
    db = f"sqlite:///{tmp_path}/r.sqlite"
    first = run_sweep(path, db=db, executor="local", progress=False)
    assert first["total"] == 8 and first["completed"] == 8 and first["skipped"] == 0
    second = run_sweep(path, db=db, executor="local", progress=False)
    assert second["skipped"] == second["total"] == 8 and second["completed"] == 0
    dups, n = _dup_and_count(tmp_path / "r.sqlite")
    assert dups == [] and n == 8


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM run").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_sweep_resumes_to_identical_results(tmp_path):
    values = "[0.0, 0.1, 0.2, 0.3, 0.4, 0.5]"
    design = f'method = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = {values}\n'
    path = write_sweep(tmp_path, name="kill", reps=16, design=design, horizon=20)
    total = 6 * 16 * 2
    db = tmp_path / "killed.sqlite"
    cmd = [CLUSTERSIM, "sweep", str(path), "--db", f"sqlite:///{db}", "--workers", "2",
           "--executor", "processes", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while _rows(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        n_before = _rows(db)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert 0 < n_before < total, n_before
    again = clustersim("sweep", str(path), "--db", f"sqlite:///{db}", "--workers", "2", "--json")
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)
    assert counts["skipped"] > 0 and counts["skipped"] + counts["completed"] == total
    dups, n = _dup_and_count(db)
    assert dups == [] and n == total
    clean = tmp_path / "clean.sqlite"
    proc = clustersim("sweep", str(path), "--db", f"sqlite:///{clean}", "--workers", "2", "-q")
    assert proc.returncode == 0, proc.stderr
    a = clustersim("compare", "--sweep", "kill", "--db", f"sqlite:///{db}", "--json")
    b = clustersim("compare", "--sweep", "kill", "--db", f"sqlite:///{clean}", "--json")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert json.loads(a.stdout) == json.loads(b.stdout)
    assert len(json.loads(a.stdout)) == 6


def test_executors_give_identical_outcomes(tmp_path):
    distributed = pytest.importorskip("distributed")
    from sim.store import open_store

    path = write_sweep(tmp_path)
    frames = {}
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:  # fmt: skip
        dask = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        for ex in ("local", "processes", dask):
            db = f"sqlite:///{tmp_path}/{len(frames)}.sqlite"
            res = run_sweep(path, db=db, executor=ex, workers=2, progress=False)
            assert res["completed"] == res["total"] == 8, (ex, res)
            with open_store(db) as store:
                df = store.outcomes("t")
            frames[ex] = df.sort_values(["point", "replicate", "arm", "quarter"]).reset_index(
                drop=True
            )
    first = frames["local"]
    assert len(first) == 8 * 12
    for ex, df in frames.items():
        assert df.equals(first), ex


# -- compare and sensitivity --------------------------------------------------------------------
def _shipped_copy(tmp: Path, name: str, reps: int) -> Path:
    text = (SWEEPS / f"{name}.toml").read_text(encoding="utf-8")
    text = text.replace('base = "../astrakhan_shipbuilding.toml"', f'base = "{BASE}"')
    text = text.replace("replications = 10", f"replications = {reps}")
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_dose_response_and_placebo(tmp_path):
    db = f"sqlite:///{tmp_path}/s.sqlite"
    run_sweep(_shipped_copy(tmp_path, "subsidy_dose_response", 6), db=db, workers=2,
              progress=False)  # fmt: skip
    table = compare_sweep("subsidy_dose_response", db=db, outcomes=["output"])
    assert list(table[RATE]) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    m = table["output_pct"].to_numpy()
    half = (table["output_pct_ci_high"] - table["output_pct_ci_low"]).to_numpy() / 2
    for i in range(len(m) - 1):  # the effect does not fall as the rate rises (within CI)
        assert m[i + 1] >= m[i] - (half[i] + half[i + 1]), table
    assert m[-1] >= m[0] - (half[0] + half[-1])

    run_sweep(_shipped_copy(tmp_path, "regime_comparison_demand", 4), db=db, workers=2,
              progress=False)  # fmt: skip
    regimes = compare_sweep("regime_comparison_demand", db=db)
    assert len(regimes) == 3 * 5
    placebo = regimes[regimes["arm"] == "placebo"]
    for o in ("output", "employment"):
        lo, hi = placebo[f"{o}_pct_ci_low"], placebo[f"{o}_pct_ci_high"]
        assert ((lo <= 1e-9) & (hi >= -1e-9)).all(), placebo


def test_compare_cli_and_errors(tmp_path):
    path = write_sweep(tmp_path)
    db = f"sqlite:///{tmp_path}/c.sqlite"
    run_sweep(path, db=db, executor="local", progress=False)
    proc = clustersim("compare", "--sweep", "t", "--db", db, "--json", "--csv",
                      str(tmp_path / "t.csv"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["point"], r["arm"], r[RATE]) for r in rows] == [
        (0, "decree41_full", 0.1), (1, "decree41_full", 0.4)
    ]  # fmt: skip
    assert all(r["scenario.horizon_quarters"] == 12 for r in rows)
    assert (tmp_path / "t.csv").read_text().startswith("point,arm,")
    text = clustersim("compare", "--sweep", "t", "--db", db)
    assert text.returncode == 0 and "decree41_full" in text.stdout
    missing = clustersim("compare", "--sweep", "nope", "--db", db)
    assert missing.returncode == 2
    assert "no sweep named 'nope'" in missing.stderr and "stored sweeps: t" in missing.stderr
    bad = clustersim("compare", "--sweep", "t", "--db", db, "--outcome", "outptu")
    assert bad.returncode == 2 and "unknown outcome 'outptu'" in bad.stderr
    assert "employment" in bad.stderr


@pytest.mark.parametrize(("method", "n", "points"), [("sobol", 4, 16), ("morris", 3, 9)])
def test_sensitivity_indices_are_finite(tmp_path, method, n, points):
    design = (
        f'method = "{method}"\nsamples = {n}\nseed = 1\n'
        f'[[design.vary]]\nkey = "{RATE}"\nlow = 0.0\nhigh = 0.6\n'
        '[[design.vary]]\nkey = "market.demand_growth_per_year"\nlow = -0.02\nhigh = 0.06\n'
    )
    path = write_sweep(tmp_path, name=method, reps=1, design=design, horizon=None)
    db = f"sqlite:///{tmp_path}/{method}.sqlite"
    res = run_sweep(path, db=db, workers=2, progress=False)
    assert res["total"] == points * 2 and res["failed"] == 0
    table = sensitivity(method, method, "output", db=db)
    assert set(table["parameter"]) == {RATE, "market.demand_growth_per_year"}
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu_star", "sigma"]
    assert np.isfinite(table[cols].to_numpy()).all(), table
    proc = clustersim("sensitivity", "--sweep", method, "--method", method, "--outcome",
                      "output", "--db", db, "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    recs = json.loads(proc.stdout)
    assert all(math.isfinite(r[cols[0]]) for r in recs)
    other = "morris" if method == "sobol" else "sobol"
    wrong = clustersim("sensitivity", "--sweep", method, "--method", other, "--outcome",
                       "output", "--db", db)  # fmt: skip
    assert wrong.returncode == 2 and f"has a '{method}' design" in wrong.stderr
