"""The regime table: effects absolute and in % with CIs and public-finance accounts.

:func:`compare` works on the outcome series of one set of pairs; :func:`compare_points` adds a
sweep's varied parameter values as columns and orders rows by point and the sweep's arms.
DataFrames in, DataFrames out.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.budget import budget
from sim.analysis.effects import effects, registration
from sim.analysis.regional_io import IO_COLUMNS, io_effects
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["DEFAULT_OUTCOMES", "check_outcomes", "compare", "compare_points"]

DEFAULT_OUTCOMES = ["output", "employment", "productivity", "market_share"]


def check_outcomes(outcomes: list[str], parameter: str = "outcome") -> None:
    """Refuse outcome names that are not in the catalogue (naming the argument)."""
    bad = [o for o in outcomes if o not in OUTCOME_NAMES]
    if bad:
        raise InputError.parameter(
            parameter,
            f"unknown outcome {', '.join(repr(b) for b in bad)}; outcomes: "
            + ", ".join(OUTCOME_NAMES),
        )


def compare(
    df: pd.DataFrame,
    *,
    outcomes: list[str],
    discount_rate: float,
    baseline: str = ARM_DE_FACTO,
    sort_by: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The regime table: one row per (point, regime), effects with CIs and budget figures.

    Per outcome ``{o}_pct`` with ``{o}_pct_ci_low/high`` (ratio of means, :func:`effects`);
    ``{o}_abs`` with ``{o}_abs_ci_low/high``, the absolute effect (mean paired difference over
    the horizon, in the outcome's unit summed over the horizon for flows, as a last-year mean
    for stocks and at the horizon's end for end-valued stocks: :func:`effects`); for shares
    also ``{o}_pp`` with its interval (percentage points); then the regime's
    registration (:func:`~sim.analysis.effects.registration`: ``registered_share``,
    ``registration_quarter``) and the public-finance accounts of :func:`~sim.analysis.budget`
    (every column of :data:`~sim.analysis.budget.BUDGET_COLUMNS`: net balance per budget level,
    cash, tax-expenditure and committed cost, budget efficiency where the level bears a cost,
    additionality), then the indirect and induced effects of the regional input-output model
    (:data:`~sim.analysis.regional_io.IO_COLUMNS` of :func:`~sim.analysis.regional_io.io_effects`
    with its default, ILLUSTRATIVE table). Sorted by the first outcome's percentage effect
    (descending) unless ``sort_by`` is given.
    """
    eff = effects(df, outcomes, baseline=baseline, confidence=confidence)
    cols = ["effect_pct", "pct_ci_low", "pct_ci_high", "effect", "ci_low", "ci_high",
            "effect_pp", "pp_ci_low", "pp_ci_high"]  # fmt: skip
    wide = eff.pivot_table(
        index=["point", "arm"], columns="outcome", values=cols, sort=False, dropna=False
    )
    table = pd.DataFrame(index=wide.index)
    for o in outcomes:
        table[f"{o}_pct"] = wide[("effect_pct", o)]
        table[f"{o}_pct_ci_low"] = wide[("pct_ci_low", o)]
        table[f"{o}_pct_ci_high"] = wide[("pct_ci_high", o)]
        table[f"{o}_abs"] = wide[("effect", o)]
        table[f"{o}_abs_ci_low"] = wide[("ci_low", o)]
        table[f"{o}_abs_ci_high"] = wide[("ci_high", o)]
        if outcome(o).unit.startswith("share"):
            table[f"{o}_pp"] = wide[("effect_pp", o)]
            table[f"{o}_pp_ci_low"] = wide[("pp_ci_low", o)]
            table[f"{o}_pp_ci_high"] = wide[("pp_ci_high", o)]
    if "registered" in df.columns:
        reg = registration(df).set_index(["point", "arm"])
        table = table.join(reg[["registered_share", "registration_quarter"]])
    bud = budget(df, discount_rate=discount_rate, baseline=baseline, confidence=confidence)
    table = table.join(bud.set_index(["point", "arm"]))
    # Indirect and induced effects of the extra purchases outside the region (regional
    # input-output model, sim.analysis.regional_io; the shipped table is ILLUSTRATIVE): the
    # single join point of those columns.
    io = io_effects(df, baseline=baseline)
    table = table.join(io.set_index(["point", "arm"])[list(IO_COLUMNS)])
    key = sort_by or f"{outcomes[0]}_pct"
    return table.sort_values(key, ascending=False, na_position="last").reset_index()


def compare_points(
    df: pd.DataFrame,
    design: pd.DataFrame,
    arms: list[str],
    *,
    outcomes: list[str] | None = None,
    discount_rate: float,
) -> pd.DataFrame:
    """The regime table of a sweep, one row per design point and regime.

    Args:
        df: Outcome series (``point, replicate, arm, quarter`` and outcomes).
        design: Design points: ``point`` and one column per varied parameter.
        arms: The sweep's arms, in order (rows follow it).
        outcomes: Outcomes (default output, employment, productivity, market_share).
        discount_rate: Discount rate of the public-finance accounts (per year; the scenario's
            ``experiment.discount_rate``).

    Returns:
        Columns ``point, arm``, one column per varied parameter, then the columns of
        :func:`compare`; sorted by point and the sweep's arm order.
    """
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    check_outcomes(outcomes)
    design = design.drop(columns=[c for c in ("scenario_hash",) if c in design.columns])
    if df.empty:
        return pd.DataFrame(columns=["point", "arm", *design.columns.drop("point")])
    table = compare(df, outcomes=outcomes, discount_rate=discount_rate)
    order = {a: i for i, a in enumerate(arms)}
    table = table.merge(design, on="point", how="left")
    params = [c for c in design.columns if c != "point"]
    rest = [c for c in table.columns if c not in ("point", "arm", *params)]
    table = table[["point", "arm", *params, *rest]]
    table = table.assign(_o=table["arm"].map(order)).sort_values(["point", "_o"])
    return table.drop(columns="_o").reset_index(drop=True)
