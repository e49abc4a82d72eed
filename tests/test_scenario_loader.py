"""Scenario loading: shipped files load; every kind of bad input gives file, line, key, message."""

from __future__ import annotations

import json
import pickle
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError, Problem
from sim.scenario import (
    Scenario,
    apply_overrides,
    canonical_json,
    dotted_key,
    load_scenario,
    parse_dotted_key,
    scale_scenario,
    scenario_from_dict,
    scenario_hash,
)
from sim.scenario.toml_index import TomlIndex

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
BASE = ASTRAKHAN.read_text(encoding="utf-8")
BASE_DATA = tomllib.loads(BASE)
GROUP_NAMES = [g["name"] for g in BASE_DATA["firm_groups"]]
SUBSIDY = "[regimes.decree41_full.joint_project_subsidy]"


# --------------------------------------------------------------------------------------------
# Text surgery on the shipped file: each returns the new text and the 1-based line it touched
# --------------------------------------------------------------------------------------------
def _anchor(lines: list[str], anchor: str) -> int:
    for i, line in enumerate(lines):
        if line.strip().startswith(anchor):
            return i
    raise AssertionError(f"anchor {anchor!r} not in the scenario file")


def _key_line(lines: list[str], anchor: str, key: str) -> int:
    """Index of the first ``key =`` line after the anchor line, within the same table."""
    start = _anchor(lines, anchor)
    for i in range(start + 1, len(lines)):
        stripped = lines[i].lstrip()
        if stripped.startswith("["):
            break
        if re.match(rf"{re.escape(key)}\s*=", stripped):
            return i
    raise AssertionError(f"no {key!r} after {anchor!r}")


def replace_key(text: str, anchor: str, key: str, new: str) -> tuple[str, int]:
    lines = text.splitlines()
    i = _key_line(lines, anchor, key)
    lines[i] = new
    return "\n".join(lines) + "\n", i + 1


def delete_key(text: str, anchor: str, key: str) -> tuple[str, int]:
    """Delete a key; the line returned is the anchor's (the parent table header)."""
    lines = text.splitlines()
    i = _key_line(lines, anchor, key)
    del lines[i]
    return "\n".join(lines) + "\n", _anchor(lines, anchor) + 1


def add_after_key(text: str, anchor: str, key: str, new: str) -> tuple[str, int]:
    lines = text.splitlines()
    i = _key_line(lines, anchor, key)
    lines.insert(i + 1, new)
    return "\n".join(lines) + "\n", i + 2


def line_of(text: str, anchor: str) -> int:
    return _anchor(text.splitlines(), anchor) + 1


def group(name: str) -> tuple[str, int]:
    """Anchor and index of a firm group."""
    return f'name = "{name}"', GROUP_NAMES.index(name)


def load_error(tmp_path: Path, content: str | bytes, name: str = "bad.toml") -> InputError:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    for problem in info.value.problems:
        assert problem.file == str(path)
    return info.value


def find(error: InputError, key: str) -> Problem:
    matches = [p for p in error.problems if p.key == key]
    assert matches, f"no problem with key {key!r} in:\n{error}"
    return matches[0]


def assert_problem(error: InputError, *, line: int | None, key: str, fragment: str) -> Problem:
    problem = find(error, key)
    assert problem.line == line, str(error)
    assert fragment in problem.message, str(error)
    assert "errors.pydantic.dev" not in str(error)
    return problem


# --------------------------------------------------------------------------------------------
# Shipped scenarios
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.arms[0] == "de_facto"
    assert len(scenario_hash(scenario)) == 64


def test_load_accepts_str_paths_and_shipped_scenarios_exist() -> None:
    assert SCENARIOS
    assert load_scenario(str(ASTRAKHAN)) == load_scenario(ASTRAKHAN)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_index_finds_every_key_of_the_shipped_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    index = TomlIndex(text)
    lines = text.splitlines()

    def walk(node: object, prefix: tuple[str | int, ...]) -> None:
        if prefix:
            assert prefix in index.lines, prefix
            last_key = [p for p in prefix if isinstance(p, str)][-1]
            assert last_key in lines[index.lines[prefix] - 1], prefix
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*prefix, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*prefix, i))

    walk(tomllib.loads(text), ())
    assert index.duplicates == []


