"""Bad input is refused up front: one clear line naming the file and key, exit 2, no traceback.

One test (or a few) per finding of the input-hardening review:

1. non-regular files (a FIFO, ``/dev/zero``), files over the size limit and slow reads are
   refused by the one reader of input files, without hanging;
2. a huge dotted key (or deep nesting) is refused before the quadratic TOML parse;
3. designs too large to sample (``lhs`` 10^9, ``sobol`` 2^30) and sweeps with too many runs are
   refused before anything is allocated;
4. meaningless designs and values: ``sobol`` N < 4, ``morris`` N < 2 or odd levels, varied
   ``experiment.*`` keys, a firm count of 2^63, too many firms;
5. a sweep without a regime arm;
6. world parameters beyond their bounds (``capital_mln_rub_per_capacity = 1e308``), and runs at
   the corners of the allowed space raise no numpy warning.

The CLI tests run the real console script; a bad input must not create the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.errors import InputError
from sim.model import ClusterModel
from sim.run import designs
from sim.run.designs import DesignSpec, VaryEntry, design_matrix
from sim.run.sweepfile import MAX_SWEEP_RUNS, load_sweep
from sim.scenario import apply_overrides, input_file, load_scenario, loader
from sim.scenario.input_file import MAX_INPUT_BYTES, MAX_KEY_PARTS, read_input_file

ROOT = Path(__file__).resolve().parents[1]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
BASE_TEXT = BASE.read_text(encoding="utf-8")
SWEEPS = ROOT / "scenarios" / "sweeps"
RATE = "regimes.decree41_full.joint_project_subsidy.rate"
HANG = 60.0  # a subprocess still running after this long is a hang (the machine may be busy)


def clustersim(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLUSTERSIM, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
        check=False,
    )  # fmt: skip


_STARTUP: list[float] = []


def startup_seconds() -> float:
    """Wall time of ``clustersim --version`` (imports only), the baseline of timed CLI tests."""
    if not _STARTUP:
        t0 = time.perf_counter()
        proc = clustersim("--version")
        assert proc.returncode == 0, proc.stderr
        _STARTUP.append(time.perf_counter() - t0)
    return _STARTUP[0]


def refused(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Assert exit 2, no traceback and one stderr line holding every fragment; return it."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def timed_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI; the seconds it took beyond the start-up of ``clustersim --version``."""
    base = startup_seconds()
    t0 = time.perf_counter()
    proc = clustersim(*args)
    return proc, time.perf_counter() - t0 - base


def write_sweep(
    tmp: Path,
    *,
    name: str = "t",
    reps: int = 2,
    arms: str = '["de_facto", "decree41_full"]',
    design: str = "",
    base: Path | str = BASE,
) -> Path:
    """A small sweep file pointing at the real Astrakhan scenario."""
    if not design:
        design = f'method = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = [0.1, 0.4]\n'
    text = (
        f'name = "{name}"\nbase = "{base}"\nreplications = {reps}\narms = {arms}\n\n'
        f"[design]\n{design}"
    )
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def range_design(method: str, samples: int, extra: str = "") -> str:
    return (
        f'method = "{method}"\nsamples = {samples}\n{extra}'
        f'[[design.vary]]\nkey = "{RATE}"\nlow = 0.1\nhigh = 0.5\n'
    )


def check_both_verbs(tmp: Path, path: Path, *fragments: str) -> None:
    """``validate`` and ``sweep`` refuse the sweep file alike and create no database."""
    db = tmp / "never.sqlite"
    for verb in (["validate", str(path)], ["sweep", str(path), "--db", f"sqlite:///{db}"]):
        refused(clustersim(*verb), str(path), *fragments)
    assert not db.exists()


