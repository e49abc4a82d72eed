"""Shared, cached test data for the chart and report tests: small stored sweeps.

Sweeps are run once per test process (in-process executor) into a temporary SQLite file.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
GRID = "small_grid"
MORRIS = "small_morris"
SOBOL = "small_sobol"
ARMS = ["de_facto", "decree41_full", "loans_only"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def stored_sweeps() -> str:
    """A SQLite URL holding a small grid, a Morris and a Sobol sweep (run once per process)."""
    from sim.api import run_sweep

    tmp = Path(tempfile.mkdtemp(prefix="clustersim-report-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    url = f"sqlite:///{tmp / 'small.sqlite'}"
    base = BASE.as_posix()
    grid = _write(
        tmp / "grid.toml",
        f'name = "{GRID}"\nbase = "{base}"\nreplications = 3\narms = {ARMS!r}\n'
        '[design]\nmethod = "grid"\n'
        '[[design.vary]]\nkey = "scenario.horizon_quarters"\nvalues = [12]\n'
        '[[design.vary]]\nkey = "regimes.decree41_full.joint_project_subsidy.rate"\n'
        "values = [0.3, 0.5]\n",
    )
    ranges = (
        '[[design.vary]]\nkey = "regimes.decree41_full.joint_project_subsidy.rate"\n'
        "low = 0.1\nhigh = 0.6\n"
        '[[design.vary]]\nkey = "market.demand_growth_per_year"\nlow = -0.02\nhigh = 0.06\n'
    )
    morris = _write(
        tmp / "morris.toml",
        f'name = "{MORRIS}"\nbase = "{base}"\nreplications = 2\n'
        'arms = ["de_facto", "decree41_full"]\n'
        '[design]\nmethod = "morris"\nsamples = 2\nlevels = 4\nseed = 3\n' + ranges,
    )
    sobol = _write(
        tmp / "sobol.toml",
        f'name = "{SOBOL}"\nbase = "{base}"\nreplications = 1\n'
        'arms = ["de_facto", "decree41_full"]\n'
        '[design]\nmethod = "sobol"\nsamples = 4\nseed = 3\n' + ranges,
    )
    for f in (grid, morris, sobol):
        res = run_sweep(f, db=url, executor="local", progress=False)
        assert res["failed"] == 0, res
    return url


class _FontProblems(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        low = msg.lower()
        bad = (record.levelno >= logging.INFO and "findfont" in low) or any(
            w in low for w in ("falling back", "fallback", "not found", "missing")
        )
        if bad:
            self.messages.append(msg)


@contextmanager
def strict_rendering():
    """Turn warnings into errors and fail on font-fallback log messages or missing glyphs."""
    handler = _FontProblems()
    logger = logging.getLogger("matplotlib.font_manager")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert not handler.messages, handler.messages


def synthetic_outcomes() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fixed synthetic outcome series and runs (seeded), independent of the model."""
    rng = np.random.default_rng(12345)
    rows, runs = [], []
    for rep in range(8):
        for arm, lift in (("de_facto", 0.0), ("decree41_full", 0.012)):
            level = 2000.0 + rng.normal(0, 60)
            for q in range(1, 21):
                level *= 1.01 + (lift if q > 6 else 0.0) + rng.normal(0, 0.01)
                rows.append({"point": 0, "replicate": rep, "arm": arm, "quarter": q,
                             "output": level})  # fmt: skip
            reg = pd.NA if arm == "de_facto" else int(6 + rep % 3)
            runs.append({"point": 0, "replicate": rep, "arm": arm, "registered_quarter": reg})
    return pd.DataFrame(rows), pd.DataFrame(runs).astype({"registered_quarter": "Int64"})


def synthetic_table() -> pd.DataFrame:
    """A fixed regime table (effects in % with CIs) for the regime-comparison baseline."""
    data = {
        "decree41_full": (1.2, 0.4, 3.1, 0.8),
        "cluster_support_2020s": (10.4, 19.3, 7.5, 51.0),
        "loans_only": (5.9, 12.8, 3.6, 37.0),
        "tax_relief_only": (-0.3, -0.8, 0.1, -1.2),
        "placebo": (0.0, 0.05, -0.02, 0.1),
    }
    rows = []
    for arm, vals in data.items():
        row = {"point": 0, "arm": arm}
        for o, v in zip(["output", "employment", "productivity", "market_share"], vals,
                        strict=True):  # fmt: skip
            half = 0.3 * abs(v) + 0.4
            row |= {f"{o}_pct": v, f"{o}_pct_ci_low": v - half, f"{o}_pct_ci_high": v + half}
        rows.append(row)
    return pd.DataFrame(rows)
