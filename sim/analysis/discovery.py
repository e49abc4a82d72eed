"""Scenario discovery: the conditions under which a regime fails a target (PRIM), and scores.

One row of the input table is one design point (a "world") of a varied sweep for one regime;
the varied parameters are its uncertainties. A world is a **case of interest** when the
regime fails the target there: ``value < threshold`` (``below=True``, e.g. the federal net
balance below zero: the package does not pay back) or ``value > threshold``.

:func:`discover` runs PRIM (Friedman & Fisher 1999, as adapted for scenario discovery by
Bryant & Lempert 2010) from the EMA Workbench (``ema_workbench.analysis.prim.Prim``): it peels
thin slices off the box of all worlds, one parameter at a time, keeping the slice whose removal
raises the share of cases in the box the most, and records every box on the way (the **peeling
trajectory**). Each box is read by

* **coverage** -- the share of all failing worlds that lie inside the box (how much of the
  failure the box explains);
* **density** -- the share of the worlds inside the box that fail (how sure failure is there);
* **mass** -- the share of all worlds inside the box.

Along the trajectory density rises and coverage falls. The box reported is the one with the
largest harmonic mean of coverage and density (the F1 score of "inside the box" as a predictor
of failure: the knee of the trade-off), among boxes with density at least ``min_density``
(when given) and above the base rate; when no box qualifies, none is reported.

:func:`feature_scores` ranks the parameters by extra-trees feature scores
(``ema_workbench.analysis.feature_scoring.get_ex_feature_scores``): the score on all worlds,
and a 5-95 % band from the same scoring on bootstrap resamples of the worlds.

DataFrames in, dataclasses and DataFrames out. The EMA Workbench is imported inside the
functions (it takes seconds to import) and its log messages and warnings are silenced.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import InputError

__all__ = ["MIN_WORLDS", "Discovery", "discover", "failing", "feature_scores"]

MIN_WORLDS = 20
"""Fewest worlds (design points) PRIM is run on: with fewer, a box holds a handful of worlds
and its coverage and density say nothing."""

QP_SIGNIFICANT = 0.05
"""A restriction whose quasi-p-value is above this is reported as possibly chance."""

_LANGS = ("ru", "en")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the EMA Workbench's logger and the warnings of it and its dependencies."""
    logger = logging.getLogger("EMA")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _check_table(table: pd.DataFrame, params: Sequence[str], outcome_column: str) -> None:
    missing = [p for p in params if p not in table.columns]
    if not params or missing:
        raise InputError.parameter(
            "params",
            "no varied parameters given"
            if not params
            else f"unknown parameter column(s) {', '.join(missing)}; columns: "
            + ", ".join(map(str, table.columns)),
        )
    if outcome_column not in table.columns:
        raise InputError.parameter(
            "outcome", f"unknown column '{outcome_column}'; columns: " + ", ".join(table.columns)
        )


