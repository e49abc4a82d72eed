"""The one error type for bad user input, and helpers to print it safely.

Every CLI verb reports bad input (a scenario or sweep file, an override, a command-line value) by
raising :class:`InputError`, which holds one :class:`Problem` per thing that is wrong. Its text is
one line per problem in the compiler style editors understand::

    scenarios/x.toml:42: regimes.decree41_full.joint_project_subsidy.rate.value: Input should be
    less than or equal to 1, got float 1.7

:func:`mask_url` hides passwords in database URLs; use it whenever a URL is printed, and
:func:`mask_urls_in_text` on free text (driver errors). :func:`parse_url` is the one URL parser
behind both and behind the connection itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["InputError", "Problem", "mask_url", "mask_urls_in_text", "parse_url"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    Attributes:
        file: The file (as the user named it) or a pseudo-source such as ``<overrides>``;
            ``""`` for a bad argument of a function.
        line: 1-based line in ``file``, or None when unknown.
        key: Dotted key of the offending value (``firm_groups[2].count``), the name of the bad
            argument (``sweep``), or ``""``.
        message: What is wrong and, where possible, what is allowed.
        parameter: True when ``key`` names a function argument rather than a key in a file
            (the CLI shows it as its flag, ``--sweep``).
    """

    file: str
    line: int | None
    key: str
    message: str
    parameter: bool = False

    def __str__(self) -> str:
        if self.parameter:
            return f"{self.key}: {self.message}"
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.key:
            return f"{where}: {self.key}: {self.message}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Bad user input: one or more :class:`Problem` objects.

    Args:
        problems: The problems (at least one), or a single problem.

    Attributes:
        problems: The problems, in the order they should be shown.
    """

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one Problem")
        super().__init__(self.problems)

    @classmethod
    def single(
        cls, file: str, message: str, *, line: int | None = None, key: str = ""
    ) -> InputError:
        """Build an error with one problem.

        Args:
            file: The file or pseudo-source.
            message: What is wrong.
            line: 1-based line, if known.
            key: Dotted key, if any.

        Returns:
            The error (not raised).
        """
        return cls([Problem(file=file, line=line, key=key, message=message)])

    @classmethod
    def parameter(cls, name: str, message: str) -> InputError:
        """Build an error about a bad argument ``name`` of a library function.

        Args:
            name: The argument (``sweep``, ``outcome``, ...); the CLI shows its flag.
            message: What is wrong and what is allowed.

        Returns:
            The error (not raised).
        """
        return cls([Problem(file="", line=None, key=name, message=message, parameter=True)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        return (type(self), (self.problems,))


_SCHEME_RE = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://")
_DSN_PASSWORD_RE = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'\"]+)")


def _password_span(rest: str) -> tuple[int, int] | None:
    """Where the password of a URL lies, given the text after its ``scheme://``.

    The authority ends at the first ``/``, ``?`` or ``#`` after the first ``@`` (a password may
    contain ``/`` before it, as SQLAlchemy parses it); the userinfo runs greedily up to the
    last ``@`` of the authority, so a password containing ``@`` is taken whole; the user name
    ends at the first ``:`` and contains no ``/``, ``?`` or ``#``.

    Args:
        rest: The URL (or the rest of a word of free text) after ``scheme://``.

    Returns:
        ``(start, end)`` of the password in ``rest``, or None when it has no ``user:password@``.
    """
    first_at = rest.find("@")
    if first_at < 0:
        return None
    ends = [i for i in (rest.find(c, first_at) for c in "/?#") if i >= 0]
    at = rest.rfind("@", 0, min(ends) if ends else len(rest))
    colon = rest.find(":", 0, at)
    if colon < 0 or any(c in rest[:colon] for c in "/?#"):
        return None
    return colon + 1, at


def parse_url(url: object) -> URL:
    """Parse a database URL as SQLAlchemy does, but keep an unencoded ``@`` in the password.

    ``postgresql://ci:a@b@host/db`` has the password ``a@b`` (SQLAlchemy alone would take
    ``a`` and the host ``b@host``). This is the parser of every URL clustersim connects to or
    shows, so the password it sends is the one :func:`mask_url` hides. Passwords with ``@``
    followed by ``/``, ``?`` or ``#`` must be percent-encoded (as RFC 3986 requires anyway).

    Args:
        url: A URL string or a ``sqlalchemy.engine.URL`` (returned as is).

    Returns:
        The parsed URL.

    Raises:
        sqlalchemy.exc.ArgumentError: When the text is not a URL SQLAlchemy can parse.
    """
    # SQLAlchemy is imported here: reporting a bad scenario file does not need it.
    from sqlalchemy.engine import URL, make_url

    if isinstance(url, URL):
        return url
    text = str(url).strip()
    scheme = _SCHEME_RE.match(text)
    if scheme is not None:
        rest = text[scheme.end() :]
        span = _password_span(rest)
        if span is not None:
            at = span[1]
            # SQLAlchemy splits at the first "@" and unquotes the user and password.
            text = text[: scheme.end()] + rest[:at].replace("@", "%40") + rest[at:]
    return make_url(text)


def mask_url(url: object) -> str:
    """Render a database URL with its password hidden.

    The URL is parsed (:func:`parse_url`) and rendered by SQLAlchemy with the password as
    ``***``; the password is never searched for as text. Text that is not a URL is masked as
    free text (:func:`mask_urls_in_text`).

    Args:
        url: A SQLAlchemy URL (string or ``sqlalchemy.engine.URL``); None gives ``""``.

    Returns:
        The URL with the password replaced by ``***``.
    """
    from sqlalchemy.exc import ArgumentError

    if url is None:
        return ""
    try:
        return parse_url(url).render_as_string(hide_password=True)
    except (ArgumentError, TypeError, ValueError):
        return mask_urls_in_text(str(url))


def mask_urls_in_text(text: str) -> str:
    """Hide every password of a ``scheme://user:password@host`` URL or ``password=`` inside text.

    Each URL is the whole word (up to white space) after its ``scheme://``; its password is
    found as :func:`parse_url` finds it (greedily up to the last ``@`` of the authority) and
    replaced by ``***``. A libpq ``password=...`` keyword (also quoted) becomes
    ``password=***``. Nothing else changes: the password is never searched for as text, so a
    short password does not mask innocent words.

    Args:
        text: Any text, e.g. an exception message.

    Returns:
        The text with each such password replaced by ``***``.
    """
    out: list[str] = []
    pos = 0
    for scheme in _SCHEME_RE.finditer(text):
        if scheme.start() < pos:
            continue  # inside the word of a URL already handled
        word_end = scheme.end()
        while word_end < len(text) and not text[word_end].isspace():
            word_end += 1
        span = _password_span(text[scheme.end() : word_end])
        if span is None:
            continue
        out.append(text[pos : scheme.end() + span[0]])
        out.append("***")
        pos = scheme.end() + span[1]
    out.append(text[pos:])
    return _DSN_PASSWORD_RE.sub(r"\g<1>***", "".join(out))
