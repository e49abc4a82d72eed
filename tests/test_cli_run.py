"""`clustersim run` through the real console script: stores runs, prints a summary, resumes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "clustersim")
SCENARIO = str(ROOT / "scenarios" / "astrakhan_shipbuilding.toml")


def test_run_stores_runs_prints_json_and_resumes(tmp_path):
    db = tmp_path / "r.sqlite"
    args = [
        CLI,
        "run",
        SCENARIO,
        "--replications",
        "3",
        "--workers",
        "2",
        "--db",
        f"sqlite:///{db}",
        "--json",
    ]
    first = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    out = json.loads(first.stdout)
    arms = {r["arm"] for r in out["regimes"]}
    assert arms == {
        "decree41_full",
        "cluster_support_2020s",
        "loans_only",
        "tax_relief_only",
        "placebo",
    }
    assert out["runs"]["completed"] == 18 and out["runs"]["failed"] == 0
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from run").fetchone()[0] == 18
        assert con.execute("select count(*) from run_outcome").fetchone()[0] == 18 * 40
    again = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    out2 = json.loads(again.stdout)
    assert out2["runs"]["skipped"] == 18 and out2["runs"]["completed"] == 0
    assert out2["regimes"] == out["regimes"]


def test_run_text_summary_and_default_database(tmp_path):
    res = subprocess.run(
        [CLI, "run", SCENARIO, "--replications", "2", "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "results" / "clustersim.sqlite").exists()
    assert "cluster_support_2020s" in res.stdout and "95 % CI" in res.stdout


def test_run_missing_scenario_exits_2(tmp_path):
    res = subprocess.run(
        [CLI, "run", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert res.returncode == 2
    assert "nope.toml" in res.stderr and "Traceback" not in res.stderr
