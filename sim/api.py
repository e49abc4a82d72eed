"""The Python API: the same verbs as the CLI, returning pandas DataFrames.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/astrakhan_shipbuilding.toml")
>>> summary = sim.run_scenario("scenarios/astrakhan_shipbuilding.toml", replications=10)
>>> summary.table            # one row per regime: effects in % with 95 % CIs, budget figures
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis import compare
from sim.experiment import RunTask, replicate_seeds, run_tasks
from sim.outcomes import OUTCOME_NAMES
from sim.results import RunKey, RunResult
from sim.scenario import canonical_json, load_scenario, scenario_hash
from sim.scenario.schema import Scenario

__all__ = ["HEADLINE_OUTCOMES", "RunSummary", "results_frame", "run_scenario", "simulate"]

HEADLINE_OUTCOMES = ["output", "employment", "productivity", "market_share"]


@dataclass
class RunSummary:
    """What ``clustersim run`` prints: the regime table of one scenario's built-in sweep."""

    scenario: str
    scenario_hash: str
    sweep: str
    database: str
    replications: int
    root_seed: int
    counts: dict[str, int]
    table: pd.DataFrame
    horizon_quarters: int
    elapsed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    figures: str | None = None

    def to_dict(self) -> dict:
        """JSON-serialisable summary (NaN becomes null)."""
        rows = json_records(self.table)
        return {
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "sweep": self.sweep,
            "database": self.database,
            "replications": self.replications,
            "root_seed": self.root_seed,
            "horizon_quarters": self.horizon_quarters,
            "runs": self.counts,
            "confidence": 0.95,
            "interval": "Student t over paired replications",
            "regimes": rows,
            "figures": self.figures,
        }

    def to_text(self) -> str:
        """A plain-text table for the terminal."""
        years = self.horizon_quarters / 4
        lines = [
            f"clustersim {__version__}  scenario {self.scenario} ({self.scenario_hash[:12]})",
            f"sweep {self.sweep}  database {self.database}",
            f"{self.replications} paired replications x {len(self.table) + 1} arms, root seed "
            f"{self.root_seed}; runs: {self.counts.get('completed', 0)} completed, "
            f"{self.counts.get('skipped', 0)} already stored, "
            f"{self.counts.get('failed', 0)} failed",
            f"Effects vs the de-facto arm over {years:g} years, % with 95 % CI "
            "(output: cumulative; others: last-year mean)",
            "",
        ]
        head = f"{'regime':<24}" + "".join(f"{o:>26}" for o in HEADLINE_OUTCOMES)
        head += f"{'pref. cost, mln RUB':>22}{'budget eff. fed/reg':>22}"
        lines.append(head)
        for _, r in self.table.iterrows():
            cells = "".join(
                f"{_fmt_ci(r[f'{o}_pct'], r[f'{o}_pct_ci_low'], r[f'{o}_pct_ci_high']):>26}"
                for o in HEADLINE_OUTCOMES
            )
            be = f"{_num(r['be_federal'])} / {_num(r['be_regional'])}"
            lines.append(f"{r['arm']:<24}{cells}{r['cost_total']:>22,.0f}{be:>22}")
        if self.figures:
            lines.extend(["", f"figures and tables: {self.figures}"])
        lines.extend(["", *self.notes])
        return "\n".join(lines).rstrip() + "\n"


def _num(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.2f}"


def _fmt_ci(m: float, lo: float, hi: float) -> str:
    if not np.isfinite(m):
        return "n/a"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{m:+.2f}"
    return f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def json_records(df: pd.DataFrame) -> list[dict]:
    """Records with NaN/inf replaced by None and numpy scalars by Python ones."""
    out = []
    for rec in df.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.floating, float)):
                v = float(v)
                clean[k] = v if np.isfinite(v) else None
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            else:
                clean[k] = v
        out.append(clean)
    return out