# ============================================================================================
# 1. One reader of input files: regular files only, size and time limits
# ============================================================================================
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    proc, extra = timed_cli("validate", str(fifo))
    refused(proc, f"{fifo}: is a named pipe (FIFO)", "must be regular files")
    assert extra < 5.0
    sweep = write_sweep(tmp_path, base=fifo)
    check_both_verbs(tmp_path, sweep, ":2: base: the base scenario is invalid:", "named pipe")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_without_reading() -> None:
    proc, extra = timed_cli("validate", "/dev/zero")
    refused(proc, "/dev/zero: is a character device", "must be regular files")
    assert extra < 5.0


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    padding = "# padding\n" * (MAX_INPUT_BYTES // 10 + 1)
    big.write_text(BASE_TEXT + padding, encoding="utf-8")
    line = refused(clustersim("validate", str(big)), str(big), "at most 1 MiB")
    assert f"{big.stat().st_size:,} bytes" in line


def test_slow_read_is_refused_after_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(source: str, max_bytes: int) -> bytes:
        time.sleep(5)
        return b""

    monkeypatch.setattr(input_file, "_read_regular", stuck)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_input_file(BASE, timeout=0.2)
    assert time.perf_counter() - t0 < 3
    assert "took longer than 0.2 s" in str(err.value)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_input_file(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        read_input_file(tmp_path / "nope.toml")
    assert read_input_file(BASE) == BASE.read_bytes()


def test_scenario_and_sweep_files_are_read_only_by_the_one_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    real = loader.read_input_file

    def spy(path: Any, **kwargs: Any) -> bytes:
        seen.append(os.fspath(path))
        return real(path, **kwargs)

    monkeypatch.setattr(loader, "read_input_file", spy)
    sw = load_sweep(SWEEPS / "subsidy_dose_response.toml")
    assert [Path(p).name for p in seen] == ["subsidy_dose_response.toml", BASE.name]
    assert sw.base_text == BASE_TEXT
    # nothing else in the scenario and sweep modules opens files
    modules = [*(ROOT / "sim" / "scenario").glob("*.py"), ROOT / "sim" / "run" / "sweepfile.py",
               ROOT / "sim" / "run" / "designs.py"]  # fmt: skip
    for module in modules:
        if module.name == "input_file.py":
            continue
        text = module.read_text(encoding="utf-8")
        for call in ("open(", ".read_text(", ".read_bytes(", "tomllib.load("):
            assert call not in text, (module.name, call)


# ============================================================================================
# 2. A huge dotted key, deep nesting: refused before parsing, in well under a second
# ============================================================================================
def test_huge_dotted_key_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "dotted.toml"
    path.write_text("a." * 200_000 + "a = 1\n", encoding="utf-8")
    assert path.stat().st_size > 400_000
    t0 = time.process_time()
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert time.process_time() - t0 < 0.5
    (problem,) = err.value.problems
    assert problem.line == 1 and f"at most {MAX_KEY_PARTS} parts" in problem.message
    proc, extra = timed_cli("validate", str(path))
    refused(proc, f"{path}:1: a.a.a", f"may have at most {MAX_KEY_PARTS} parts")
    assert extra < 5.0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("x = 1\n[" + "t." * 100_000 + "t]\n", 2, "parts"),
        ('x = 1\n"a"."b".' + '"c".' * 50_000 + "d = 2\n", 2, "parts"),
        ("x = " + "[" * 50_000 + "]" * 50_000 + "\n", 1, "nested at most 16 deep"),
        ("x = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n", 1, "nested at most 16 deep"),
        ("x = 1" + "0" * 5000 + "\n", 1, "a number with 5001 digits"),
    ],
    ids=["header", "quoted-parts", "arrays", "inline-tables", "long-integer"],
)
def test_expensive_toml_shapes_are_refused_fast(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "shape.toml"
    path.write_text(text, encoding="utf-8")
    t0 = time.process_time()
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert time.process_time() - t0 < 0.5
    (problem,) = err.value.problems
    assert problem.file == str(path) and problem.line == line and fragment in problem.message


def test_dots_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    dots = "." * 100
    text = BASE_TEXT.replace(
        'description = """', f'# {dots}\ndescription = """{dots}\n', 1
    ).replace('title = "Astrakhan shipbuilding cluster"', f'title = "Astrakhan {dots}"', 1)
    path = tmp_path / "dots.toml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).scenario.title.endswith(dots)


def test_many_problems_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text(BASE_TEXT + "".join(f"\n[unknown_{i}]\nx = 1" for i in range(5000)), "utf-8")
    t0 = time.process_time()
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert time.process_time() - t0 < 5
    problems = err.value.problems
    assert len(problems) == loader.MAX_PROBLEMS + 1
    assert problems[0].key == "unknown_0" and problems[0].line is not None
    assert problems[-1].message == "... and 4,950 more problems (the first 50 are shown)"


# ============================================================================================
# 3. Designs too large to allocate, sweeps with too many runs
# ============================================================================================
@pytest.mark.parametrize(
    ("method", "samples", "points"),
    [("lhs", 10**9, "1,000,000,000 points"), ("sobol", 2**30, "3,221,225,472 points")],
)
def test_huge_designs_are_refused_before_sampling(
    tmp_path: Path, method: str, samples: int, points: str
) -> None:
    path = write_sweep(tmp_path, design=range_design(method, samples))
    check_both_verbs(tmp_path, path, ":8: design.samples:", points, "at most 10,000 are allowed")


def test_huge_grid_is_refused(tmp_path: Path) -> None:
    values = "[" + ", ".join(str(i / 1000) for i in range(101)) + "]"
    design = 'method = "grid"\n' + "".join(
        f'[[design.vary]]\nkey = "{key}"\nvalues = {values}\n'
        for key in (RATE, "market.demand_growth_per_year")
    )
    path = write_sweep(tmp_path, design=design)
    check_both_verbs(tmp_path, path, "design.vary:", "10,201 points (101 x 101 values)")


def test_too_many_runs_are_refused(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, reps=10**12)
    check_both_verbs(
        tmp_path, path, ":3: replications:", "= 4,000,000,000,000 runs",
        f"at most {MAX_SWEEP_RUNS:,} are allowed",
    )  # fmt: skip


def test_design_matrix_refuses_to_allocate_a_huge_design() -> None:
    spec = DesignSpec(
        method="lhs", samples=10**9, vary=[VaryEntry(key=RATE, low=0.1, high=0.5)]
    )
    with pytest.raises(ValueError, match="at most 10,000"):
        design_matrix(spec, 1)
    assert designs.design_size(spec) == 10**9


# ============================================================================================
# 4. Meaningless designs and values
# ============================================================================================
@pytest.mark.parametrize(
    ("design", "expected"),
    [
        (range_design("sobol", 1), ":8: design.samples: sobol needs at least 4 samples"),
        (range_design("sobol", 2), ":8: design.samples: sobol needs at least 4 samples"),
        (range_design("morris", 1), ":8: design.samples: morris needs at least 2 trajectories"),
        (range_design("morris", 4, "levels = 3\n"), ":9: design.levels: morris needs an even"),
        ('method = "grid"\n[[design.vary]]\nkey = "experiment.seed"\nvalues = [1, 2]\n',
         ":9: design.vary[0].key: 'experiment.seed' cannot be varied"),
        ('method = "grid"\n[[design.vary]]\nkey = "experiment.replications"\nvalues = [5]\n',
         ":9: design.vary[0].key: 'experiment.replications' cannot be varied"),
    ],
    ids=["sobol-1", "sobol-2", "morris-1", "morris-odd-levels", "experiment-seed",
         "experiment-replications"],
)  # fmt: skip
def test_meaningless_designs_are_refused(tmp_path: Path, design: str, expected: str) -> None:
    path = write_sweep(tmp_path, design=design)
    check_both_verbs(tmp_path, path, expected)


def test_firm_count_of_2_pow_63_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "count.toml"
    path.write_text(BASE_TEXT.replace("count = 8\n", f"count = {2**63}\n", 1), encoding="utf-8")
    line = 1 + BASE_TEXT[: BASE_TEXT.index("count = 8\n")].count("\n")
    refused(
        clustersim("validate", str(path)),
        f"{path}:{line}: firm_groups[0].count: Input should be less than or equal to 200000",
    )
    design = 'method = "grid"\n[[design.vary]]\nkey = "firm_groups[0].count"\nvalues = [300000]\n'
    check_both_verbs(tmp_path, write_sweep(tmp_path, design=design),
                     ":8: design.vary[0]: firm_groups[0].count: Input should be less than or "
                     "equal to 200000")  # fmt: skip


def test_too_many_firms_in_all_groups_are_refused() -> None:
    base = load_scenario(BASE)
    over = {"firm_groups[0].count": 150_000, "firm_groups[2].count": 60_000}
    with pytest.raises(InputError) as err:
        apply_overrides(base, over, source="x.toml")
    (problem,) = err.value.problems
    assert problem.key == "firm_groups"
    assert "210,088 firms in all groups; at most 200,000 are allowed" in problem.message
    entry = {
        "sme_demography.entry_rate_per_year": 2.0,
        "sme_demography.entry_demand_sensitivity": 5.0,
        "scenario.horizon_quarters": 100,
    }
    with pytest.raises(InputError) as err:
        apply_overrides(base, entry, source="x.toml")
    (problem,) = err.value.problems
    assert problem.key == "sme_demography.entry_rate_per_year"
    assert "firms over the horizon" in problem.message and "at most 1,000,000" in problem.message


# ============================================================================================
# 5. A sweep needs de_facto and at least one regime
# ============================================================================================
def test_sweep_without_a_regime_is_refused(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, arms='["de_facto"]')
    check_both_verbs(
        tmp_path, path, ":4: arms: needs 'de_facto' and at least one regime",
        "regimes of astrakhan_shipbuilding: decree41_full, cluster_support_2020s",
    )  # fmt: skip


@pytest.mark.parametrize("reps", ["100000000", "10001"])
def test_too_many_replications_are_refused_before_anything_is_stored(tmp_path, reps):
    db = tmp_path / "r.sqlite"
    proc = clustersim("run", str(BASE), "--replications", reps, "--db", f"sqlite:///{db}",
                      "--no-report", "-q")  # fmt: skip
    refused(proc, "--replications:", "allowed 1 to 10,000", "1,000,000 runs")
    assert not db.exists()


def test_the_api_refuses_too_many_replications_before_allocating():
    from sim import api

    sc = load_scenario(BASE)
    with pytest.raises(InputError, match="at most 1,000,000 runs"):
        api.run_pairs(sc, replications=10_000, arms=sc.arms * 20)  # 10,000 x 120 arms
    with pytest.raises(InputError, match="replications"):
        api.simulate(sc, replications=10**9)


# ============================================================================================
# 6. Bounds on world parameters; runs at the corners raise no numpy warning
# ============================================================================================
@pytest.mark.parametrize(
    ("old", "new", "key", "allowed"),
    [
        ("capital_mln_rub_per_capacity = 5.0", "capital_mln_rub_per_capacity = 1e308",
         "finance.capital_mln_rub_per_capacity", "less than or equal to 1000"),
        ("market_orders_mln_rub_per_year = 24000.0", "market_orders_mln_rub_per_year = 1e300",
         "market.market_orders_mln_rub_per_year", "less than or equal to 1000000000"),
        ("price_sensitivity = 4.0 ", "price_sensitivity = 1e6 ",
         "market.price_sensitivity", "less than or equal to 30"),
        ("wage_mln_rub_per_worker_year = 0.50", "wage_mln_rub_per_worker_year = 1e-300",
         "labour.wage_mln_rub_per_worker_year", "greater than or equal to 0.000001"),
        ('max_loan_mln_rub = { value = 1000.0,', 'max_loan_mln_rub = { value = 1e12,',
         "loan_programmes[0].max_loan_mln_rub.value",
         "less than or equal to 1000000000"),
        ('min_industrial_participants = { value = 10,',
         'min_industrial_participants = { value = 9223372036854775807,',
         "registry.min_industrial_participants.value", "less than or equal to 1000000"),
    ],
    ids=["capital", "market", "price-sensitivity", "tiny-wage", "money-param", "count-param"],
)  # fmt: skip
def test_world_parameters_are_bounded(
    tmp_path: Path, old: str, new: str, key: str, allowed: str
) -> None:
    assert old in BASE_TEXT
    path = tmp_path / "bounded.toml"
    path.write_text(BASE_TEXT.replace(old, new, 1), encoding="utf-8")
    line = 1 + BASE_TEXT[: BASE_TEXT.index(old)].count("\n")
    refused(clustersim("validate", str(path)), f"{path}:{line}: {key}: Input should be", allowed)


# The largest (and smallest) allowed values of the parameters that enter exponentials, powers,
# divisions and Poisson draws; counts and the horizon stay small so the test is quick.
_HIGH = {
    "market.market_orders_mln_rub_per_year": 1e9,
    "market.order_size_mln_rub.mean": 1e9,
    "market.order_size_mln_rub.cv": 5.0,
    "market.demand_growth_per_year": 0.5,
    "market.demand_volatility": 2.0,
    "market.competitor_price_index": 100.0,
    "market.competitor_delivery_quarters": 100.0,
    "market.price_sensitivity": 30.0,
    "market.delivery_sensitivity": 2.0,
    "market.build_quarters_min": 100.0,
    "market.target_cover_quarters": 100.0,
    "market.initial_order_book_years": 25.0,
    "sourcing.price_sensitivity": 30.0,
    "labour.wage_mln_rub_per_worker_year": 1e9,
    "labour.wage_growth_per_year": 0.5,
    "firm_groups[0].employment.mean": 1e9,
    "firm_groups[0].productivity_mln_rub_per_worker_year.mean": 1e9,
    "firm_groups[0].productivity_mln_rub_per_worker_year.cv": 5.0,
    "firm_groups[0].cash_quarters_of_revenue": 100.0,
    "firm_groups[2].employment.mean": 1e9,
    "firm_groups[2].qualification.mean": 1e9,
    "membership.fee_mln_rub_per_year": 1e9,
    "membership.benefit_scale_mln_rub": 1e9,
    "membership.peer_weight": 1e9,
    "membership.heterogeneity_sd": 1e9,
    "organisation.joint_projects_per_year": 1000.0,
    "organisation.project_capex_mln_rub.mean": 1e9,
    "organisation.project_return_per_year.mean": 1e9,
    "finance.capital_mln_rub_per_capacity": 1000.0,
    "finance.productivity_gain_per_investment": 1.0,
    "finance.cash_buffer_quarters": 100.0,
    "production.sme_qualification_cost_mln_rub": 1e9,
    "sme_demography.entry_rate_per_year": 2.0,
    "sme_demography.entry_demand_sensitivity": 5.0,
    "regimes.cluster_support_2020s.joint_project_subsidy.cap_per_project_mln_rub": 1e9,
    "regimes.cluster_support_2020s.starter_batch_subsidy.rate": 1.0,
    "regimes.cluster_support_2020s.preferential_loans.max_loan_mln_rub": 1e9,
    "regimes.cluster_support_2020s.preferential_loans.term_years": 1_000_000,
    "regimes.cluster_support_2020s.preferential_loans.annual_budget_mln_rub": 1e9,
    "regimes.decree41_full.joint_project_subsidy.rate": 1.0,
    "regimes.decree41_full.joint_project_subsidy.annual_budget_mln_rub": 1e9,
}
_LOW = {
    "market.market_orders_mln_rub_per_year": 1e-6,
    "market.order_size_mln_rub.mean": 1e-6,
    "market.competitor_price_index": 0.01,
    "market.competitor_delivery_quarters": 0.01,
    "market.build_quarters_min": 0.01,
    "market.target_cover_quarters": 0.01,
    "labour.wage_mln_rub_per_worker_year": 1e-6,
    "firm_groups[0].employment.mean": 1e-6,
    "firm_groups[0].productivity_mln_rub_per_worker_year.mean": 1e-6,
    "firm_groups[2].productivity_mln_rub_per_worker_year.mean": 1e-6,
    "firm_groups[2].qualification.mean": 1e-6,
    "membership.benefit_scale_mln_rub": 1e-6,
    "organisation.project_capex_mln_rub.mean": 1e-6,
    "finance.capital_mln_rub_per_capacity": 1e-6,
    "production.sme_qualification_step": 0.001,
    "sourcing.initial_local_share": 0.001,
    "regimes.cluster_support_2020s.preferential_loans.spread": 0.0,
    "regimes.cluster_support_2020s.preferential_loans.term_years": 1,
}


@pytest.mark.parametrize("corner", [_HIGH, _LOW, {**_HIGH, **_LOW}], ids=["high", "low", "mixed"])
def test_runs_at_the_corners_raise_no_numpy_warning(corner: dict[str, Any]) -> None:
    base = load_scenario(BASE)
    sc = apply_overrides(base, {**corner, "scenario.horizon_quarters": 12})
    for arm in sc.arms:
        with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
            warnings.simplefilter("error")  # any numpy RuntimeWarning fails the run
            model = ClusterModel(sc, arm=arm, rng=1)
            model.run_for(sc.scenario.horizon_quarters)
