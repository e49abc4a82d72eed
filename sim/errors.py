"""The one error type for bad user input, and helpers to print it safely.

Every CLI verb reports bad input (a scenario or sweep file, an override, a command-line value) by
raising :class:`InputError`, which holds one :class:`Problem` per thing that is wrong. Its text is
one line per problem in the compiler style editors understand::

    scenarios/x.toml:42: regimes.decree41_full.joint_project_subsidy.rate.value: Input should be
    less than or equal to 1, got float 1.7

:func:`mask_url` hides passwords in database URLs; use it whenever a URL is printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InputError", "Problem", "mask_url", "mask_urls_in_text"]


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


_URL_PASSWORD_RE = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)[^@\s/]*(?P<at>@)")


def mask_url(url: object) -> str:
    """Render a database URL with its password hidden.

    Args:
        url: A SQLAlchemy URL (string or ``sqlalchemy.engine.URL``); None gives ``""``.

    Returns:
        The URL with the password replaced by ``***``.
    """
    if url is None:
        return ""
    try:
        from sqlalchemy.engine import make_url  # SQLAlchemy: not needed to report file errors

        return make_url(url).render_as_string(hide_password=True)  # type: ignore[arg-type]
    except Exception:
        return mask_urls_in_text(str(url))


def mask_urls_in_text(text: str) -> str:
    """Hide the password of every ``scheme://user:password@host`` URL inside free text.

    Args:
        text: Any text, e.g. an exception message.

    Returns:
        The text with each such password replaced by ``***``.
    """
    return _URL_PASSWORD_RE.sub(r"\g<head>***\g<at>", text)
