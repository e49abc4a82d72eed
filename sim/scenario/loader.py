"""Loading scenario files: TOML to a validated :class:`~sim.scenario.schema.Scenario`.

Every way an input can be bad -- a missing file, bytes that are not UTF-8 text, a TOML syntax
error, a duplicate key, an unknown key, a wrong type, a value out of range, NaN, a missing
required key, a failed cross-check -- ends as one :class:`~sim.errors.InputError` whose problems
name the file, the line, the dotted key and what is allowed::

    scenarios/x.toml:57: firm_groups[2].count: Input should be greater than 0, got integer 0
    scenarios/x.toml:12: market.markup_: unknown key (did you mean 'markup'?)

pydantic reports where a value sits as a ``loc`` tuple but not on which line; a small scanner
(:class:`TomlIndex`) maps each dotted path of the TOML text to the line that defines it.

Dotted keys use ``.`` between table keys and ``[i]`` (0-based) for array items:
``firm_groups[2].count``, ``regimes.decree41_full.joint_project_subsidy.rate.value``.
:func:`apply_overrides` also accepts an item's ``name`` in place of its index
(``firm_groups.shipyards.count``), and a Param table (``{value, unit, source}``) as shorthand for
its ``value``.
"""

from __future__ import annotations

import contextlib
import copy
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
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.errors import InputError, Problem
from sim.scenario.schema import NAME_RE, Param, Scenario

__all__ = [
    "TomlIndex",
    "apply_overrides",
    "canonical_json",
    "dotted_key",
    "load_scenario",
    "parse_dotted_key",
    "read_toml",
    "scenario_from_dict",
    "scenario_hash",
]

PathT = tuple[str | int, ...]
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
_DUPLICATE_MESSAGES = ("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key")


