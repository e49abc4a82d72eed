"""Input-output tables and coefficients, and the files they are read from.

:class:`IOTable` is a national symmetric input-output table of domestic output; :class:`IOModel`
holds the (national or regionalised) coefficients the multipliers are computed from. The file
formats are in ``docs/io_tables.md``; the shipped files in ``sim/data/io`` are ILLUSTRATIVE (made
up, not Rosstat data). The method is in :mod:`sim.analysis.regional_io.method`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from sim.errors import InputError, Problem

__all__ = [
    "ILLUSTRATIVE_EMPLOYMENT",
    "ILLUSTRATIVE_MAPPING",
    "ILLUSTRATIVE_TABLE",
    "TABLE_COLUMNS",
    "IOModel",
    "IOTable",
    "load_io_table",
    "load_purchase_mapping",
    "load_regional_employment",
]

#: The named columns of a table file after the flow columns (see ``docs/io_tables.md``).
TABLE_COLUMNS: tuple[str, ...] = (
    "output",
    "value_added",
    "compensation",
    "household_consumption",
    "employment",
)

_IO_DIR = Path(str(files("sim"))) / "data" / "io"
#: ILLUSTRATIVE national table (not Rosstat data), bln RUB and thousand persons.
ILLUSTRATIVE_TABLE = _IO_DIR / "illustrative_national_io.csv"
#: ILLUSTRATIVE employment of Astrakhan oblast by the table's industries, thousand persons.
ILLUSTRATIVE_EMPLOYMENT = _IO_DIR / "illustrative_astrakhan_employment.csv"
#: ILLUSTRATIVE mapping of the model's purchase categories to the table's industries.
ILLUSTRATIVE_MAPPING = _IO_DIR / "illustrative_purchase_mapping.csv"

_METADATA_KEYS = ("money_unit", "employment_unit", "region")
#: Relative tolerance of the checks (inputs below output, regional below national employment).
TOL = 1e-9


def frozen(values: object, dtype: type = float) -> np.ndarray:
    """A read-only copy of ``values`` as an array (the dataclasses' arrays cannot be changed)."""
    arr = np.array(values, dtype=dtype)
    arr.setflags(write=False)
    return arr


# ----------------------------------------------------------------------------------------------
# Tables and coefficients
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class IOTable:
    """A national symmetric input-output table of domestic output.

    Attributes:
        industries: Industry (or product) codes, the order of rows and columns.
        flows: ``Z``, n x n intermediate flows of domestic output; ``flows[i, j]`` is what
            industry ``j`` buys from industry ``i`` (money unit).
        output: ``x``, gross output by industry (money unit).
        value_added: Gross value added by industry (money unit).
        compensation: Compensation of employees paid by each industry (money unit).
        household_consumption: Household final consumption of each domestic product (money unit).
        employment: Employment by industry (employment unit).
        money_unit: Label of the money unit (``bln RUB``).
        employment_unit: Label of the employment unit (``thousand persons``).
        source: The file it was read from, or a label.

    Raises:
        InputError: On construction, when a value is negative, not finite, an output is not
            positive, or a column's intermediate inputs are not below its output.
    """

    industries: tuple[str, ...]
    flows: np.ndarray
    output: np.ndarray
    value_added: np.ndarray
    compensation: np.ndarray
    household_consumption: np.ndarray
    employment: np.ndarray
    money_unit: str = ""
    employment_unit: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        industries = tuple(str(s) for s in self.industries)
        n = len(industries)
        if n == 0:
            raise InputError.parameter("industries", "the table needs at least one industry")
        if len(set(industries)) != n:
            dup = sorted({s for s in industries if industries.count(s) > 1})
            raise InputError.parameter("industries", f"duplicate industries {dup}")
        object.__setattr__(self, "industries", industries)
        flows = np.array(self.flows, dtype=float)
        if flows.shape != (n, n):
            raise InputError.parameter(
                "flows", f"must be {n} x {n} (one row and column per industry), got {flows.shape}"
            )
        object.__setattr__(self, "flows", frozen(flows))
        for name in TABLE_COLUMNS:
            arr = np.array(getattr(self, name), dtype=float)
            if arr.shape != (n,):
                raise InputError.parameter(name, f"must have {n} values, got shape {arr.shape}")
            object.__setattr__(self, name, frozen(arr))
        found = _table_problems(self)
        if found:
            raise InputError(
                Problem(
                    file=self.source,
                    line=None,
                    key=f"{industries[i]}.{col}",
                    message=message,
                    parameter=not self.source,
                )
                for i, col, message in found
            )

    @classmethod
    def from_csv(cls, path: str | Path) -> IOTable:
        """Read a table file (format in ``docs/io_tables.md``).

        Args:
            path: The CSV file.

        Returns:
            The table.

        Raises:
            InputError: The file is missing or malformed; each problem names the file, the line
                and the column, and what is allowed.
        """
        return load_io_table(path)

    @property
    def n(self) -> int:
        """Number of industries."""
        return len(self.industries)

    def index(self, industry: str, *, key: str = "industry") -> int:
        """Position of ``industry``.

        Raises:
            InputError: ``industry`` is not in the table (named as argument ``key``).
        """
        try:
            return self.industries.index(industry)
        except ValueError:
            raise InputError.parameter(
                key, f"unknown industry {industry!r}; the table has {list(self.industries)}"
            ) from None

    def coefficients(self) -> IOModel:
        """The national coefficients (location quotients of 1 everywhere)."""
        x = self.output
        wages = float(self.compensation.sum())
        consumption = self.household_consumption / wages if wages > 0 else np.zeros(self.n)
        return IOModel(
            industries=self.industries,
            technical=self.flows / x[None, :],
            value_added=self.value_added / x,
            income=self.compensation / x,
            employment=self.employment / x,
            consumption=consumption,
            quotients=np.ones((self.n, self.n)),
            household_quotients=np.ones(self.n),
            label="national",
        )


def _table_problems(t: IOTable) -> list[tuple[int, str, str]]:
    """Semantic problems of a table as (row, column, message)."""
    out: list[tuple[int, str, str]] = []
    for i in range(t.n):
        for j, col in enumerate(t.industries):
            v = t.flows[i, j]
            if not np.isfinite(v) or v < 0:
                out.append((i, col, f"intermediate flow must be a finite number >= 0, got {v:g}"))
        for col in TABLE_COLUMNS:
            v = float(getattr(t, col)[i])
            if not np.isfinite(v):
                out.append((i, col, f"must be a finite number, got {v:g}"))
            elif col == "output" and v <= 0:
                out.append(
                    (i, col, f"output must be > 0 (drop or merge an empty industry), got {v:g}")
                )
            elif col in ("compensation", "household_consumption", "employment") and v < 0:
                out.append((i, col, f"must be >= 0, got {v:g}"))
    if not out:
        inputs = t.flows.sum(axis=0)
        for j in np.flatnonzero(inputs >= t.output * (1 - TOL)):
            out.append(
                (
                    int(j),
                    "output",
                    f"intermediate inputs of domestic output into {t.industries[j]!r} "
                    f"({inputs[j]:g}, its column sum) must be below its output ({t.output[j]:g})",
                )
            )
    return out


@dataclass(frozen=True, eq=False)
class IOModel:
    """Coefficients of a national or regionalised input-output model.

    Attributes:
        industries: Industry codes.
        technical: ``A``, n x n input coefficients (domestic or regional purchases per unit of
            output of the column industry).
        value_added: Value added per unit of output.
        income: Compensation of employees per unit of output (the household row).
        employment: Employment per unit of output (national productivity also in the region).
        consumption: Household consumption of each (domestic or regional) product per unit of
            compensation of employees (the household column).
        quotients: ``q_ij``, the location quotients applied (ones for the national model).
        household_quotients: ``q_iH`` applied to the household column.
        label: ``national`` or the method and delta.
    """

    industries: tuple[str, ...]
    technical: np.ndarray
    value_added: np.ndarray
    income: np.ndarray
    employment: np.ndarray
    consumption: np.ndarray
    quotients: np.ndarray
    household_quotients: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        for name in (
            "technical",
            "value_added",
            "income",
            "employment",
            "consumption",
            "quotients",
            "household_quotients",
        ):
            object.__setattr__(self, name, frozen(getattr(self, name)))
        object.__setattr__(self, "industries", tuple(self.industries))

    @property
    def n(self) -> int:
        """Number of industries."""
        return len(self.industries)

    def supply_shares(self, buyer: str) -> np.ndarray:
        """Share of ``buyer``'s purchases of each product that producers in the region supply.

        This is ``min(1, q_i,buyer)``, the factor that turns the national coefficient
        ``a_i,buyer`` into the regional one (all ones in the national model). Multiply the
        cluster's purchases by industry by it before :func:`indirect_and_induced` when the
        purchases include what is bought outside the region.

        Args:
            buyer: The buying industry (the cluster's industry, e.g. ``shipbuilding``).

        Returns:
            One share in [0, 1] per industry.

        Raises:
            InputError: ``buyer`` is not an industry of the model.
        """
        if buyer not in self.industries:
            raise InputError.parameter(
                "buyer", f"unknown industry {buyer!r}; the model has {list(self.industries)}"
            )
        return np.minimum(1.0, self.quotients[:, self.industries.index(buyer)])


# ----------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------


def _read_rows(path: str | Path) -> tuple[str, dict[str, str], list[tuple[int, list[str]]]]:
    """Comment metadata and (line number, fields) of the non-comment, non-blank lines."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(source, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(source, f"cannot read the file as UTF-8 text: {exc}") from None
    meta: dict[str, str] = {}
    rows: list[tuple[int, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and key.strip().lower() in _METADATA_KEYS:
                meta[key.strip().lower()] = value.strip()
            continue
        fields = next(csv.reader([line]))
        rows.append((lineno, [f.strip() for f in fields]))
    if not rows:
        raise InputError.single(source, "no header line (only comments or blank lines)")
    return source, meta, rows


def _number(source: str, line: int, key: str, text: str, problems: list[Problem]) -> float:
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(source, line, key, f"must be a number, got {text!r}"))
        return math.nan
    if not math.isfinite(value):
        problems.append(Problem(source, line, key, f"must be a finite number, got {text!r}"))
    return value


def load_io_table(path: str | Path) -> IOTable:
    """Read a national table file (format in ``docs/io_tables.md``).

    One header line ``industry,<code_1>,...,<code_n>,output,value_added,compensation,
    household_consumption,employment`` and one line per industry, in any order; lines starting
    with ``#`` are comments (``# money_unit: bln RUB`` and ``# employment_unit: thousand
    persons`` are read as metadata).

    Args:
        path: The CSV file.

    Returns:
        The table.

    Raises:
        InputError: One problem per bad value or line, naming the file, the line and the column
            and what is allowed (missing or duplicate industries, a row industry that is not a
            flow column, negative flows, output <= 0, non-numeric values...).
    """
    source, meta, rows = _read_rows(path)
    head_line, header = rows[0]
    if not header or header[0].lower() != "industry":
        raise InputError.single(
            source, f"the header must start with 'industry', got {header[:1]}", line=head_line
        )
    missing = [c for c in TABLE_COLUMNS if c not in header]
    if missing:
        raise InputError.single(
            source,
            f"missing columns {missing}; after the flow columns the header needs "
            f"{list(TABLE_COLUMNS)}",
            line=head_line,
        )
    codes = [c for c in header[1:] if c not in TABLE_COLUMNS]
    dups = sorted({c for c in header if header.count(c) > 1})
    if dups or not codes or "" in codes:
        what = f"duplicate columns {dups}" if dups else "an empty or missing industry column"
        raise InputError.single(source, f"bad header: {what}", line=head_line)
    col_of = {c: k for k, c in enumerate(header)}
    problems: list[Problem] = []
    by_code: dict[str, tuple[int, list[float]]] = {}
    for lineno, fields in rows[1:]:
        code = fields[0] if fields else ""
        if len(fields) != len(header):
            problems.append(
                Problem(source, lineno, code, f"has {len(fields)} fields, the header {len(header)}")
            )
            continue
        if code not in codes:
            problems.append(
                Problem(
                    source,
                    lineno,
                    "industry",
                    f"unknown industry {code!r}: every row must be one of the flow columns "
                    f"{codes} (the table must be square)",
                )
            )
            continue
        if code in by_code:
            problems.append(
                Problem(
                    source,
                    lineno,
                    "industry",
                    f"duplicate row for {code!r} (first on line {by_code[code][0]})",
                )
            )
            continue
        values = [
            _number(source, lineno, f"{code}.{name}", fields[col_of[name]], problems)
            for name in (*codes, *TABLE_COLUMNS)
        ]
        by_code[code] = (lineno, values)
    for code in codes:
        if code not in by_code:
            problems.append(
                Problem(
                    source,
                    None,
                    code,
                    "no row for this flow column (the table must be "
                    "square: one row per industry column)",
                )
            )
    if problems:
        raise InputError(problems)
    n = len(codes)
    data = np.array([by_code[c][1] for c in codes])
    line_of = {c: by_code[c][0] for c in codes}
    try:
        return IOTable(
            industries=tuple(codes),
            flows=data[:, :n],
            money_unit=meta.get("money_unit", ""),
            employment_unit=meta.get("employment_unit", ""),
            source=source,
            **{name: data[:, n + k] for k, name in enumerate(TABLE_COLUMNS)},
        )
    except InputError as exc:
        raise InputError(
            Problem(source, line_of.get(p.key.split(".")[0]), p.key, p.message)
            for p in exc.problems
        ) from None


def load_regional_employment(path: str | Path, national: IOTable) -> dict[str, float]:
    """Read regional employment by industry (format in ``docs/io_tables.md``).

    Header ``industry,employment``; one line per industry of ``national`` (all of them, in any
    order); ``# employment_unit: ...`` must match the table's when both are given.

    Args:
        path: The CSV file.
        national: The national table the employment is for.

    Returns:
        Industry -> regional employment, in the table's order.

    Raises:
        InputError: Missing, unknown or duplicate industries, non-numeric or negative values,
            a value above the national employment of the industry, a unit mismatch, or a zero
            total; each problem names the file and line.
    """
    source, meta, rows = _read_rows(path)
    head_line, header = rows[0]
    if [h.lower() for h in header] != ["industry", "employment"]:
        raise InputError.single(
            source,
            f"the header must be 'industry,employment', got {','.join(header)!r}",
            line=head_line,
        )
    unit = meta.get("employment_unit", "")
    if unit and national.employment_unit and unit != national.employment_unit:
        raise InputError.single(
            source,
            f"employment_unit {unit!r} differs from the national table's "
            f"{national.employment_unit!r} (lambda* needs the same unit)",
        )
    problems: list[Problem] = []
    out: dict[str, float] = {}
    for lineno, fields in rows[1:]:
        if len(fields) != 2:
            problems.append(Problem(source, lineno, "", f"needs 2 fields, got {len(fields)}"))
            continue
        code, text = fields
        if code not in national.industries:
            problems.append(
                Problem(
                    source,
                    lineno,
                    "industry",
                    f"unknown industry {code!r}; the table has {list(national.industries)}",
                )
            )
            continue
        if code in out:
            problems.append(Problem(source, lineno, "industry", f"duplicate row for {code!r}"))
            continue
        value = _number(source, lineno, f"{code}.employment", text, problems)
        e_n = float(national.employment[national.industries.index(code)])
        if math.isfinite(value) and value < 0:
            problems.append(
                Problem(source, lineno, f"{code}.employment", f"must be >= 0, got {text}")
            )
        elif math.isfinite(value) and value > e_n * (1 + TOL):
            problems.append(
                Problem(
                    source,
                    lineno,
                    f"{code}.employment",
                    f"{value:g} exceeds the national employment of the industry ({e_n:g})",
                )
            )
        out[code] = value
    for code in national.industries:
        if code not in out and not problems:
            problems.append(Problem(source, None, code, "no line for this industry of the table"))
    if not problems and sum(out.values()) <= 0:
        problems.append(
            Problem(source, None, "employment", "total regional employment must be > 0")
        )
    if problems:
        raise InputError(problems)
    return {code: out[code] for code in national.industries}


def load_purchase_mapping(
    path: str | Path, national: IOTable | IOModel
) -> dict[str, dict[str, float]]:
    """Read a mapping of purchase categories to industries (format in ``docs/io_tables.md``).

    Header ``category,industry,share``; the shares of each category must sum to 1.

    Args:
        path: The CSV file.
        national: The table (or model) whose industries the mapping must use.

    Returns:
        Category -> {industry: share}.

    Raises:
        InputError: Unknown industries, non-numeric or negative shares, or shares of a category
            not summing to 1; each problem names the file and line.
    """
    source, _meta, rows = _read_rows(path)
    head_line, header = rows[0]
    if [h.lower() for h in header] != ["category", "industry", "share"]:
        raise InputError.single(
            source,
            f"the header must be 'category,industry,share', got {','.join(header)!r}",
            line=head_line,
        )
    problems: list[Problem] = []
    out: dict[str, dict[str, float]] = {}
    first_line: dict[str, int] = {}
    for lineno, fields in rows[1:]:
        if len(fields) != 3:
            problems.append(Problem(source, lineno, "", f"needs 3 fields, got {len(fields)}"))
            continue
        category, industry, text = fields
        if industry not in national.industries:
            problems.append(
                Problem(
                    source,
                    lineno,
                    "industry",
                    f"unknown industry {industry!r}; the table has {list(national.industries)}",
                )
            )
            continue
        share = _number(source, lineno, f"{category}.share", text, problems)
        if math.isfinite(share) and share < 0:
            problems.append(
                Problem(source, lineno, f"{category}.share", f"must be >= 0, got {text}")
            )
        first_line.setdefault(category, lineno)
        shares = out.setdefault(category, {})
        shares[industry] = shares.get(industry, 0.0) + share
    if not problems:
        for category, shares in out.items():
            total = sum(shares.values())
            if abs(total - 1.0) > 1e-6:
                problems.append(
                    Problem(
                        source,
                        first_line[category],
                        f"{category}.share",
                        f"the shares of category {category!r} must sum to 1, got {total:.6g}",
                    )
                )
    if problems:
        raise InputError(problems)
    return out
