"""The Python API: the same verbs as the CLI, composing run -> store -> analysis -> report.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/astrakhan_shipbuilding.toml")
>>> summary = sim.run_scenario("scenarios/astrakhan_shipbuilding.toml", replications=10)
>>> summary.table            # one row per regime: effects in % with 95 % CIs, budget accounts

Every run goes through :func:`sim.run.runner.execute_pending` (into the store, or into memory
for :func:`run_pairs`); every stored sweep is read back by :func:`sim.store.reading.read_sweep`;
analysis and reports take the frames it returns. Library errors name the argument
(``sweep``, ``outcome``); the CLI shows them as its flags.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.budget import BUDGET_COLUMNS
from sim.analysis.comparison import DEFAULT_OUTCOMES, check_outcomes, compare, compare_points
from sim.analysis.discovery import MIN_WORLDS, Discovery, feature_scores
from sim.analysis.discovery import discover as discovery_frame
from sim.analysis.effects import effects
from sim.analysis.regional_io import IO_COLUMNS
from sim.analysis.robustness import LEVELS, across_worlds, conclusions
from sim.analysis.sensitivity import sensitivity as sensitivity_frame
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_NAMES
from sim.report.export import write_export
from sim.report.i18n import LANGS, budget_label, budget_unit
from sim.report.pack import (
    BRIEF_FORMATS,
    FIGURE_FORMATS,
    Report,
    check_report_options,
    check_report_out,
    run_pack_dir,
    write_report,
)
from sim.report.paths import output_folder, safe_component
from sim.report.tables import accounts_notes, accounts_text
from sim.report.worlds import worlds_text
from sim.run.abc import DEFAULT_PRIOR, Calibration, PriorSpec, abc_rejection
from sim.run.decomposition import decomposition_arms
from sim.run.designs import DesignSpec, design_matrix, design_size
from sim.run.executors import prestart
from sim.run.results import RunResult, in_task_order
from sim.run.runner import MemorySink, execute_pending
from sim.run.seeds import check_replications, replicate_seeds
from sim.run.sweepfile import MAX_SWEEP_RUNS, load_sweep
from sim.run.targets import Target
from sim.run.worlds import (
    DEFAULT_WORLD_REPLICATIONS,
    DEFAULT_WORLDS,
    calibrated_points,
    read_calibrated,
    world_design,
)
from sim.scenario.loader import (
    canonical_json,
    load_scenario,
    read_toml,
    scenario_from_dict,
    scenario_hash,
)
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Scenario
from sim.scenario.writer import scenario_toml
from sim.store.reading import SweepData, read_sweep, require_sweep
from sim.store.store import Store, open_store

__all__ = [
    "HEADLINE_OUTCOMES",
    "Calibration",
    "RunSummary",
    "RunsFailedError",
    "SweepDiscovery",
    "WorldsSummary",
    "build_report",
    "calibrate",
    "compare_sweep",
    "decompose",
    "discover",
    "discovery_columns",
    "export_sweep",
    "json_records",
    "list_sweeps",
    "read",
    "results_frame",
    "run_pairs",
    "run_scenario",
    "run_sweep",
    "run_worlds",
    "sensitivity",
    "simulate",
    "store_runs",
]

HEADLINE_OUTCOMES = list(DEFAULT_OUTCOMES)
WORLDS_TEXT_OUTCOMES = ["output", "employment"]
"""Outcomes of the terminal table over worlds (``--json`` and ``per_world`` hold all four)."""
DECOMPOSITION_OUTCOMES = ["output", "employment", "investment", "joint_projects", "participants"]


class RunsFailedError(RuntimeError):
    """A run of a scenario left an arm without any completed run (e.g. every run failed).

    The runs and their error texts are stored; the message says where and how to read them.
    """


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
    discount_rate: float = 0.0
    elapsed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    report: str | None = None

    def to_dict(self) -> dict:
        """JSON-serialisable summary (NaN becomes null)."""
        rows = json_records(self.table)
        notes = accounts_notes("en", discount_rate=self.discount_rate,
                               quarters=self.horizon_quarters)  # fmt: skip
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
            "discount_rate": self.discount_rate,
            "budget_interval": "paired bootstrap percentiles over replications",
            "budget_note": notes[0],
            "additionality_note": notes[1],
            "budget_fields": {
                c: {"label": budget_label(c, "en"), "unit": budget_unit(c)}
                for c in [*BUDGET_COLUMNS, *IO_COLUMNS]
                if c not in ("point", "arm", "n") and c in self.table.columns
            },
            "regimes": rows,
            "report": self.report,
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
            f"Effects vs the de-facto arm over {years:g} years, % with 95 % CI (ratio of means; "
            "output cumulative, others last-year mean; market share also in percentage points)",
            "pref. cost = cash cost + tax expenditure of all budgets over the horizon, "
            "undiscounted; the accounts per budget level follow the table",
            "",
        ]
        head = f"{'regime':<24}" + "".join(f"{o:>26}" for o in HEADLINE_OUTCOMES)
        head += f"{'share, pp':>22}{'registered':>16}{'pref. cost, mln RUB':>22}"
        lines.append(head)
        for _, r in self.table.iterrows():
            cells = "".join(
                f"{_fmt_ci(r[f'{o}_pct'], r[f'{o}_pct_ci_low'], r[f'{o}_pct_ci_high']):>26}"
                for o in HEADLINE_OUTCOMES
            )
            pp = _fmt_ci(r.get("market_share_pp", np.nan), r.get("market_share_pp_ci_low", np.nan),
                         r.get("market_share_pp_ci_high", np.nan))  # fmt: skip
            reg = _registered(
                r.get("registered_share", np.nan), r.get("registration_quarter", np.nan)
            )
            lines.append(f"{r['arm']:<24}{cells}{pp:>22}{reg:>16}{r['cost_total']:>22,.0f}")
        lines.append("")
        lines += accounts_text(
            self.table, discount_rate=self.discount_rate, quarters=self.horizon_quarters
        )
        if self.report:
            lines.extend(["", f"figures, tables and brief: {self.report}"])
        lines.extend(["", *self.notes])
        return "\n".join(lines).rstrip() + "\n"


def _registered(share: float, quarter: float) -> str:
    """``85 % q9``: share of runs that registered and the median first quarter."""
    if share is None or not np.isfinite(share):
        return "n/a"
    if not np.isfinite(quarter):
        return f"{100 * share:.0f} %"
    return f"{100 * share:.0f} % q{quarter:.0f}"


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
            elif isinstance(v, np.bool_):
                clean[k] = bool(v)
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            else:
                clean[k] = v
        out.append(clean)
    return out


def results_frame(results: list[RunResult]) -> pd.DataFrame:
    """Outcome series of completed results as a DataFrame (point, replicate, arm, quarter, ...).

    One row per quarter of each completed run, runs in the order given; built column by column
    (the same frame as concatenating one frame per run, in a fraction of the time: the page
    builds it in its server process).
    """
    done = [r for r in results if r.status == "completed" and r.outcomes is not None]
    if not done:
        return pd.DataFrame()
    lengths = [len(r.outcomes) for r in done]
    data = np.concatenate([r.outcomes for r in done])
    columns: dict[str, Any] = {
        "point": np.repeat(np.array([r.key.point for r in done], dtype=np.int64), lengths),
        "replicate": np.repeat(np.array([r.key.replicate for r in done], dtype=np.int64), lengths),
        "arm": np.repeat(np.array([r.key.arm for r in done], dtype=object), lengths),
        "quarter": np.concatenate([np.arange(1, n + 1) for n in lengths]),
    }
    columns.update({name: data[:, j] for j, name in enumerate(OUTCOME_NAMES)})
    return pd.DataFrame(columns)


# ============================================================================================
# Running: estimates in memory, or stored
# ============================================================================================
def run_pairs(
    scenario: Scenario,
    *,
    replications: int,
    seed: int | None = None,
    arms: Sequence[str] | None = None,
    executor: str = "local",
    workers: int | None = None,
    oversubscribe: bool = False,
    progress: bool | Callable[[int, int], None] = False,
) -> list[RunResult]:
    """Paired replications of a scenario's arms, kept in memory (not stored).

    Replicate ``r`` uses seed ``r`` of :func:`~sim.run.seeds.replicate_seeds` from ``seed``
    (default: the scenario's root seed) in every arm, as a stored run would. ``workers`` above
    the CPU count are capped at it (a ``RuntimeWarning`` says so) unless ``oversubscribe``.

    Returns:
        The results, one per (replicate, arm): replicate by replicate, the arms in ``arms``
        order, whatever order the executor finished them in
        (:func:`~sim.run.results.in_task_order`), so their frame is the same from call to call.
    """
    arms = list(arms or scenario.arms)
    reps = check_replications(replications, len(arms))
    seeds = replicate_seeds(scenario.experiment.seed if seed is None else seed, reps)
    sink = MemorySink()
    execute_pending(sink, 0, [scenario], reps, arms, seeds,
                    executor=executor, workers=workers, oversubscribe=oversubscribe,
                    progress=progress)  # fmt: skip
    return in_task_order(sink.results, arms)


def simulate(
    scenario: Scenario | str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    arms: list[str] | None = None,
    executor: str = "local",
    workers: int | None = None,
    oversubscribe: bool = False,
) -> pd.DataFrame:
    """Run paired replications without a database and return the outcome series."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    reps = replications or sc.experiment.replications
    results = run_pairs(sc, replications=reps, seed=seed, arms=arms, executor=executor,
                        workers=workers, oversubscribe=oversubscribe)  # fmt: skip
    return results_frame(results)


def _register(
    store: Store,
    name: str,
    sc: Scenario,
    toml_text: str,
    spec: dict[str, Any],
    *,
    seed: int,
    replications: int,
    arms: list[str],
    kind: str,
    points: list[tuple[Any, ...]] | None = None,
) -> int:
    """Store the scenario and register (or find, to resume) the sweep; return its id."""
    h = scenario_hash(sc)
    store.put_scenario(h, sc.scenario.name, sc.scenario.title, toml_text, canonical_json(sc))
    return store.create_sweep(name, h, spec, seed, replications, arms, kind,
                              points if points is not None else [(0, {}, h)])  # fmt: skip


def store_runs(
    name: str,
    scenario: Scenario,
    results: list[RunResult],
    *,
    replications: int,
    seed: int,
    arms: list[str],
    spec: dict[str, Any] | None = None,
    db: str | None = None,
) -> str:
    """Store results of :func:`run_pairs` as a named one-point sweep (kind ``run``).

    The scenario is stored as TOML written from the validated scenario (levels included).

    Returns:
        The stored sweep's name.
    """
    text = scenario_toml(scenario, "written by clustersim from a validated scenario")
    spec = {"kind": "estimate", "scenario": scenario.scenario.name, "design": {"method": "none"},
            **(spec or {})}  # fmt: skip
    with open_store(db) as store:
        sweep_id = _register(store, name, scenario, text, spec, seed=seed,
                             replications=replications, arms=list(arms), kind="run")  # fmt: skip
        store.write_batch(sweep_id, results)
    return name


def decompose(
    scenario: Scenario | str | Path,
    regime: str,
    *,
    replications: int | None = None,
    seed: int | None = None,
    outcomes: list[str] | None = None,
    executor: str = "processes",
    workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> pd.DataFrame:
    """A regime's effect with each instrument removed in turn and each instrument alone.

    All arms run on the same paired seeds (:func:`run_pairs`), so the rows differ only by the
    instruments offered (:func:`sim.run.decomposition.decomposition_arms`).

    Args:
        scenario: A scenario or its file.
        regime: The regime to decompose.
        replications: Paired replications (default: the scenario's).
        seed: Root seed (default: the scenario's).
        outcomes: Outcomes (default output, employment, investment, joint projects,
            participants).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        workers: Worker processes.
        progress: True for a progress bar on a terminal, or a callback ``(done, total)``.

    Returns:
        One row per arm (``full``, then ``without`` / ``only`` per instrument): ``arm, kind,
        instrument``, per outcome the % effect with its 95 % CI and the absolute effect, and
        the preference cost (mln RUB over the horizon).

    Raises:
        InputError: Unknown regime or outcome; a regime without instruments.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    outcomes = list(outcomes or DECOMPOSITION_OUTCOMES)
    check_outcomes(outcomes)
    dec = decomposition_arms(sc, regime)
    reps = replications or sc.experiment.replications
    results = run_pairs(dec.scenario, replications=reps, seed=seed, arms=dec.arms,
                        executor=executor, workers=workers, progress=progress)  # fmt: skip
    table = compare(results_frame(results), outcomes=outcomes,
                    discount_rate=sc.experiment.discount_rate.value)  # fmt: skip
    eff = effects(results_frame(results), outcomes)
    absolute = eff.pivot_table(index="arm", columns="outcome", values="effect")
    rows = []
    for arm, kind, instrument in dec.rows:
        r = table[table["arm"] == arm].iloc[0]
        row: dict[str, Any] = {"arm": arm, "kind": kind, "instrument": instrument, "n": int(r["n"])}
        for o in outcomes:
            row[f"{o}_pct"] = r[f"{o}_pct"]
            row[f"{o}_pct_ci_low"] = r[f"{o}_pct_ci_low"]
            row[f"{o}_pct_ci_high"] = r[f"{o}_pct_ci_high"]
            row[f"{o}_effect"] = float(absolute.loc[arm, o])
        row["cost_total"] = r["cost_total"]
        rows.append(row)
    return pd.DataFrame(rows)


def run_scenario(
    path: str | Path,
    *,
    db: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: str = "processes",
    progress: bool = True,
    report: bool = True,
    oversubscribe: bool = False,
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
        report: Write the run's figure pack, tables and HTML brief (ru and en) into
            ``results/<sweep>/`` (:func:`write_run_report`), replacing an earlier report there.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs (otherwise
            they are capped at the CPU count, with a ``RuntimeWarning``).

    Raises:
        RunsFailedError: Some arm has no completed run (e.g. every run failed): the message names
            the sweep, the database (password masked) and how to read the stored errors.
    """
    t0 = time.perf_counter()
    prestart(executor)  # the workers' fork server preloads while this process prepares
    path = Path(path)
    data, text = read_toml(path)  # read once: the stored text is the text validated
    sc = scenario_from_dict(data, source=str(path), text=text)
    reps = check_replications(replications or sc.experiment.replications, len(sc.arms))
    root = sc.experiment.seed if seed is None else seed
    h = scenario_hash(sc)
    name = f"run-{sc.scenario.name}-{h[:10]}-r{reps}-s{root}"
    seeds = replicate_seeds(root, reps)
    spec = {"kind": "run", "scenario": sc.scenario.name, "design": {"method": "none"}}
    with open_store(db) as store:
        sweep_id = _register(store, name, sc, text, spec, seed=root,
                             replications=reps, arms=sc.arms, kind="run")  # fmt: skip
        counts = execute_pending(
            store,
            sweep_id,
            [sc],
            reps,
            sc.arms,
            seeds,
            executor=executor,
            workers=workers,
            oversubscribe=oversubscribe,
            progress=progress,
        )
        df = store.outcomes(name)
        see = f"clustersim export --sweep {name}" + ("" if db is None else " --db URL")
        missing = [a for a in sc.arms if df.empty or a not in set(df["arm"])]
        if missing:
            total = reps * len(sc.arms)
            what = (
                f"all {total} runs of sweep {name} failed"
                if counts["failed"] == total
                else f"no run of arm{'s' if len(missing) > 1 else ''} {', '.join(missing)} in "
                f"sweep {name} completed ({counts['failed']} of {total} runs failed)"
            )
            raise RunsFailedError(
                f"{what}, so there are no effects to show; the errors are stored in "
                f"{store.url_masked} (table run, column error): `{see}` writes them to "
                f"{safe_component(name)}_runs.csv"
            )
        table = compare(
            df, outcomes=HEADLINE_OUTCOMES, discount_rate=sc.experiment.discount_rate.value
        )
        notes = []
        if counts["failed"]:
            notes.append(f"{counts['failed']} runs failed; their errors: `{see}` "
                         f"({safe_component(name)}_runs.csv, column error)")  # fmt: skip
        pack = write_run_report(store, name, progress=progress) if report else None
        return RunSummary(
            report=pack,
            scenario=sc.scenario.name,
            scenario_hash=h,
            sweep=name,
            database=store.url_masked,
            replications=reps,
            root_seed=root,
            counts=counts,
            table=table,
            horizon_quarters=sc.scenario.horizon_quarters,
            discount_rate=sc.experiment.discount_rate.value,
            elapsed_seconds=time.perf_counter() - t0,
            notes=notes,
        )


@dataclass
class WorldsSummary:
    """What ``clustersim run`` prints by default: every regime's effect across worlds."""

    scenario: str
    scenario_hash: str
    sweep: str
    database: str
    worlds: int
    replications: int
    root_seed: int
    uncertain: list[str]
    counts: dict[str, int]
    summary: pd.DataFrame
    per_world: pd.DataFrame
    horizon_quarters: int
    discount_rate: float
    regret_outcome: str = "output"
    elapsed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    calibrated: dict[str, Any] | None = None
    report: str | None = None

    def conclusions(self, share: float = 0.9) -> list[str]:
        """Sign conclusions that hold in at least ``share`` of the worlds."""
        return conclusions(self.summary, WORLDS_TEXT_OUTCOMES, share=share)

    def to_dict(self) -> dict:
        """JSON-serialisable summary (NaN becomes null)."""
        return {
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "sweep": self.sweep,
            "database": self.database,
            "worlds": self.worlds,
            "replications_per_world": self.replications,
            "root_seed": self.root_seed,
            "uncertain_parameters": self.uncertain,
            "calibrated": self.calibrated,
            "horizon_quarters": self.horizon_quarters,
            "discount_rate": self.discount_rate,
            "band": "5th to 95th percentile across worlds",
            "regret_outcome": self.regret_outcome,
            "runs": self.counts,
            "regimes": json_records(self.summary),
            "conclusions_in_90_percent_of_worlds": self.conclusions(),
            "report": self.report,
        }

    def _drawn(self) -> str:
        if not self.calibrated:
            return (
                f"Latin hypercube over {len(self.uncertain)} uncertain parameters of "
                "[[uncertainties]]"
            )
        cal = self.calibrated
        rest = len(self.uncertain) - len(cal["keys"])
        return (f"{len(cal['keys'])} parameters from {cal['draws']} accepted calibration draws "
                f"of {cal['file']}, Latin hypercube over {rest} other uncertainties")  # fmt: skip

    def to_text(self) -> str:
        """A plain-text table for the terminal."""
        years = self.horizon_quarters / 4
        lines = [
            f"clustersim {__version__}  scenario {self.scenario} ({self.scenario_hash[:12]})",
            f"sweep {self.sweep}  database {self.database}",
            f"{self.worlds} worlds ({self._drawn()}) x {self.replications} paired replications x "
            f"{len(self.summary) + 1} arms, root seed {self.root_seed}; runs: "
            f"{self.counts.get('completed', 0)} completed, "
            f"{self.counts.get('skipped', 0)} already stored, "
            f"{self.counts.get('failed', 0)} failed",
            f"Effects vs the de-facto arm over {years:g} years, % (ratio of means in each world; "
            "output cumulative, employment last-year mean): median [90 % band] across worlds, "
            "share of worlds where the effect is positive (>0). Net balance = present value at "
            f"{100 * self.discount_rate:g} % a year of extra revenue less cost, per budget level.",
            "",
        ]
        lines += worlds_text(self.summary, outcomes=WORLDS_TEXT_OUTCOMES, levels=LEVELS,
                             regret_outcome=self.regret_outcome)  # fmt: skip
        held = self.conclusions()
        lines += ["", "Holds in at least 90 % of worlds:"]
        lines += [f"  {c}" for c in held] or ["  nothing: every sign depends on the world"]
        lines += ["", "one world (the values written in the file): clustersim run --point ...",
                  f"every world's table: clustersim compare --sweep {self.sweep}"]  # fmt: skip
        if self.report:
            lines.extend(["", f"figures, tables and brief: {self.report}"])
        lines.extend(["", *self.notes])
        return "\n".join(lines).rstrip() + "\n"


def run_worlds(
    path: str | Path,
    *,
    db: str | None = None,
    worlds: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: str = "processes",
    progress: bool = True,
    oversubscribe: bool = False,
    calibrated: str | Path | None = None,
    report: bool = True,
) -> WorldsSummary:
    """The main job over the uncertainty: every regime against de facto in many worlds.

    Draws ``worlds`` worlds by Latin hypercube over the scenario's ranged ``[[uncertainties]]``
    (:func:`sim.run.worlds.world_design`), runs every arm in each on the same ``replications``
    seeds (common random numbers within and across worlds), stores them as a sweep and
    summarises each regime across worlds (:func:`sim.analysis.robustness.across_worlds`).
    Re-running the same command resumes.

    Args:
        path: Scenario TOML file.
        db: Results database URL (default ``CLUSTERSIM_DB`` or ``results/clustersim.sqlite``).
        worlds: Worlds to draw (default :data:`~sim.run.worlds.DEFAULT_WORLDS`).
        replications: Paired replications per world (default
            :data:`~sim.run.worlds.DEFAULT_WORLD_REPLICATIONS`).
        seed: Root seed of the replications and of the Latin hypercube (default: the
            scenario's ``experiment.seed``).
        workers: Worker processes (default: CPU count).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        progress: Show a progress bar on a terminal.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.
        calibrated: A CSV of accepted calibration draws (``clustersim calibrate --out``): each
            world takes one draw's parameters (a seeded random order), the other ranged
            uncertainties are drawn by Latin hypercube as usual.
        report: Write the figure pack, tables and HTML brief (ru and en) of the worlds into
            ``results/<sweep>/`` (:func:`write_run_report`), replacing an earlier report there.

    Raises:
        InputError: A scenario without ranged uncertainties, or a bad number of worlds.
        RunsFailedError: Some arm has no completed run.
    """
    t0 = time.perf_counter()
    prestart(executor)  # the workers' fork server preloads while this process prepares
    path = Path(path)
    data, text = read_toml(path)
    sc = scenario_from_dict(data, source=str(path), text=text)
    n_worlds = DEFAULT_WORLDS if worlds is None else worlds
    reps = check_replications(replications or DEFAULT_WORLD_REPLICATIONS, len(sc.arms))
    root = sc.experiment.seed if seed is None else seed
    runs = n_worlds * reps * len(sc.arms)
    if runs > MAX_SWEEP_RUNS:
        raise InputError.parameter(
            "worlds", f"{n_worlds:,} worlds x {reps} replications x {len(sc.arms)} arms = "
            f"{runs:,} runs; at most {MAX_SWEEP_RUNS:,} are allowed")  # fmt: skip
    try:
        design = world_design(sc, n_worlds, root)
    except ValueError as exc:
        raise InputError.parameter("worlds", str(exc)) from None
    h = scenario_hash(sc)
    name = f"worlds-{sc.scenario.name}-{h[:10]}-w{n_worlds}-r{reps}-s{root}"
    spec: dict[str, Any] = {"kind": "worlds", "scenario": sc.scenario.name, "name": name}
    if calibrated is None:
        points, raw = design_matrix(design, root)
    else:
        draws = read_calibrated(calibrated, sc)
        design, points, raw = calibrated_points(sc, draws, n_worlds, root)
        name += f"-cal{draws.digest[:10]}"
        cal = {"file": draws.path.name, "sha256": draws.digest, "keys": draws.keys,
               "draws": len(draws.values)}  # fmt: skip
        spec |= {"name": name, "calibrated": cal}
    spec["design"] = design.model_dump(mode="json")
    scenarios = [apply_overrides(sc, p, source=f"{path} (world {i})") for i, p in enumerate(points)]
    rows = [
        (i, p, scenario_hash(w), [float(x) for x in raw[i]])
        for i, (p, w) in enumerate(zip(points, scenarios, strict=True))
    ]
    arms = sc.arms
    with open_store(db) as store:
        sweep_id = _register(store, name, sc, text, spec, seed=root, replications=reps,
                             arms=arms, kind="sweep", points=rows)  # fmt: skip
        counts = execute_pending(store, sweep_id, scenarios, reps, arms,
                                 replicate_seeds(root, reps), executor=executor, workers=workers,
                                 oversubscribe=oversubscribe, progress=progress)  # fmt: skip
        swept = read_sweep(store, name, networks=False)
        database = store.url_masked
        missing = [a for a in arms if swept.outcomes.empty or a not in set(swept.outcomes["arm"])]
        if missing:
            raise RunsFailedError(
                f"no run of {', '.join(missing)} in sweep {name} completed ({counts['failed']} "
                f"runs failed); the errors are stored in {database} (table run, column error)"
            )
        pack = write_run_report(store, name, progress=progress) if report else None
    rate = sc.experiment.discount_rate.value
    per_world = compare_points(swept.outcomes, swept.design, arms, outcomes=HEADLINE_OUTCOMES,
                               discount_rate=rate)  # fmt: skip
    regimes = [a for a in arms if a != ARM_DE_FACTO]
    summary = across_worlds(per_world, regimes, outcomes=HEADLINE_OUTCOMES)
    notes = [f"{counts['failed']} runs failed; see `clustersim export --sweep {name}`"] * bool(
        counts["failed"]
    )
    return WorldsSummary(
        scenario=sc.scenario.name, scenario_hash=h, sweep=name, database=database,
        worlds=n_worlds, replications=reps, root_seed=root,
        uncertain=[v.key for v in design.vary] + list(spec.get("calibrated", {}).get("keys", [])),
        counts=counts, summary=summary, calibrated=spec.get("calibrated"),
        per_world=per_world, horizon_quarters=sc.scenario.horizon_quarters, discount_rate=rate,
        elapsed_seconds=time.perf_counter() - t0, notes=notes, report=pack,
    )  # fmt: skip


RUN_REPORT_ROOT = "results"
"""Where ``clustersim run`` writes its report: ``results/<sweep>/`` under the current folder."""


def write_run_report(store: Store, sweep: str, *, progress: bool = False) -> str:
    """Write the report of a run's sweep into ``results/<sweep>/`` and return that folder.

    The quick look of ``clustersim run``: figures as PNG and SVG, the tables and the HTML brief
    in Russian and English. A re-run replaces the folder as a whole (it is a clustersim report
    folder, :func:`sim.report.pack.check_report_out`); ``clustersim report`` writes the A4 PDF
    and DOCX briefs and PDF figures too.
    """
    data = read_sweep(store, sweep)
    out = run_pack_dir(sweep, RUN_REPORT_ROOT)
    rep = write_report(data, out, formats=("html",), figure_formats=("png", "svg"),
                       progress=progress)  # fmt: skip
    return str(rep.out)


def run_sweep(
    path: str | Path,
    *,
    db: str | None = None,
    workers: int | None = None,
    executor: str = "processes",
    progress: bool = True,
    oversubscribe: bool = False,
) -> dict[str, Any]:
    """Run (or resume) a sweep file and store every run.

    Every design point x replicate x arm not yet stored as completed is run; the arms of one
    (point, replicate) travel in one chunk and share one seed (common random numbers). Only
    this process writes to the database.

    Args:
        path: The sweep TOML file.
        db: SQLAlchemy URL of the results database (default ``CLUSTERSIM_DB`` or
            ``results/clustersim.sqlite``).
        workers: Worker processes (default: CPU count).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        progress: Show a progress bar on a terminal.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs (otherwise
            they are capped at the CPU count, with a ``RuntimeWarning``).

    Returns:
        ``{sweep, total, completed, skipped, failed, database, elapsed_seconds}``.

    Raises:
        ExecutorLostError: The Dask scheduler was lost mid-sweep (:mod:`sim.run.executors`); the
            finished runs are stored, none is stored as failed for it, a rerun resumes.
    """
    t0 = time.perf_counter()
    prestart(executor)  # the workers' fork server preloads while this process prepares
    sw = load_sweep(path)
    reps = sw.spec.replications
    arms = list(sw.spec.arms)
    seeds = replicate_seeds(sw.root_seed, reps)
    base_hash = scenario_hash(sw.base)
    raw = sw.raw if sw.raw is not None else [None] * len(sw.points)
    points = [
        (i, point, base_hash if not point else scenario_hash(sc),
         None if row is None else [float(x) for x in row])
        for i, (point, sc, row) in enumerate(zip(sw.points, sw.scenarios, raw, strict=True))
    ]  # fmt: skip
    total = len(sw.points) * reps * len(arms)
    with open_store(db) as store:
        sweep_id = _register(store, sw.name, sw.base, sw.base_text,
                             sw.store_spec(), seed=sw.root_seed, replications=reps, arms=arms,
                             kind="sweep", points=points)  # fmt: skip
        counts = execute_pending(
            store,
            sweep_id,
            sw.scenarios,
            reps,
            arms,
            seeds,
            executor=executor,
            workers=workers,
            oversubscribe=oversubscribe,
            progress=progress,
        )
        return {
            "sweep": sw.name,
            "total": total,
            "completed": counts["completed"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
            "database": store.url_masked,
            "elapsed_seconds": round(time.perf_counter() - t0, 3),
        }


# ============================================================================================
# Reading back: comparison, sensitivity, reports, exports
# ============================================================================================
def list_sweeps(db: str | None = None) -> pd.DataFrame:
    """The stored sweeps with their definition and run counts, oldest first."""
    with open_store(db, readonly=True) as store:
        return store.list_sweeps()


def read(sweep: str, db: str | None = None, *, outcomes: list[str] | None = None) -> SweepData:
    """A stored sweep read back (:func:`sim.store.reading.read_sweep`)."""
    if outcomes is not None:
        check_outcomes(list(outcomes))
    with open_store(db, readonly=True) as store:
        return read_sweep(store, sweep, outcomes=outcomes)


def compare_sweep(
    name: str, db: str | None = None, outcomes: list[str] | None = None
) -> pd.DataFrame:
    """The regime table of a stored sweep, one row per design point and regime.

    Args:
        name: The sweep.
        db: Results database URL (default ``CLUSTERSIM_DB`` or ``results/clustersim.sqlite``).
        outcomes: Outcomes (default output, employment, productivity, market_share).

    Returns:
        Columns ``point, arm``, one column per varied parameter, then the columns of
        :func:`sim.analysis.comparison.compare`; sorted by point and the sweep's arm order.
        ``attrs`` holds the basis of the budget accounts: ``discount_rate`` (the scenario's
        ``experiment.discount_rate``) and ``horizon_quarters`` (the longest stored horizon).

    Raises:
        InputError: Unknown sweep (the message lists the stored ones) or outcome.
    """
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    check_outcomes(outcomes)
    with open_store(db, readonly=True) as store:
        data = read_sweep(store, name, networks=False)
    rate = data.scenario.experiment.discount_rate.value
    table = compare_points(data.outcomes, data.design, data.arms, outcomes=outcomes,
                           discount_rate=rate)  # fmt: skip
    quarters = int(data.outcomes["quarter"].max()) if not data.outcomes.empty else 0
    table.attrs = {"discount_rate": rate, "horizon_quarters": quarters}
    return table


def sensitivity(
    name: str,
    method: str,
    outcome: str,
    db: str | None = None,
    arm: str | None = None,
) -> pd.DataFrame:
    """Sensitivity indices of a regime's effect on one outcome over a sobol or morris sweep.

    Args:
        name: A sweep whose design method is ``method``.
        method: ``sobol`` or ``morris``.
        outcome: The outcome.
        db: Results database URL.
        arm: The regime (default: the sweep's first arm other than de_facto).

    Returns:
        One row per parameter (:func:`sim.analysis.sensitivity.sensitivity`).

    Raises:
        InputError: Unknown sweep, outcome, method or arm; a sweep of another design method; a
            sweep with missing runs.
    """
    check_outcomes([outcome])
    with open_store(db, readonly=True) as store:
        sw = require_sweep(store, name)
        regimes = [a for a in sw["arms"] if a != ARM_DE_FACTO]
        arm = arm or (regimes[0] if regimes else None)
        if arm not in regimes:
            raise InputError.parameter(
                "arm",
                f"arm '{arm}' is not a regime of sweep '{name}'; regimes: " + ", ".join(regimes),
            )
        data = read_sweep(store, name, outcomes=[outcome], networks=False)
    design = DesignSpec.model_validate(data.sweep["spec"].get("design", {}), strict=False)
    sample = data.sample if data.sample is not None else np.zeros((0, len(data.params)))
    return sensitivity_frame(data.outcomes, design, sample, method=method, outcome=outcome,
                             arm=arm, seed=int(data.sweep["root_seed"]))  # fmt: skip


def build_report(
    sweep: str,
    out: str | Path,
    *,
    db: str | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = BRIEF_FORMATS,
    figure_formats: Sequence[str] = FIGURE_FORMATS,
    tables: bool = True,
    outcomes: Sequence[str] | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> Report:
    """Write the figure pack, tables and brief of a stored sweep (:mod:`sim.report.pack`).

    ``progress`` shows a bar of the files written, with ETA, on a terminal; a callback
    ``(done, total)`` is called with the files written instead (the page's progress bar).

    Raises:
        InputError: Unknown sweep, language, format or outcome; a sweep without completed runs;
            ``out`` is a file or a non-empty folder that is not a clustersim report (checked
            before the database is read; nothing is created for a missing sweep).
    """
    check_report_options(langs, formats, figure_formats)
    check_report_out(out)
    with open_store(db, readonly=True) as store:
        data = read_sweep(store, sweep)
    return write_report(data, out, langs=langs, formats=formats, figure_formats=figure_formats,
                        tables=tables, outcomes=outcomes, progress=progress)  # fmt: skip


def export_sweep(
    sweep: str,
    out: str | Path = ".",
    fmt: str = "csv",
    *,
    db: str | None = None,
    outcomes: list[str] | None = None,
    lang: str | None = None,
) -> list[Path]:
    """Write the tidy runs and outcome tables of a stored sweep (:mod:`sim.report.export`).

    File names come from the sweep's name made safe (:func:`sim.report.paths.safe_component`);
    nothing is written outside ``out``. ``lang`` (``ru`` or ``en``) writes labelled tables with
    calendar quarters; None (default) the machine-readable ones.

    Raises:
        InputError: Unknown sweep, outcome, format or language; ``out`` is an existing file.
    """
    if outcomes is not None:
        check_outcomes(list(outcomes))
    output_folder(out)
    with open_store(db, readonly=True) as store:
        data = read_sweep(store, sweep, outcomes=outcomes, networks=False)
    return write_export(data, out, fmt, outcomes=outcomes, lang=lang)


# ============================================================================================
# Scenario discovery: where a regime fails a target (PRIM) and which parameters drive it
# ============================================================================================
DISCOVERY_METHODS = ("lhs", "sobol", "morris", "grid")
"""Design methods :func:`discover` accepts: a design that varies parameters over a range."""


@dataclass(frozen=True)
class SweepDiscovery:
    """Scenario discovery on one regime of a stored sweep (:func:`discover`).

    Attributes:
        sweep: The sweep.
        arm: The regime.
        params: The varied parameters (the uncertainties).
        discovery: The PRIM trajectory and box (:class:`sim.analysis.discovery.Discovery`).
        scores: Feature scores of the outcome with their bootstrap bands
            (:func:`sim.analysis.discovery.feature_scores`).
        table: The per-world table analysed: ``point``, the parameters and the outcome.
    """

    sweep: str
    arm: str
    params: list[str]
    discovery: Discovery
    scores: pd.DataFrame
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (``clustersim discover --json``)."""
        d = self.discovery
        return {
            "sweep": self.sweep, "arm": self.arm, "outcome": d.outcome,
            "threshold": d.threshold, "below": d.below, "worlds": d.n_worlds,
            "failing": d.n_cases, "base_rate": d.base_rate, "left_out": d.n_dropped,
            "found": d.found,
            "box_id": d.box_id,
            "coverage": None if not d.found else d.coverage,
            "density": None if not d.found else d.density,
            "mass": None if not d.found else d.mass,
            "box": json_records(d.box), "trajectory": json_records(d.trajectory),
            "feature_scores": json_records(self.scores),
            "text": {lang: d.to_text(lang) for lang in ("en", "ru")},
        }  # fmt: skip


def discovery_columns(table: pd.DataFrame, params: Sequence[str]) -> list[str]:
    """The columns of a per-point regime table that ``discover`` can take as its outcome.

    Every numeric column except ``point``, the varied parameters, ``n``, the CI bounds and the
    yes/no flags: the effects (``output_pct``, ``market_share_pp``, ...), the registration, the
    public-finance accounts (``net_federal``, ``be_regional``, ``federal_net``, ...) and the
    input-output effects.
    """
    skip = {"point", "n", *params}
    return [
        str(c)
        for c in table.columns
        if c not in skip
        and not str(c).endswith(("_ci_low", "_ci_high"))
        and pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]


def discover(
    sweep: str,
    outcome: str,
    threshold: float,
    *,
    db: str | None = None,
    arm: str | None = None,
    below: bool = True,
    min_density: float | None = None,
    bootstrap: int = 100,
) -> SweepDiscovery:
    """The conditions under which a regime fails a target over a stored sweep (PRIM).

    One world is one design point; its value is the column ``outcome`` of the sweep's regime
    table (:func:`compare_sweep`: an effect in % such as ``output_pct``, a budget account such
    as ``net_federal`` -- the federal net balance, mln RUB in present value --, ...). A world
    fails when the value is below ``threshold`` (or above it with ``below=False``).

    Args:
        sweep: A stored sweep with a varied design (lhs, sobol, morris or grid) of at least
            :data:`sim.analysis.discovery.MIN_WORLDS` points.
        outcome: A numeric column of the regime table (:func:`discovery_columns`); ``X_pct``
            and ``X_pp`` work for every outcome ``X`` of the catalogue.
        threshold: The target.
        db: Results database URL.
        arm: The regime (default: the sweep's first regime).
        below: Fail below the threshold (default) or above it.
        min_density: The least density the reported box must have (default: any above the
            base rate).
        bootstrap: Bootstrap resamples of the feature scores' bands.

    Returns:
        The PRIM trajectory and box, and the feature scores of the outcome.

    Raises:
        InputError: Unknown sweep, arm or outcome (the message lists the allowed names); a
            sweep without a varied design or with too few points; a non-finite threshold.
    """
    if not np.isfinite(threshold):
        raise InputError.parameter("threshold", f"the threshold must be finite, got {threshold}")
    with open_store(db, readonly=True) as store:
        sw = require_sweep(store, sweep)
        regimes = [a for a in sw["arms"] if a != ARM_DE_FACTO]
        arm = arm or (regimes[0] if regimes else None)
        if arm not in regimes:
            raise InputError.parameter(
                "arm",
                f"arm '{arm}' is not a regime of sweep '{sweep}'; regimes: " + ", ".join(regimes),
            )
        design = DesignSpec.model_validate(sw["spec"].get("design", {}), strict=False)
        n_points = design_size(design)
        if design.method not in DISCOVERY_METHODS or not design.vary:
            raise InputError.parameter(
                "sweep",
                f"sweep '{sweep}' has no varied design (method '{design.method}'); scenario "
                "discovery needs the worlds of an lhs, sobol, morris or grid design",
            )
        if n_points < MIN_WORLDS:
            raise InputError.parameter(
                "sweep",
                f"sweep '{sweep}' has {n_points} design points; scenario discovery needs at "
                f"least {MIN_WORLDS} worlds: with fewer a box holds a handful of worlds and its "
                "coverage and density say nothing",
            )
        data = read_sweep(store, sweep, networks=False)
    outcomes = list(DEFAULT_OUTCOMES)
    for suffix in ("_pct", "_pp"):
        name = outcome.removesuffix(suffix)
        if outcome.endswith(suffix) and name in OUTCOME_NAMES and name not in outcomes:
            outcomes.append(name)
    rate = data.scenario.experiment.discount_rate.value
    table = compare_points(data.outcomes, data.design, data.arms, outcomes=outcomes,
                           discount_rate=rate)  # fmt: skip
    params = [str(c) for c in data.design.columns if c not in ("point", "scenario_hash")]
    allowed = discovery_columns(table, params)
    if outcome not in allowed:
        raise InputError.parameter(
            "outcome",
            f"'{outcome}' is not a numeric column of the regime table; use one of: "
            f"{', '.join(allowed)}; or X_pct (X_pp for shares) for any outcome X: "
            f"{', '.join(OUTCOME_NAMES)}",
        )
    rows = table[table["arm"] == arm].reset_index(drop=True)
    worlds = rows[["point", *params, outcome]]
    ranges = {
        v.key: (float(v.low), float(v.high))
        for v in design.vary
        if v.low is not None and v.high is not None
    }
    subject = f"{arm}"
    found = discovery_frame(worlds, params, outcome_column=outcome, threshold=threshold,
                            below=below, min_density=min_density, ranges=ranges,
                            subject=subject)  # fmt: skip
    scores = feature_scores(worlds, params, outcome, seed=int(data.sweep["root_seed"]),
                            bootstrap=bootstrap)  # fmt: skip
    return SweepDiscovery(sweep=sweep, arm=arm, params=params, discovery=found, scores=scores,
                          table=worlds)  # fmt: skip


def calibrate(
    path: str | Path | Scenario,
    *,
    draws: int = 200,
    replications: int = 1,
    seed: int | None = None,
    workers: int | None = None,
    executor: str = "processes",
    prior: Mapping[str, PriorSpec] | None = None,
    out: str | Path | None = None,
    targets: Mapping[str, Target] | None = None,
    tolerance_scale: float = 1.0,
    oversubscribe: bool = False,
    progress: bool | Callable[[int, int], None] = False,
) -> Calibration:
    """Simulation-based calibration (ABC rejection) of the de-facto arm (docs/model.md 10.6).

    Draws the prior's parameters on a Latin hypercube, runs each draw's scenario for
    ``replications`` seeds and accepts the draws whose every calibration statistic
    (:func:`sim.run.targets.calibration_figures`) lies within its target's tolerance
    (:func:`sim.run.abc.abc_rejection`). Nothing is stored.

    The default prior (:data:`sim.run.abc.DEFAULT_PRIOR`) is the six parameters of
    docs/model.md 10.4 the targets could inform: the market's size (12-48 bn RUB a year,
    log-uniform), the rivals' and the cluster's productivity trends (0.02-0.05 and
    0.015-0.035 a year), the order window (8-16 quarters), the price sensitivity of the order
    logit (2-8) and the market loan spread (0.02-0.06). The first four move the late growth, the
    share drift, the order-book cover or output per worker; the last two hardly move any
    statistic and show what the data leave open.

    Args:
        path: Scenario TOML file (or a validated scenario).
        draws: Parameter draws (1 to 10,000).
        replications: Seeds per draw; its statistics are their means.
        seed: Root seed (default: the scenario's ``experiment.seed``).
        workers: Worker processes (default: one per CPU).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        prior: ``{dotted key: (low, high)}``, ``(low, high, log)`` or ``{"low", "high", "log"}``
            (default :data:`~sim.run.abc.DEFAULT_PRIOR`); a scenario's uncertainty table in
            that shape can be passed as is.
        out: When given, the accepted draws are written there as CSV (the world set).
        targets: Targets to use instead of :data:`sim.run.targets.TARGETS` (a subset, or other
            values, e.g. for a parameter-recovery test).
        tolerance_scale: Accept within this multiple of every target's tolerance.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.
        progress: True for a progress bar on a terminal, or a callback ``(done, total)``.

    Returns:
        The :class:`~sim.run.abc.Calibration` (draws, fit and narrowing tables).

    Raises:
        InputError: A bad scenario file, prior, target or count; ``out`` in a folder that does
            not exist or is a folder itself (checked before anything runs).
    """
    sc = path if isinstance(path, Scenario) else load_scenario(path)
    if out is not None:
        target = Path(out)
        if target.is_dir():
            raise InputError.parameter("out", f"cannot write {target}: it is a folder")
        if not target.parent.is_dir():
            raise InputError.parameter(
                "out", f"cannot write {target}: the folder {target.parent} does not exist"
            )
    cal = abc_rejection(sc, DEFAULT_PRIOR if prior is None else prior, draws=draws,
                        replications=replications, seed=seed, targets=targets,
                        tolerance_scale=tolerance_scale, executor=executor, workers=workers,
                        oversubscribe=oversubscribe, progress=progress)  # fmt: skip
    if out is not None:
        cal.write_csv(out)
    return cal