# ============================================================================================
# Dotted keys
# ============================================================================================
def dotted_key(path: PathT | list[str | int]) -> str:
    """Render a path as a dotted key: ``("firm_groups", 2, "count")`` -> ``firm_groups[2].count``.

    Args:
        path: Keys (str) and 0-based array indices (int).

    Returns:
        The dotted key; keys that are not bare TOML keys are double-quoted.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        text = part if _BARE_KEY_RE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out.append(f".{text}" if out else text)
    return "".join(out)


_TOKEN_RE = re.compile(r'([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|\[\s*(\d+)\s*\]')


def parse_dotted_key(key: str) -> list[str | int]:
    """Parse a dotted key into its parts (the inverse of :func:`dotted_key`).

    ``firm_groups[0].count`` -> ``["firm_groups", 0, "count"]``; quoted parts
    (``regimes."odd name"``) are allowed.

    Args:
        key: The dotted key.

    Returns:
        Keys as str and bracketed indices as int.

    Raises:
        ValueError: When the key cannot be parsed.
    """
    parts: list[str | int] = []
    pos = 0
    expect_part = True
    key = key.strip()
    while pos < len(key):
        if not expect_part:
            if key[pos] == ".":
                pos += 1
                expect_part = True
                continue
            if key[pos] != "[":
                raise ValueError(f"cannot parse key {key!r} at character {pos + 1}")
        m = _TOKEN_RE.match(key, pos)
        if m is None or (m.group(3) is not None and not parts):
            raise ValueError(f"cannot parse key {key!r} at character {pos + 1}")
        if m.group(3) is not None:
            parts.append(int(m.group(3)))
        elif m.group(2) is not None:
            parts.append(json.loads(f'"{m.group(2)}"'))
        else:
            parts.append(m.group(1))
        pos = m.end()
        expect_part = False
    if expect_part:
        raise ValueError(f"cannot parse key {key!r}: it is empty or ends with '.'")
    return parts


# ============================================================================================
# TOML text -> line of each dotted path
# ============================================================================================
class _ScanStopError(Exception):
    """The scanner met text it cannot follow; keep what was indexed so far."""


class TomlIndex:
    """Line numbers of the tables, keys and array items of a TOML text.

    A lenient scanner, not a validator: it follows ``[table]`` and ``[[array.of.tables]]``
    headers (counting the occurrences of each array of tables), dotted keys, ``key =`` lines,
    inline tables (a key inside one is on the line of that key) and arrays (each item on the
    line where it starts). On text it cannot follow it stops and keeps what it has, so it is
    safe on broken files. It also notes keys and tables defined twice.

    Args:
        text: The TOML text.

    Attributes:
        lines: 1-based line of each path; a table declared only implicitly (by a deeper header)
            points at the first header that implied it.
        duplicates: ``(path, line, first_line, what)`` of each key or table defined a second
            time; ``what`` is ``"key"`` or ``"table"``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self._nl = [i for i, c in enumerate(text) if c == "\n"]
        self.lines: dict[PathT, int] = {}
        self.duplicates: list[tuple[PathT, int, int, str]] = []
        self._implicit: set[PathT] = set()
        self._aot: dict[PathT, int] = {}
        self._values: dict[PathT, int] = {}
        self._headers: dict[PathT, int] = {}
        self._dotted: dict[PathT, int] = {}
        with contextlib.suppress(_ScanStopError, IndexError, RecursionError, ValueError):
            self._document()

    # -- queries ---------------------------------------------------------------------------
    def line_of(self, path: PathT) -> int | None:
        """Line of ``path``, else of its nearest ancestor that is in the text, else None."""
        for k in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:k]))
            if line is not None:
                return line
        return None

    def line_at(self, pos: int) -> int:
        """1-based line of a character offset."""
        lo, hi = 0, len(self._nl)
        while lo < hi:  # number of newlines before pos
            mid = (lo + hi) // 2
            if self._nl[mid] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    # -- recording -------------------------------------------------------------------------
    def _record(self, path: PathT, line: int, *, explicit: bool = True) -> None:
        if path not in self.lines or (explicit and path in self._implicit):
            self.lines[path] = line
            if explicit:
                self._implicit.discard(path)
            else:
                self._implicit.add(path)

    def _resolve(self, parts: list[str]) -> PathT:
        out: PathT = ()
        for part in parts:
            out = (*out, part)
            if out in self._aot:
                out = (*out, self._aot[out] - 1)
        return out

    # -- grammar ---------------------------------------------------------------------------
    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < self.n else ""

    def _ws(self) -> None:
        while self.pos < self.n and self.text[self.pos] in " \t":
            self.pos += 1

    def _ws_comments_newlines(self) -> None:
        while self.pos < self.n:
            c = self.text[self.pos]
            if c in " \t\r\n":
                self.pos += 1
            elif c == "#":
                self._comment()
            else:
                return

    def _comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = self.n if end < 0 else end

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise _ScanStopError
        self.pos += len(token)

    def _document(self) -> None:
        table: PathT = ()
        while self.pos < self.n:
            self._ws()
            c = self._peek()
            if c == "":
                break
            if c == "#":
                self._comment()
                continue
            if c in "\r\n":
                self.pos += 1
                continue
            if c == "[":
                table = self._header()
            else:
                self._keyval(table)
            self._ws()
            if self._peek() == "#":
                self._comment()
            if self._peek() not in ("", "\n", "\r"):
                raise _ScanStopError

    def _header(self) -> PathT:
        line = self.line_at(self.pos)
        aot = self.text.startswith("[[", self.pos)
        self.pos += 2 if aot else 1
        self._ws()
        parts = self._key()
        self._ws()
        self._expect("]]" if aot else "]")
        if aot:
            parent = self._resolve(parts[:-1])
            for k in range(1, len(parent) + 1):
                self._record(parent[:k], line, explicit=False)
            base = (*parent, parts[-1])
            index = self._aot.get(base, 0)
            self._aot[base] = index + 1
            self._record(base, line)
            table = (*base, index)
            self._record(table, line)
            return table
        table = self._resolve(parts)
        for k in range(1, len(table)):
            self._record(table[:k], line, explicit=False)
        first = self._headers.get(table, self._values.get(table))
        if first is not None:
            self.duplicates.append((table, line, first, "table"))
        else:
            self._headers[table] = line
        self._record(table, line)
        return table

    def _key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self._ws()
            c = self._peek()
            if c == '"':
                start = self.pos
                self._basic_string()
                raw = self.text[start + 1 : self.pos - 1]
                try:
                    parts.append(tomllib.loads(f'k = "{raw}"')["k"])
                except tomllib.TOMLDecodeError:
                    parts.append(raw)
            elif c == "'":
                start = self.pos
                self._literal_string()
                parts.append(self.text[start + 1 : self.pos - 1])
            else:
                m = _BARE_KEY_RE.match(self.text, self.pos)
                if m is None:
                    raise _ScanStopError
                parts.append(m.group())
                self.pos = m.end()
            self._ws()
            if self._peek() != ".":
                return parts
            self.pos += 1

    def _keyval(self, table: PathT) -> None:
        self._ws()
        line = self.line_at(self.pos)
        parts = self._key()
        self._ws()
        self._expect("=")
        self._ws()
        for k in range(1, len(parts)):
            prefix = (*table, *parts[:k])
            if prefix in self._values:
                self.duplicates.append((prefix, line, self._values[prefix], "key"))
            self._dotted.setdefault(prefix, line)
            self._record(prefix, line)
        full = (*table, *parts)
        first = self._values.get(full, self._headers.get(full, self._dotted.get(full)))
        if first is not None:
            self.duplicates.append((full, line, first, "key"))
        else:
            self._values[full] = line
        self._record(full, line)
        self._value(full)

    def _value(self, path: PathT) -> None:
        t, p = self.text, self.pos
        if t.startswith('"""', p):
            self._multiline_string('"""')
        elif t.startswith("'''", p):
            self._multiline_string("'''")
        elif p < self.n and t[p] == '"':
            self._basic_string()
        elif p < self.n and t[p] == "'":
            self._literal_string()
        elif p < self.n and t[p] == "{":
            self._inline_table(path)
        elif p < self.n and t[p] == "[":
            self._array(path)
        else:
            self._scalar()

    def _multiline_string(self, delim: str) -> None:
        start = self.pos + 3
        while True:
            j = self.text.find(delim, start)
            if j < 0:
                raise _ScanStopError
            if delim == '"""':
                k = j - 1
                while k >= start and self.text[k] == "\\":
                    k -= 1
                if (j - 1 - k) % 2 == 1:  # an escaped quote
                    start = j + 1
                    continue
            end = j + 3
            while end < self.n and self.text[end] == delim[0] and end - j < 5:
                end += 1
            self.pos = end
            return

    def _basic_string(self) -> None:
        i = self.pos + 1
        while i < self.n:
            c = self.text[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                self.pos = i + 1
                return
            if c == "\n":
                break
            i += 1
        raise _ScanStopError

    def _literal_string(self) -> None:
        j = self.text.find("'", self.pos + 1)
        if j < 0 or "\n" in self.text[self.pos : j]:
            raise _ScanStopError
        self.pos = j + 1

    def _inline_table(self, path: PathT) -> None:
        self.pos += 1
        self._ws_comments_newlines()
        if self._peek() == "}":
            self.pos += 1
            return
        while True:
            self._keyval(path)
            self._ws_comments_newlines()
            c = self._peek()
            if c == ",":
                self.pos += 1
                self._ws_comments_newlines()
                if self._peek() == "}":
                    self.pos += 1
                    return
                continue
            if c == "}":
                self.pos += 1
                return
            raise _ScanStopError

    def _array(self, path: PathT) -> None:
        self.pos += 1
        index = 0
        while True:
            self._ws_comments_newlines()
            if self._peek() == "]":
                self.pos += 1
                return
            item = (*path, index)
            self._record(item, self.line_at(self.pos))
            self._value(item)
            index += 1
            self._ws_comments_newlines()
            c = self._peek()
            if c == ",":
                self.pos += 1
                continue
            if c == "]":
                self.pos += 1
                return
            raise _ScanStopError

    _SCALAR_RE = re.compile(r"[^\s,\]\}#]+")
    _DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
    _TIME_AFTER_SPACE_RE = re.compile(r" \d{2}:")

    def _scalar(self) -> None:
        m = self._SCALAR_RE.match(self.text, self.pos)
        if m is None:
            raise _ScanStopError
        self.pos = m.end()
        if self._DATE_RE.fullmatch(m.group()) and self._TIME_AFTER_SPACE_RE.match(
            self.text, self.pos
        ):
            m = self._SCALAR_RE.match(self.text, self.pos + 1)
            if m is not None:
                self.pos = m.end()


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


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _type_at(path: PathT | list[str | int], root: type[BaseModel] = Scenario) -> Any:
    """The (unwrapped) schema type at ``path``, or None when the path leaves the schema."""
    tp: Any = root
    for part in path:
        tp = _unwrap(tp)
        if _is_model(tp):
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


def _allowed_keys(path: PathT | list[str | int], root: type[BaseModel] = Scenario) -> list[str]:
    tp = _type_at(path, root)
    return list(tp.model_fields) if _is_model(tp) else []


def _did_you_mean(word: str, choices: list[str]) -> str:
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


def _problem_from_error(
    error: Mapping[str, Any], source: str, index: TomlIndex | None, data: Any
) -> Problem:
    loc = tuple(error.get("loc", ()))
    is_name = bool(loc) and loc[-1] == "[key]"
    path: PathT = tuple(p for p in loc if p != "[key]")
    kind = error.get("type", "")
    raw = error.get("input")
    msg = str(error.get("msg", "invalid value"))
    if kind == "missing":
        message = "required key missing"
    elif kind == "extra_forbidden":
        message = "unknown key" + _did_you_mean(str(path[-1]), _allowed_keys(path[:-1]))
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


def _required_top_level() -> list[str]:
    return [name for name, field in Scenario.model_fields.items() if field.is_required()]


def scenario_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", text: str | None = None
) -> Scenario:
    """Validate a dict (as read from TOML) into a :class:`Scenario`.

    Args:
        data: The raw scenario dict.
        source: Name used as the FILE of each problem.
        text: The TOML text ``data`` was read from, to give each problem its line.

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
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    except RecursionError:
        raise InputError.single(source, "the input is nested too deeply") from None
    index = _safe_index(text)
    problems = [_problem_from_error(e, source, index, data) for e in errors]
    problems.sort(key=_sort_key)
    raise InputError(problems)


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

    Args:
        path: The file. Its text as given is used as the FILE of problems.

    Returns:
        The parsed dict and the file's text.

    Raises:
        InputError: Missing file, a directory, unreadable, not UTF-8 text, TOML syntax error or
            duplicate key.
    """
    source = os.fspath(path)
    p = Path(source)
    try:
        if p.is_dir():
            raise InputError.single(source, "is a directory, not a TOML file")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError.single(source, "file not found") from None
    except IsADirectoryError:
        raise InputError.single(source, "is a directory, not a TOML file") from None
    except PermissionError:
        raise InputError.single(source, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise InputError.single(source, f"cannot read the file: {exc.strerror or exc}") from None
    return _parse_toml(raw, source)


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
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), text, source) from None
    except RecursionError:
        raise InputError.single(source, "TOML syntax error: nested too deeply") from None


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


