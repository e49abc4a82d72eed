"""Text cells of spreadsheet outputs, escaped against formula injection (CSV and Excel).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
as a formula by Excel and LibreOffice -- from an XLSX cell and from a CSV field alike. Names
that end up in tables (a sweep named ``=1+2``, an arm, a design value, an error message) are
data, so every text cell written by :mod:`sim.report.tables` and :mod:`sim.report.export` is
escaped as OWASP recommends for CSV injection: a single quote is put in front (``'=1+2``),
which spreadsheets show as text. Numbers are never touched (``-0.5`` stays a number).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "escape_cell", "escape_frame"]

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """A text value that would start a formula, with ``'`` in front; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell and column name escaped (:func:`escape_cell`).

    Only object and string columns are looked at; numeric columns are returned as they are.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)) and _needs_escape(s):
            out[col] = s.map(escape_cell)
    out.columns = [escape_cell(c) for c in out.columns]
    return out


def _needs_escape(s: pd.Series) -> bool:
    """Whether any text value of a column would start a formula (distinct values only)."""
    try:
        values = pd.unique(s.dropna())
    except TypeError:  # unhashable cells: look at every one
        values = s.dropna().to_numpy()
    return any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values)