# --------------------------------------------------------------------------------------------
# One broken file per kind of error
# --------------------------------------------------------------------------------------------
def test_mistyped_key_suggests_the_right_one(tmp_path: Path) -> None:
    text, line = replace_key(BASE, "[market]", "demand_volatility", "demand_volatilty = 0.2")
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="market.demand_volatilty",
        fragment="unknown key (did you mean 'demand_volatility'?)",
    )


def test_mistyped_key_in_a_firm_group_and_the_missing_key(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(BASE, anchor, "count", "cuont = 8")
    error = load_error(tmp_path, text)
    assert_problem(
        error, line=line, key=f"firm_groups[{i}].cuont", fragment="did you mean 'count'?"
    )
    header = line_of(text, anchor) - 1  # [[firm_groups]] is right above name = "shipyards"
    assert text.splitlines()[header - 1] == "[[firm_groups]]"
    assert_problem(
        error, line=header, key=f"firm_groups[{i}].count", fragment="required key missing"
    )


def test_mistyped_key_in_a_regime_table(tmp_path: Path) -> None:
    text, line = replace_key(
        BASE,
        SUBSIDY,
        "rate",
        'rates = { value = 0.5, unit = "share", source = "assumption" }',
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="regimes.decree41_full.joint_project_subsidy.rates",
        fragment="did you mean 'rate'?",
    )
    assert_problem(
        error,
        line=line_of(text, SUBSIDY),
        key="regimes.decree41_full.joint_project_subsidy.rate",
        fragment="required key missing",
    )


def test_unknown_key_inside_an_inline_table_is_on_the_parent_line(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(
        BASE, anchor, "employment", "employment = { mean = 430.0, cv = 0.6, cvv = 0.1 }"
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key=f"firm_groups[{i}].employment.cvv",
        fragment="did you mean 'cv'?",
    )


def test_rate_above_one(tmp_path: Path) -> None:
    text, line = replace_key(
        BASE, SUBSIDY, "rate", 'rate = { value = 1.7, unit = "share", source = "assumption" }'
    )
    error = load_error(tmp_path, text)
    assert len(error.problems) == 1
    problem = assert_problem(
        error,
        line=line,
        key="regimes.decree41_full.joint_project_subsidy.rate.value",
        fragment="less than or equal to 1",
    )
    assert "1.7" in problem.message
    assert str(error) == (
        f"{tmp_path / 'bad.toml'}:{line}: "
        f"regimes.decree41_full.joint_project_subsidy.rate.value: {problem.message}"
    )


def test_contract_count_other_than_one_is_refused(tmp_path: Path) -> None:
    """Decree 779 cl. a is modelled as "a contract in the window": 2 would be silently ignored."""
    text, line = replace_key(
        BASE, "[registry]", "min_contracts_per_participant",
        'min_contracts_per_participant = { value = 2, unit = "contracts", source = "assumption" }',
    )  # fmt: skip
    error = load_error(tmp_path, text)
    assert len(error.problems) == 1
    assert_problem(error, line=line, key="registry.min_contracts_per_participant",
                   fragment="allowed: 1")  # fmt: skip


@pytest.mark.parametrize(
    "removed",
    [("[organisation]", "project_capacity_gain_per_mln_rub = 0.0015"),
     ("[production]", "sme_other_market_margin = 0.02")],
)  # fmt: skip
def test_keys_the_model_never_read_are_unknown(tmp_path: Path, removed: tuple[str, str]) -> None:
    """A key with no effect on the model is refused rather than silently accepted."""
    anchor, line_text = removed
    lines = BASE.splitlines()
    i = _anchor(lines, anchor)
    lines.insert(i + 1, line_text)
    error = load_error(tmp_path, "\n".join(lines) + "\n")
    key = f"{anchor.strip('[]')}.{line_text.split(' =')[0]}"
    assert_problem(error, line=i + 2, key=key, fragment="unknown key")


def test_negative_count(tmp_path: Path) -> None:
    anchor, i = group(GROUP_NAMES[2])
    text, line = replace_key(BASE, anchor, "count", "count = -4")
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].count", fragment="greater than 0")


def test_zero_count(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(BASE, anchor, "count", "count = 0")
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].count", fragment="greater than 0")


@pytest.mark.parametrize("literal", ["nan", "+nan", "inf", "-inf", "1e999"])
def test_nan_and_infinities(tmp_path: Path, literal: str) -> None:
    text, line = replace_key(
        BASE, "[market]", "demand_volatility", f"demand_volatility = {literal}"
    )
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key="market.demand_volatility", fragment="finite number")


