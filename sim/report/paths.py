"""Where output files go: the one place that turns names into paths under an output root.

Every file written by a report (:mod:`sim.report.pack`), an export (:mod:`sim.report.export`),
``clustersim run``'s figure pack and the strategy-session page goes through here:

* :func:`safe_component` turns any text that ends up in a file name -- a sweep, scenario or
  regime name, stored by this or an older version, typed on the page or in a TOML key -- into
  one harmless file-name component: no path separators, no control characters, no leading dot
  (so never ``..``), bounded length;
* :func:`under` joins parts onto an output root and refuses (:class:`~sim.errors.InputError`)
  anything that would resolve outside it, symbolic links included;
* :func:`output_folder` checks an output folder given on the command line before anything is
  read or written: an existing file there is bad input.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from sim.errors import InputError

__all__ = ["MAX_COMPONENT", "output_folder", "safe_component", "under"]

#: Longest file-name component made from a name (characters; a hash suffix keeps it unique).
MAX_COMPONENT = 100
#: Characters never kept in a file name (path separators and what Windows forbids).
_FORBIDDEN = set('/\\:*?"<>|')


def safe_component(text: str, max_len: int = MAX_COMPONENT) -> str:
    """One file-name component made from ``text``: the same text when it is already harmless.

    Path separators, Windows-reserved characters and control or format characters (NUL,
    newlines, bidirectional overrides) become ``_``; a leading dot gets a ``_`` in front (so
    neither ``.`` nor ``..`` nor a hidden file comes out); an empty name becomes ``_``. A name
    that had to change, or is longer than ``max_len``, ends with ``-`` and 8 hex digits of its
    SHA-256, so two different names never share a file.

    Args:
        text: Any name.
        max_len: Longest result before the hash suffix.

    Returns:
        A non-empty file-name component without separators.
    """
    text = str(text)
    out = "".join(
        "_" if c in _FORBIDDEN or unicodedata.category(c).startswith("C") else c for c in text
    ).strip()
    if not out or out.startswith("."):
        out = "_" + out
    if out != text or len(out) > max_len:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        out = f"{out[:max_len]}-{digest}"
    return out


def under(root: str | Path, *parts: str | Path) -> Path:
    """``root / parts``, refused when it would resolve outside ``root``.

    Args:
        root: The output root (need not exist yet).
        *parts: Relative parts, e.g. ``"figures"``, ``lang``, a file name.

    Returns:
        The joined path (as given, not resolved).

    Raises:
        InputError: The path would leave ``root`` (an absolute part, ``..``, a symbolic link
            pointing elsewhere).
    """
    base = Path(root)
    path = base.joinpath(*parts)
    real_base = base.resolve()
    real = path.resolve()
    if real != real_base and not real.is_relative_to(real_base):
        shown = "/".join(str(p) for p in parts)
        raise InputError.parameter(
            "out", f"refused: '{shown}' would be written outside the output folder '{base}'"
        )
    return path


def output_folder(out: str | Path) -> Path:
    """An output folder named by the user: anything but an existing file (or other non-folder).

    Nothing is created here; the writer creates the folder once it has something to write.

    Raises:
        InputError: ``out`` exists and is not a folder.
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError.parameter("out", f"'{path}' exists and is not a folder")
    return path