# ============================================================================================
# Overrides by dotted key
# ============================================================================================
class _OverrideError(Exception):
    pass


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python, tuples to lists (strict validation accepts only those)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            return _plain(value.item())
        except (TypeError, ValueError):
            return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _list_index(items: list[Any], part: str | int, path: PathT) -> int:
    if isinstance(part, int) or part.isdigit():
        i = int(part)
        if not 0 <= i < len(items):
            raise _OverrideError(
                f"index {i} out of range: '{dotted_key(path)}' has {len(items)} items"
            )
        return i
    names = [item.get("name") for item in items if isinstance(item, Mapping)]
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and item.get("name") == part:
            return i
    names = [n for n in names if isinstance(n, str)]
    raise _OverrideError(
        f"no item named '{part}' in '{dotted_key(path)}'" + _did_you_mean(part, names)
    )


def _set_override(data: dict[str, Any], key: str, value: Any) -> None:
    try:
        parts = parse_dotted_key(key)
    except ValueError as exc:
        raise _OverrideError(str(exc)) from None
    node: Any = data
    path: PathT = ()
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if isinstance(node, list):
            i = _list_index(node, part, path)
            if last:
                node[i] = value
                return
            path = (*path, i)
            child = node[i]
        elif isinstance(node, dict):
            if isinstance(part, int):
                raise _OverrideError(f"'{dotted_key(path)}' is a table, not an array")
            tp = _type_at(path)
            if _is_model(tp):
                allowed = list(tp.model_fields)
                if part not in allowed:
                    raise _OverrideError(
                        f"unknown key '{part}' in '{dotted_key(path) or '<top level>'}'"
                        + _did_you_mean(part, allowed)
                    )
            elif part not in node:
                raise _OverrideError(
                    f"no '{part}' in '{dotted_key(path)}'" + _did_you_mean(part, sorted(node))
                )
            target_type = _type_at((*path, part))
            if last:
                if (
                    _is_model(target_type)
                    and issubclass(target_type, Param)
                    and not isinstance(value, Mapping)
                ):
                    current = node.get(part)
                    if not isinstance(current, Mapping):
                        raise _OverrideError(
                            f"'{dotted_key((*path, part))}' is not set in this scenario; "
                            "give the whole table {value, unit, source}"
                        )
                    node[part] = {**current, "value": value}
                else:
                    node[part] = value
                return
            child = node.get(part)
            if child is None:
                if part in node:  # an optional table left out (an instrument not offered)
                    raise _OverrideError(
                        f"'{dotted_key((*path, part))}' is not set in this scenario, so keys "
                        "inside it cannot be overridden; define the whole table instead"
                    )
                child = node[part] = {}
            path = (*path, part)
        else:
            raise _OverrideError(f"'{dotted_key(path)}' is a value, not a table")
        node = child