def test_nan_inside_a_param_table(tmp_path: Path) -> None:
    text, line = replace_key(
        BASE, SUBSIDY, "rate", 'rate = { value = nan, unit = "share", source = "assumption" }'
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="regimes.decree41_full.joint_project_subsidy.rate.value",
        fragment="finite number",
    )


def test_toml_syntax_error(tmp_path: Path) -> None:
    text, line = replace_key(BASE, "[market]", "price_sensitivity", "price_sensitivity == 4.0")
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key="", fragment="TOML syntax error")
    assert "column" in error.problems[0].message


def test_unterminated_string_at_the_end(tmp_path: Path) -> None:
    text = BASE + 'extra = "abc'
    error = load_error(tmp_path, text)
    assert_problem(error, line=len(text.splitlines()), key="", fragment="TOML syntax error")


def test_duplicate_key(tmp_path: Path) -> None:
    text, line = add_after_key(
        BASE, "[market]", "price_sensitivity", "price_sensitivity = 5.0   # again"
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="market.price_sensitivity",
        fragment=f"duplicate key: already defined on line {line - 1}",
    )


def test_duplicate_key_at_the_end_of_the_file(tmp_path: Path) -> None:
    text = BASE.rstrip("\n") + "\n\n[extra]\nx = 1\nx = 2"
    error = load_error(tmp_path, text)
    assert_problem(error, line=len(text.splitlines()), key="extra.x", fragment="duplicate key")


def test_duplicate_key_inside_an_inline_table(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(
        BASE, anchor, "employment", "employment = { mean = 430.0, mean = 1.0 }"
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error, line=line, key=f"firm_groups[{i}].employment.mean", fragment="duplicate key"
    )


def test_duplicate_table(tmp_path: Path) -> None:
    text = BASE + "\n[market]\n"
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=len(text.splitlines()),
        key="market",
        fragment=f"duplicate table: already defined on line {line_of(BASE, '[market]')}",
    )


@pytest.mark.parametrize("content", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file_names_the_missing_tables(tmp_path: Path, content: str) -> None:
    error = load_error(tmp_path, content)
    problem = assert_problem(
        error, line=None, key="", fragment="required top-level tables are missing"
    )
    for table in ("[scenario]", "[market]", "[firm_groups]", "[registry]", "[regimes]"):
        assert table in problem.message
    assert str(error) == f"{tmp_path / 'bad.toml'}: {problem.message}"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.problems == [Problem(str(path), None, "", "file not found")]


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path)
    (problem,) = info.value.problems
    assert problem.file == str(tmp_path)
    assert problem.line is None
    assert "is a directory" in problem.message


def test_binary_garbage(tmp_path: Path) -> None:
    error = load_error(tmp_path, bytes(range(256)) * 8)
    assert_problem(error, line=1, key="", fragment="binary data")


def test_invalid_utf8(tmp_path: Path) -> None:
    lines = BASE.encode("utf-8").split(b"\n")
    lines[2] = b"# caf\xe9 latin-1"
    error = load_error(tmp_path, b"\n".join(lines))
    assert_problem(error, line=3, key="", fragment="not UTF-8 text: invalid byte 0xe9")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert scenario_hash(load_scenario(path)) == scenario_hash(load_scenario(ASTRAKHAN))


