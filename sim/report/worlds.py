"""The uncertainty table of ``clustersim run``: each regime's effect across worlds, as text.

Input is :func:`sim.analysis.robustness.across_worlds`; one line per regime. Effects are % of the
de-facto arm (output cumulative over the horizon, employment and market share last-year mean),
shown as ``median [5th, 95th percentile]`` across worlds with the share of worlds where the
effect is positive; registration as ``probability, median quarter``; the net fiscal balance per
budget level as ``median [band]`` in mln RUB (present value); regret in percentage points of the
regret outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["worlds_text"]


def _band(m: float, lo: float, hi: float, fmt: str) -> str:
    if not np.isfinite(m):
        return "n/a"
    return f"{m:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f} %"


def worlds_text(
    summary: pd.DataFrame,
    *,
    outcomes: Sequence[str],
    levels: Sequence[str],
    regret_outcome: str,
) -> list[str]:
    """Lines of the uncertainty table (a header line, then one line per regime)."""
    w_eff, w_net = 26, 22
    head = f"{'regime':<24}"
    for o in outcomes:
        head += f"{o + ', %':>{w_eff}}{'>0':>6}"
    head += f"{'registered':>16}"
    for lvl in levels:
        head += f"{'net ' + lvl + ', mln RUB':>{w_net + 2}}{'>0':>6}"
    head += f"{'regret, pp':>16}"
    lines = [head]
    for _, r in summary.iterrows():
        line = f"{r['arm']:<24}"
        for o in outcomes:
            line += f"{_band(r[f'{o}_median'], r[f'{o}_low'], r[f'{o}_high'], '+.2f'):>{w_eff}}"
            line += f"{_pct(r[f'{o}_positive']):>6}"
        reg = _pct(r["registered"])
        q = r["registration_quarter"]
        reg += f" q{q:.0f}" if np.isfinite(q) else ""
        line += f"{reg:>16}"
        for lvl in levels:
            band = _band(r[f"net_{lvl}_median"], r[f"net_{lvl}_low"], r[f"net_{lvl}_high"], "+,.0f")
            line += f"{band:>{w_net + 2}}{_pct(r[f'net_{lvl}_positive']):>6}"
        regret = f"{r['regret_median']:.2f} / {r['regret_p90']:.2f}"
        line += f"{regret:>16}"
        lines.append(line)
    lines.append("")
    lines.append(
        f"regret: how far the regime's {regret_outcome} effect falls short of the best regime's "
        "in the same world, percentage points, median / 90th percentile across worlds"
    )
    noise = ", ".join(
        f"{o} ±{np.nanmedian(summary[f'{o}_noise']):.2f}" for o in outcomes
        if np.isfinite(summary[f"{o}_noise"]).any()
    )  # fmt: skip
    if noise:
        lines.append(
            "the band mixes the worlds' spread with Monte-Carlo noise; median half width of the "
            f"within-world 95 % CI: {noise} pp"
        )
    return lines
