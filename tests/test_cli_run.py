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
        "--point",
        "--replications",
        "3",
        "--workers",
        "2",
        "--db",
        f"sqlite:///{db}",
        "--json",
        "--no-report",  # the report is written (and checked) in the next test
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
    _check_budget_json(out)
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from run").fetchone()[0] == 18
        assert con.execute("select count(*) from run_outcome").fetchone()[0] == 18 * 40
    again = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    out2 = json.loads(again.stdout)
    assert out2["runs"]["skipped"] == 18 and out2["runs"]["completed"] == 0
    assert out2["regimes"] == out["regimes"]
    # `compare` shows the same accounts as `run`
    cmp = subprocess.run([CLI, "compare", "--sweep", out["sweep"], "--db", f"sqlite:///{db}"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)  # fmt: skip
    assert cmp.returncode == 0, cmp.stderr
    _check_budget_text(cmp.stdout)


LEVELS = ("federal", "regional", "social_fund", "total")


def _check_budget_json(out: dict) -> None:
    """The run JSON: net balance per level with CIs, costs, efficiency or no_cost, additionality."""
    assert out["discount_rate"] > 0 and out["budget_note"] and out["additionality_note"]
    fields = out["budget_fields"]
    for r in out["regimes"]:
        for lv in LEVELS:
            for m in ("net_{}", "net_{}_ci_low", "net_{}_ci_high", "cash_cost_{}_pv",
                      "cash_cost_{}", "committed_{}", "net_{}_with_committed",
                      "tax_expenditure_{}_pv", "extra_revenue_{}_pv", "be_{}", "no_cost_{}"):
                key = m.format(lv)
                assert key in r and key in fields, key
            assert isinstance(r[f"net_{lv}"], float)  # never null: a gain when no cost
            assert isinstance(r[f"no_cost_{lv}"], bool)
            assert (r[f"be_{lv}"] is None) == r[f"no_cost_{lv}"]
            identity = r[f"extra_revenue_{lv}_pv"] - r[f"cash_cost_{lv}_pv"]
            assert abs(r[f"net_{lv}"] - identity) < 1e-6
        for key in ("deadweight_share", "leakage_share", "displacement_share", "displaced_taxes",
                    "federal_net", "federal_net_ci_low", "federal_net_ci_high"):
            assert key in r and key in fields, key
    assert fields["net_federal"]["unit"] == "mln RUB"
    assert fields["no_cost_regional"]["unit"] == "flag"


def _check_budget_text(text: str) -> None:
    assert "Public-finance accounts" in text and "Additionality" in text
    for label in ("federal budget", "regional budget", "Social Fund", "all budgets",
                  "net balance [95 % CI]", "committed, due after", "cash cost",
                  "tax expenditure", "federal net view", "deadweight", "leakage",
                  "displacement", "no cost to this budget", "present values", "8 % a year"):
        assert label in text, label
    assert "n/a" not in text


def test_run_text_summary_and_default_database(tmp_path):
    res = subprocess.run(
        [CLI, "run", SCENARIO, "--point", "--replications", "2", "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "results" / "clustersim.sqlite").exists()
    (pack,) = (tmp_path / "results").glob("run-astrakhan_shipbuilding-*")  # named by the sweep
    assert (pack / ".clustersim-report").is_file() and (pack / "brief_ru.html").is_file()
    assert list(pack.rglob("*.png")) and list(pack.rglob("*.svg")) and list(pack.rglob("*.csv"))
    assert f"figures, tables and brief: {Path('results') / pack.name}" in res.stdout
    assert "cluster_support_2020s" in res.stdout and "95 % CI" in res.stdout
    _check_budget_text(res.stdout)


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