@pytest.mark.parametrize(
    ("new", "fragment"),
    [
        ('price_sensitivity = "4.0"', 'expected a number, got string "4.0"'),
        ("price_sensitivity = true", "expected a number, got boolean true"),
        ("price_sensitivity = [4.0]", "expected a number, got an array"),
        ("price_sensitivity = { value = 4.0 }", "expected a number, got a table"),
        ("price_sensitivity = 2025-01-01", "expected a number, got date/time 2025-01-01"),
    ],
)
def test_wrong_type_for_a_number(tmp_path: Path, new: str, fragment: str) -> None:
    text, line = replace_key(BASE, "[market]", "price_sensitivity", new)
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key="market.price_sensitivity", fragment=fragment)


def test_float_for_an_integer(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(BASE, anchor, "count", "count = 8.0")
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].count", fragment="expected an integer")


def test_number_where_a_table_is_expected(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(BASE, anchor, "employment", "employment = 430")
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key=f"firm_groups[{i}].employment",
        fragment="expected a table, got integer 430",
    )


def test_bad_literal(tmp_path: Path) -> None:
    anchor, i = group("shipyards")
    text, line = replace_key(BASE, anchor, "kind", 'kind = "huge"')
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].kind", fragment="'large' or 'sme'")


def test_missing_required_key(tmp_path: Path) -> None:
    text, line = delete_key(BASE, "[registry]", "validity_years")
    error = load_error(tmp_path, text)
    assert len(error.problems) == 1
    assert_problem(error, line=line, key="registry.validity_years", fragment="required key missing")
    assert str(error).endswith(f":{line}: registry.validity_years: required key missing")


def test_missing_top_level_table(tmp_path: Path) -> None:
    lines = BASE.splitlines()
    start = _anchor(lines, "[sez]")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
    text = "\n".join(lines[:start] + lines[end:]) + "\n"
    error = load_error(tmp_path, text)
    assert_problem(error, line=None, key="sez", fragment="required key missing")


def test_missing_key_in_a_param_table(tmp_path: Path) -> None:
    text, line = replace_key(BASE, SUBSIDY, "rate", 'rate = { value = 0.5, unit = "share" }')
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="regimes.decree41_full.joint_project_subsidy.rate.source",
        fragment="required key missing",
    )


def test_source_without_evidence_label(tmp_path: Path) -> None:
    text, line = replace_key(
        BASE,
        SUBSIDY,
        "rate",
        'rate = { value = 0.5, unit = "share", source = "Decree 41 of 28.01.2016" }',
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line,
        key="regimes.decree41_full.joint_project_subsidy.rate.source",
        fragment="evidence label",
    )


def test_trade_shares_not_summing_to_one(tmp_path: Path) -> None:
    first = BASE_DATA["sourcing"]["trades"][0]
    text, _ = replace_key(
        BASE,
        f'name = "{first["name"]}"',
        "purchase_share",
        f"purchase_share = {first['purchase_share'] + 0.2}",
    )
    error = load_error(tmp_path, text)
    assert_problem(
        error, line=line_of(text, "[[sourcing.trades]]"), key="sourcing.trades", fragment="sum to 1"
    )


def test_unknown_trade_points_at_the_groups_trade(tmp_path: Path) -> None:
    name = next(g["name"] for g in BASE_DATA["firm_groups"] if g.get("trade"))
    anchor, i = group(name)
    text, line = replace_key(BASE, anchor, "trade", 'trade = "welding"')
    error = load_error(tmp_path, text)
    assert_problem(
        error, line=line, key=f"firm_groups[{i}].trade", fragment="is not one of sourcing.trades"
    )


def test_duplicate_group_names(tmp_path: Path) -> None:
    anchor, i = group(GROUP_NAMES[-1])
    line = line_of(BASE, anchor)
    text = BASE.replace(anchor, f'name = "{GROUP_NAMES[-2]}"')
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].name", fragment="names must be unique")


def test_sme_with_final_role_points_at_the_group(tmp_path: Path) -> None:
    anchor, i = group(GROUP_NAMES[-1])
    text, line = add_after_key(BASE, anchor, "kind", 'role = "final"')
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key=f"firm_groups[{i}].role", fragment="SME group")


def test_bad_regime_name(tmp_path: Path) -> None:
    text = BASE.replace("[regimes.placebo]", "[regimes.Placebo]")
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line_of(text, "[regimes.Placebo]"),
        key="regimes.Placebo",
        fragment="invalid name: must be a lowercase name",
    )


