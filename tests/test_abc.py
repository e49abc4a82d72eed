"""Simulation-based calibration (ABC rejection): parameter recovery, reproducibility, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import api
from sim.errors import InputError
from sim.run.abc import NARROWED_RATIO, PriorRange, abc_rejection, normalise_prior
from sim.run.targets import TARGETS, calibration_figures, calibration_figures_by_replicate
from sim.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
RIVALS = "market.rival_productivity_trend_per_year"
PRICE = "market.price_sensitivity"


@pytest.fixture(scope="module")
def astrakhan():
    return load_scenario(ASTRAKHAN)


def test_recovers_the_rivals_productivity_trend_from_simulated_data(astrakhan):
    """Data simulated at a known rivals' trend (0.04 a year, 8 replications) replace the target
    values; ABC over a prior twice as wide as the truth on either side recovers it.

    The rivals' trend moves the late growth (about -1 point a year per point of trend) and the
    share drift (about -9 per unit); the price sensitivity moves no statistic by more than a
    fraction of its tolerance (docs/model.md 10.6), so the data leave it open."""
    truth = 0.04
    world = apply_overrides(astrakhan, {RIVALS: truth}, source="test: the true world")
    data = sim.simulate(world, replications=8, seed=101, arms=["de_facto"],
                        executor="processes", workers=2)  # fmt: skip
    observed = calibration_figures(data)
    targets = {name: t.with_value(observed[name]) for name, t in TARGETS.items()}
    cal = abc_rejection(astrakhan, {RIVALS: (0.0, 0.08), PRICE: (2.0, 8.0)}, draws=200,
                        replications=4, seed=7, targets=targets, executor="processes",
                        workers=2)  # fmt: skip
    acc = cal.accepted()
    assert cal.counts == {"completed": 800, "failed": 0}
    assert 20 <= len(acc) < 200  # enough to read quantiles, and the data rejected some draws
    rejected = cal.draws[~cal.draws["accepted"]]
    assert (acc["distance"] <= 1).all() and (rejected["distance"] > 1).all()
    nar = cal.narrowing_table().set_index("parameter")
    rivals, price = nar.loc[RIVALS], nar.loc[PRICE]
    assert abs(rivals.accepted_median - truth) <= 0.2 * truth, rivals  # within 20 % of the truth
    assert rivals.accepted_p05 < truth < rivals.accepted_p95, rivals
    assert rivals.width_ratio < NARROWED_RATIO and rivals.verdict == "narrowed", rivals
    assert price.width_ratio > 0.8 and price.verdict == "not narrowed", price
    # the accepted draws' statistics sit within every tolerance band, by construction
    fit = cal.fit_table().set_index("target")
    assert (fit.accepted_p05 >= fit.band_low).all() and (fit.accepted_p95 <= fit.band_high).all()
    assert np.allclose(fit["data"], [observed[n] for n in fit.index])


def test_same_seed_gives_the_same_draws_on_every_executor(astrakhan, tmp_path):
    prior = {RIVALS: (0.02, 0.05), "market.market_orders_mln_rub_per_year": (12000, 48000, True)}
    local = abc_rejection(astrakhan, prior, draws=8, replications=1, seed=3, executor="local")
    procs = abc_rejection(astrakhan, prior, draws=8, replications=1, seed=3,
                          executor="processes", workers=2)  # fmt: skip
    pd.testing.assert_frame_equal(local.draws, procs.draws)
    other = abc_rejection(astrakhan, prior, draws=8, replications=1, seed=4, executor="local")
    assert not np.allclose(other.draws[RIVALS], local.draws[RIVALS])
    # a Latin hypercube: one draw in each eighth of the prior's range (log range for a log key)
    u = (local.draws[RIVALS] - 0.02) / 0.03
    assert sorted((u * 8).astype(int)) == list(range(8))
    lu = np.log(local.draws["market.market_orders_mln_rub_per_year"] / 12000) / np.log(4)
    assert sorted((lu * 8).astype(int)) == list(range(8))
    # each draw's statistics are calibration_figures of its own run
    assert local.draws["distance"].notna().all()
    path = local.write_csv(tmp_path / "all.csv", all_draws=True)
    back = pd.read_csv(path)
    assert list(back.columns) == list(local.draws.columns) and len(back) == 8


def test_statistics_of_one_replicate_and_of_many(astrakhan):
    df = sim.simulate(astrakhan, replications=3, seed=5, arms=["de_facto"])
    per = calibration_figures_by_replicate(df)
    assert list(per.index) == [0, 1, 2] and list(per.columns) == list(TARGETS)
    one = calibration_figures(df[df.replicate == 1])
    assert one == pytest.approx(per.loc[1].to_dict(), rel=1e-12)
    whole = calibration_figures(df)
    assert whole["large_employment"] == pytest.approx(per["large_employment"].mean())
    with pytest.raises(ValueError, match="need 40 quarters"):
        calibration_figures(df[df.quarter <= 36])


def test_prior_forms_and_bad_priors(astrakhan):
    got = normalise_prior({"a.b": (1, 2), "c.d": (1, 4, True), "e.f": {"low": 0, "high": 1}})
    assert got == {"a.b": PriorRange(1.0, 2.0), "c.d": PriorRange(1.0, 4.0, True),
                   "e.f": PriorRange(0.0, 1.0)}  # fmt: skip
    bad_priors = [
        ({}, "names no parameter"),
        ({"a.b": (2, 1)}, "low < high"),
        ({"a.b": (0, 1, True)}, "log range"),
        ({"a.b": (1,)}, "expected"),
        ({"a.b": {"low": 1}}, "missing"),
        ({"a.b": (0, float("nan"))}, "finite"),
    ]
    for bad, text in bad_priors:
        with pytest.raises(InputError, match=text):
            normalise_prior(bad)
    with pytest.raises(InputError, match="did you mean"):  # an unknown key, before any run
        abc_rejection(astrakhan, {"market.rival_productivity_trend": (0, 1)}, draws=2,
                      executor="local")  # fmt: skip
    with pytest.raises(InputError, match="draws"):
        abc_rejection(astrakhan, {RIVALS: (0, 0.1)}, draws=10_001, executor="local")
    with pytest.raises(InputError, match="unknown statistics"):
        abc_rejection(astrakhan, {RIVALS: (0, 0.1)}, draws=2, executor="local",
                      targets={"output": TARGETS["share_drift"]})  # fmt: skip
    short = apply_overrides(astrakhan, {"scenario.horizon_quarters": 20}, source="test")
    with pytest.raises(InputError, match="need 40"):
        abc_rejection(short, {RIVALS: (0, 0.1)}, draws=2, executor="local")


def test_api_default_prior_and_csv_of_accepted_draws(tmp_path):
    out = tmp_path / "world.csv"
    cal = api.calibrate(ASTRAKHAN, draws=4, seed=2, executor="local", out=out,
                        tolerance_scale=3.0)  # fmt: skip
    assert cal.parameters == list(api.DEFAULT_PRIOR)
    written = pd.read_csv(out)
    assert len(written) == int(cal.draws["accepted"].sum())
    assert list(written.columns) == list(cal.draws.columns)
    assert set(cal.fit_table()["target"]) == set(TARGETS)
    with pytest.raises(InputError, match="out"):
        api.calibrate(ASTRAKHAN, draws=2, executor="local", out=tmp_path / "no" / "x.csv")


def clustersim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLUSTERSIM, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=180, check=False)  # fmt: skip


def test_cli_calibrate_prints_the_tables(tmp_path):
    out = tmp_path / "accepted.csv"
    res = clustersim("calibrate", str(ASTRAKHAN), "--draws", "6", "--seed", "1", "--workers",
                     "2", "--tolerance-scale", "2", "--out", str(out), "-q")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "accepted:" in res.stdout and "of 6 draws" in res.stdout
    assert "large_output_year1" in res.stdout and "share_drift" in res.stdout  # the fit table
    assert RIVALS in res.stdout and "width ratio" in res.stdout  # the narrowing table
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "--draws: expected a positive integer"),
        (["--draws", "20000"], "--draws: 20,000 draws asked for"),
        (["--tolerance-scale", "-1"], "--tolerance-scale: expected a positive number"),
        (["--executor", "threads"], "--executor: unknown executor 'threads'"),
        (["--out", "/no/such/folder/x.csv"], "--out: cannot write"),
    ],
)
def test_cli_calibrate_bad_arguments_are_one_clear_message(args, message):
    res = clustersim("calibrate", str(ASTRAKHAN), *args)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_cli_calibrate_missing_scenario():
    res = clustersim("calibrate", "no_such.toml", "--draws", "2")
    assert res.returncode == 2 and "no_such.toml" in res.stderr and "Traceback" not in res.stderr
