"""The Astrakhan regime table of a checkout, computed the same way for old and new code.

Used by the notes that compare a re-specification with the code before it. It needs only
``sim.api.simulate`` and ``sim.scenario.files.default_scenario`` (present since issue 12), so it
runs on a worktree of an older commit too, and computes every statistic itself: % effects as a
ratio of means (mean paired difference / mean de-facto value, the Student-t interval of the
paired differences scaled by the de-facto mean), shares also in percentage points, differences
of indices, and registration (share of runs, median first quarter). Outcomes an older checkout
does not record are left out. On current code ``clustersim run`` and ``clustersim compare
--outcome ...`` print the same figures.

Usage, from the checkout to measure::

    PYTHONPATH=. python /path/to/docs/measurements/regime_table.py 20
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from sim import api
from sim.scenario.files import default_scenario

SUM = ["output", "value_added", "net_output", "investment", "new_orders", "displaced_orders",
       "preference_cost"]  # fmt: skip
LAST = ["employment", "market_share", "unit_cost_index", "price_index", "price_cost_margin",
        "delivery_quarters", "order_book_cover", "participants", "local_content_share"]  # fmt: skip
PERCENT = {"output", "value_added", "net_output", "investment", "new_orders", "employment",
           "market_share"}  # fmt: skip
POINTS = {"market_share", "price_cost_margin", "local_content_share"}
INDEX = {"unit_cost_index", "price_index", "delivery_quarters", "order_book_cover"}
TOTAL = {"displaced_orders", "preference_cost"}


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and two-sided 95 % Student-t interval."""
    m = float(x.mean())
    h = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - h, m + h


def table(df: pd.DataFrame) -> pd.DataFrame:
    """One column per regime, one row per statistic."""
    horizon = df.quarter.max()
    by = df.groupby(["replicate", "arm"])
    last = df[df.quarter > horizon - 4].groupby(["replicate", "arm"])
    values = {o: by[o].sum() for o in SUM if o in df}
    values |= {o: last[o].mean() for o in LAST if o in df}
    wide = pd.DataFrame(values).unstack("arm")
    rows = []
    for arm in sorted(set(df.arm) - {"de_facto"}):
        row: dict[str, object] = {"arm": arm}
        for o in values:
            d = (wide[o][arm] - wide[o]["de_facto"]).to_numpy()
            base = float(wide[o]["de_facto"].mean())
            m, lo, hi = t_interval(d)
            if o in PERCENT:
                pct = [100 * v / base for v in (m, lo, hi)]
                row[f"{o} %"] = f"{pct[0]:+.2f} [{pct[1]:+.2f}, {pct[2]:+.2f}]"
            if o in POINTS:
                row[f"{o} pp"] = f"{100 * m:+.2f} [{100 * lo:+.2f}, {100 * hi:+.2f}]"
            if o in INDEX:
                row[f"{o} diff"] = f"{m:+.4f} [{lo:+.4f}, {hi:+.4f}]"
            if o in TOTAL:
                row[o] = f"{m:,.0f}"
        runs = df[df.arm == arm]
        firsts = [g.loc[g.registered > 0, "quarter"].min() for _, g in runs.groupby("replicate")]
        done = [q for q in firsts if not pd.isna(q)]
        row["registered share"] = len(done) / len(firsts)
        row["registration quarter"] = float(np.median(done)) if done else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("arm").T


def main() -> None:
    """Print the table for the shipped Astrakhan scenario and the de-facto levels."""
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    df = api.simulate(default_scenario(), replications=reps, executor="processes", workers=2)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 40)
    print(table(df).to_string())
    base = df[df.arm == "de_facto"]
    levels = base[base.quarter > base.quarter.max() - 4][[o for o in LAST if o in df]].mean()
    print("de facto, last year:", levels.round(4).to_dict())


if __name__ == "__main__":
    main()