def test_reserved_regime_name(tmp_path: Path) -> None:
    text = BASE.replace("[regimes.placebo]", "[regimes.de_facto]")
    error = load_error(tmp_path, text)
    assert_problem(
        error,
        line=line_of(text, "[regimes.de_facto]"),
        key="regimes.de_facto",
        fragment="reserved name",
    )


def test_several_problems_are_all_reported_in_file_order(tmp_path: Path) -> None:
    text, line_a = replace_key(BASE, "[market]", "price_sensitivity", "price_sensitivity = -1.0")
    text, line_b = replace_key(text, "[registry]", "max_non_producing", "max_non_producing = 2.5")
    error = load_error(tmp_path, text)
    assert [(p.line, p.key) for p in error.problems] == [
        (line_a, "market.price_sensitivity"),
        (line_b, "registry.max_non_producing"),
    ]
    assert len(str(error).splitlines()) == 2


def test_tricky_toml_does_not_confuse_the_line_index(tmp_path: Path) -> None:
    # A multi-line description that looks like TOML, then a bad value further down.
    fake = 'title = """\n[registry]\nmarket = 1 # x\n[[firm_groups]]\n  name = "\\"""\n"""'
    text, _ = replace_key(BASE, "[scenario]", "title", fake)
    text, line = replace_key(text, "[market]", "demand_volatility", "demand_volatility = -3")
    error = load_error(tmp_path, text)
    assert_problem(error, line=line, key="market.demand_volatility", fragment="greater than")


def test_array_of_inline_tables_spanning_lines() -> None:
    text = (
        "[sourcing]\n"
        "trades = [\n"
        '  { name = "a", purchase_share = 0.5 },  # first\n'
        "\n"
        '  { name = "b",\n'
        "    purchase_share = 0.5 },\n"
        "]\n"
        "[[firm_groups]]\n"
        'name = "x"\n'
        "[[firm_groups]]\n"
        'name = "y"\n'
        "[firm_groups.employment]\n"
        "mean = 1.0\n"
        "[a.'b.c'.\"d\"]\n"
        "e = 1979-05-27 07:32:00Z\n"
    )
    index = TomlIndex(text)
    assert index.lines[("sourcing", "trades", 0, "purchase_share")] == 3
    assert index.lines[("sourcing", "trades", 1)] == 5
    assert index.lines[("sourcing", "trades", 1, "purchase_share")] == 6
    assert index.lines[("firm_groups", 1, "name")] == 11
    assert index.lines[("firm_groups", 1, "employment", "mean")] == 13
    assert index.lines[("a", "b.c", "d", "e")] == 15
    assert index.line_of(("firm_groups", 1, "employment", "cv")) == 12
    assert index.line_of(("nowhere",)) is None


# --------------------------------------------------------------------------------------------
# scenario_from_dict, dotted keys, InputError itself
# --------------------------------------------------------------------------------------------
def test_scenario_from_dict_without_text_has_no_lines() -> None:
    data = tomllib.loads(BASE)
    data["market"]["demand_volatility"] = 9.0
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, source="sweep.toml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (
        "sweep.toml",
        None,
        "market.demand_volatility",
    )
    assert str(problem).startswith("sweep.toml: market.demand_volatility: ")


@pytest.mark.parametrize("data", [[], 3, "x", None])
def test_scenario_from_dict_rejects_non_tables(data: object) -> None:
    with pytest.raises(InputError):
        scenario_from_dict(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("firm_groups[2].count", ["firm_groups", 2, "count"]),
        (
            "regimes.decree41_full.joint_project_subsidy.rate",
            ["regimes", "decree41_full", "joint_project_subsidy", "rate"],
        ),
        ('regimes."odd name".title', ["regimes", "odd name", "title"]),
    ],
)
def test_dotted_keys_round_trip(key: str, parts: list[str | int]) -> None:
    assert parse_dotted_key(key) == parts
    assert dotted_key(parts) == key


@pytest.mark.parametrize("key", ["", "a.", ".a", "a..b", "[0]", "a[x]", "a b"])
def test_bad_dotted_keys(key: str) -> None:
    with pytest.raises(ValueError):
        parse_dotted_key(key)


