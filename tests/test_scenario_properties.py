"""Property tests: whatever the input, the loader returns a Scenario or raises InputError."""

from __future__ import annotations

import copy
import string
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
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
