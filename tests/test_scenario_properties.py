"""Property tests: whatever the input, the loaders return a result or raise InputError.

Scenario files (and overrides) give a Scenario or an InputError; sweep files (random values,
unknown and missing keys, sizes, arms, text edits) give a LoadedSweep or an InputError whose
problems name the file and a line or key -- never another exception, never a hang.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import math
import signal
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.run.sweepfile import LoadedSweep, load_sweep
from sim.scenario import Scenario, apply_overrides, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
BASE_TEXT = ASTRAKHAN.read_text(encoding="utf-8")
BASE = tomllib.loads(BASE_TEXT)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -1e308, -1.0, 0.0, 2.0]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=20),
    st.booleans(),
    st.dates(),
    st.none(),
)
keys = st.text(alphabet=string.ascii_letters + string.digits + "_- .", min_size=1, max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)


def _check(data: Any, source: str = "<test>", text: str | None = None) -> None:
    try:
        result = scenario_from_dict(data, source=source, text=text)
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == source
            assert problem.message
            assert "errors.pydantic.dev" not in problem.message
        assert str(exc)
    else:
        assert isinstance(result, Scenario)


def _set(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@SETTINGS
@given(path=st.sampled_from(PATHS), value=values)
def test_any_value_at_any_key(path: tuple[str | int, ...], value: Any) -> None:
    data = copy.deepcopy(BASE)
    _set(data, path, value)
    _check(data)


@SETTINGS
@given(
    path=st.sampled_from([p for p in PATHS if not isinstance(p[-1], int)]), key=keys, value=values
)
def test_unknown_keys_anywhere(path: tuple[str | int, ...], key: str, value: Any) -> None:
    data = copy.deepcopy(BASE)
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    parent[key] = value
    _check(data)


@SETTINGS
@given(path=st.sampled_from(PATHS))
def test_any_key_removed(path: tuple[str | int, ...]) -> None:
    data = copy.deepcopy(BASE)
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    _check(data)


@SETTINGS
@given(content=st.binary(max_size=400))
def test_random_bytes_as_a_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "random.toml"
    path.write_bytes(content)
    try:
        load_scenario(path)
    except InputError as exc:
        assert all(p.file == str(path) for p in exc.problems)


@SETTINGS
@given(
    position=st.integers(min_value=0, max_value=len(BASE_TEXT)),
    cut=st.integers(min_value=0, max_value=200),
    insert=st.text(alphabet=string.printable + "абв\u00a0", max_size=30),
)
def test_edited_text(tmp_path: Path, position: int, cut: int, insert: str) -> None:
    text = BASE_TEXT[:position] + insert + BASE_TEXT[position + cut :]
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    n_lines = text.count("\n") + 1
    try:
        load_scenario(path)
    except InputError as exc:
        for problem in exc.problems:
            assert problem.file == str(path)
            assert problem.line is None or 1 <= problem.line <= n_lines


@SETTINGS
@given(
    lines=st.lists(st.integers(min_value=0, max_value=BASE_TEXT.count("\n")), max_size=3),
)
def test_duplicated_lines(tmp_path: Path, lines: list[int]) -> None:
    text_lines = BASE_TEXT.splitlines()
    for i in sorted(lines, reverse=True):
        if i < len(text_lines):
            text_lines.insert(i, text_lines[i])
    path = tmp_path / "dup.toml"
    path.write_text("\n".join(text_lines), encoding="utf-8")
    try:
        load_scenario(path)
    except InputError as exc:
        assert all(p.file == str(path) for p in exc.problems)


@SETTINGS
@given(
    key=st.one_of(
        st.sampled_from(
            [
                "regimes.decree41_full.joint_project_subsidy.rate",
                "firm_groups.shipyards.count",
                "firm_groups[0].employment.mean",
                "sourcing.trades.metalwork.purchase_share",
                "market.demand_volatility",
            ]
        ),
        st.text(alphabet=string.ascii_lowercase + '._[]0123456789"', max_size=40),
    ),
    value=values,
)
def test_overrides(key: str, value: Any) -> None:
    try:
        result = apply_overrides(BASE, {key: value}, source="sweep.toml")
    except InputError as exc:
        assert all(p.file == "sweep.toml" for p in exc.problems)
    else:
        assert isinstance(result, Scenario)


@pytest.mark.parametrize("data", [{"base": "x.toml"}, {"scenario": []}, {"regimes": {1: 2}}])
def test_odd_dicts(data: dict[Any, Any]) -> None:
    _check(data)


# ============================================================================================
# Sweep files: random edits give a LoadedSweep or an InputError naming the file, never another
# exception and never a hang
# ============================================================================================
SWEEP_GRID: dict[str, Any] = {
    "name": "prop",
    "base": str(ASTRAKHAN),
    "replications": 2,
    "arms": ["de_facto", "decree41_full"],
    "design": {
        "method": "grid",
        "vary": [{"key": "regimes.decree41_full.joint_project_subsidy.rate", "values": [0.1, 0.4]}],
    },
}
SWEEP_SOBOL: dict[str, Any] = {
    **SWEEP_GRID,
    "design": {
        "method": "sobol",
        "samples": 4,
        "seed": 1,
        "vary": [
            {"key": "regimes.decree41_full.joint_project_subsidy.rate", "low": 0.1, "high": 0.5},
            {"key": "market.demand_growth_per_year", "low": -0.02, "high": 0.06},
        ],
    },
}
SWEEP_PATHS = [(0, p) for p in _paths(SWEEP_GRID)] + [(1, p) for p in _paths(SWEEP_SOBOL)]
SWEEP_SHIPPED = (ROOT / "scenarios" / "sweeps" / "subsidy_dose_response.toml").read_text("utf-8")
SWEEP_TEXT = SWEEP_SHIPPED.replace('"../astrakhan_shipbuilding.toml"', json.dumps(str(ASTRAKHAN)))
HANG_SECONDS = 60  # far above the second an example takes, even on a busy machine

sweep_values = st.one_of(
    values,
    st.sampled_from([0, 1, 3, 4, 6, 16, 10**9, 2**30, 2**63, 10**40, 10_001, -1]),
    st.sampled_from(["grid", "lhs", "sobol", "morris", "none", "Sobol", ""]),
    st.lists(
        st.sampled_from(["de_facto", "decree41_full", "placebo", "nope", "", "x" * 200]),
        max_size=4,
    ),
    st.sampled_from(["experiment.seed", "firm_groups[0].count", "a." * 40 + "a", "market"]),
)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # ASCII with \\u escapes: a TOML basic string (or a syntax error)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        items = [f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items() if x is not None]
        return "{ " + ", ".join(items) + " }"
    raise TypeError(type(v))


def _sweep_toml(data: dict[str, Any]) -> str:
    """A TOML text of a sweep dict: one line per top-level key, inline tables below."""
    lines = [f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in data.items() if v is not None]
    return "".join(lines)


@contextlib.contextmanager
def _no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail (instead of waiting forever) when the body runs longer than ``seconds``."""

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"load_sweep did not answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _check_sweep(path: Path) -> None:
    n_lines = path.read_text(encoding="utf-8", errors="replace").count("\n") + 1
    with _no_hang():
        try:
            result = load_sweep(path)
        except InputError as exc:
            assert exc.problems
            top = exc.problems[0].key.split(".")[0].split("[")[0]
            event(f"InputError at {top if top in SWEEP_SOBOL else 'another key or the text'}")
            for problem in exc.problems:
                assert problem.file == str(path), problem
                assert problem.message and "errors.pydantic.dev" not in problem.message
                assert problem.line is None or 1 <= problem.line <= n_lines, problem
                counted = problem.message.startswith("... and ")
                assert problem.line is not None or problem.key or counted, problem
                assert len(str(problem)) < 2000, problem  # long inputs are shortened
        else:
            event("loaded")
            assert isinstance(result, LoadedSweep) and result.points