def test_problem_rendering_and_pickling() -> None:
    assert str(Problem("f.toml", 3, "a.b", "bad")) == "f.toml:3: a.b: bad"
    assert str(Problem("f.toml", None, "a.b", "bad")) == "f.toml: a.b: bad"
    assert str(Problem("f.toml", 3, "", "bad")) == "f.toml:3: bad"
    error = InputError([Problem("f.toml", 3, "a", "x"), Problem("f.toml", None, "", "y")])
    assert str(error) == "f.toml:3: a: x\nf.toml: y"
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems
    with pytest.raises(ValueError):
        InputError([])


# --------------------------------------------------------------------------------------------
# Hash
# --------------------------------------------------------------------------------------------
def _reformat(text: str) -> str:
    """Same content, different text: comments, spacing, number spelling, table order."""
    lines = text.splitlines()
    start = _anchor(lines, "[labour]")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
    labour = lines[start:end]
    rest = lines[:start] + lines[end:]
    out = ["# reformatted copy", ""]
    table = ""
    for line in rest:
        if line.startswith("["):
            table = line
        if table == "[market]" and re.match(r"^\w+ = [0-9.]+\s*(#.*)?$", line):
            key, value = line.split("#")[0].split("=")
            line = f"{key.strip()}={float(value):.6e}"
        out.append(line)
    return "\n".join([*out, "", "# moved", *labour, ""])


def test_hash_is_stable_under_reformatting(tmp_path: Path) -> None:
    path = tmp_path / "reformatted.toml"
    path.write_text(_reformat(BASE), encoding="utf-8")
    original = load_scenario(ASTRAKHAN)
    again = load_scenario(path)
    assert again == original
    assert canonical_json(again) == canonical_json(original)
    assert scenario_hash(again) == scenario_hash(original)
    # the validated content (defaults filled in) hashes the same as the file it came from
    dumped = scenario_from_dict(original.model_dump(mode="json"))
    assert scenario_hash(dumped) == scenario_hash(original)


def test_hash_changes_with_a_value(tmp_path: Path) -> None:
    text, _ = replace_key(BASE, "[market]", "demand_volatility", "demand_volatility = 0.21")
    path = tmp_path / "changed.toml"
    path.write_text(text, encoding="utf-8")
    assert scenario_hash(load_scenario(path)) != scenario_hash(load_scenario(ASTRAKHAN))


