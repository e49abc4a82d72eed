"""Loading scenario files: TOML to a validated :class:`~sim.scenario.schema.Scenario`.

Every way an input can be bad -- a missing file, bytes that are not UTF-8 text, a TOML syntax
error, a duplicate key, an unknown key, a wrong type, a value out of range, NaN, a missing
required key, a failed cross-check -- ends as one :class:`~sim.errors.InputError` whose problems
name the file, the line, the dotted key and what is allowed::

    scenarios/x.toml:57: firm_groups[2].count: Input should be greater than 0, got integer 0
    scenarios/x.toml:12: market.markup_: unknown key (did you mean 'markup'?)

pydantic reports where a value sits as a ``loc`` tuple but not on which line;
:class:`~sim.scenario.toml_index.TomlIndex` maps each dotted path of the TOML text to its line.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import tomllib
import types
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.errors import InputError, Problem
from sim.scenario.input_file import check_toml_limits, read_input_file
from sim.scenario.schema import NAME_RE, Scenario
from sim.scenario.toml_index import PathT, TomlIndex, dotted_key
from sim.scenario.uncertainty import coverage_problems

__all__ = [
    "allowed_keys",
    "canonical_json",
    "did_you_mean",
    "is_schema_model",
    "load_scenario",
    "problem_from_error",
    "problems_from_errors",
    "read_toml",
    "scenario_from_dict",
    "scenario_hash",
    "schema_type_at",
]

_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
MAX_PROBLEMS = 50
"""Most problems reported for one file (then one line says how many more there are)."""
_LONG_NUMBER_RE = re.compile(r"(?<![\w.\"'])[+-]?[0-9_]{4301,}")
_DUPLICATE_MESSAGES = ("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key")


# ============================================================================================
# The schema as a tree of types (for "did you mean" and Param shorthand)
# ============================================================================================
def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def is_schema_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic model class (a table of the schema)."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def schema_type_at(path: PathT | list[str | int], root: type[BaseModel] = Scenario) -> Any:
    """The (unwrapped) schema type at ``path``, or None when the path leaves the schema."""
    tp: Any = root
    for part in path:
        tp = _unwrap(tp)
        if is_schema_model(tp):
            if not isinstance(part, str) or part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    return _unwrap(tp)


def allowed_keys(path: PathT | list[str | int], root: type[BaseModel] = Scenario) -> list[str]:
    """The keys the schema allows in the table at ``path`` (empty when it is not a table)."""
    tp = schema_type_at(path, root)
    return list(tp.model_fields) if is_schema_model(tp) else []


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for a close choice, else the allowed choices (up to 40)."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    if choices and len(choices) <= 40:
        return f"; allowed: {', '.join(choices)}"
    return ""


# ============================================================================================
# pydantic errors -> problems
# ============================================================================================
def _got(value: Any) -> str:
    if isinstance(value, bool):
        return f"got boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        text = str(value)
        return f"got integer {text if len(text) <= 30 else text[:27] + '...'}"
    if isinstance(value, float):
        if math.isnan(value):
            return "got nan"
        if math.isinf(value):
            return "got inf" if value > 0 else "got -inf"
        return f"got float {value!r}"
    if isinstance(value, str):
        text = json.dumps(value if len(value) <= 40 else value[:37] + "...", ensure_ascii=False)
        return f"got string {text}"
    if isinstance(value, Mapping):
        return "got a table"
    if isinstance(value, list | tuple):
        return "got an array"
    if isinstance(value, datetime | date | time):
        return f"got date/time {value.isoformat()}"
    if value is None:
        return "got nothing (None)"
    return f"got {type(value).__name__}"


_EXPECTED = {
    "float_type": "expected a number",
    "int_type": "expected an integer",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "dict_type": "expected a table",
    "list_type": "expected an array",
}
_WITH_INPUT = {
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "literal_error",
    "string_pattern_mismatch",
    "multiple_of",
}

# Cross-checks raised by model validators carry the table as loc; point at the key instead.
_REFINE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"trades purchase_share must sum"), "trades"),
    (re.compile(r"trade names must be unique"), "trades.dup"),
    (re.compile(r"firm_groups names must be unique"), "firm_groups.dup"),
    (re.compile(r"firm group '(?P<name>[^']*)': trade"), "firm_groups.trade"),
    (re.compile(r"at least one firm group must have role"), "firm_groups"),
    (re.compile(r"firms in all groups"), "firm_groups"),
    (re.compile(r"^market orders a year"), "market.orders"),
    (re.compile(r"firms over the horizon"), "sme_demography.entry"),
    (re.compile(r"is the reserved name of the unregistered arm"), "regimes.reserved"),
    (re.compile(r"an SME group must have role"), "role"),
    (re.compile(r"a final-producer group has no trade"), "trade"),
]


def _second_of_duplicate(items: Any, path: PathT) -> PathT:
    if isinstance(items, list):
        seen: set[Any] = set()
        for i, item in enumerate(items):
            name = item.get("name") if isinstance(item, Mapping) else None
            if name is not None and name in seen:
                return (*path, i, "name")
            seen.add(name)
    return path


def _refine(path: PathT, message: str, data: Any) -> PathT:
    """Move a model-level validator error from its table to the offending key."""
    for pattern, what in _REFINE:
        m = pattern.search(message)
        if m is None:
            continue
        try:
            if what == "trades":
                return (*path, "trades")
            if what == "trades.dup":
                return _second_of_duplicate(_get(data, (*path, "trades")), (*path, "trades"))
            if what == "firm_groups.dup":
                return _second_of_duplicate(_get(data, ("firm_groups",)), ("firm_groups",))
            if what == "firm_groups.trade":
                for i, g in enumerate(_get(data, ("firm_groups",))):
                    if isinstance(g, Mapping) and g.get("name") == m.group("name"):
                        return ("firm_groups", i, "trade")
                return ("firm_groups",)
            if what == "firm_groups":
                return ("firm_groups",)
            if what == "market.orders":
                return ("market", "market_orders_mln_rub_per_year")
            if what == "sme_demography.entry":
                return ("sme_demography", "entry_rate_per_year")
            if what == "regimes.reserved":
                return ("regimes", "de_facto")
            return (*path, what)
        except (KeyError, IndexError, TypeError):
            return path
    return path


def _get(data: Any, path: PathT) -> Any:
    for part in path:
        data = data[part]
    return data


def problem_from_error(
    error: Mapping[str, Any],
    source: str,
    index: TomlIndex | None,
    data: Any,
    *,
    root: type[BaseModel] = Scenario,
) -> Problem:
    """One pydantic error as a :class:`~sim.errors.Problem` with line, dotted key and message.

    ``root`` is the model that was validated (its keys are the "did you mean" choices).
    """
    loc = tuple(error.get("loc", ()))
    is_name = bool(loc) and loc[-1] == "[key]"
    path: PathT = tuple(p for p in loc if p != "[key]")
    kind = error.get("type", "")
    raw = error.get("input")
    msg = str(error.get("msg", "invalid value"))
    if kind == "missing":
        message = "required key missing"
    elif kind == "extra_forbidden":
        message = "unknown key" + did_you_mean(str(path[-1]), allowed_keys(path[:-1], root))
    elif kind in ("value_error", "assertion_error"):
        ctx_error = (error.get("ctx") or {}).get("error")
        message = str(ctx_error) if ctx_error is not None else msg
        message = re.sub(r"^(Value error|Assertion failed), ", "", message)
        path = _refine(path, message, data)
    elif kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == NAME_RE:
        message = f"must be a lowercase name: a letter, then letters, digits or '_' ({_got(raw)})"
    elif kind in _EXPECTED:
        message = f"{_EXPECTED[kind]}, {_got(raw)}"
    elif kind in _WITH_INPUT:
        message = f"{msg}, {_got(raw)}"
    else:
        message = msg
    if is_name:
        message = f"invalid name: {message}"
    message = re.sub(
        r"\s*\[?(For further information visit )?https://errors\.pydantic\.dev\S*", "", message
    )
    line = index.line_of(path) if index is not None else None
    return Problem(file=source, line=line, key=dotted_key(path), message=message)


def _sort_key(problem: Problem) -> int:
    return 0 if problem.line is None else problem.line


def problems_from_errors(
    errors: list[Any],
    source: str,
    index: TomlIndex | None,
    data: Any,
    *,
    root: type[BaseModel] = Scenario,
) -> list[Problem]:
    """Problems of pydantic errors, sorted by line: at most :data:`MAX_PROBLEMS`, then a count.

    A file with 100,000 unknown keys gives 100,000 errors, and each message costs a "did you
    mean" search; only the first :data:`MAX_PROBLEMS` (by line) get one, the rest are counted
    in a last problem.

    Args:
        errors: ``ValidationError.errors()``.
        source: The FILE of the problems.
        index: Lines of the TOML text, if any.
        data: The validated dict (to move model-level errors to their key).
        root: The model that was validated.

    Returns:
        The problems to show.
    """

    def line(error: Any) -> int:
        path = tuple(p for p in error.get("loc", ()) if p != "[key]")
        found = index.line_of(path) if index is not None else None
        return 0 if found is None else found

    ordered = sorted(errors, key=line)
    shown = [problem_from_error(e, source, index, data, root=root) for e in ordered[:MAX_PROBLEMS]]
    shown.sort(key=_sort_key)
    if len(ordered) > MAX_PROBLEMS:
        more = len(ordered) - MAX_PROBLEMS
        message = f"... and {more:,} more problems (the first {MAX_PROBLEMS} are shown)"
        shown.append(Problem(source, None, "", message))
    return shown


def _required_top_level() -> list[str]:
    return [name for name, field in Scenario.model_fields.items() if field.is_required()]


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<dict>",
    text: str | None = None,
    check_coverage: bool = True,
) -> Scenario:
    """Validate a dict (as read from TOML) into a :class:`Scenario`.

    Args:
        data: The raw scenario dict.
        source: Name used as the FILE of each problem.
        text: The TOML text ``data`` was read from, to give each problem its line.
        check_coverage: Check that every assumption has an ``[[uncertainties]]`` entry
            (:func:`~sim.scenario.uncertainty.coverage_problems`). Only
            :func:`~sim.scenario.overrides.apply_overrides` leaves it out, for values set on a
            scenario that passed it, when no override touches a source or the uncertainties.

    Returns:
        The validated, frozen scenario.

    Raises:
        InputError: For every problem found, with file, line (when ``text`` is given), dotted
            key and message.
    """
    if not isinstance(data, Mapping):
        raise InputError.single(source, f"a scenario must be a table of keys, {_got(data)}")
    if not data:
        tables = ", ".join(f"[{name}]" for name in _required_top_level())
        raise InputError.single(
            source, f"no keys found; the required top-level tables are missing: {tables}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    except RecursionError:
        raise InputError.single(source, "the input is nested too deeply") from None
    else:
        uncovered = coverage_problems(scenario) if check_coverage else []
        if not uncovered:
            return scenario
        index = _safe_index(text)
        problems = [
            Problem(file=source, line=None if index is None else index.line_of(path),
                    key=dotted_key(path), message=message)
            for path, message in uncovered
        ]  # fmt: skip
        raise InputError(_capped(problems))
    raise InputError(problems_from_errors(errors, source, _safe_index(text), data))


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS],
            Problem(problems[0].file, None, "", f"... and {more} more problems")]  # fmt: skip


def _safe_index(text: str | None) -> TomlIndex | None:
    if text is None:
        return None
    try:
        return TomlIndex(text)
    except Exception:  # the index only adds line numbers; never let it hide the real problem
        return None


# ============================================================================================
# Reading files
# ============================================================================================
def read_toml(path: str | os.PathLike[str]) -> tuple[dict[str, Any], str]:
    """Read a TOML file into a dict, turning every failure into an :class:`InputError`.

    The bytes come from :func:`~sim.scenario.input_file.read_input_file` (regular files only,
    at most 1 MiB, a time limit) and the text passes
    :func:`~sim.scenario.input_file.check_toml_limits` (key parts, nesting) before it is parsed.

    Args:
        path: The file. Its text as given is used as the FILE of problems.

    Returns:
        The parsed dict and the file's text.

    Raises:
        InputError: Missing file, a directory or another non-regular file, too large, too slow
            to read, unreadable, not UTF-8 text, a key or nesting over the limits, TOML syntax
            error or duplicate key.
    """
    source = os.fspath(path)
    return _parse_toml(read_input_file(source), source)


def _parse_toml(raw: bytes, source: str) -> tuple[dict[str, Any], str]:
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError.single(source, "binary data (NUL byte), not a TOML text file", line=line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError.single(
            source,
            f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} at column {column}",
            line=line,
        ) from None
    text = text.removeprefix("\ufeff")
    check_toml_limits(text, source)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), text, source) from None
    except RecursionError:
        raise InputError.single(source, "TOML syntax error: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer over Python's limit of digits
        m = _LONG_NUMBER_RE.search(text)
        line = None if m is None else text.count("\n", 0, m.start()) + 1
        if m is not None:
            message = f"a number with {len(m.group())} digits; at most 4,300 are allowed"
        else:
            message = f"TOML value error: {exc}"
        raise InputError.single(source, message, line=line) from None


def _syntax_error(message: str, text: str, source: str) -> InputError:
    line: int | None = None
    where = ""
    m = _TOML_POS_RE.search(message)
    if m is not None:
        line = int(m.group(1))
        where = f" (column {m.group(2)})"
        message = message[: m.start()]
    else:
        m = _TOML_END_RE.search(message)
        if m is not None:
            message = message[: m.start()]
            where = " (at the end of the file)"
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    if message.startswith(_DUPLICATE_MESSAGES):
        index = _safe_index(text)
        if index is not None and index.duplicates:
            matching = [d for d in index.duplicates if d[1] == line]
            path, dup_line, first, what = (matching or index.duplicates)[0]
            return InputError.single(
                source,
                f"duplicate {what}: already defined on line {first}",
                line=dup_line,
                key=dotted_key(path),
            )
        return InputError.single(source, f"duplicate key: {message}{where}", line=line)
    return InputError.single(source, f"TOML syntax error: {message}{where}", line=line)


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario TOML file.

    Args:
        path: The scenario file.

    Returns:
        The validated, frozen scenario.

    Raises:
        InputError: For any bad input, naming file, line, dotted key and what is wrong.
    """
    data, text = read_toml(path)
    return scenario_from_dict(data, source=os.fspath(path), text=text)


# ============================================================================================
# Canonical form and hash
# ============================================================================================
def canonical_json(scenario: Scenario) -> str:
    """The canonical JSON of a scenario: every value (defaults included), keys sorted.

    Comments, whitespace and key order of the source file do not change it.
    """
    return json.dumps(
        scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of :func:`canonical_json`: the content identity of a scenario."""
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()
