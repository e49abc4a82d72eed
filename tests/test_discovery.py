"""Scenario discovery (PRIM) and feature scores: a synthetic case with a known box, and the CLI.

The synthetic case: 2,000 uniform worlds in [0, 1]^5; the value is -1 inside the box
x0 > 0.6 and x2 < 0.3 and 0 outside, plus normal noise (sd 0.2), so about 1 % of the worlds
are labelled against their box side when failing is ``value < -0.5``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import cli
from sim.analysis.discovery import MIN_WORLDS, Discovery, discover, feature_scores
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PARAMS = [f"x{i}" for i in range(5)]


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    rng = np.random.default_rng(20261207)
    x = rng.uniform(size=(2000, 5))
    inside = (x[:, 0] > 0.6) & (x[:, 2] < 0.3)
    table = pd.DataFrame(x, columns=PARAMS)
    table["value"] = np.where(inside, -1.0, 0.0) + rng.normal(0.0, 0.2, len(x))
    return table


@pytest.fixture(scope="module")
def found(synthetic: pd.DataFrame) -> Discovery:
    return discover(synthetic, PARAMS, outcome_column="value", threshold=-0.5)


def test_prim_finds_the_known_box(found: Discovery) -> None:
    assert found.found
    box = found.box.set_index("parameter")
    assert set(box.index) == {"x0", "x2"}, found.box
    assert box.loc["x0", "restricted"] == "low"
    assert abs(box.loc["x0", "low"] - 0.6) <= 0.05
    assert box.loc["x2", "restricted"] == "high"
    assert abs(box.loc["x2", "high"] - 0.3) <= 0.05
    assert found.coverage > 0.8 and found.density > 0.8
    assert (box["qp"] < 1e-6).all()
    # the base rate is the box's mass (0.4 x 0.3 = 12 %) up to noise and sampling
    assert found.base_rate == pytest.approx(0.12, abs=0.02)
    assert found.n_worlds == 2000


def test_trajectory_is_the_peeling_path_and_marks_one_box(found: Discovery) -> None:
    traj = found.trajectory
    assert list(traj.columns[:4]) == ["box", "coverage", "density", "mass"]
    assert traj["box"].iloc[0] == 0 and traj["mass"].iloc[0] == 1.0
    assert traj["density"].iloc[0] == pytest.approx(found.base_rate)
    assert traj["mass"].is_monotonic_decreasing or traj["mass"].iloc[-1] < 0.2
    assert traj["chosen"].sum() == 1
    chosen = traj[traj["chosen"]].iloc[0]
    assert chosen["box"] == found.box_id
    assert chosen["f1"] == traj["f1"].max()
    assert chosen["coverage"] == found.coverage and chosen["density"] == found.density


def test_text_names_the_box_in_words(found: Discovery) -> None:
    text = found.to_text("en")
    assert "x0 > 0.6" in text or "x0 > 0.5" in text
    assert "x2 < 0.3" in text or "x2 < 0.2" in text
    assert f"{100 * found.density:.0f} %" in text and "coverage" in text
    assert "x1" not in text
    ru = found.to_text("ru")
    assert "покрытие" in ru and "x0 >" in ru
    with pytest.raises(InputError, match="lang"):
        found.to_text("de")


def test_min_density_out_of_reach_gives_no_box(synthetic: pd.DataFrame) -> None:
    above = discover(synthetic, PARAMS, outcome_column="value", threshold=0.9, below=False)
    # value > 0.9 is pure noise (a 4-sigma tail): nothing or almost nothing fails
    assert above.n_cases <= 2
    if above.n_cases == 0:
        assert not above.found and "No box" in above.to_text()
    strict = discover(synthetic, PARAMS, outcome_column="value", threshold=-0.5,
                      min_density=1.0)  # fmt: skip
    assert not strict.found or strict.density == 1.0
    assert strict.box.empty == (not strict.found)


def test_too_few_worlds_and_bad_columns_are_refused(synthetic: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=f"at least {MIN_WORLDS}"):
        discover(synthetic.head(MIN_WORLDS - 1), PARAMS, outcome_column="value", threshold=0)
    with pytest.raises(InputError, match="outcome"):
        discover(synthetic, PARAMS, outcome_column="nope", threshold=0)
    with pytest.raises(InputError, match="params"):
        discover(synthetic, ["x9"], outcome_column="value", threshold=0)


@pytest.mark.parametrize("threshold", [None, -0.5])
def test_feature_scores_rank_the_true_dimensions_first(
    synthetic: pd.DataFrame, threshold: float | None
) -> None:
    scores = feature_scores(synthetic, PARAMS, "value", seed=3, bootstrap=15, trees=60,
                            threshold=threshold)  # fmt: skip
    assert list(scores.columns) == ["parameter", "score", "ci_low", "ci_high", "score_all", "rank"]
    assert set(scores["parameter"].iloc[:2]) == {"x0", "x2"}
    assert (scores["ci_low"] <= scores["score"]).all()
    assert (scores["score"] <= scores["ci_high"]).all()
    assert (scores["ci_low"] < scores["ci_high"]).all()
    # the true dimensions are separated from the irrelevant ones by their whole bands
    assert scores["ci_low"].iloc[:2].min() > scores["ci_high"].iloc[2:].max()
    assert scores["score"].sum() == pytest.approx(1.0, abs=1e-9)


# --------------------------------------------------------------------------------------------
# The command line on a small stored LHS sweep (24 worlds, 12 quarters, one replication)
# --------------------------------------------------------------------------------------------
SWEEP = """name = "tiny_discovery"
base = "base.toml"
replications = 1
arms = ["de_facto", "cluster_support_2020s"]
[design]
method = "lhs"
samples = 24
seed = 3
[[design.vary]]
key = "market.price_sensitivity"
low = 2.0
high = 6.0
[[design.vary]]
key = "finance.market_loan_spread"
low = 0.01
high = 0.08
[[design.vary]]
key = "regimes.cluster_support_2020s.joint_project_subsidy.rate"
low = 0.0
high = 0.6
"""


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``clustersim ARGS`` in this process (the console script's own path: ``cli.main``)."""
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("discover")
    base = (ROOT / "scenarios" / "astrakhan_shipbuilding.toml").read_text(encoding="utf-8")
    short = base.replace("\nhorizon_quarters = 40 ", "\nhorizon_quarters = 12 ", 1)
    assert short != base
    (folder / "base.toml").write_text(short, encoding="utf-8")
    (folder / "tiny.toml").write_text(SWEEP, encoding="utf-8")
    db = f"sqlite:///{folder}/x.sqlite"
    assert cli.main(["sweep", str(folder / "tiny.toml"), "--db", db, "--executor", "local",
                     "-q"]) == 0  # fmt: skip
    return db


