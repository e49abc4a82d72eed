"""The array forms of the per-run summaries equal the pandas expressions they replaced, bit for bit.

``horizon_values`` (the mean of the last four quarters) and ``registration`` used to call a
Python function per run through ``groupby.apply``; they now work on whole arrays. These tests
keep the old expressions as the reference, on series with missing values, runs shorter than a
year and runs that never register.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.effects import KEYS, effects, horizon_values, registration


def _series(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for point in range(3):
        for replicate in range(4):
            for arm in ("de_facto", "a", "b"):
                quarters = 2 if (point, replicate) == (1, 2) else 9  # one run shorter than a year
                start = int(rng.integers(1, 12))
                for q in range(1, quarters + 1):
                    rows.append(
                        {
                            "point": point,
                            "replicate": replicate,
                            "arm": arm,
                            "quarter": q,
                            "output": rng.normal(100, 10),
                            "employment": np.nan if rng.random() < 0.2 else rng.normal(50, 5),
                            "market_share": rng.random() / 3,
                            "registered": float(arm != "b" and q >= start),
                        }
                    )
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=1)  # order must not matter


def test_last_year_mean_equals_tail_four_mean_to_the_last_bit() -> None:
    df = _series()
    got = horizon_values(df, ["employment", "market_share"])
    ref = (
        df.sort_values([*KEYS, "quarter"])
        .groupby(KEYS, sort=True)[["employment", "market_share"]]
        .apply(lambda x: x.tail(4).mean())
    )
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert got["employment"].notna().all()  # a NaN quarter is skipped, not propagated


def test_registration_equals_the_per_run_reference() -> None:
    df = _series()
    got = registration(df)
    g = df.sort_values([*KEYS, "quarter"]).groupby(KEYS, sort=False)
    first = g.apply(
        lambda x: float(x.loc[x["registered"] > 0, "quarter"].min())
        if (x["registered"] > 0).any()
        else np.nan,
        include_groups=False,
    )
    runs = pd.DataFrame({"first": first, "last": g["registered"].last()}).reset_index()
    ref = pd.DataFrame(
        [
            {
                "point": p,
                "arm": a,
                "n": len(r),
                "registered_share": float(r["first"].notna().mean()),
                "registration_quarter": float(r["first"].median()),
                "registered_at_end": float((r["last"] > 0).mean()),
            }
            for (p, a), r in runs.groupby(["point", "arm"], sort=False)
        ]
    )
    pd.testing.assert_frame_equal(got, ref, check_exact=True, check_dtype=False)
    assert (got.loc[got["arm"] == "b", "registered_share"] == 0).all()
    assert got["registration_quarter"].isna().sum() == (got["arm"] == "b").sum()


def test_effect_means_skip_missing_pairs_as_pandas_does() -> None:
    df = _series()
    eff = effects(df, ["employment"]).set_index(["point", "arm"])
    values = horizon_values(df, ["employment"])
    base = values.xs("de_facto", level="arm")["employment"]
    for (point, arm), row in eff.iterrows():
        reg = values.xs((point, arm), level=["point", "arm"])["employment"]
        assert row["regime_mean"] == reg.mean()
        assert row["baseline_mean"] == base.xs(point, level="point").mean()
