"""The ``clustersim`` command line, through the real console script."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from sim import cli
from sim.errors import InputError, mask_url, mask_urls_in_text

ROOT = Path(__file__).resolve().parents[1]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
BASE = (ROOT / "scenarios" / "astrakhan_shipbuilding.toml").read_text(encoding="utf-8")
SUBSIDY = "[regimes.decree41_full.joint_project_subsidy]"


def clustersim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLUSTERSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def _key_line(lines: list[str], anchor: str, key: str) -> int:
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(anchor))
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if re.match(rf"{re.escape(key)}\s*=", lines[i].lstrip()):
            return i
    raise AssertionError(f"no {key!r} after {anchor!r}")


def replace_key(anchor: str, key: str, new: str) -> tuple[str, int]:
    lines = BASE.splitlines()
    i = _key_line(lines, anchor, key)
    lines[i] = new
    return "\n".join(lines) + "\n", i + 1


def delete_key(anchor: str, key: str) -> tuple[str, int]:
    lines = BASE.splitlines()
    del lines[_key_line(lines, anchor, key)]
    header = next(i for i, line in enumerate(lines) if line.strip().startswith(anchor))
    return "\n".join(lines) + "\n", header + 1


def _case_typo() -> tuple[str, int, str]:
    text, line = replace_key("[market]", "demand_volatility", "demand_volatilty = 0.2")
    return text, line, "market.demand_volatilty: unknown key (did you mean 'demand_volatility'?)"


def _case_rate() -> tuple[str, int, str]:
    text, line = replace_key(
        SUBSIDY, "rate", 'rate = { value = 1.7, unit = "share", source = "assumption" }'
    )
    return text, line, "regimes.decree41_full.joint_project_subsidy.rate.value: Input should be"


def _case_count() -> tuple[str, int, str]:
    text, line = replace_key('name = "shipyards"', "count", "count = 0")
    return text, line, "firm_groups[0].count: Input should be greater than 0"


def _case_nan() -> tuple[str, int, str]:
    text, line = replace_key("[market]", "price_sensitivity", "price_sensitivity = nan")
    return text, line, "market.price_sensitivity: Input should be a finite number"


def _case_type() -> tuple[str, int, str]:
    text, line = replace_key("[market]", "price_sensitivity", 'price_sensitivity = "high"')
    return text, line, 'market.price_sensitivity: expected a number, got string "high"'


def _case_missing() -> tuple[str, int, str]:
    text, line = delete_key("[registry]", "validity_years")
    return text, line, "registry.validity_years: required key missing"


def _case_syntax() -> tuple[str, int, str]:
    text, line = replace_key("[market]", "price_sensitivity", "price_sensitivity = = 4")
    return text, line, "TOML syntax error"


def _case_duplicate() -> tuple[str, int, str]:
    lines = BASE.splitlines()
    i = _key_line(lines, "[market]", "price_sensitivity")
    lines.insert(i + 1, lines[i])
    return "\n".join(lines) + "\n", i + 2, "market.price_sensitivity: duplicate key"


def _case_source() -> tuple[str, int, str]:
    text, line = replace_key(
        SUBSIDY, "rate", 'rate = { value = 0.5, unit = "share", source = "Decree 41" }'
    )
    return text, line, "rate.source: source must carry an evidence label"


CASES = {
    "typo": _case_typo,
    "out_of_range": _case_rate,
    "zero_count": _case_count,
    "nan": _case_nan,
    "wrong_type": _case_type,
    "missing_key": _case_missing,
    "syntax": _case_syntax,
    "duplicate": _case_duplicate,
    "unlabelled_source": _case_source,
}


def test_help() -> None:
    result = clustersim("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout
    assert "run" in result.stdout
    assert result.stdout.startswith("usage: clustersim")


@pytest.mark.parametrize("verb", sorted(cli.VERBS))
def test_every_verb_has_help(verb: str) -> None:
    result = clustersim(verb, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: clustersim {verb}")


def test_validate_help() -> None:
    result = clustersim("validate", "--help")
    assert result.returncode == 0
    assert "FILE" in result.stdout


def test_no_verb_is_a_usage_error() -> None:
    result = clustersim()
    assert result.returncode == 2
    assert "usage: clustersim" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_shipped_scenarios() -> None:
    rel = [str(p.relative_to(ROOT)) for p in SCENARIOS]
    result = clustersim("validate", *rel)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"OK {p}" for p in rel]
    assert result.stderr == ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_bad_file(tmp_path: Path, case: str) -> None:
    text, line, expected = CASES[case]()
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    result = clustersim("validate", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}:{line}: " in result.stderr
    assert expected in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", ": no keys found; the required top-level tables are missing: [scenario]"),
        (bytes(range(256)), ":1: binary data"),
        (b"a = 1\n\xff\n", ":2: not UTF-8 text"),
    ],
    ids=["empty", "binary", "latin1"],
)
def test_validate_unreadable_content(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    result = clustersim("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}{fragment}"), result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = clustersim("validate", str(missing), str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{missing}: file not found",
        f"{tmp_path}: is a directory, not a TOML file",
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_mixed_good_and_bad(tmp_path: Path) -> None:
    text, line, _ = _case_rate()
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    good = str(SCENARIOS[0].relative_to(ROOT))
    result = clustersim("validate", good, str(bad))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [f"OK {good}"]
    assert result.stderr.startswith(f"{bad}:{line}: ")


def test_debug_flag_is_accepted_before_and_after_the_verb(tmp_path: Path) -> None:
    good = str(SCENARIOS[0].relative_to(ROOT))
    assert clustersim("--debug", "validate", good).returncode == 0
    assert clustersim("validate", "--debug", good).returncode == 0


def test_python_dash_m_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sim", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"clustersim {version('clustersim')}"


def test_console_script_version() -> None:
    result = clustersim("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"clustersim {version('clustersim')}"


# --------------------------------------------------------------------------------------------
# The single error path, in process (a throw-away verb raises on purpose)
# --------------------------------------------------------------------------------------------
def _no_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--what", default="runtime")


def _explode(args: argparse.Namespace) -> int:
    if args.what == "interrupt":
        raise KeyboardInterrupt
    if args.what == "input":
        raise InputError.single("x.toml", "bad value", line=3, key="a.b")
    raise RuntimeError("cannot connect to postgresql://ci:s3cret@db:5432/ci\n(second line)")


@pytest.fixture
def explode_verb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        cli.VERBS, "explode", cli.Verb("explode", "test verb", _no_arguments, _explode)
    )


@pytest.mark.usefixtures("explode_verb")
def test_unexpected_error_is_one_line_with_the_password_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["explode"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "clustersim: error: RuntimeError: cannot connect to postgresql://ci:***@db:5432/ci "
        "(second line) (run with --debug for the traceback)"
    ]


@pytest.mark.usefixtures("explode_verb")
def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--debug", "explode"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.rstrip().splitlines()[-1].startswith("clustersim: error: RuntimeError")


@pytest.mark.usefixtures("explode_verb")
def test_input_error_and_interrupt_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explode", "--what", "input"]) == 2
    assert capsys.readouterr().err == "x.toml:3: a.b: bad value\n"
    assert cli.main(["explode", "--what", "interrupt"]) == 130


def test_sweep_files_can_plug_in_a_validator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "../x.toml"\n', encoding="utf-8")
    # the registered sweep validator names what the sweep file lacks
    assert cli.main(["validate", str(sweep)]) == 2
    assert f"{sweep}: replications: required key missing" in capsys.readouterr().err
    seen: list[str] = []
    monkeypatch.setitem(cli.VALIDATORS, "sweep", seen.append)
    assert cli.main(["validate", str(sweep)]) == 0
    assert seen == [str(sweep)]
    assert capsys.readouterr().out == f"OK {sweep}\n"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://ci:s3cret@localhost:5432/ci",
            "postgresql+psycopg://ci:***@localhost:5432/ci",
        ),
        ("sqlite:///results/clustersim.sqlite", "sqlite:///results/clustersim.sqlite"),
        ("postgresql://ci@localhost/ci", "postgresql://ci@localhost/ci"),
        (None, ""),
    ],
)
def test_mask_url(url: str | None, shown: str) -> None:
    assert mask_url(url) == shown


def test_mask_urls_in_text() -> None:
    text = "failed: postgresql://u:p%40ss@h/db and mysql://a:b@c/d; http://host:80/x@y"
    # "http://host:80/x@y" is user "host" with password "80/x" to SQLAlchemy (and to
    # sim.errors.parse_url, which connects): the mask hides what would be sent as a password.
    assert mask_urls_in_text(text) == (
        "failed: postgresql://u:***@h/db and mysql://a:***@c/d; http://host:***@y"
    )