SWEEP_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SWEEP_SETTINGS
@given(which_path=st.sampled_from(SWEEP_PATHS), value=sweep_values)
def test_sweep_any_value_at_any_key(
    tmp_path: Path, which_path: tuple[int, tuple[str | int, ...]], value: Any
) -> None:
    which, path = which_path
    data = copy.deepcopy([SWEEP_GRID, SWEEP_SOBOL][which])
    _set(data, path, value)
    file = tmp_path / "sweep.toml"
    file.write_text(_sweep_toml(data), encoding="utf-8")
    _check_sweep(file)


@SWEEP_SETTINGS
@given(
    which_path=st.sampled_from([(w, p) for w, p in SWEEP_PATHS if not isinstance(p[-1], int)]),
    key=keys,
    value=sweep_values,
)
def test_sweep_unknown_keys_anywhere(
    tmp_path: Path, which_path: tuple[int, tuple[str | int, ...]], key: str, value: Any
) -> None:
    which, path = which_path
    data = copy.deepcopy([SWEEP_GRID, SWEEP_SOBOL][which])
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    parent[key] = value
    file = tmp_path / "sweep.toml"
    file.write_text(_sweep_toml(data), encoding="utf-8")
    _check_sweep(file)


@SWEEP_SETTINGS
@given(which_path=st.sampled_from(SWEEP_PATHS))
def test_sweep_any_key_removed(
    tmp_path: Path, which_path: tuple[int, tuple[str | int, ...]]
) -> None:
    which, path = which_path
    data = copy.deepcopy([SWEEP_GRID, SWEEP_SOBOL][which])
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    file = tmp_path / "sweep.toml"
    file.write_text(_sweep_toml(data), encoding="utf-8")
    _check_sweep(file)