def results_frame(results: list[RunResult]) -> pd.DataFrame:
    """Outcome series of completed results as a DataFrame (point, replicate, arm, quarter, ...)."""
    frames = []
    for r in results:
        if r.status != "completed" or r.outcomes is None:
            continue
        f = pd.DataFrame(r.outcomes, columns=list(OUTCOME_NAMES))
        f.insert(0, "quarter", np.arange(1, len(f) + 1))
        f.insert(0, "arm", r.key.arm)
        f.insert(0, "replicate", r.key.replicate)
        f.insert(0, "point", r.key.point)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def simulate(
    scenario: Scenario | str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    arms: list[str] | None = None,
    executor: str = "local",
    workers: int | None = None,
) -> pd.DataFrame:
    """Run paired replications without a database and return the outcome series."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    reps = replications or sc.experiment.replications
    seeds = replicate_seeds(sc.experiment.seed if seed is None else seed, reps)
    tasks = [
        RunTask(sc, RunKey(0, r, arm), seeds[r]) for r in range(reps) for arm in (arms or sc.arms)
    ]
    collected: list[RunResult] = []
    run_tasks(tasks, executor=executor, workers=workers, on_results=collected.extend)
    return results_frame(collected)


class _Progress:
    """A one-line progress bar with ETA on a terminal; silent otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.t0 = total, 0, time.monotonic()
        self.enabled = enabled and sys.stderr.isatty() and total > 0

    def __call__(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            return
        el = time.monotonic() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else 0.0
        width = 30
        filled = int(width * self.done / self.total)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} runs"
            f"  {el:5.0f}s elapsed, ETA {eta:5.0f}s"
        )
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")


def run_scenario(
    path: str | Path,
    *,
    db: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: str = "processes",
    progress: bool = True,
    figures: bool = True,
) -> RunSummary:
    """The main job: every regime of a scenario against the de-facto arm, stored, then compared.

    Re-running the same command resumes: runs already stored under the sweep's key are skipped.

    Args:
        path: Scenario TOML file.
        db: SQLAlchemy URL of the results database (default ``CLUSTERSIM_DB`` or
            ``results/clustersim.sqlite``).
        replications: Paired replications (default: the scenario's ``experiment.replications``).
        seed: Root seed (default: the scenario's ``experiment.seed``).
        workers: Worker processes (default: CPU count).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        progress: Show a progress bar on a terminal.
        figures: Write the default figure pack and tables (ru and en) into
            ``results/<scenario>-<UTC timestamp>/`` (:mod:`sim.report`).
    """
    from sim.store import open_store
    from sim.sweep import execute_pending

    t0 = time.perf_counter()
    path = Path(path)
    sc = load_scenario(path)
    reps = replications or sc.experiment.replications
    root = sc.experiment.seed if seed is None else seed
    h = scenario_hash(sc)
    name = f"run-{sc.scenario.name}-{h[:10]}-r{reps}-s{root}"
    seeds = replicate_seeds(root, reps)
    with open_store(db) as store:
        store.put_scenario(
            h, sc.scenario.name, sc.scenario.title, path.read_text("utf-8"), canonical_json(sc)
        )
        spec = {"kind": "run", "scenario": sc.scenario.name, "design": {"method": "none"}}
        sweep_id = store.create_sweep(name, h, spec, root, reps, sc.arms, "run", [(0, {}, h)])
        counts = execute_pending(store, sweep_id, [sc], reps, sc.arms, seeds,
                                 executor=executor, workers=workers, progress=progress)
        df = store.outcomes(name)
        table = compare(
            df, outcomes=HEADLINE_OUTCOMES, discount_rate=sc.experiment.discount_rate.value
        )
        notes = []
        if counts["failed"]:
            notes.append(f"{counts['failed']} runs failed; see `clustersim` runs table for errors")
        pack = _figure_pack(name, sc.scenario.name, db) if figures and not df.empty else None
        return RunSummary(
            figures=pack,
            scenario=sc.scenario.name,
            scenario_hash=h,
            sweep=name,
            database=store.url_masked,
            replications=reps,
            root_seed=root,
            counts=counts,
            table=table,
            horizon_quarters=sc.scenario.horizon_quarters,
            elapsed_seconds=time.perf_counter() - t0,
            notes=notes,
        )


def _store_batch(store: Any, sweep_id: int, batch: list) -> None:
    """Write a batch of runs, then the supply networks some of them carry."""
    from sim.store.network import write_networks

    store.write_runs(sweep_id, batch)
    write_networks(store, sweep_id, batch)


def _figure_pack(sweep: str, scenario: str, db: str | None) -> str:
    """Write the default figure pack and tables of a run's comparison; return the folder."""
    from sim.report import build_report, default_pack_dir

    return str(build_report(sweep, default_pack_dir(scenario), db=db, formats=("html",)).out)