def _worlds(
    table: pd.DataFrame, params: Sequence[str], outcome_column: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The parameter matrix (float columns) and the outcome of the worlds with a finite value."""
    _check_table(table, params, outcome_column)
    value = pd.to_numeric(table[outcome_column], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(value)
    x = table.loc[keep, list(params)].astype(float).reset_index(drop=True)
    if len(x) < MIN_WORLDS:
        short = len(table) < MIN_WORLDS  # too few worlds, or too few with a value
        raise InputError.parameter(
            "sweep" if short else "outcome",
            f"{len(x)} of {len(table)} worlds (design points) have a finite {outcome_column}; "
            f"scenario discovery needs at least {MIN_WORLDS}: with fewer a box holds a handful "
            "of worlds and its coverage and density say nothing"
            + (". Use an lhs, sobol or morris sweep with more samples" if short else ""),
        )
    return x, value[keep]


def failing(value: np.ndarray | pd.Series, threshold: float, *, below: bool = True) -> np.ndarray:
    """Whether each world fails the target: ``value < threshold`` (``below``) else ``>``."""
    v = np.asarray(value, dtype=float)
    return (v < threshold) if below else (v > threshold)


@dataclass(frozen=True)
class Discovery:
    """What PRIM found: the peeling trajectory and the chosen box.

    Attributes:
        outcome: The outcome column.
        threshold: The target.
        below: Failing is ``value < threshold`` (True) or ``value > threshold`` (False).
        n_worlds: Worlds (design points) analysed.
        n_cases: Worlds that fail the target.
        base_rate: ``n_cases / n_worlds``.
        trajectory: One row per box on the peeling (and pasting) trajectory: ``box`` (its id,
            0 = all worlds), ``coverage``, ``density``, ``mass``, ``n`` (worlds in the box),
            ``cases``, ``res_dim`` (restricted parameters), ``restricted`` (their names),
            ``f1`` (harmonic mean of coverage and density) and ``chosen``.
        box: The chosen box, one row per restricted parameter: ``parameter``, ``low``, ``high``
            (the box's limits; a side left at the range's end is not a restriction),
            ``range_low``, ``range_high`` (the parameter's range over the worlds, or as given),
            ``restricted`` (``low``, ``high`` or ``both``) and ``qp`` (quasi-p-value of the
            restriction, Bryant & Lempert 2010: the chance of a density this high if the
            restriction were dropped; the larger of its two sides). Empty when no box was found.
        box_id: The chosen box's id on the trajectory, or None.
        coverage: The chosen box's coverage (NaN without a box).
        density: Its density (NaN without a box).
        mass: Its mass (NaN without a box).
        min_density: The least density a box had to reach (None: any above the base rate).
        subject: Who fails, for the text (e.g. the regime's name).
        n_dropped: Worlds left out because their value is not finite (e.g. a budget
            efficiency where the budget bears no cost).
        dropped: Restrictions of the trajectory's box dropped as chance (quasi-p above
            :data:`QP_SIGNIFICANT`); ``coverage``, ``density`` and ``mass`` are the simpler
            box's.
    """

    outcome: str
    threshold: float
    below: bool
    n_worlds: int
    n_cases: int
    base_rate: float
    trajectory: pd.DataFrame
    box: pd.DataFrame
    box_id: int | None
    coverage: float
    density: float
    mass: float
    min_density: float | None = None
    subject: str = ""
    n_dropped: int = 0
    dropped: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether a box was found."""
        return self.box_id is not None

    def conditions(self) -> list[str]:
        """The box's restrictions, one condition per parameter (``market.x > 5.1``)."""
        out = []
        for r in self.box.itertuples(index=False):
            if r.restricted == "low":
                out.append(f"{r.parameter} > {_num(r.low)}")
            elif r.restricted == "high":
                out.append(f"{r.parameter} < {_num(r.high)}")
            else:
                out.append(f"{_num(r.low)} < {r.parameter} < {_num(r.high)}")
        return out

    def to_text(self, lang: str = "en") -> str:
        """The result in plain words (``lang``: ``en`` or ``ru``)."""
        lang = _lang(lang)
        who = self.subject or {"en": "The regime", "ru": "Режим"}[lang]
        sign = "<" if self.below else ">"
        target = f"{self.outcome} {sign} {_num(self.threshold)}"
        base = _pct(self.base_rate)
        if lang == "en":
            head = (
                f"{who} fails the target, i.e. {target}, in {self.n_cases} of "
                f"{self.n_worlds} worlds ({base})."
            )
        else:
            head = (
                f"{who} не достигает цели, т. е. {target}, в {self.n_cases} из "
                f"{self.n_worlds} миров ({base})."
            )
        if not self.found:
            if self.n_cases == 0 or self.n_cases == self.n_worlds:
                why = {
                    "en": "No box: every world is alike (no failing or no passing world).",
                    "ru": "Области нет: все миры одинаковы (нет провалов или нет успехов).",
                }
            else:
                need = "" if self.min_density is None else f" (≥ {_pct(self.min_density)})"
                why = {
                    "en": f"No box found: no box on the peeling trajectory has a density{need} "
                    "above the base rate.",
                    "ru": f"Область не найдена: ни у одной области траектории плотность{need} "
                    "не выше базовой доли.",
                }
            return f"{head} {why[lang]}"
        conds = f" {'and' if lang == 'en' else 'и'} ".join(self.conditions())
        weak_names = list(self.box.loc[~(self.box["qp"] <= QP_SIGNIFICANT), "parameter"])
        weak = ", ".join(weak_names)
        plural = len(weak_names) > 1
        if lang == "en":
            text = (
                f"{head} In the box {conds} ({_pct(self.mass)} of worlds) it fails in "
                f"{_pct(self.density)} of them (coverage {_pct(self.coverage)}: the box holds "
                f"that share of all failing worlds)."
            )
            if weak:
                text += (
                    f" The restriction{'s' if plural else ''} of {weak} may be chance "
                    f"(quasi-p above {QP_SIGNIFICANT:g})."
                )
            if self.dropped:
                text += (
                    f" Dropped as chance (quasi-p above {QP_SIGNIFICANT:g}): "
                    f"{', '.join(self.dropped)}."
                )
            return text
        text = (
            f"{head} В области {conds} ({_pct(self.mass)} миров) провал в "
            f"{_pct(self.density)} из них (покрытие {_pct(self.coverage)}: такая доля всех "
            f"миров с провалом лежит в области)."
        )
        if weak:
            text += (
                f" {'Ограничения' if plural else 'Ограничение'} {weak} "
                f"{'могут быть случайными' if plural else 'может быть случайным'} "
                f"(квази-p выше {QP_SIGNIFICANT:g})."
            )
        if self.dropped:
            text += (
                f" Отброшены как случайные (квази-p выше {QP_SIGNIFICANT:g}): "
                f"{', '.join(self.dropped)}."
            )
        return text


def _lang(lang: str) -> str:
    if lang not in _LANGS:
        raise InputError.parameter("lang", f"unknown language '{lang}'; use ru or en")
    return lang


def _pct(share: float) -> str:
    return "n/a" if share != share else f"{100 * share:.0f} %"


def _num(v: float) -> str:
    return f"{v:.4g}"


def discover(
    table: pd.DataFrame,
    params: Sequence[str],
    *,
    outcome_column: str,
    threshold: float,
    below: bool = True,
    min_density: float | None = None,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_mass: float = 0.05,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    subject: str = "",
    simplify: bool = True,
) -> Discovery:
    """Find the box of parameter values in which the regime fails the target (PRIM).

    Args:
        table: One row per world (design point) of one regime.
        params: The varied-parameter columns (the uncertainties).
        outcome_column: The numeric column holding the value tested against the target.
        threshold: The target.
        below: A world fails when its value is below ``threshold`` (else above it).
        min_density: The least density the reported box must have (default: any density
            above the base rate).
        peel_alpha: Share of the worlds in the box peeled off at each step.
        paste_alpha: Share of worlds pasted back at each step of the pasting phase.
        min_mass: Peeling stops at boxes holding this share of the worlds.
        ranges: Each parameter's full range (default: its range over the worlds).
        subject: Who fails, for :meth:`Discovery.to_text`.
        simplify: Drop the chosen box's restrictions whose quasi-p is above
            :data:`QP_SIGNIFICANT` (when at least one restriction stays) and report the
            coverage, density and mass of the simpler box (Bryant & Lempert 2010).

    Returns:
        The trajectory and the chosen box (the box with the largest harmonic mean of coverage
        and density among those with density above the base rate and at least
        ``min_density``; module docstring). PRIM is deterministic: no seed.

    Raises:
        InputError: Unknown columns; fewer than :data:`MIN_WORLDS` worlds with a finite value;
            a non-finite threshold or an alpha or mass outside (0, 1).
    """
    if not math.isfinite(threshold):
        raise InputError.parameter("threshold", f"the threshold must be finite, got {threshold}")
    for name, v in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha),
                    ("min_mass", min_mass)):  # fmt: skip
        if not 0 < v < 1:
            raise InputError.parameter(name, f"{name} must lie in (0, 1), got {v}")
    if min_density is not None and not 0 <= min_density <= 1:
        raise InputError.parameter(
            "min_density", f"min_density must lie in [0, 1], got {min_density}"
        )
    x, value = _worlds(table, params, outcome_column)
    y = failing(value, threshold, below=below).astype(int)
    n, k = len(y), int(y.sum())
    full = {p: (float(x[p].min()), float(x[p].max())) for p in params}
    if ranges:
        full.update({p: (float(lo), float(hi)) for p, (lo, hi) in ranges.items() if p in full})
    common = dict(outcome=outcome_column, threshold=float(threshold), below=below,
                  n_worlds=n, n_cases=k, base_rate=k / n, min_density=min_density,
                  subject=subject, n_dropped=len(table) - n)  # fmt: skip
    empty_box = pd.DataFrame(
        columns=["parameter", "low", "high", "range_low", "range_high", "restricted", "qp"]
    )
    if k in (0, n):
        traj = pd.DataFrame({
            "box": [0], "coverage": [1.0 if k else math.nan], "density": [k / n],
            "mass": [1.0], "n": [n], "cases": [k], "res_dim": [0], "restricted": [""],
            "f1": [math.nan], "chosen": [False],
        })  # fmt: skip
        return Discovery(trajectory=traj, box=empty_box, box_id=None, coverage=math.nan,
                         density=math.nan, mass=math.nan, **common)  # fmt: skip

    with _quiet():
        from ema_workbench.analysis.prim import Prim  # heavy (seconds): only when discovering

        prim = Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=min_mass)
        box = prim.find_box()
    pt = box.peeling_trajectory
    init = box.box_lims[0]
    restricted = [_restricted(lims, init) for lims in box.box_lims]
    coverage = pt["coverage"].to_numpy(dtype=float)
    density = pt["density"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(coverage + density > 0, 2 * coverage * density / (coverage + density), 0.0)
    ok = (density > k / n + 1e-12) & np.array([bool(r) for r in restricted])
    if min_density is not None:
        ok &= density >= min_density - 1e-12
    choice = int(np.argmax(np.where(ok, f1, -1.0))) if ok.any() else None
    traj = pd.DataFrame({
        "box": pt["id"].astype(int).to_numpy(),
        "coverage": coverage, "density": density,
        "mass": pt["mass"].to_numpy(dtype=float),
        "n": pt["n"].astype(int).to_numpy(), "cases": pt["k"].astype(int).to_numpy(),
        "res_dim": [len(r) for r in restricted],
        "restricted": [", ".join(r) for r in restricted],
        "f1": f1,
        "chosen": [i == choice for i in range(len(pt))],
    })  # fmt: skip
    if choice is None:
        return Discovery(trajectory=traj, box=empty_box, box_id=None, coverage=math.nan,
                         density=math.nan, mass=math.nan, **common)  # fmt: skip
    lims = box.box_lims[choice]
    qps = box.p_values[choice]
    rows = []
    for p in restricted[choice]:
        lo, hi = float(lims.loc[0, p]), float(lims.loc[1, p])
        side_lo = lo > float(init.loc[0, p])
        side_hi = hi < float(init.loc[1, p])
        qp_sides = [float(q) for q in qps.get(p, []) if q is not None and float(q) >= 0]
        rows.append({
            "parameter": p, "low": lo, "high": hi,
            "range_low": full[p][0], "range_high": full[p][1],
            "restricted": "both" if side_lo and side_hi else "low" if side_lo else "high",
            "qp": max(qp_sides) if qp_sides else math.nan,
        })  # fmt: skip
    cov, dens, mass = float(coverage[choice]), float(density[choice]), float(pt["mass"][choice])
    dropped: list[str] = []
    if simplify:  # Bryant & Lempert: drop the restrictions a quasi-p calls chance
        keep = [r for r in rows if r["qp"] <= QP_SIGNIFICANT]
        if keep and len(keep) < len(rows):
            inside = np.ones(n, dtype=bool)
            for r in keep:
                inside &= (x[r["parameter"]] >= r["low"]).to_numpy()
                inside &= (x[r["parameter"]] <= r["high"]).to_numpy()
            dropped = [r["parameter"] for r in rows if r not in keep]
            rows = keep
            cov, dens = float(y[inside].sum() / k), float(y[inside].mean())
            mass = float(inside.mean())
    return Discovery(
        trajectory=traj,
        box=pd.DataFrame(rows, columns=empty_box.columns),
        box_id=choice,
        coverage=cov,
        density=dens,
        mass=mass,
        dropped=dropped,
        **common,
    )


def _restricted(lims: pd.DataFrame, init: pd.DataFrame) -> list[str]:
    """The parameters whose limits in ``lims`` are narrower than the initial box's."""
    return [
        str(c)
        for c in init.columns
        if float(lims.loc[0, c]) > float(init.loc[0, c])
        or float(lims.loc[1, c]) < float(init.loc[1, c])
    ]


def feature_scores(
    table: pd.DataFrame,
    params: Sequence[str],
    outcome_column: str,
    *,
    seed: int = 0,
    bootstrap: int = 100,
    threshold: float | None = None,
    below: bool = True,
    trees: int = 100,
    confidence: float = 0.90,
) -> pd.DataFrame:
    """Extra-trees feature scores of the outcome over the parameters, with a bootstrap band.

    The score of a parameter is its share of the impurity reduction in an extra-trees forest
    (``get_ex_feature_scores`` of the EMA Workbench; the scores sum to 1): a regression on the
    value, or, given ``threshold``, a classification of failing worlds. The forest is fitted on
    ``bootstrap`` resamples of the worlds (drawn with replacement, seeded by ``seed``): ``score``
    is the mean of the resamples' scores (a bagged score: one extra-trees fit is itself random)
    and ``ci_low``/``ci_high`` the central ``confidence`` range of them (default 5-95 %).
    ``score_all`` is the score of one fit on all worlds; for a parameter that does not matter it
    can lie just outside the band, since duplicated worlds in a resample shift the small scores
    that noise earns. With ``bootstrap=0`` ``score`` is ``score_all`` and there is no band.

    Args:
        table: One row per world of one regime.
        params: The varied-parameter columns.
        outcome_column: The numeric outcome column.
        seed: Seed of the resamples and of the forests.
        bootstrap: Resamples for the band (0: no band).
        threshold: Classify failing worlds (``value < threshold``, or ``>`` without ``below``)
            instead of regressing on the value.
        below: The direction of failing when ``threshold`` is given.
        trees: Trees per forest.
        confidence: Width of the band.

    Returns:
        One row per parameter, largest score first: ``parameter``, ``score``, ``ci_low``,
        ``ci_high``, ``score_all``, ``rank``.

    Raises:
        InputError: Unknown columns, too few worlds, or a negative ``bootstrap``.
    """
    if bootstrap < 0:
        raise InputError.parameter("bootstrap", f"bootstrap must be >= 0, got {bootstrap}")
    if not 0 < confidence < 1:
        raise InputError.parameter("confidence", f"confidence must lie in (0, 1), got {confidence}")
    x, value = _worlds(table, params, outcome_column)
    y = value if threshold is None else failing(value, threshold, below=below).astype(int)
    rng = np.random.default_rng(seed)
    with _quiet():
        from ema_workbench.analysis.feature_scoring import get_ex_feature_scores
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        classify = threshold is not None
        mode = RuleInductionType.CLASSIFICATION if classify else RuleInductionType.REGRESSION
        max_features = max(1, round(len(params) / 3))

        def score(xs: pd.DataFrame, ys: np.ndarray, state: int) -> pd.Series:
            if classify and len(np.unique(ys)) < 2:
                return pd.Series(0.0, index=list(params))
            fs, _ = get_ex_feature_scores(
                xs, ys, mode=mode, nr_trees=trees, max_features=max_features, random_state=state
            )
            return fs.iloc[:, 0].reindex(list(params)).astype(float)

        point = score(x, y, int(rng.integers(2**31)))
        draws = []
        for _ in range(bootstrap):
            idx = rng.integers(0, len(y), len(y))
            draws.append(score(x.iloc[idx].reset_index(drop=True), y[idx],
                               int(rng.integers(2**31))))  # fmt: skip
    out = pd.DataFrame({"parameter": list(params), "score": point.to_numpy()})
    out["ci_low"] = out["ci_high"] = math.nan
    if draws:
        mat = np.vstack([d.to_numpy() for d in draws])
        tail = (1 - confidence) / 2
        out["score"] = mat.mean(axis=0)
        out["ci_low"] = np.quantile(mat, tail, axis=0)
        out["ci_high"] = np.quantile(mat, 1 - tail, axis=0)
    out["score_all"] = point.to_numpy()
    out = out.sort_values("score", ascending=False).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out
