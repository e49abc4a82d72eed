"""Indirect and induced effects of the regimes for the budget accounts (:func:`io_effects`).

The demand the cluster injects into the regional economy outside the model is the paired change
(regime run minus de-facto run, same design point and replicate) of the outcome
``purchases_outside_region``: the purchases of the modelled firms that no cluster firm supplies
(the yards' purchases not bought from cluster firms, plus the suppliers' own purchases), in mln RUB
per quarter. The model does not say where those producers are; the input-output model does:

1. the change is spread over the table's industries by the category
   :data:`OUTSIDE_CATEGORY` of the purchase mapping (``share_i``, summing to 1);
2. the part bought from producers *in the region* is ``rpc_i = min(1, q_i,B)``, the regional
   purchase coefficient implied by the regionalised coefficients of the buying industry
   ``B`` = :data:`BUYER` (``a^r_iB / a^n_iB``; the rest leaks out of the region);
3. ``f_i = share_i * rpc_i * dP`` is final demand on regional producers that are not agents, so
   its first round counts in full (they are not simulated), and the regional Type I and Type II
   multipliers give its indirect (supply-chain) and induced (household-spending) rounds
   (:func:`~sim.analysis.regional_io.method.indirect_and_induced`).

Units. Output and value added are mln RUB summed over the horizon (undiscounted, like the
``sum`` outcomes), from the horizon total of ``dP``. Employment is jobs (persons) in the
horizon's last year, from the annual rate of ``dP`` in its last four quarters (their mean times
4; the mean of all quarters times 4 when the horizon is shorter), because employment per unit
of output is persons per mln RUB of *annual* output. The table's money and employment units are
read from its labels (``money_unit``: RUB, thousand RUB, mln RUB or bln RUB; ``employment_unit``:
persons or thousand persons) and converted: with a table in bln RUB and thousand persons the
employment coefficient is already persons per mln RUB.

The shipped table, regional employment and mapping are ILLUSTRATIVE (``docs/io_tables.md``), so
the effects from the defaults show the method, not Astrakhan's economy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.effects import KEYS, pairs
from sim.analysis.regional_io.method import (
    DEFAULT_DELTA,
    METHODS,
    indirect_and_induced,
    regionalise,
)
from sim.analysis.regional_io.tables import (
    ILLUSTRATIVE_EMPLOYMENT,
    ILLUSTRATIVE_MAPPING,
    ILLUSTRATIVE_TABLE,
    IOTable,
    load_io_table,
    load_purchase_mapping,
    load_regional_employment,
)
from sim.errors import InputError
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "BUYER",
    "IO_COLUMNS",
    "IO_OUTCOME",
    "OUTSIDE_CATEGORY",
    "employment_factor",
    "io_effects",
    "money_factor",
]

#: The outcome whose paired change is the injected demand (mln RUB per quarter).
IO_OUTCOME = "purchases_outside_region"
#: The mapping category that splits ``purchases_outside_region`` over the table's industries.
OUTSIDE_CATEGORY = "purchases_outside_region"
#: The buying industry whose regionalised column gives the regional purchase coefficients.
BUYER = "shipbuilding"
#: Columns of :func:`io_effects` after ``point, arm``. ``io_first_round*``: the first round of
#: the demand on regional producers that are not agents (output = the demand itself);
#: ``io_indirect*``: their supply chain in the region (Type I minus first round);
#: ``io_induced*``: spending of the extra household income (Type II minus Type I). Output and
#: value added in mln RUB over the horizon; employment in persons (jobs) in the last year.
IO_COLUMNS: tuple[str, ...] = (
    "io_first_round",
    "io_indirect_output",
    "io_induced_output",
    "io_first_round_value_added",
    "io_indirect_value_added",
    "io_induced_value_added",
    "io_first_round_employment",
    "io_indirect_employment",
    "io_induced_employment",
)
#: Rows of :func:`indirect_and_induced` -> column prefix.
_ROUNDS = {"direct": "io_first_round", "indirect": "io_indirect", "induced": "io_induced"}

#: mln RUB per table money unit, by (lower-case) label.
_MONEY = {
    "rub": 1e-6,
    "thousand rub": 1e-3,
    "mln rub": 1.0,
    "million rub": 1.0,
    "bln rub": 1e3,
    "billion rub": 1e3,
}
#: Persons per table employment unit, by (lower-case) label.
_EMPLOYMENT = {"persons": 1.0, "thousand persons": 1e3}


def money_factor(unit: str) -> float:
    """Millions of roubles per unit of a table's money unit.

    Args:
        unit: The label, e.g. ``bln RUB`` (case and surrounding blanks ignored).

    Returns:
        The factor (1000 for ``bln RUB``).

    Raises:
        InputError: The label is empty or not one of the known ones.
    """
    key = " ".join(str(unit).lower().split())
    if key not in _MONEY:
        raise InputError.parameter(
            "table",
            f"money_unit {unit!r} is not one of {sorted(_MONEY)} (label the table file with "
            "'# money_unit: bln RUB' or set IOTable.money_unit)",
        )
    return _MONEY[key]


def employment_factor(unit: str) -> float:
    """Persons per unit of a table's employment unit.

    Args:
        unit: The label, ``persons`` or ``thousand persons``.

    Returns:
        The factor (1000 for ``thousand persons``).

    Raises:
        InputError: The label is empty or not one of the known ones.
    """
    key = " ".join(str(unit).lower().split())
    if key not in _EMPLOYMENT:
        raise InputError.parameter(
            "table",
            f"employment_unit {unit!r} is not one of {sorted(_EMPLOYMENT)} (label the table "
            "file with '# employment_unit: thousand persons' or set IOTable.employment_unit)",
        )
    return _EMPLOYMENT[key]


def _shares(national: IOTable, mapping: Mapping[str, float] | str | Path | None) -> np.ndarray:
    """Share of ``purchases_outside_region`` bought from each industry (sums to 1)."""
    if mapping is None or isinstance(mapping, str | Path):
        path = ILLUSTRATIVE_MAPPING if mapping is None else Path(mapping)
        categories = load_purchase_mapping(path, national)
        if OUTSIDE_CATEGORY not in categories:
            raise InputError.single(
                str(path),
                f"no category {OUTSIDE_CATEGORY!r}: it splits the cluster's purchases "
                "outside the agents over the table's industries (docs/io_tables.md)",
            )
        split = categories[OUTSIDE_CATEGORY]
    else:
        split = {str(k): float(v) for k, v in mapping.items()}
        unknown = sorted(set(split) - set(national.industries))
        if unknown:
            raise InputError.parameter(
                "mapping",
                f"unknown industries {unknown}; the table has {list(national.industries)}",
            )
    shares = np.array([split.get(s, 0.0) for s in national.industries], dtype=float)
    if not np.all(np.isfinite(shares)) or np.any(shares < 0) or abs(shares.sum() - 1.0) > 1e-6:
        raise InputError.parameter(
            "mapping", f"shares must be finite, >= 0 and sum to 1, got {shares.sum():.6g}"
        )
    return shares


def _horizon_changes(df: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per pair: the change of the outcome summed over the horizon and at its last-year rate."""
    missing = [c for c in (*KEYS, "quarter", IO_OUTCOME) if c not in df.columns]
    if missing:
        raise InputError.parameter("df", f"the outcome series lacks the column(s) {missing}")
    if baseline not in set(df["arm"]):
        raise InputError.parameter(
            "baseline", f"arm {baseline!r} is not in the data (arms: {sorted(set(df['arm']))})"
        )
    data = df[[*KEYS, "quarter", IO_OUTCOME]].sort_values([*KEYS, "quarter"])
    runs = data.groupby(KEYS, sort=False)[IO_OUTCOME]
    last = data.groupby(KEYS, sort=False).tail(4).groupby(KEYS, sort=False)[IO_OUTCOME]
    values = pd.DataFrame({"horizon": runs.sum(min_count=1), "annual": 4.0 * last.mean()})
    regimes, base = pairs(values, baseline)
    return (regimes - base).dropna()


