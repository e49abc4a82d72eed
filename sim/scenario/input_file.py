"""The one place that reads input files (scenario and sweep TOML), with limits.

Everything that reads a scenario or sweep file goes through :func:`read_input_file`
(:func:`sim.scenario.loader.read_toml` calls it; :func:`~sim.scenario.loader.load_scenario` and
:func:`~sim.run.sweepfile.load_sweep` call ``read_toml``). It refuses, as an
:class:`~sim.errors.InputError` naming the file and what is allowed:

* anything that is not a **regular file** -- a directory, a named pipe (FIFO), a device such as
  ``/dev/zero``, a socket -- checked with ``stat`` before the file is opened (so a FIFO is never
  opened and cannot block) and again with ``fstat`` on the opened descriptor;
* a file larger than :data:`MAX_INPUT_BYTES` (1 MiB: 50 times the largest shipped scenario;
  a sweep over 10,000 grid values is about 60 kB), checked from ``fstat`` and again while
  reading, since some files (``/proc``) report size 0. Python's ``tomllib`` parses about
  1 MB a second, so this also bounds the time to parse and index a file;
* a read that takes longer than :data:`READ_TIMEOUT_SECONDS` (a hung network mount): the read
  runs in a helper thread and the caller stops waiting for it.

:func:`check_toml_limits` is the cheap, linear pre-scan every TOML text passes before
``tomllib`` parses it. Python's ``tomllib`` (and the line index) take time quadratic in the
number of parts of a dotted key, so a 400 kB key ``a.a.a...a = 1`` would take hours; the
pre-scan refuses keys and ``[table]`` headers with more than :data:`MAX_KEY_PARTS` parts and
arrays or inline tables nested more than :data:`MAX_NESTING` deep, naming the line, before
anything expensive runs. The deepest key of a scenario has 5 parts
(``regimes.NAME.joint_project_subsidy.rate.value``) and nothing in a scenario or sweep file
nests arrays or inline tables more than 2 deep.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from typing import Final

from sim.errors import InputError, Problem

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_KEY_PARTS",
    "MAX_NESTING",
    "READ_TIMEOUT_SECONDS",
    "check_toml_limits",
    "read_input_file",
]

MAX_INPUT_BYTES: Final = 1024 * 1024
"""Largest scenario or sweep file read (bytes)."""
READ_TIMEOUT_SECONDS: Final = 10.0
"""Longest wait for the bytes of one input file (seconds)."""
MAX_KEY_PARTS: Final = 16
"""Most parts of one dotted key or ``[table]`` header (``a.b.c`` has 3)."""
MAX_NESTING: Final = 16
"""Deepest nesting of arrays and inline tables in a TOML text."""

_CHUNK = 1 << 20
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat check cannot block open()
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB ({n:,} bytes)"


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as an input file, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a TOML file"
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((text for test, text in kinds if test(mode)), "not a regular file")
    return f"is {kind}; scenario and sweep files must be regular files"


def _os_problem(source: str, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return InputError.single(source, "file not found")
    if isinstance(exc, PermissionError):
        return InputError.single(source, "cannot read the file: permission denied")
    if isinstance(exc, IsADirectoryError):
        return InputError.single(source, "is a directory, not a TOML file")
    return InputError.single(source, f"cannot read the file: {exc.strerror or exc}")


def _too_large(source: str, size: int | None, max_bytes: int) -> InputError:
    what = f"is {size:,} bytes" if size is not None else "is larger than the limit"
    return InputError.single(
        source, f"{what}; scenario and sweep files may be at most {_mib(max_bytes)}"
    )


def _read_regular(source: str, max_bytes: int) -> bytes:
    """Open, check with fstat and read at most ``max_bytes`` bytes (runs in a helper thread)."""
    try:
        fd = os.open(source, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_problem(source, exc) from None
    try:
        info = os.fstat(fd)
        why = _not_regular(info.st_mode)
        if why is not None:
            raise InputError.single(source, why)
        if info.st_size > max_bytes:
            raise _too_large(source, info.st_size, max_bytes)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > max_bytes:
                raise _too_large(source, None, max_bytes)
            chunks.append(chunk)
    except OSError as exc:
        raise _os_problem(source, exc) from None
    finally:
        os.close(fd)


def read_input_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    timeout: float = READ_TIMEOUT_SECONDS,
) -> bytes:
    """The bytes of a scenario or sweep file: a regular file, size- and time-limited.

    Args:
        path: The file; its text as given is the FILE of problems.
        max_bytes: Largest size read (default :data:`MAX_INPUT_BYTES`).
        timeout: Longest wait for the bytes, in seconds (default :data:`READ_TIMEOUT_SECONDS`).

    Returns:
        The file's bytes.

    Raises:
        InputError: A missing or unreadable file, anything but a regular file, a file larger
            than ``max_bytes`` or a read slower than ``timeout``.
    """
    source = os.fspath(path)
    try:
        info = os.stat(source)  # before open(): a FIFO or device is refused unopened
    except OSError as exc:
        raise _os_problem(source, exc) from None
    except ValueError:  # an embedded NUL character
        raise InputError.single(source, "not a valid file name") from None
    why = _not_regular(info.st_mode)
    if why is not None:
        raise InputError.single(source, why)
    if info.st_size > max_bytes:
        raise _too_large(source, info.st_size, max_bytes)
    outcome: list[bytes | BaseException] = []

    def read() -> None:
        try:
            outcome.append(_read_regular(source, max_bytes))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    reader = threading.Thread(target=read, name="clustersim-read-input", daemon=True)
    reader.start()
    reader.join(timeout)
    if not outcome:  # still blocked (e.g. a hung network mount); the daemon thread is left
        raise InputError.single(
            source,
            f"reading the file took longer than {timeout:g} s; scenario and sweep files must "
            "be regular files on a responsive file system",
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


# ============================================================================================
# The TOML pre-scan
# ============================================================================================
# Strings and comments are skipped whole (dots, brackets and '=' inside them do not count);
# everything else that matters is one character. Possessive quantifiers keep an unterminated
# string linear.
_LEX_RE = re.compile(
    r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+"{3,5}'  # multi-line basic string
    r"|'''(?:[^']++|'(?!''))*+'{3,5}"  # multi-line literal string
    r'|"(?:[^"\\\n]++|\\.)*+"'  # basic string
    r"|'[^'\n]*+'"  # literal string
    r"|#[^\n]*+"  # comment
    r"|[.\[\]{}=,\n]"  # structure
)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _shown(raw: str) -> str:
    raw = " ".join(raw.split())
    return raw if len(raw) <= 60 else raw[:57] + "..."


def check_toml_limits(text: str, source: str) -> None:
    """Refuse TOML texts whose keys or nesting would make parsing slow, before parsing.

    Linear in the text and stops at the first problem: a dotted key or ``[table]`` header with
    more than :data:`MAX_KEY_PARTS` parts, or arrays / inline tables nested more than
    :data:`MAX_NESTING` deep.

    Args:
        text: The TOML text.
        source: The FILE of the problem.

    Raises:
        InputError: Naming the file, the line and the limit.
    """
    dots = 0
    depth = 0
    start = 0
    for m in _LEX_RE.finditer(text):
        c = text[m.start()]
        if c == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                raise InputError(
                    Problem(
                        source,
                        _line(text, m.start()),
                        _shown(text[start : m.start()]),
                        f"a dotted key or [table] header may have at most {MAX_KEY_PARTS} "
                        f"parts; this one has more (the deepest scenario key has 5)",
                    )
                )
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise InputError.single(
                    source,
                    f"arrays and inline tables may be nested at most {MAX_NESTING} deep",
                    line=_line(text, m.start()),
                )
            dots, start = 0, m.end()
        elif c in "]}":
            depth = max(0, depth - 1)
            dots, start = 0, m.end()
        elif c in "=,\n":
            dots, start = 0, m.end()
