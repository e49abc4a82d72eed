"""Dotted keys and the line of each dotted path in a TOML text.

pydantic reports where a value sits as a ``loc`` tuple but not on which line; :class:`TomlIndex`
is a small TOML scanner that maps each dotted path of the text to the line that defines it, so
every problem can be shown as ``FILE:LINE: dotted.key: message``.

Dotted keys use ``.`` between table keys and ``[i]`` (0-based) for array items:
``firm_groups[2].count``, ``regimes.decree41_full.joint_project_subsidy.rate.value``.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import tomllib

from sim.scenario.input_file import MAX_KEY_PARTS

__all__ = ["PathT", "TomlIndex", "dotted_key", "parse_dotted_key"]

PathT = tuple[str | int, ...]
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")


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
_NEWLINE_RE = re.compile("\n")
_BASIC_STRING_RE = re.compile(r'"(?:[^"\\\n]++|\\.)*+"')


class _ScanStopError(Exception):
    """The scanner met text it cannot follow; keep what was indexed so far."""


class TomlIndex:
    """Line numbers of the tables, keys and array items of a TOML text.

    A lenient scanner, not a validator: it follows ``[table]`` and ``[[array.of.tables]]``
    headers (counting the occurrences of each array of tables), dotted keys, ``key =`` lines,
    inline tables (a key inside one is on the line of that key) and arrays (each item on the
    line where it starts). On text it cannot follow it stops and keeps what it has, so it is
    safe on broken files; it also stops at a key with more than
    :data:`~sim.scenario.input_file.MAX_KEY_PARTS` parts, so its time stays linear. It also
    notes keys and tables defined twice.

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
        self._nl = [m.start() for m in _NEWLINE_RE.finditer(text)]
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
        return bisect.bisect_left(self._nl, pos) + 1  # number of newlines before pos, plus 1

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
            if len(parts) >= MAX_KEY_PARTS:  # time grows with parts squared
                raise _ScanStopError
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
        m = _BASIC_STRING_RE.match(self.text, self.pos)
        if m is None:
            raise _ScanStopError
        self.pos = m.end()

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