def test_canonical_json_is_sorted_and_compact() -> None:
    text = canonical_json(load_scenario(ASTRAKHAN))
    assert text.startswith('{"experiment":')
    assert text == json.dumps(
        json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "Астраханский" in text  # not escaped


# --------------------------------------------------------------------------------------------
# apply_overrides
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def astrakhan() -> Scenario:
    return load_scenario(ASTRAKHAN)


def test_override_sets_the_value_of_a_param_table(astrakhan: Scenario) -> None:
    key = "regimes.decree41_full.joint_project_subsidy.rate"
    new = apply_overrides(astrakhan, {key: 0.3}, source="sweep.toml")
    rate = new.regimes["decree41_full"].joint_project_subsidy.rate  # type: ignore[union-attr]
    old = astrakhan.regimes["decree41_full"].joint_project_subsidy.rate  # type: ignore[union-attr]
    assert rate.value == 0.3
    assert (rate.unit, rate.source) == (old.unit, old.source)
    assert old.value != 0.3  # the original is untouched
    assert scenario_hash(new) != scenario_hash(astrakhan)
    explicit = apply_overrides(astrakhan, {f"{key}.value": 0.3})
    assert scenario_hash(explicit) == scenario_hash(new)


def test_override_addresses_list_items_by_index_and_by_name(astrakhan: Scenario) -> None:
    i = GROUP_NAMES.index("shipyards")
    by_index = apply_overrides(astrakhan, {f"firm_groups[{i}].count": 5})
    by_name = apply_overrides(astrakhan, {"firm_groups.shipyards.count": 5})
    assert by_name.firm_groups[i].count == 5
    assert scenario_hash(by_index) == scenario_hash(by_name)
    trade = astrakhan.sourcing.trades[0].name
    new = apply_overrides(astrakhan, {f"sourcing.trades.{trade}.local_price_premium": 0.2})
    assert new.sourcing.trades[0].local_price_premium == 0.2


def test_override_accepts_numpy_scalars_and_dicts(astrakhan: Scenario) -> None:
    new = apply_overrides(
        astrakhan.model_dump(mode="json"),
        {
            "firm_groups.shipyards.count": np.int64(6),
            "market.demand_volatility": np.float64(0.3),
            "market.order_size_mln_rub": {"mean": 100.0, "cv": 0.5},
        },
    )
    assert new.firm_groups[GROUP_NAMES.index("shipyards")].count == 6
    assert new.market.demand_volatility == 0.3
    assert new.market.order_size_mln_rub.mean == 100.0


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("market.demand_volatilty", "did you mean 'demand_volatility'?"),
        ("firm_groups.shipyard.count", "did you mean 'shipyards'?"),
        ("firm_groups.shipyards.cuont", "did you mean 'count'?"),
        ("regimes.decree41.joint_project_subsidy.rate", "did you mean 'decree41_full'?"),
        ("regimes.decree41_full.joint_project_subsidy.rat", "did you mean 'rate'?"),
        ("markte.demand_volatility", "did you mean 'market'?"),
        ("firm_groups[99].count", "out of range"),
        ("market.demand_volatility.value", "is a value, not a table"),
        ("regimes.placebo.joint_project_subsidy.rate", "not set in this scenario"),
        ("market..x", "cannot parse key"),
    ],
)
def test_override_unknown_keys(astrakhan: Scenario, key: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(astrakhan, {key: 0.1}, source="sweep.toml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == ("sweep.toml", None, key)
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("key", "value", "bad_key", "fragment"),
    [
        (
            "regimes.decree41_full.joint_project_subsidy.rate",
            1.5,
            "regimes.decree41_full.joint_project_subsidy.rate.value",
            "less than or equal to 1",
        ),
        ("firm_groups.shipyards.count", 0, "firm_groups[{i}].count", "greater than 0"),
        ("firm_groups.shipyards.count", 2.5, "firm_groups[{i}].count", "expected an integer"),
        ("market.demand_volatility", True, "market.demand_volatility", "expected a number"),
        ("market.demand_volatility", float("nan"), "market.demand_volatility", "finite"),
        ("market.demand_volatility", "high", "market.demand_volatility", "expected a number"),
    ],
)
def test_override_bad_values(
    astrakhan: Scenario, key: str, value: object, bad_key: str, fragment: str
) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(astrakhan, {key: value}, source="sweep.toml")
    problem = find(info.value, bad_key.format(i=GROUP_NAMES.index("shipyards")))
    assert problem.file == "sweep.toml"
    assert fragment in problem.message


def test_override_reports_every_bad_key_at_once(astrakhan: Scenario) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(astrakhan, {"market.x": 1, "market.y": 2})
    assert [p.key for p in info.value.problems] == ["market.x", "market.y"]


# --------------------------------------------------------------------------------------------
# scale_scenario
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_firms", [1, 500, 10_000, 100_000])
def test_scale_scenario(astrakhan: Scenario, n_firms: int) -> None:
    scaled = scale_scenario(astrakhan, n_firms)
    counts = [g.count for g in scaled.firm_groups]
    groups = len(counts)
    assert all(c >= 1 for c in counts)
    assert abs(sum(counts) - n_firms) <= groups or (n_firms < groups and sum(counts) == groups)
    total = sum(g.count for g in astrakhan.firm_groups)
    ratio = scaled.market.market_orders_mln_rub_per_year / (
        astrakhan.market.market_orders_mln_rub_per_year
    )
    assert ratio == pytest.approx(n_firms / total)
    assert [g.name for g in scaled.firm_groups] == GROUP_NAMES
    assert scaled.regimes == astrakhan.regimes


@pytest.mark.parametrize("n_firms", [0, -5, 2.5, True])
def test_scale_scenario_rejects_bad_sizes(astrakhan: Scenario, n_firms: object) -> None:
    with pytest.raises(ValueError):
        scale_scenario(astrakhan, n_firms)  # type: ignore[arg-type]
