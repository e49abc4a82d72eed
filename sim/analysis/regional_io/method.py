"""Regionalisation by location quotients (SLQ, CILQ, FLQ) and Type I / Type II multipliers.

Conventions (Miller & Blair 2009, ch. 2, 6 and 8; Flegg & Webber 1997; Flegg & Tohmo 2013):

* ``A = Z diag(x)^-1`` (``a_ij = z_ij / x_j``), ``L = (I - A)^-1``;
* output multiplier ``O_j = sum_i L_ij``; value-added, income and employment multipliers
  ``sum_i (v_i / x_i) L_ij`` with ``v`` = value added, compensation of employees, employment;
* Type II closes the model for households: household row ``w_j / x_j``, household column
  ``c_i / W`` (domestic household consumption of product ``i`` per rouble of compensation of
  employees ``W = sum_j w_j``); Type II multipliers use the industry block of the closed inverse
  (the "truncated" output multiplier: household "output" is not counted);
* ``SLQ_i = (e_i^r / e^r) / (e_i^n / e^n)``; ``CILQ_ij = SLQ_i / SLQ_j`` off the diagonal and
  ``SLQ_i`` on it; ``FLQ_ij = CILQ_ij * lambda*`` with ``lambda* = [log2(1 + e^r / e^n)]^delta``;
  regional coefficient ``a_ij^r = min(1, q_ij) a_ij^n``. The household column is regionalised
  with ``q_iH = SLQ_i`` (SLQ, CILQ) or ``SLQ_i * lambda*`` (FLQ), i.e. households are a sector
  with a location quotient of 1.

Money is in the table's money unit throughout; employment multipliers are in employment units
per money unit (thousand persons per bln RUB = persons per mln RUB).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from sim.analysis.regional_io.tables import TOL, IOModel, IOTable, frozen
from sim.errors import InputError

__all__ = [
    "DEFAULT_DELTA",
    "EFFECT_ROWS",
    "KINDS",
    "MEASURES",
    "METHODS",
    "Multipliers",
    "indirect_and_induced",
    "leontief_inverse",
    "location_quotients",
    "multipliers",
    "purchases_by_industry",
    "regionalise",
]

Method = Literal["slq", "cilq", "flq"]
Kind = Literal["type1", "type2"]

METHODS: tuple[str, ...] = ("slq", "cilq", "flq")
KINDS: tuple[str, ...] = ("type1", "type2")
#: Flegg's delta: 0.3, the value commonly used since Flegg & Webber (1997) when no survey
#: data for the region are available (Flegg & Tohmo 2013 discuss region-specific values).
DEFAULT_DELTA = 0.3
#: The measures of a multiplier or an effect.
MEASURES: tuple[str, ...] = ("output", "value_added", "income", "employment")
#: The rows of :func:`indirect_and_induced`.
EFFECT_ROWS: tuple[str, ...] = ("direct", "indirect", "induced", "total_type1", "total_type2")


def _model_of(model: IOTable | IOModel) -> IOModel:
    if isinstance(model, IOTable):
        return model.coefficients()
    if isinstance(model, IOModel):
        return model
    raise InputError.parameter(
        "model", f"must be an IOTable or IOModel, got {type(model).__name__}"
    )


# ----------------------------------------------------------------------------------------------
# Location quotients and regionalisation
# ----------------------------------------------------------------------------------------------


def _regional_vector(national: IOTable, regional_employment: object) -> np.ndarray:
    key = "regional_employment"
    if isinstance(regional_employment, Mapping):
        unknown = sorted(set(regional_employment) - set(national.industries))
        missing = [s for s in national.industries if s not in regional_employment]
        if unknown:
            raise InputError.parameter(
                key, f"unknown industries {unknown}; the table has {list(national.industries)}"
            )
        if missing:
            raise InputError.parameter(key, f"no value for industries {missing}")
        values = np.array([regional_employment[s] for s in national.industries], dtype=float)
    else:
        values = np.array(regional_employment, dtype=float)
        if values.shape != (national.n,):
            raise InputError.parameter(
                key, f"must have {national.n} values (one per industry), got {values.shape}"
            )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError.parameter(key, "values must be finite numbers >= 0")
    over = [
        s
        for s, r, e in zip(national.industries, values, national.employment, strict=True)
        if r > e * (1 + TOL)
    ]
    if over:
        raise InputError.parameter(
            key, f"regional employment exceeds national employment in {over}"
        )
    if values.sum() <= 0:
        raise InputError.parameter(key, "total regional employment must be > 0")
    if national.employment.sum() <= 0:
        raise InputError.parameter("national", "the table's employment column is all zero")
    return values


def _check_method(method: str, delta: float) -> None:
    if method not in METHODS:
        raise InputError.parameter("method", f"must be one of {list(METHODS)}, got {method!r}")
    if not (isinstance(delta, int | float) and math.isfinite(delta) and 0.0 <= delta < 1.0):
        raise InputError.parameter("delta", f"must be in [0, 1), got {delta!r}")


def _slq_and_lambda(
    national: IOTable, regional_employment: object, delta: float
) -> tuple[np.ndarray, float]:
    reg = _regional_vector(national, regional_employment)
    nat = national.employment
    with np.errstate(divide="ignore", invalid="ignore"):
        slq = np.where(nat > 0, (reg / reg.sum()) / (nat / nat.sum()), 0.0)
    share = float(reg.sum() / nat.sum())
    return slq, math.log2(1.0 + share) ** delta


def location_quotients(
    national: IOTable,
    regional_employment: Mapping[str, float] | Sequence[float] | np.ndarray,
    method: Method = "flq",
    delta: float = DEFAULT_DELTA,
) -> np.ndarray:
    """Location quotients ``q_ij`` (before the cap at 1) for regionalising ``national``.

    ``slq``: ``q_ij = SLQ_i``. ``cilq``: ``SLQ_i / SLQ_j`` off the diagonal, ``SLQ_i`` on it.
    ``flq``: the CILQ times ``lambda* = [log2(1 + e^r / e^n)]^delta``. A column ``j`` of an
    industry absent from the region (``SLQ_j = 0``) falls back to ``SLQ_i`` (it buys nothing
    anyway); a row of an absent industry is 0 (nothing is bought from it in the region).

    Args:
        national: The national table (its employment column is the national employment).
        regional_employment: Regional employment by industry, in the table's employment unit
            (a mapping industry -> value, or one value per industry in table order).
        method: ``slq``, ``cilq`` or ``flq``.
        delta: FLQ exponent, 0 <= delta < 1 (ignored by SLQ and CILQ).

    Returns:
        n x n array; ``min(1, q)`` times the national coefficients gives the regional ones.

    Raises:
        InputError: Unknown method, delta outside [0, 1), regional employment missing, unknown,
            negative, all zero or above the national employment of an industry.
    """
    _check_method(method, delta)
    slq, lam = _slq_and_lambda(national, regional_employment, delta)
    n = national.n
    if method == "slq":
        return np.repeat(slq[:, None], n, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(slq[None, :] > 0, slq[:, None] / slq[None, :], slq[:, None])
    np.fill_diagonal(q, slq)
    return q * lam if method == "flq" else q


def regionalise(
    national: IOTable,
    regional_employment: Mapping[str, float] | Sequence[float] | np.ndarray,
    method: Method = "flq",
    delta: float = DEFAULT_DELTA,
) -> IOModel:
    """Regional coefficients ``a_ij^r = min(1, q_ij) a_ij^n`` from the national table.

    The household column is regionalised the same way with ``q_iH = SLQ_i`` (``SLQ_i lambda*``
    for the FLQ); value added, income and employment per unit of output are the national ones
    (same technology and productivity in the region).

    Args:
        national: The national table.
        regional_employment: Regional employment by industry (see :func:`location_quotients`).
        method: ``slq``, ``cilq`` or ``flq`` (the same call compares methods).
        delta: FLQ exponent, 0 <= delta < 1; 0.3 by default.

    Returns:
        The regional model.

    Raises:
        InputError: As :func:`location_quotients`.
    """
    q = location_quotients(national, regional_employment, method, delta)
    slq, lam = _slq_and_lambda(national, regional_employment, delta)
    q_h = slq * lam if method == "flq" else slq
    base = national.coefficients()
    label = f"{method} delta={delta:g}" if method == "flq" else method
    return IOModel(
        industries=national.industries,
        technical=np.minimum(1.0, q) * base.technical,
        value_added=base.value_added,
        income=base.income,
        employment=base.employment,
        consumption=np.minimum(1.0, q_h) * base.consumption,
        quotients=q,
        household_quotients=q_h,
        label=label,
    )


# ----------------------------------------------------------------------------------------------
# Multipliers
# ----------------------------------------------------------------------------------------------


def leontief_inverse(technical: np.ndarray) -> np.ndarray:
    """``L = (I - A)^-1``.

    Args:
        technical: ``A``, a square matrix of input coefficients >= 0.

    Returns:
        The Leontief inverse.

    Raises:
        InputError: ``A`` is not square, has negative or non-finite entries, or is not productive
            (``I - A`` singular or its inverse not non-negative, i.e. spectral radius >= 1).
    """
    a = np.asarray(technical, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InputError.parameter("technical", f"must be a square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise InputError.parameter("technical", "coefficients must be finite numbers >= 0")
    eye = np.eye(a.shape[0])
    try:
        inv = np.linalg.solve(eye - a, eye)
    except np.linalg.LinAlgError:
        inv = None
    if inv is None or not np.all(np.isfinite(inv)) or np.any(inv < -1e-12):
        raise InputError.parameter(
            "technical",
            "the coefficients are not productive (I - A has no non-negative inverse; "
            "input coefficients of each column must sum to less than 1)",
        )
    return inv


@dataclass(frozen=True, eq=False)
class Multipliers:
    """Multipliers per unit of final demand for each industry's product.

    Attributes:
        industries: Industry codes.
        kind: ``type1`` (open model) or ``type2`` (closed for households).
        label: The model's label (``national``, ``flq delta=0.3``...).
        inverse: The industry block of the (open or closed) Leontief inverse.
        output: ``sum_i L_ij``: output of all industries per unit of final demand for ``j``.
        value_added: Value added per unit of final demand.
        income: Compensation of employees per unit of final demand.
        employment: Employment per unit of final demand (employment unit per money unit).
        direct_income: Compensation per unit of output, ``w_j / x_j``.
        direct_employment: Employment per unit of output, ``e_j / x_j``.
    """

    industries: tuple[str, ...]
    kind: str
    label: str
    inverse: np.ndarray
    output: np.ndarray
    value_added: np.ndarray
    income: np.ndarray
    employment: np.ndarray
    direct_income: np.ndarray = field(repr=False)
    direct_employment: np.ndarray = field(repr=False)

    @property
    def income_ratio(self) -> np.ndarray:
        """Income multiplier in ratio form (Miller & Blair's Type I/II income multiplier).

        Total income per unit of direct income, ``income_j / (w_j / x_j)``; NaN where an
        industry pays no compensation.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.direct_income > 0, self.income / self.direct_income, np.nan)

    @property
    def employment_ratio(self) -> np.ndarray:
        """Employment multiplier in ratio form: total jobs per direct job (NaN where none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.direct_employment > 0, self.employment / self.direct_employment, np.nan
            )

    def frame(self) -> pd.DataFrame:
        """The multipliers as a table, one row per industry."""
        return pd.DataFrame(
            {
                "output": self.output,
                "value_added": self.value_added,
                "income": self.income,
                "employment": self.employment,
                "income_ratio": self.income_ratio,
                "employment_ratio": self.employment_ratio,
            },
            index=pd.Index(self.industries, name="industry"),
        )


def _closed_inverse(m: IOModel) -> np.ndarray:
    n = m.n
    closed = np.zeros((n + 1, n + 1))
    closed[:n, :n] = m.technical
    closed[n, :n] = m.income
    closed[:n, n] = m.consumption
    try:
        return leontief_inverse(closed)
    except InputError:
        raise InputError.parameter(
            "kind",
            "the model closed for households is not productive (household consumption per "
            "rouble of income is too high); use kind='type1' or check household_consumption",
        ) from None


def multipliers(model: IOTable | IOModel, kind: Kind = "type1") -> Multipliers:
    """Output, value-added, income and employment multipliers of every industry.

    Type I uses ``L = (I - A)^-1``. Type II uses the industry block of the inverse of ``A``
    closed with the household row (compensation per unit of output) and column (household
    consumption per unit of compensation); its output multiplier excludes the household row
    ("truncated" total). Type II >= Type I for every industry and measure.

    Args:
        model: A national table (its national coefficients are used) or a model from
            :func:`regionalise`.
        kind: ``type1`` or ``type2``.

    Returns:
        The multipliers.

    Raises:
        InputError: Unknown ``kind``, or the (closed) coefficients are not productive.
    """
    if kind not in KINDS:
        raise InputError.parameter("kind", f"must be one of {list(KINDS)}, got {kind!r}")
    m = _model_of(model)
    inv = leontief_inverse(m.technical) if kind == "type1" else _closed_inverse(m)[: m.n, : m.n]
    return Multipliers(
        industries=m.industries,
        kind=kind,
        label=m.label,
        inverse=frozen(inv),
        output=frozen(inv.sum(axis=0)),
        value_added=frozen(m.value_added @ inv),
        income=frozen(m.income @ inv),
        employment=frozen(m.employment @ inv),
        direct_income=m.income,
        direct_employment=m.employment,
    )


# ----------------------------------------------------------------------------------------------
# Effects of the cluster's purchases
# ----------------------------------------------------------------------------------------------


def _demand_vector(
    industries: tuple[str, ...],
    demand: Mapping[str, float] | Sequence[float] | np.ndarray,
    key: str,
) -> np.ndarray:
    n = len(industries)
    if isinstance(demand, Mapping):
        unknown = sorted(set(demand) - set(industries))
        if unknown:
            raise InputError.parameter(
                key, f"unknown industries {unknown}; the model has {list(industries)}"
            )
        values = np.array([float(demand.get(s, 0.0)) for s in industries])
    else:
        values = np.array(demand, dtype=float)
        if values.shape != (n,):
            raise InputError.parameter(
                key, f"must have {n} values (one per industry), got shape {values.shape}"
            )
    if not np.all(np.isfinite(values)):
        raise InputError.parameter(key, "values must be finite numbers")
    return values


def indirect_and_induced(
    model: IOTable | IOModel,
    purchases: Mapping[str, float] | Sequence[float] | np.ndarray,
    *,
    modelled: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Extra regional output, value added, income and jobs from the cluster's purchases.

    ``purchases`` is ``df``, what the cluster buys from producers in the region that are *not*
    agents of the model (by industry, money unit; multiply by
    :meth:`IOModel.supply_shares` first if it includes purchases from outside the region).
    Their output and jobs are not simulated, so they count in full:

    * direct: ``df`` itself (first-round output of the supplying industries);
    * indirect: ``(L - I) df`` (their suppliers, and so on);
    * induced: ``(Lbar - L) df`` (spending of the extra household income; Type II only).

    ``modelled`` is demand on industries whose first-round output the model's agents already
    simulate (the cluster's purchases from agent suppliers). Only its indirect and induced
    rounds are added -- the double counting the domain note (section 3.1, "Use in the ABM",
    point 4) warns of is avoided by leaving out its direct round.

    Args:
        model: The (regional) model, or a table for national coefficients.
        purchases: Demand on non-agent producers in the region by industry (mapping
            industry -> value, absent industries 0; or one value per industry).
        modelled: Demand on agent-represented industries (same form), or None.

    Returns:
        DataFrame with rows ``direct``, ``indirect``, ``induced``, ``total_type1``
        (direct + indirect), ``total_type2`` (+ induced) and columns ``output``,
        ``value_added``, ``income``, ``employment`` (money unit; employment unit per money unit
        times money, e.g. persons for mln RUB with a table in bln RUB and thousand persons).

    Raises:
        InputError: Unknown industries, wrong length or non-finite values; or the closed model
            is not productive.
    """
    m = _model_of(model)
    df = _demand_vector(m.industries, purchases, "purchases")
    dm = np.zeros(m.n) if modelled is None else _demand_vector(m.industries, modelled, "modelled")
    total = df + dm
    open_inv = leontief_inverse(m.technical)
    closed_inv = _closed_inverse(m)[: m.n, : m.n]
    rounds = {
        "direct": df,
        "indirect": open_inv @ total - total,
        "induced": closed_inv @ total - open_inv @ total,
    }
    rows = {}
    for name, x in rounds.items():
        rows[name] = {
            "output": float(x.sum()),
            "value_added": float(m.value_added @ x),
            "income": float(m.income @ x),
            "employment": float(m.employment @ x),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")[list(MEASURES)]
    out.loc["total_type1"] = out.loc["direct"] + out.loc["indirect"]
    out.loc["total_type2"] = out.loc["total_type1"] + out.loc["induced"]
    out.index.name = "effect"
    return out


def purchases_by_industry(
    amounts: Mapping[str, float],
    mapping: Mapping[str, Mapping[str, float]],
    industries: IOTable | IOModel | Iterable[str],
) -> np.ndarray:
    """Spread purchases by the model's categories over the table's industries.

    Args:
        amounts: Money by purchase category (``metalwork``, ``non_localisable``...).
        mapping: Category -> {industry: share}, shares of a category summing to 1 (see
            :func:`load_purchase_mapping`).
        industries: The table or model (or its industry codes) giving the order.

    Returns:
        One amount per industry.

    Raises:
        InputError: A category of ``amounts`` is not in ``mapping``, or the mapping names an
            industry not in ``industries``.
    """
    codes = (
        industries.industries if isinstance(industries, IOTable | IOModel) else tuple(industries)
    )
    out = np.zeros(len(codes))
    for category, amount in amounts.items():
        if category not in mapping:
            raise InputError.parameter(
                "amounts", f"unknown purchase category {category!r}; mapped: {sorted(mapping)}"
            )
        for industry, share in mapping[category].items():
            if industry not in codes:
                raise InputError.parameter(
                    "mapping", f"category {category!r} maps to unknown industry {industry!r}"
                )
            out[codes.index(industry)] += float(amount) * float(share)
    return out
