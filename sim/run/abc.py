"""Simulation-based calibration by ABC rejection: which parameter values reproduce the data.

Approximate Bayesian computation with rejection (docs/model.md 10.6): parameter draws from a
uniform (or log-uniform) prior, a Latin hypercube over the prior's box; each draw's scenario runs
the de-facto arm for ``replications`` seeds; the draw's statistics
(:func:`sim.run.targets.calibration_figures`, averaged over its replications) are compared with
the targets. A draw is *accepted* when every statistic is within its target's tolerance
(optionally scaled): ``|stat - target| <= scale * tol * |target|``; its *distance* is the largest
of ``|stat - target| / (tol * |target|)`` over the targets, so accepted means distance <= scale.
The accepted draws are the calibrated uncertainty set of the world.

Reproducibility: the root seed is split (``numpy.random.SeedSequence``) into the design's seed
and the runs' seeds; draw ``i`` runs its replications on seeds spawned from child ``i`` (each
draw has its own seeds: the noise of the model is part of what ABC has to tolerate). Results
are ordered by draw and replicate before anything is computed, so every executor (``local``,
``processes``, Dask) gives the same table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_INDEX
from sim.run.designs import MAX_DESIGN_POINTS
from sim.run.progress import Progress, ticker
from sim.run.results import RunKey, RunResult
from sim.run.runner import run_tasks
from sim.run.seeds import MAX_REPLICATIONS, MAX_RUNS
from sim.run.targets import TARGETS, YEARS_NEEDED, Target, calibration_figures
from sim.run.tasks import RunTask, run_models
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = [
    "DEFAULT_PRIOR",
    "NARROWED_RATIO",
    "Calibration",
    "PriorRange",
    "abc_rejection",
    "draw_seeds",
    "normalise_prior",
    "prior_sample",
]

#: A parameter counts as narrowed by the data when its accepted 5-95 % range is less than this
#: share of its prior 5-95 % range (in log units for a log-uniform prior).
NARROWED_RATIO = 0.7
#: Fewer accepted draws than this: no verdict on narrowing (the quantiles are too noisy).
MIN_ACCEPTED_FOR_VERDICT = 10
#: The outcome columns the statistics need (the rest of a run's outcomes are dropped at once).
_STAT_COLUMNS = ("large_output", "large_employment", "order_book", "new_orders")


#: The default prior (docs/model.md 10.4 and 10.6): the parameters no target was set to pin down
#: whose ranges the targets could narrow. In a one-at-a-time check (8 paired seeds, each end of
#: the range) the first four move the late growth, the share drift, the order-book cover or
#: output per worker by about one tolerance or more; the last two hardly move any statistic and
#: are included to show that the data leave them open (they stay ranges in the world set).
DEFAULT_PRIOR: dict[str, tuple[float, float] | tuple[float, float, bool]] = {
    "market.market_orders_mln_rub_per_year": (12_000.0, 48_000.0, True),  # a factor of 4: log
    "market.rival_productivity_trend_per_year": (0.02, 0.05),
    "production.productivity_trend_per_year": (0.015, 0.035),
    "market.order_window_quarters": (8.0, 16.0),
    "market.price_sensitivity": (2.0, 8.0),
    "finance.market_loan_spread": (0.02, 0.06),
}


@dataclass(frozen=True)
class PriorRange:
    """The prior of one parameter: uniform on ``[low, high]``, or log-uniform when ``log``.

    Attributes:
        low: Lower bound.
        high: Upper bound (> low).
        log: Uniform in ``log(x)`` (both bounds > 0): for a scale parameter whose plausible
            range spans a factor of several (e.g. the market's size).
    """

    low: float
    high: float
    log: bool = False

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values at the prior's quantiles ``u`` (in [0, 1))."""
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """The prior's quantiles of values ``x`` (the inverse of :meth:`from_unit`)."""
        x = np.asarray(x, dtype=float)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return (np.log(x) - lo) / (hi - lo)
        return (x - self.low) / (self.high - self.low)

    def width(self, lo: float, hi: float) -> float:
        """The width of ``[lo, hi]`` on the prior's scale (log units when ``log``)."""
        if self.log:
            return math.log(hi) - math.log(lo) if lo > 0 and hi > 0 else float("nan")
        return hi - lo

    def quantile_width(self, q: float = 0.9) -> float:
        """Width of the prior's central ``q`` range on its own scale (``q`` x the full width)."""
        return q * self.width(self.low, self.high)


PriorSpec = PriorRange | Sequence[Any] | Mapping[str, Any]


def normalise_prior(prior: Mapping[str, PriorSpec]) -> dict[str, PriorRange]:
    """The prior as ``{dotted key: PriorRange}``, checked.

    Each value may be a :class:`PriorRange`, ``(low, high)``, ``(low, high, log)`` or a mapping
    with ``low``, ``high`` and optionally ``log`` (the shape of a scenario's uncertainty table).

    Raises:
        InputError: An empty prior, a malformed range, ``low >= high``, a bound that is not
            finite, or a log range with a bound <= 0 (``prior`` names the argument).
    """
    if not prior:
        raise InputError.parameter("prior", "the prior names no parameter")
    out: dict[str, PriorRange] = {}
    for key, spec in prior.items():
        try:
            if isinstance(spec, PriorRange):
                rng = spec
            elif isinstance(spec, Mapping):
                unknown = set(spec) - {"low", "high", "log"}
                if unknown:
                    raise ValueError(f"unknown fields {sorted(unknown)}; use low, high, log")
                rng = PriorRange(float(spec["low"]), float(spec["high"]),
                                 bool(spec.get("log", False)))  # fmt: skip
            else:
                items = list(spec)
                if len(items) not in (2, 3):
                    raise ValueError("expected (low, high) or (low, high, log)")
                rng = PriorRange(float(items[0]), float(items[1]),
                                 bool(items[2]) if len(items) == 3 else False)  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InputError.parameter("prior", f"{key}: {detail}") from None
        if not (math.isfinite(rng.low) and math.isfinite(rng.high)) or rng.low >= rng.high:
            raise InputError.parameter(
                "prior", f"{key}: needs finite low < high, got [{rng.low}, {rng.high}]"
            )
        if rng.log and rng.low <= 0:
            raise InputError.parameter("prior", f"{key}: a log range needs low > 0")
        out[str(key)] = rng
    return out


def prior_sample(
    prior: Mapping[str, PriorRange], draws: int, seed: np.random.SeedSequence
) -> pd.DataFrame:
    """``draws`` Latin-hypercube draws from the prior (one column per key, one row per draw)."""
    from scipy.stats import qmc  # SciPy's stats stack: only when drawing

    keys = list(prior)
    unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(draws)
    return pd.DataFrame({k: prior[k].from_unit(unit[:, j]) for j, k in enumerate(keys)})


def draw_seeds(seed: np.random.SeedSequence, draws: int, replications: int) -> list[list[int]]:
    """Model seeds of each draw's replications: child ``i`` of ``seed`` spawns draw ``i``'s."""
    out = []
    for child in seed.spawn(draws):
        out.append([int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
                    for c in child.spawn(replications)])  # fmt: skip
    return out


def _run_chunk(tasks: Sequence[RunTask]) -> list[RunResult]:
    """Worker: run each task (as blocks); keep only the columns the statistics need."""
    cols = [OUTCOME_INDEX[c] for c in _STAT_COLUMNS]
    out = []
    for made in run_models(tasks):
        common = {"key": made.task.key, "seed": made.task.seed,
                  "wall_seconds": made.wall_seconds, "code_version": __version__}  # fmt: skip
        if made.model is None:
            out.append(RunResult(status="failed", error=made.error, **common))
        else:
            outcomes = np.ascontiguousarray(made.model.outcomes[:, cols])
            out.append(RunResult(status="completed", outcomes=outcomes, **common))
    return out


def _figures(results: list[RunResult], targets: Mapping[str, Target]) -> dict[str, float]:
    """A draw's statistics from its replications (NaN when a replication failed)."""
    if any(r.status != "completed" or r.outcomes is None for r in results):
        return {name: float("nan") for name in targets}
    frames = []
    for r in sorted(results, key=lambda r: r.key.replicate):
        f = pd.DataFrame(r.outcomes, columns=list(_STAT_COLUMNS))
        f.insert(0, "quarter", np.arange(1, len(f) + 1))
        f.insert(0, "replicate", r.key.replicate)
        frames.append(f)
    figures = calibration_figures(pd.concat(frames, ignore_index=True))
    return {name: figures[name] for name in targets}


@dataclass
class Calibration:
    """The result of an ABC rejection run.

    Attributes:
        scenario: The scenario's name.
        draws: One row per draw: ``draw``, the parameter values (one column per dotted key),
            each target's statistic (one column per target name), ``distance`` (largest
            ``|stat - target| / (tol * |target|)``; inf when a run failed) and ``accepted``.
        prior: The prior, per dotted key.
        targets: The targets the draws were compared with.
        replications: Replications per draw.
        seed: The root seed.
        tolerance_scale: Accepted when ``distance <= tolerance_scale``.
        counts: Runs ``completed`` and ``failed``.
        elapsed_seconds: Wall time of the whole calibration.
    """

    scenario: str
    draws: pd.DataFrame
    prior: dict[str, PriorRange]
    targets: dict[str, Target]
    replications: int
    seed: int
    tolerance_scale: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters (dotted keys)."""
        return list(self.prior)

    def accepted(self) -> pd.DataFrame:
        """The accepted draws (the calibrated uncertainty set)."""
        return self.draws[self.draws["accepted"]].reset_index(drop=True)

    def fit_table(self) -> pd.DataFrame:
        """Per target: the data, the tolerance band, and the model over accepted and all draws.

        Returns:
            One row per target: ``target, description, data, tolerance, band_low, band_high``
            (the values within tolerance x scale), ``accepted_median, accepted_p05,
            accepted_p95`` (NaN when no draw is accepted), ``all_median, all_p05, all_p95``
            and ``all_within`` (share of all draws meeting this target alone).
        """
        acc = self.accepted()
        rows = []
        for name, t in self.targets.items():
            half = self.tolerance_scale * t.tolerance * abs(t.value)
            stat_all = self.draws[name]
            ok = stat_all.notna()
            row: dict[str, Any] = {
                "target": name,
                "description": t.description,
                "data": t.value,
                "tolerance": t.tolerance,
                "band_low": t.value - half,
                "band_high": t.value + half,
            }
            for label, s in (("accepted", acc[name]), ("all", stat_all[ok])):
                empty = s.empty
                row[f"{label}_median"] = float("nan") if empty else float(s.median())
                row[f"{label}_p05"] = float("nan") if empty else float(s.quantile(0.05))
                row[f"{label}_p95"] = float("nan") if empty else float(s.quantile(0.95))
            dist = np.array([t.distance(v) for v in stat_all])
            row["all_within"] = float((dist <= self.tolerance_scale).mean()) if len(dist) else 0.0
            rows.append(row)
        return pd.DataFrame(rows)

    def narrowing_table(self) -> pd.DataFrame:
        """Per parameter: the prior range and what the accepted draws left of it.

        The width ratio is the accepted draws' 5-95 % range over the prior's 5-95 % range (90 %
        of its full width), in log units for a log-uniform prior: about 1 when the data say
        nothing about the parameter. The verdict is ``narrowed`` when the ratio is below
        :data:`NARROWED_RATIO` (0.7), ``not narrowed`` otherwise, and ``too few accepted`` with
        fewer than :data:`MIN_ACCEPTED_FOR_VERDICT` accepted draws.

        The acceptance rate in each fifth of the prior (on its scale) shows what the width ratio
        cannot: a parameter the data make less likely at one end without cutting that end off
        (e.g. 11 % of the draws accepted in the lowest fifth, 36 % in the fourth).

        Returns:
            One row per parameter: ``parameter, prior_low, prior_high, log, accepted_p05,
            accepted_median, accepted_p95, width_ratio, verdict`` and ``accept_fifth_1`` to
            ``accept_fifth_5`` (share of the draws in that fifth of the prior accepted).
        """
        acc = self.accepted()
        rows = []
        for key, pr in self.prior.items():
            fifth = np.clip((pr.to_unit(self.draws[key].to_numpy()) * 5).astype(int), 0, 4)
            ok = self.draws["accepted"].to_numpy()
            rates = {f"accept_fifth_{k + 1}": float(ok[fifth == k].mean()) if (fifth == k).any()
                     else float("nan") for k in range(5)}  # fmt: skip
            s = acc[key]
            if s.empty:
                p05 = med = p95 = ratio = float("nan")
            else:
                p05, med, p95 = (float(s.quantile(q)) for q in (0.05, 0.5, 0.95))
                ratio = pr.width(p05, p95) / pr.quantile_width(0.9)
            if len(s) < MIN_ACCEPTED_FOR_VERDICT:
                verdict = "too few accepted"
            else:
                verdict = "narrowed" if ratio < NARROWED_RATIO else "not narrowed"
            rows.append({"parameter": key, "prior_low": pr.low, "prior_high": pr.high,
                         "log": pr.log, "accepted_p05": p05, "accepted_median": med,
                         "accepted_p95": p95, "width_ratio": ratio,
                         "verdict": verdict, **rates})  # fmt: skip
        return pd.DataFrame(rows)

    def write_csv(self, path: str | Path, *, all_draws: bool = False) -> Path:
        """Write the accepted draws (or every draw) as CSV: the world set for later runs.

        Columns: ``draw``, one per parameter (dotted key), one per target statistic,
        ``distance`` and ``accepted``.

        Returns:
            The file written.
        """
        path = Path(path)
        (self.draws if all_draws else self.accepted()).to_csv(path, index=False)
        return path

    def to_text(self) -> str:
        """The fit table, the narrowing table and the acceptance count, as aligned text."""
        n, k = len(self.draws), int(self.draws["accepted"].sum())
        scale = "" if self.tolerance_scale == 1 else f" x {self.tolerance_scale:g}"
        lines = [
            f"ABC rejection calibration of {self.scenario}, de-facto arm: {n} draws (Latin "
            f"hypercube over the prior) x {self.replications} replication"
            f"{'s' if self.replications != 1 else ''}, root seed {self.seed}; runs: "
            f"{self.counts.get('completed', 0)} completed, {self.counts.get('failed', 0)} failed"
            f" ({self.elapsed_seconds:.1f} s)",
            f"accepted: {k} of {n} draws ({100 * k / max(n, 1):.1f} %), every target within its "
            f"tolerance{scale}",
            "",
            "fit: target, data +- tolerance, model median [5-95 %] over accepted and over all "
            "draws, share of all draws within this target's tolerance",
        ]
        fit = self.fit_table()
        rows = [("target", "data", "tol", "accepted: median [5-95 %]", "all: median [5-95 %]",
                 "all within")]  # fmt: skip
        for _, r in fit.iterrows():
            rows.append((
                r["target"],
                _num(r["data"]),
                f"{100 * r['tolerance'] * self.tolerance_scale:.0f} %",
                _band(r["accepted_median"], r["accepted_p05"], r["accepted_p95"]),
                _band(r["all_median"], r["all_p05"], r["all_p95"]),
                f"{100 * r['all_within']:.0f} %",
            ))  # fmt: skip
        lines += _aligned(rows)
        lines += [
            "",
            f"narrowing: accepted 5-95 % range vs the prior's 5-95 % range (log scale for log "
            f"priors); narrowed when the ratio < {NARROWED_RATIO:g}; share of the draws accepted "
            "in each fifth of the prior, lowest first",
        ]
        rows = [("parameter", "prior", "accepted: median [5-95 %]", "width ratio", "verdict",
                 "accepted by prior fifth, %")]  # fmt: skip
        for _, r in self.narrowing_table().iterrows():
            prior = f"{_num(r['prior_low'])} - {_num(r['prior_high'])}" + (
                " (log)" if r["log"] else ""
            )
            ratio = "n/a" if not np.isfinite(r["width_ratio"]) else f"{r['width_ratio']:.2f}"
            fifths = " ".join(
                "-" if not np.isfinite(r[f"accept_fifth_{k}"]) else
                f"{100 * r[f'accept_fifth_{k}']:.0f}" for k in range(1, 6)
            )  # fmt: skip
            rows.append((r["parameter"], prior,
                         _band(r["accepted_median"], r["accepted_p05"], r["accepted_p95"]),
                         ratio, r["verdict"], fifths))  # fmt: skip
        lines += _aligned(rows)
        if k == 0:
            lines += ["", "no draw met every target: more draws, or a wider prior, or a "
                      "larger tolerance scale"]  # fmt: skip
        return "\n".join(lines) + "\n"


def _num(v: float) -> str:
    """A number with 4 significant digits, thousands separated."""
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _band(m: float, lo: float, hi: float) -> str:
    if not np.isfinite(m):
        return "n/a"
    return f"{_num(m)} [{_num(lo)}, {_num(hi)}]"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[j])) for r in rows) for j in range(len(rows[0]))]
    out = []
    for r in rows:
        rest = zip(r[1:], widths[1:], strict=True)
        cells = [f"{r[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in rest)]
        out.append("  ".join(cells).rstrip())
    return out


def _check_counts(draws: int, replications: int) -> tuple[int, int]:
    draws, replications = int(draws), int(replications)
    if not 1 <= draws <= MAX_DESIGN_POINTS:
        raise InputError.parameter(
            "draws", f"{draws:,} draws asked for; allowed 1 to {MAX_DESIGN_POINTS:,}"
        )
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError.parameter(
            "replications",
            f"{replications:,} replications per draw asked for; allowed 1 to {MAX_REPLICATIONS:,}",
        )
    if draws * replications > MAX_RUNS:
        raise InputError.parameter(
            "draws",
            f"{draws:,} draws x {replications:,} replications is more than {MAX_RUNS:,} runs",
        )
    return draws, replications


def abc_rejection(
    scenario: Scenario,
    prior: Mapping[str, PriorSpec],
    *,
    draws: int,
    replications: int = 1,
    seed: int | None = None,
    targets: Mapping[str, Target] | None = None,
    tolerance_scale: float = 1.0,
    executor: str = "processes",
    workers: int | None = None,
    oversubscribe: bool = False,
    progress: bool | Callable[[int, int], None] = False,
) -> Calibration:
    """ABC rejection of the de-facto arm against the calibration targets.

    Args:
        scenario: The base scenario (horizon at least 10 years: the targets need year 10).
        prior: ``{dotted key: range}`` (see :func:`normalise_prior`); uniform, or log-uniform.
        draws: Parameter draws (Latin hypercube over the prior), 1 to 10,000.
        replications: Seeds per draw (the draw's statistics are their means).
        seed: Root seed (default: the scenario's ``experiment.seed``).
        targets: The targets (default :data:`sim.run.targets.TARGETS`); a subset, or other
            values (e.g. statistics of simulated data for a parameter-recovery test). Names must
            be statistics of :func:`~sim.run.targets.calibration_figures`.
        tolerance_scale: Accept when every statistic is within ``tolerance_scale`` x its
            target's tolerance (> 0).
        executor: ``local``, ``processes`` or ``dask://HOST:PORT``.
        workers: Worker processes.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.
        progress: True for a progress bar on a terminal, or a callback ``(done, total)``.

    Returns:
        The :class:`Calibration`.

    Raises:
        InputError: A bad prior (an unknown key, a value the scenario refuses at a bound), a
            target that is not a statistic, counts out of range, a horizon shorter than 10 years.
    """
    t0 = time.perf_counter()
    draws, replications = _check_counts(draws, replications)
    ranges = normalise_prior(prior)
    targets = dict(TARGETS if targets is None else targets)
    unknown = [n for n in targets if n not in TARGETS]
    if unknown or not targets:
        what = f"unknown statistics {unknown}" if unknown else "no target given"
        raise InputError.parameter("targets", f"{what}; known: " + ", ".join(TARGETS))
    if not (math.isfinite(tolerance_scale) and tolerance_scale > 0):
        raise InputError.parameter("tolerance_scale", f"expected > 0, got {tolerance_scale}")
    horizon = scenario.scenario.horizon_quarters
    if horizon < 4 * YEARS_NEEDED:
        raise InputError.parameter(
            "scenario", f"horizon of {horizon} quarters; the targets need {4 * YEARS_NEEDED}"
        )
    for key, pr in ranges.items():  # an unknown key or a refused bound, before any run
        apply_overrides(scenario, {key: pr.low}, source="prior")
        apply_overrides(scenario, {key: pr.high}, source="prior")
    root = scenario.experiment.seed if seed is None else int(seed)
    design_ss, runs_ss = np.random.SeedSequence(root).spawn(2)
    sample = prior_sample(ranges, draws, design_ss)
    seeds = draw_seeds(runs_ss, draws, replications)
    tasks = []
    for i, point in enumerate(sample.to_dict(orient="records")):
        sc = apply_overrides(scenario, point, source=f"abc draw {i}")
        tasks += [RunTask(sc, RunKey(i, r, ARM_DE_FACTO), seeds[i][r])
                  for r in range(replications)]  # fmt: skip

    figures: dict[int, dict[str, float]] = {}
    waiting: dict[int, list[RunResult]] = {}

    def collect(batch: list[RunResult]) -> None:
        for res in batch:  # a draw's statistics once all its replications are in
            got = waiting.setdefault(res.key.point, [])
            got.append(res)
            if len(got) == replications:
                figures[res.key.point] = _figures(waiting.pop(res.key.point), targets)

    tick = ticker(len(tasks), progress)
    try:
        counts = run_tasks(tasks, executor=executor, workers=workers,
                           oversubscribe=oversubscribe, chunk_size=4, on_results=collect,
                           batch_size=16, progress=tick, chunk_fn=_run_chunk)  # fmt: skip
    finally:
        if isinstance(tick, Progress):
            tick.close()
    table = sample.copy()
    table.insert(0, "draw", np.arange(draws))
    nan = dict.fromkeys(targets, float("nan"))
    stats = pd.DataFrame([figures.get(i, nan) for i in range(draws)], columns=list(targets))
    table = pd.concat([table, stats], axis=1)
    dist = np.array([max(t.distance(row[n]) for n, t in targets.items())
                     for _, row in stats.iterrows()])  # fmt: skip
    table["distance"] = dist
    table["accepted"] = dist <= tolerance_scale
    return Calibration(scenario=scenario.scenario.name, draws=table, prior=ranges,
                       targets=targets, replications=replications, seed=root,
                       tolerance_scale=float(tolerance_scale), counts=dict(counts),
                       elapsed_seconds=time.perf_counter() - t0)  # fmt: skip