@SWEEP_SETTINGS
@given(
    method=st.sampled_from(["grid", "lhs", "sobol", "morris", "none"]),
    samples=st.one_of(
        st.none(), st.integers(min_value=-2, max_value=16),
        st.sampled_from([10**9, 2**30, 2**63, 4096, 10_001]),
    ),
    levels=st.one_of(st.none(), st.integers(min_value=-1, max_value=9)),
    replications=st.one_of(st.integers(min_value=0, max_value=3), st.sampled_from([10**6, 2**63])),
    arms=st.lists(
        st.sampled_from(["de_facto", "decree41_full", "placebo", "loans_only", "nope"]),
        max_size=4,
    ),
    n_values=st.integers(min_value=0, max_value=3),
)  # fmt: skip
def test_sweep_sizes_and_arms(
    tmp_path: Path,
    method: str,
    samples: int | None,
    levels: int | None,
    replications: int,
    arms: list[str],
    n_values: int,
) -> None:
    data = copy.deepcopy(SWEEP_SOBOL)
    data["replications"] = replications
    data["arms"] = arms
    design = data["design"]
    design["method"] = method
    design["samples"] = samples
    design["levels"] = levels
    if method == "grid":
        vary = design["vary"]
        design["vary"] = [{"key": v["key"], "values": [v["low"]] * n_values} for v in vary]
    file = tmp_path / "sweep.toml"
    file.write_text(_sweep_toml(data), encoding="utf-8")
    _check_sweep(file)


@SWEEP_SETTINGS
@given(
    position=st.integers(min_value=0, max_value=len(SWEEP_TEXT)),
    cut=st.integers(min_value=0, max_value=60),
    insert=st.text(alphabet=string.printable + "абв\u00a0", max_size=30),
)
def test_sweep_edited_text(tmp_path: Path, position: int, cut: int, insert: str) -> None:
    file = tmp_path / "edited_sweep.toml"
    file.write_text(SWEEP_TEXT[:position] + insert + SWEEP_TEXT[position + cut :], "utf-8")
    _check_sweep(file)