def test_cli_discover_on_a_stored_sweep(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, text, err = run_cli(capsys, "discover", "--sweep", "tiny_discovery", "--outcome",
                              "output_pct", "--threshold", "-0.25", "--db", stored,
                              "--bootstrap", "10")  # fmt: skip
    assert code == 0, err
    assert "worlds 24" in text and "base rate" in text
    assert "peeling trajectory" in text and "coverage" in text and "density" in text
    assert "In the box" in text or "No box" in text
    assert "feature scores of output_pct" in text
    for p in ("market.price_sensitivity", "finance.market_loan_spread"):
        assert p in text.split("feature scores")[1]
    code, text, err = run_cli(capsys, "discover", "--sweep", "tiny_discovery", "--outcome",
                              "net_federal", "--threshold", "0", "--db", stored,
                              "--bootstrap", "0", "--lang", "ru", "--json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(text)
    assert doc["worlds"] == 24 and doc["outcome"] == "net_federal"
    assert doc["failing"] == round(doc["base_rate"] * 24)
    assert len(doc["feature_scores"]) == 3 and "не достигает" in doc["text"]["ru"]


def test_cli_discover_bad_input_is_one_clear_message(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run_cli(capsys, "discover", "--sweep", "tiny_discovery", "--outcome",
                             "nope", "--threshold", "0", "--db", stored)  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith("--outcome: 'nope' is not a numeric column") and err.count("\n") == 1
    assert "output_pct" in err and "net_federal" in err
    assert "Traceback" not in err
    code, _, err = run_cli(capsys, "discover", "--sweep", "tiny_discovery", "--outcome",
                           "output_pct", "--threshold", "0", "--arm", "decree41_full",
                           "--db", stored)  # fmt: skip
    assert code == 2 and err.startswith("--arm:") and "cluster_support_2020s" in err
    code, _, err = run_cli(capsys, "discover", "--sweep", "tiny_discovery", "--outcome",
                           "output_pct", "--threshold", "nan", "--db", stored)  # fmt: skip
    assert code == 2 and err.startswith("--threshold:")
    code, _, err = run_cli(capsys, "discover", "--sweep", "nosuch", "--outcome", "output_pct",
                           "--threshold", "0", "--db", stored)  # fmt: skip
    assert code == 2 and err.startswith("--sweep:") and "tiny_discovery" in err


def test_cli_discover_refuses_a_sweep_with_too_few_worlds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = (ROOT / "scenarios" / "astrakhan_shipbuilding.toml").read_text(encoding="utf-8")
    (tmp_path / "base.toml").write_text(
        base.replace("\nhorizon_quarters = 40 ", "\nhorizon_quarters = 4 ", 1), encoding="utf-8"
    )
    (tmp_path / "few.toml").write_text(
        SWEEP.replace("tiny_discovery", "few").replace("samples = 24", "samples = 5"),
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path}/few.sqlite"
    assert cli.main(["sweep", str(tmp_path / "few.toml"), "--db", db, "--executor", "local",
                     "-q"]) == 0  # fmt: skip
    capsys.readouterr()
    code, _, err = run_cli(capsys, "discover", "--sweep", "few", "--outcome", "output_pct",
                           "--threshold", "0", "--db", db)  # fmt: skip
    assert code == 2 and err.startswith("--sweep:") and "5 design points" in err
    assert f"at least {MIN_WORLDS}" in err


def test_worlds_without_a_finite_value_are_left_out_and_counted(synthetic: pd.DataFrame) -> None:
    table = synthetic.head(200).copy()
    table.loc[table.index[:30], "value"] = np.nan
    d = discover(table, PARAMS, outcome_column="value", threshold=-0.5)
    assert d.n_worlds == 170 and d.n_dropped == 30
    assert d.n_cases == int((table["value"] < -0.5).sum())
    table.loc[table.index[: 200 - MIN_WORLDS + 1], "value"] = np.inf
    with pytest.raises(InputError, match=r"^outcome: 19 of 200 worlds"):
        discover(table, PARAMS, outcome_column="value", threshold=-0.5)


def test_chance_restrictions_are_dropped_and_the_box_recounted() -> None:
    """A categorical driver (a legal threshold 0.10 / 0.20) plus noise, on 200 worlds: the
    knee box of the trajectory picks up noise dimensions; the reported box keeps only the
    restrictions with a small quasi-p, and its coverage and density are those of that box."""
    rng = np.random.default_rng(5)
    n = 200
    x = pd.DataFrame(rng.uniform(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    x["fd"] = rng.permutation(np.repeat([0.10, 0.20], n // 2))
    fail = (x["fd"] > 0.15) & (rng.uniform(size=n) < 0.4) | (rng.uniform(size=n) < 0.02)
    table = x.assign(value=np.where(fail, -1.0, 1.0))
    params = [*x.columns]
    simple = discover(table, params, outcome_column="value", threshold=0.0)
    raw = discover(table, params, outcome_column="value", threshold=0.0, simplify=False)
    kept = list(simple.box["parameter"])
    assert "fd" in kept and (simple.box["qp"] <= 0.05).all()
    assert simple.dropped and set(simple.dropped) == set(raw.box["parameter"]) - set(kept)
    inside = np.ones(n, dtype=bool)
    for r in simple.box.itertuples():
        inside &= (table[r.parameter] >= r.low) & (table[r.parameter] <= r.high)
    assert simple.density == pytest.approx(fail[inside].mean())
    assert simple.coverage == pytest.approx(fail[inside].sum() / fail.sum())
    assert simple.mass == pytest.approx(inside.mean())