def io_effects(
    df: pd.DataFrame,
    *,
    baseline: str = ARM_DE_FACTO,
    table: IOTable | str | Path | None = None,
    employment: Mapping[str, float] | Sequence[float] | str | Path | None = None,
    mapping: Mapping[str, float] | str | Path | None = None,
    method: str = "flq",
    delta: float = DEFAULT_DELTA,
) -> pd.DataFrame:
    """Indirect and induced regional effects of each regime's extra purchases (module docstring).

    Args:
        df: The outcome series: columns ``point, replicate, arm, quarter`` and
            ``purchases_outside_region`` (mln RUB per quarter), one row per run and quarter.
        baseline: The arm every regime is paired with.
        table: The national table, or its file; None loads the ILLUSTRATIVE table.
        employment: Regional employment by industry (mapping, one value per industry in table
            order, or a file); None loads the ILLUSTRATIVE Astrakhan file (only valid with the
            illustrative table).
        mapping: Industry -> share of ``purchases_outside_region`` (summing to 1), or a mapping
            file whose category :data:`OUTSIDE_CATEGORY` is used; None loads the ILLUSTRATIVE
            mapping.
        method: ``slq``, ``cilq`` or ``flq``.
        delta: FLQ exponent, 0 <= delta < 1.

    Returns:
        One row per (point, arm) for the arms other than ``baseline``, sorted by point and arm
        (the order of :func:`sim.analysis.budget.budget`): ``point, arm`` and
        :data:`IO_COLUMNS`, means over the complete pairs (a pair with a missing value is
        dropped; no complete pair gives NaN).

    Raises:
        InputError: ``df`` lacks a column or the baseline arm; a file or value is invalid; the
            table's units are not labelled; the table has no industry :data:`BUYER`; or the
            closed model is not productive.
    """
    if method not in METHODS:
        raise InputError.parameter("method", f"must be one of {list(METHODS)}, got {method!r}")
    national = table if isinstance(table, IOTable) else load_io_table(table or ILLUSTRATIVE_TABLE)
    if employment is None or isinstance(employment, str | Path):
        regional = load_regional_employment(employment or ILLUSTRATIVE_EMPLOYMENT, national)
    else:
        regional = employment
    if BUYER not in national.industries:
        raise InputError.parameter(
            "table",
            f"has no industry {BUYER!r} (the buyer whose column gives the regional "
            f"purchase coefficients); industries: {list(national.industries)}",
        )
    jobs = employment_factor(national.employment_unit) / money_factor(national.money_unit)
    model = regionalise(national, regional, method, delta)  # type: ignore[arg-type]
    demand = _shares(national, mapping) * model.supply_shares(BUYER)
    unit = indirect_and_induced(model, demand)  # effects of 1 mln RUB of purchases
    changes = _horizon_changes(df, baseline)
    rows = []
    keys = df.loc[df["arm"] != baseline, ["point", "arm"]].drop_duplicates()
    keys = keys.sort_values(["point", "arm"])
    means = changes.groupby(["point", "arm"], sort=False).mean()
    for point, arm in keys.itertuples(index=False):
        horizon, annual = (
            means.loc[(point, arm)].to_numpy(dtype=float)
            if (point, arm) in means.index
            else (np.nan, np.nan)
        )
        row: dict[str, object] = {"point": point, "arm": arm}
        for effect, prefix in _ROUNDS.items():
            output = prefix if effect == "direct" else f"{prefix}_output"
            row[output] = horizon * float(unit.loc[effect, "output"])
            row[f"{prefix}_value_added"] = horizon * float(unit.loc[effect, "value_added"])
            row[f"{prefix}_employment"] = annual * float(unit.loc[effect, "employment"]) * jobs
        rows.append(row)
    return pd.DataFrame(rows, columns=["point", "arm", *IO_COLUMNS])