def apply_overrides(
    scenario_or_dict: Scenario | Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    source: str = "<overrides>",
) -> Scenario:
    """Return a new scenario with values set by dotted key, validated again.

    Keys follow :func:`dotted_key`; array items may also be addressed by their ``name``
    (``firm_groups.shipyards.count``). A scalar given for a Param table sets its ``value``
    (``regimes.decree41_full.joint_project_subsidy.rate`` = 0.3). numpy scalars are accepted.

    Args:
        scenario_or_dict: A scenario, or a raw scenario dict (validated first).
        overrides: Dotted key -> new value.
        source: Name used as the FILE of problems (e.g. the sweep file).

    Returns:
        The new, validated scenario.

    Raises:
        InputError: Unknown keys (with a suggestion), values of the wrong type or out of range,
            or a scenario that no longer passes its cross-checks.
    """
    if isinstance(scenario_or_dict, Scenario):
        data = scenario_or_dict.model_dump(mode="json")
    elif isinstance(scenario_or_dict, Mapping):
        data = scenario_from_dict(copy.deepcopy(dict(scenario_or_dict)), source=source).model_dump(
            mode="json"
        )
    else:
        raise TypeError(f"expected a Scenario or a dict, not {type(scenario_or_dict).__name__}")
    problems: list[Problem] = []
    for key, value in overrides.items():
        try:
            _set_override(data, str(key), _plain(value))
        except _OverrideError as exc:
            problems.append(Problem(file=source, line=None, key=str(key), message=str(exc)))
    if problems:
        raise InputError(problems)
    return scenario_from_dict(data, source=source)
