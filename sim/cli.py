"""The ``clustersim`` command line: parse, call the API, print.

Each verb is a small function registered with :func:`verb`; it gets the parsed arguments and
returns the exit code. There is one error path for every verb:

* :class:`~sim.errors.InputError` (bad input): each problem on its own line on stderr
  (``FILE:LINE: dotted.key: message``), exit code 2, no traceback;
* any other exception: one line ``clustersim: error: <ExcType>: <msg> (run with --debug for the
  traceback)`` on stderr, exit code 1;
* Ctrl-C: one line ``clustersim: interrupted``, exit code 130; SIGTERM: ``clustersim:
  terminated``, exit code 143. A sweep stops at once either way: its workers end, what
  finished is stored and rerunning the same command resumes.

``--debug`` (before or after the verb) shows the traceback as well. Database URLs are printed
only through :func:`~sim.errors.mask_url`, and passwords inside error messages are masked.
Library errors name the argument (``sweep: no sweep named ...``); the CLI shows the flag
(``--sweep: no sweep named ...``).

Adding a verb::

    @verb("runs", help="list the runs of a stored sweep", arguments=_runs_arguments)
    def _runs(args: argparse.Namespace) -> int:
        print(_api().read(args.sweep, db=args.db).runs.to_string())
        return EXIT_OK
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim import __version__
from sim.errors import InputError, Problem, mask_url, mask_urls_in_text
from sim.run.executors import ExecutorLostError, prestart, worker_count
from sim.run.stopping import Terminated, raise_if_stopped, stop_on_signals
from sim.run.sweepfile import load_sweep
from sim.run.worlds import DEFAULT_WORLD_REPLICATIONS, DEFAULT_WORLDS
from sim.scenario.loader import load_scenario, read_toml
from sim.store.errors import StoreUnavailable

if TYPE_CHECKING:  # import-linter sees the layer: the command line calls the API
    from types import ModuleType

    import sim.api  # noqa: F401

__all__ = ["VALIDATORS", "VERBS", "Verb", "main", "mask_url", "validate_file", "verb"]

PROG = "clustersim"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process ended by it
DB_ENV = "CLUSTERSIM_DB"


def _api() -> ModuleType:
    """:mod:`sim.api`, imported on first use.

    The API pulls in the model (numba), pandas, SciPy, SQLAlchemy and matplotlib: seconds of
    imports that ``--help``, ``validate`` and a bad argument do not need.
    """
    import sim.api

    return sim.api


# ============================================================================================
# Verb registry
# ============================================================================================
@dataclass(frozen=True)
class Verb:
    """One ``clustersim`` sub-command.

    Attributes:
        name: The verb as typed.
        help: One line for ``clustersim --help``.
        arguments: Adds the verb's arguments to its sub-parser.
        run: Does the work; returns the exit code.
        description: Longer text for ``clustersim VERB --help`` (defaults to ``help``).
    """

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


VERBS: dict[str, Verb] = {}


def verb(
    name: str,
    *,
    help: str,
    arguments: Callable[[argparse.ArgumentParser], None],
    description: str = "",
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register a function as the verb ``name`` (decorator).

    Args:
        name: The verb as typed on the command line.
        help: One line for the verb list.
        arguments: Adds the verb's arguments to its sub-parser.
        description: Longer text for the verb's own ``--help``.

    Returns:
        The decorator; it returns the function unchanged.
    """

    def register(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        VERBS[name] = Verb(name, help, arguments, func, description)
        return func

    return register


# ============================================================================================
# File validators: picked by the file's content (a top-level `base =` makes a sweep file)
# ============================================================================================
VALIDATORS: dict[str, Callable[[str], object]] = {"scenario": load_scenario, "sweep": load_sweep}
"""File kind -> validator (takes the path, raises InputError); a file with a top-level
``base =`` key is a sweep file."""


def file_kind(data: dict[str, Any]) -> str:
    """The kind of an input file from its parsed content: ``"sweep"`` or ``"scenario"``."""
    return "sweep" if "base" in data and "sweep" in VALIDATORS else "scenario"


def validate_file(path: str) -> str:
    """Validate one scenario or sweep file.

    Args:
        path: The file.

    Returns:
        The kind of file that was validated.

    Raises:
        InputError: When the file is bad.
    """
    data, _ = read_toml(path)
    kind = file_kind(data)
    VALIDATORS[kind](path)
    return kind


# ============================================================================================
# Verbs
# ============================================================================================
def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario or sweep TOML files")


@verb(
    "validate",
    help="check scenario and sweep files",
    arguments=_validate_arguments,
    description="Check scenario (and sweep) files. Prints 'OK FILE' for each good file and "
    "'FILE:LINE: key: problem' on stderr for each problem; exits with 2 if any file is bad.",
)
def _validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for path in args.files:
        try:
            validate_file(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        print(f"OK {path}", flush=True)
    if problems:
        raise InputError(problems)
    return EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _workers_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: one per CPU; more than the CPUs are capped at their "
        "number unless --oversubscribe)",
    )
    parser.add_argument(
        "--oversubscribe",
        action="store_true",
        help="start --workers N processes even when there are fewer CPUs",
    )


def _workers(args: argparse.Namespace) -> int | None:
    """The pool size for ``--workers``: capped at the CPUs, with one line saying so."""
    if args.workers is None:
        return None
    n = worker_count(args.workers, oversubscribe=args.oversubscribe)
    if n < args.workers:
        _print_err(
            f"{PROG}: --workers {args.workers} capped at {n}, the number of CPUs available; "
            f"add --oversubscribe to start {args.workers} anyway"
        )
    return n


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    parser.add_argument(
        "--db",
        metavar="URL",
        default=os.environ.get(DB_ENV) or None,
        help=f"SQLAlchemy database URL (default: ${DB_ENV}, else results/clustersim.sqlite)",
    )
    parser.add_argument(
        "--point",
        action="store_true",
        help="one world only: the values written in the file, on the scenario's "
        "experiment.replications pairs, with 95 %% CIs and the figure pack (the table before "
        "uncertainty became the default)",
    )
    parser.add_argument(
        "--worlds",
        type=_positive_int,
        metavar="N",
        help=f"worlds drawn over the scenario's [[uncertainties]] (default {DEFAULT_WORLDS}; "
        "not with --point)",
    )
    parser.add_argument(
        "--calibrated",
        metavar="CSV",
        help="take the calibrated parameters of each world from accepted calibration draws "
        "(clustersim calibrate --out CSV); the other uncertainties are drawn as usual",
    )
    parser.add_argument(
        "--replications",
        type=_positive_int,
        metavar="N",
        help=f"paired replications in each world (default {DEFAULT_WORLD_REPLICATIONS}; with "
        "--point: the scenario's experiment.replications)",
    )
    parser.add_argument(
        "--seed",
        type=_non_negative_int,
        metavar="N",
        help="root seed (default: the scenario's experiment.seed)",
    )
    _workers_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the report (figures as PNG and SVG, tables, HTML brief; ru and en) "
        "into results/<sweep>/, which a re-run replaces",
    )
    # the flag's name before the report replaced the figure pack
    parser.add_argument("--no-figures", action="store_true", dest="no_report",
                        help=argparse.SUPPRESS)  # fmt: skip


@verb(
    "run",
    help="run every regime of a scenario against the de-facto arm, over its uncertainties",
    arguments=_run_arguments,
    description="Draw worlds over the scenario's [[uncertainties]] (Latin hypercube), run every "
    "regime against the de-facto arm on paired replications in each, store the runs and print "
    "each regime's effect across worlds: median, 90 %% band, share of worlds with a positive "
    "effect, registration, net fiscal balance per budget level and regret. --point runs the "
    "written values only.",
)
def _run(args: argparse.Namespace) -> int:
    load_scenario(args.scenario)  # a bad file is answered before the API's seconds of imports
    prestart()  # the workers' fork server preloads the model while the API is imported
    if not args.point:
        worlds = _api().run_worlds(
            args.scenario,
            db=args.db,
            worlds=args.worlds,
            replications=args.replications,
            seed=args.seed,
            workers=_workers(args),
            oversubscribe=args.oversubscribe,
            progress=not args.quiet,
            calibrated=args.calibrated,
            report=not args.no_report,
        )
        print(json.dumps(worlds.to_dict(), indent=2, ensure_ascii=False) if args.json
              else worlds.to_text())  # fmt: skip
        return EXIT_OK
    for given, flag in ((args.worlds, "worlds"), (args.calibrated, "calibrated")):
        if given is not None:
            raise InputError.parameter(flag, f"--{flag} does not go with --point (one world)")
    result = _api().run_scenario(
        args.scenario,
        db=args.db,
        replications=args.replications,
        seed=args.seed,
        workers=_workers(args),
        oversubscribe=args.oversubscribe,
        progress=not args.quiet,
        report=not args.no_report,
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.to_text())
    return EXIT_OK


def _decompose_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    parser.add_argument("--regime", required=True, metavar="R", help="the regime to decompose")
    parser.add_argument(
        "--replications",
        type=_positive_int,
        metavar="N",
        help="paired replications (default: the scenario's experiment.replications)",
    )
    parser.add_argument("--seed", type=_non_negative_int, metavar="N", help="root seed")
    parser.add_argument(
        "--outcome",
        action="append",
        metavar="X",
        help="outcome (repeatable; default output, employment, investment, joint_projects, "
        "participants)",
    )
    parser.add_argument(
        "--workers", type=_positive_int, metavar="N", help="worker processes (default: all cores)"
    )
    parser.add_argument("--json", action="store_true", help="print records as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")


_KIND_TEXT = {
    "full": "all instruments",
    "without": "without",
    "only": "only",
    "registration": "registration alone",
}


@verb(
    "decompose",
    help="a regime's effect with each instrument removed in turn and each alone",
    arguments=_decompose_arguments,
    description="Paired runs of the regime, the regime without each of its instruments and each "
    "instrument alone, all against the de-facto arm on the same seeds: which channel carries "
    "the effect. Effects in % with 95 % CIs; nothing is stored.",
)
def _decompose(args: argparse.Namespace) -> int:
    load_scenario(args.scenario)  # a bad file is answered before the API's seconds of imports
    table = _api().decompose(
        args.scenario,
        args.regime,
        replications=args.replications,
        seed=args.seed,
        outcomes=args.outcome,
        workers=args.workers,
        progress=not args.quiet,
    )
    if args.json:
        print(json.dumps(_api().json_records(table), indent=2, ensure_ascii=False))
        return EXIT_OK
    outcomes = args.outcome or _api().DECOMPOSITION_OUTCOMES
    n = int(table["n"].iloc[0])
    lines = [
        f"decomposition of {args.regime}: effects vs de_facto over the horizon, % with 95 % CI "
        f"({n} pairs; flows cumulative, stocks last-year mean)",
        f"{'arm':<30}" + "".join(f"{o[:22]:>26}" for o in outcomes) + f"{'pref. cost, mln':>17}",
    ]
    for _, r in table.iterrows():
        label = _KIND_TEXT[r["kind"]] + (f" {r['instrument']}" if r["instrument"] else "")
        row = f"{label:<30}"
        for o in outcomes:
            row += f"{_ci(r[f'{o}_pct'], r[f'{o}_pct_ci_low'], r[f'{o}_pct_ci_high']):>26}"
        lines.append(row + f"{r['cost_total']:>17,.0f}")
    print("\n".join(lines))
    return EXIT_OK


# ============================================================================================
# Sweeps: run a sweep file, compare its design points, sensitivity indices
# ============================================================================================
def _db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=os.environ.get(DB_ENV) or None,
        help=f"SQLAlchemy database URL (default: ${DB_ENV}, else results/clustersim.sqlite)",
    )


def _sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="sweep TOML file")
    _db_argument(parser)
    _workers_arguments(parser)
    parser.add_argument(
        "--executor",
        default="processes",
        metavar="KIND",
        help="local, processes (default) or dask://HOST:PORT",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")


@verb(
    "sweep",
    help="run (or resume) a sweep file",
    arguments=_sweep_arguments,
    description="Run every design point x replicate x arm of a sweep file that is not yet "
    "stored; re-running the same command resumes an interrupted sweep.",
)
def _sweep(args: argparse.Namespace) -> int:
    ex = args.executor
    if ex not in ("local", "processes") and not ex.startswith(("dask://", "tcp://")):
        raise InputError.parameter(
            "executor", f"unknown executor '{ex}': use local, processes or dask://HOST:PORT"
        )
    workers = _workers(args) if ex == "processes" else args.workers
    prestart(ex)  # the workers' fork server preloads the model while the API is imported
    result = _api().run_sweep(
        args.file,
        db=args.db,
        workers=workers,
        oversubscribe=args.oversubscribe,
        executor=ex,
        progress=not args.quiet,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"sweep {result['sweep']}  database {result['database']}\n"
            f"{result['total']} runs: {result['completed']} completed now, "
            f"{result['skipped']} already stored, {result['failed']} failed "
            f"({result['elapsed_seconds']:.1f} s)\n"
            f"next: clustersim compare --sweep {result['sweep']}"
            + ("" if args.db is None else " --db URL")
        )
    return EXIT_ERROR if result["failed"] else EXIT_OK


def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", required=True, metavar="NAME", help="stored sweep name")
    _db_argument(parser)
    parser.add_argument(
        "--outcome",
        action="append",
        metavar="X",
        help="outcome (repeatable; default output, employment, productivity, market_share)",
    )
    parser.add_argument("--json", action="store_true", help="print records as JSON")
    parser.add_argument("--csv", metavar="FILE", help="also write the table to a CSV file")


@verb(
    "compare",
    help="regime table of a stored sweep, one row per design point and regime",
    arguments=_compare_arguments,
    description="Effects of each regime vs the de-facto arm in % with 95 % CIs, and the "
    "public-finance accounts (net balance per budget level, cash, tax-expenditure and committed "
    "cost, budget efficiency, additionality), at every design point of a stored sweep.",
)
def _compare(args: argparse.Namespace) -> int:
    table = _api().compare_sweep(args.sweep, db=args.db, outcomes=args.outcome)
    if args.csv:
        table.to_csv(args.csv, index=False)
    if args.json:
        print(json.dumps(_api().json_records(table), indent=2, ensure_ascii=False))
        return EXIT_OK
    outcomes = args.outcome or ["output", "employment", "productivity", "market_share"]
    derived = {"registered_share", "registration_quarter"}
    skip = {"point", "arm"} | derived | {
        c for c in table.columns
        if c.endswith(("_pct", "_pp", "_abs")) or "_ci_" in c
    }  # fmt: skip
    params = [c for c in table.columns if c not in skip]
    params = params[: params.index("n")] if "n" in params else []
    from sim.report.tables import accounts_text, compare_view, text_lines

    lines = [
        f"sweep {args.sweep}: effects vs de_facto, % with 95 % CI (ratio of means; shares also in "
        "percentage points; registered = share of runs and median first quarter)",
        *text_lines(compare_view(table, outcomes, params)),
    ]
    if not table.empty:
        rate, quarters = table.attrs["discount_rate"], table.attrs["horizon_quarters"]
        lines += ["", *accounts_text(table, discount_rate=rate, quarters=quarters, points=True)]
    print("\n".join(lines))
    return EXIT_OK


def _ci(m: float, lo: float, hi: float) -> str:
    if m != m:
        return "n/a"
    if lo != lo or hi != hi or math.isinf(lo) or math.isinf(hi):
        return f"{m:+.2f}"
    return f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def _sensitivity_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", required=True, metavar="NAME", help="stored sweep name")
    parser.add_argument("--method", required=True, choices=["sobol", "morris"])
    parser.add_argument("--outcome", required=True, metavar="X", help="outcome to analyse")
    parser.add_argument("--arm", metavar="A", help="regime (default: the sweep's first regime)")
    _db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print records as JSON")


@verb(
    "sensitivity",
    help="Sobol or Morris indices of a regime's effect over a stored sweep",
    arguments=_sensitivity_arguments,
    description="Sensitivity of the effect (regime - de facto, mean over replications) on one "
    "outcome to the varied parameters of a sobol or morris sweep (SALib).",
)
def _sensitivity(args: argparse.Namespace) -> int:
    table = _api().sensitivity(args.sweep, args.method, args.outcome, db=args.db, arm=args.arm)
    if args.json:
        print(json.dumps(_api().json_records(table), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"sweep {args.sweep}: {args.method} indices of the {table['arm'].iloc[0]} effect "
          f"on {args.outcome}")
    print("\n".join(_sensitivity_lines(table)))
    return EXIT_OK


#: What a flag next to an index means (``clustersim sensitivity``; the brief says the same).
_SENS_FLAGS = {
    "negative": "negative",
    "above_one": "above 1",
    "wide_ci": "CI wider than the index",
    "missing": "n/a",
}


def _sensitivity_lines(table: Any) -> list[str]:
    """The indices as terminal lines, with a warning where an index is unreliable.

    An unreliable index (a negative one, or one whose 95 % CI is wider than the index) gets
    ``!`` after it, the warning column says why in words and a line under the table explains.
    """
    flags = [c for c in table.columns if c.endswith("_flag")]
    flagged = any(any(str(r.get(f, "")) for f in flags) for _, r in table.iterrows())
    shown = [c for c in table.columns if c not in ("arm", "outcome", "unreliable", *flags)]
    head = [*shown, "warning"] if flagged else shown
    rows = []
    for _, r in table.iterrows():
        cells, notes = [], []
        for c in shown:
            flag = str(r.get(f"{c}_flag", "") or "")
            v = r[c]
            text = f"{v:.3f}" if isinstance(v, float) and v == v else ("n/a" if v != v else str(v))
            cells.append(text + ("!" if flag else ""))
            if flag:
                notes.append(f"{c}: " + ", ".join(_SENS_FLAGS.get(f, f) for f in flag.split(",")))
        rows.append([*cells, "; ".join(notes)] if flagged else cells)
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    lines = [
        "  ".join(x.ljust(w) if j in (0, len(shown)) else x.rjust(w) for j, (x, w) in
                  enumerate(zip(row, widths, strict=True))).rstrip()
        for row in [head, *rows]
    ]  # fmt: skip
    if flagged:
        lines += [
            "",
            "! unreliable estimate: the index is negative (or a Sobol index above 1) or its 95 % "
            "CI (+/- conf) is wider than the index itself; do not quote it, rerun the sweep with "
            "more samples (N)",
        ]
    return lines


def _discover_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", required=True, metavar="NAME", help="stored sweep name")
    parser.add_argument(
        "--outcome",
        required=True,
        metavar="COL",
        help="numeric column of the regime table (clustersim compare --json): an effect such as "
        "output_pct, or a budget account such as net_federal (mln RUB, present value)",
    )
    parser.add_argument(
        "--threshold", required=True, type=float, metavar="X", help="the target: fail below X"
    )
    parser.add_argument("--above", action="store_true", help="fail above the threshold instead")
    parser.add_argument("--arm", metavar="A", help="regime (default: the sweep's first regime)")
    parser.add_argument(
        "--min-density",
        type=float,
        metavar="D",
        help="least density (0-1) of the reported box (default: any above the base rate)",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=100,
        metavar="B",
        help="bootstrap resamples of the feature scores' bands (default 100)",
    )
    parser.add_argument("--lang", choices=["ru", "en"], default="en", help="language of the text")
    _db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


@verb(
    "discover",
    help="scenario discovery: where a regime fails a target (PRIM boxes, feature scores)",
    arguments=_discover_arguments,
    description="Over the design points (worlds) of a stored lhs, sobol, morris or grid sweep, "
    "find the box of parameter values in which the regime fails the target (value below "
    "--threshold, or above with --above) with PRIM (EMA Workbench): the base rate, the peeling "
    "trajectory (coverage: share of all failing worlds inside the box; density: share of the "
    "worlds inside the box that fail), the box in words, and extra-trees feature scores of the "
    "outcome with 5-95 % bootstrap bands.",
)
def _discover(args: argparse.Namespace) -> int:
    res = _api().discover(args.sweep, args.outcome, args.threshold, db=args.db, arm=args.arm,
                          below=not args.above, min_density=args.min_density,
                          bootstrap=args.bootstrap)  # fmt: skip
    if args.json:
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    d = res.discovery
    sign = ">" if args.above else "<"
    lines = [
        f"sweep {res.sweep}, regime {res.arm}: scenario discovery (PRIM) of {d.outcome} "
        f"{sign} {args.threshold:g}",
        f"worlds {d.n_worlds}, failing {d.n_cases}, base rate {100 * d.base_rate:.0f} %"
        + (f" ({d.n_dropped} worlds without a finite {d.outcome} left out)" if d.n_dropped else ""),
        "",
    ]
    traj = d.trajectory
    if len(traj) > 1:
        last = len(traj) - 1  # about ten boxes evenly along the path, and the chosen one
        keep = {round(i * last / 9) for i in range(10)} | set(traj.index[traj["chosen"]])
        lines += [
            "peeling trajectory (coverage: share of the failing worlds in the box; density: "
            "share of the box's worlds that fail; * the box reported)",
            f"{'box':>5} {'coverage':>9} {'density':>8} {'mass':>6} {'worlds':>7}  restricted",
        ]
        for i in sorted(keep):
            r = traj.iloc[i]
            mark = "*" if r["chosen"] else " "
            lines.append(f"{mark}{int(r['box']):>4} {r['coverage']:>9.2f} {r['density']:>8.2f} "
                         f"{r['mass']:>6.2f} {int(r['n']):>7}  {r['restricted']}")  # fmt: skip
        lines.append("")
    if d.found:
        lines.append(f"{'parameter':<60} {'low':>10} {'high':>10} {'range':>23} {'quasi-p':>8}")
        for r in d.box.itertuples(index=False):
            rng = f"[{r.range_low:.4g}, {r.range_high:.4g}]"
            lines.append(f"{r.parameter:<60} {r.low:>10.4g} {r.high:>10.4g} {rng:>23} "
                         f"{r.qp:>8.2g}")  # fmt: skip
        lines.append("")
    lines += [d.to_text(args.lang), ""]
    sc = res.scores
    band = (
        f"bagged over {args.bootstrap} bootstrap resamples, 5-95 % band"
        if args.bootstrap
        else "one fit on all worlds"
    )
    lines.append(f"feature scores of {d.outcome} (extra trees, {band}):")
    for r in sc.itertuples(index=False):
        ci = "" if r.ci_low != r.ci_low else f" [{r.ci_low:.3f}, {r.ci_high:.3f}]"
        lines.append(f"{int(r.rank):>3}. {r.parameter:<60} {r.score:.3f}{ci}")
    print("\n".join(lines))
    return EXIT_OK


# ============================================================================================
# Reports and exports: figure pack, tables and brief; tidy data for analysts
# ============================================================================================
def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", required=True, metavar="NAME", help="stored sweep name")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--lang", choices=["ru", "en"], action="append", help="language (default: ru and en)"
    )
    parser.add_argument(
        "--format",
        default="html,pdf,docx",
        metavar="LIST",
        help="brief formats, comma-separated: html, pdf, docx (default html,pdf,docx; '' for "
        "none); pdf needs Chromium and playwright, docx python-docx",
    )
    parser.add_argument(
        "--figure-format",
        default="png,svg,pdf",
        metavar="LIST",
        help="figure formats, comma-separated: png, svg, pdf (default png,svg,pdf)",
    )
    _db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the files written as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")


@verb(
    "report",
    help="figure pack, tables (CSV, XLSX) and brief (HTML, PDF, DOCX) of a stored sweep",
    arguments=_report_arguments,
    description="Write every chart that applies to a stored sweep (PNG 300 dpi, SVG, PDF), the "
    "regime and budget tables as CSV and Excel, and a brief as HTML, A4 PDF and DOCX, in Russian "
    "and English. Reads stored results only; never re-runs the model.",
)
def _report(args: argparse.Namespace) -> int:
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    figure_formats = [f.strip() for f in args.figure_format.split(",") if f.strip()]
    rep = _api().build_report(
        args.sweep, args.out, db=args.db, langs=args.lang or ["ru", "en"], formats=formats,
        figure_formats=figure_formats, progress=not args.quiet,
    )  # fmt: skip
    if args.json:
        print(json.dumps({"out": str(rep.out), "files": rep.files, "charts": rep.charts,
                          "notes": rep.notes}, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        print(f"report of sweep {args.sweep}: {len(rep.files)} files in {rep.out}")
        for f in rep.files:
            if not f.startswith("figures/"):
                print(f"  {f}")
        for lang, names in rep.charts.items():
            print(f"  figures/{lang}/: {', '.join(names)} ({', '.join(figure_formats)})")
        for note in rep.notes:
            print(f"  note: {note}")
    return EXIT_OK


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", required=True, metavar="NAME", help="stored sweep name")
    parser.add_argument("--format", default="csv", choices=["csv", "parquet", "xlsx"])
    parser.add_argument("--out", default=".", metavar="DIR", help="output folder (default: .)")
    parser.add_argument(
        "--outcome", action="append", metavar="X", help="outcome (repeatable; default: all)"
    )
    parser.add_argument(
        "--lang",
        choices=["ru", "en"],
        help="labelled tables for reading: column, regime, outcome and unit labels in Russian "
        "or English, calendar quarters (2027 I кв. / 2027 Q1), rounded values, Russian CSV with "
        "';' and a decimal comma (default: machine-readable names, model quarters 1..N)",
    )
    _db_argument(parser)


@verb(
    "export",
    help="tidy (long) export of a stored sweep's runs and outcome series",
    arguments=_export_arguments,
    description="Write <sweep>_runs and <sweep>_outcomes (one row per run, quarter and "
    "outcome) as CSV or Parquet, or one Excel workbook with both sheets and a notes sheet "
    "(seeds as text). --lang ru|en labels them for a spreadsheet.",
)
def _export(args: argparse.Namespace) -> int:
    for path in _api().export_sweep(args.sweep, args.out, args.format, db=args.db,
                             outcomes=args.outcome, lang=args.lang):  # fmt: skip
        print(path)
    return EXIT_OK


# ============================================================================================
# Parser and the one error path
# ============================================================================================
# ============================================================================================
# Calibration: ABC rejection of the de-facto arm against the targets (docs/model.md 10.6)
# ============================================================================================
def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    parser.add_argument(
        "--draws", type=_positive_int, default=200, metavar="N",
        help="parameter draws from the prior, a Latin hypercube (default 200; at most 10,000)",
    )  # fmt: skip
    parser.add_argument(
        "--replications", type=_positive_int, default=1, metavar="N",
        help="seeds per draw; the draw's statistics are their means (default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=_non_negative_int, metavar="N",
        help="root seed (default: the scenario's experiment.seed)",
    )  # fmt: skip
    _workers_arguments(parser)
    parser.add_argument(
        "--executor", default="processes", metavar="KIND",
        help="local, processes (default) or dask://HOST:PORT",
    )  # fmt: skip
    parser.add_argument(
        "--tolerance-scale", type=_positive_float, default=1.0, metavar="X",
        help="accept a draw when every target is within X times its tolerance (default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--out", metavar="FILE.csv",
        help="write the accepted draws (parameters, statistics, distance) to this CSV file",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the tables as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")


@verb(
    "calibrate",
    help="simulation-based calibration (ABC rejection) of the de-facto arm",
    arguments=_calibrate_arguments,
    description="Draw the parameters of the default prior (docs/model.md 10.6) on a Latin "
    "hypercube, run the de-facto arm of each draw and accept the draws whose every calibration "
    "statistic is within its target's tolerance. Prints the fit (each target: data, model median "
    "and 5-95 % band over accepted and all draws), which parameters the data narrowed, and the "
    "acceptance count; --out writes the accepted draws as CSV. Nothing is stored.",
)
def _calibrate(args: argparse.Namespace) -> int:
    ex = args.executor
    if ex not in ("local", "processes") and not ex.startswith(("dask://", "tcp://")):
        raise InputError.parameter(
            "executor", f"unknown executor '{ex}': use local, processes or dask://HOST:PORT"
        )
    load_scenario(args.scenario)  # a bad file is answered before the API's seconds of imports
    cal = _api().calibrate(
        args.scenario,
        draws=args.draws,
        replications=args.replications,
        seed=args.seed,
        workers=_workers(args) if ex == "processes" else args.workers,
        oversubscribe=args.oversubscribe,
        executor=ex,
        tolerance_scale=args.tolerance_scale,
        out=args.out,
        progress=not args.quiet,
    )
    if args.json:
        records = _api().json_records
        print(json.dumps({"scenario": cal.scenario, "draws": len(cal.draws),
                          "accepted": int(cal.draws["accepted"].sum()),
                          "replications": cal.replications, "seed": cal.seed,
                          "tolerance_scale": cal.tolerance_scale,
                          "elapsed_seconds": cal.elapsed_seconds,
                          "fit": records(cal.fit_table()),
                          "narrowing": records(cal.narrowing_table()),
                          "out": args.out}, indent=2, ensure_ascii=False))  # fmt: skip
        return EXIT_OK
    print(cal.to_text(), end="")
    if args.out:
        print(f"\naccepted draws written to {args.out}")
    return EXIT_OK


# ============================================================================================
# The interactive page for strategy sessions (the `app` extra)
# ============================================================================================
def _app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_positive_int, default=8765, help="port (default 8765)")
    _db_argument(parser)
    parser.add_argument("--lang", choices=["ru", "en"], default="ru", help="page language")
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        type=_origin,
        metavar="URL",
        help="also accept the page's websocket from this origin, e.g. the public address of a "
        "proxy in front (https://sessions.example.org); repeatable. By default only the "
        "address the page is served on is accepted",
    )


def _origin(text: str) -> str:
    head, sep, rest = text.partition("://")
    if head not in ("http", "https") or not sep or not rest or "/" in rest.rstrip("/"):
        raise argparse.ArgumentTypeError(
            f"expected an origin like https://host[:port], got {text!r}"
        )
    return text.rstrip("/")


@verb(
    "app",
    help="interactive page for strategy sessions (needs the `app` extra)",
    arguments=_app_arguments,
    description="Serve the page of sim.app: choose a scenario of the scenarios/ folder and a "
    "regime, move its preference levels, apply them and watch the pair run quarter by quarter, "
    "estimate effects with 95 % CIs, pin up to four variants side by side, save them as a sweep "
    "and compare stored sweeps. Stops with Ctrl-C.",
)
def _app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        raise InputError.single(
            "app", "the page needs the `app` extra: pip install -e '.[app]' (Solara, Mesa's viz)"
        )
    env = dict(os.environ, CLUSTERSIM_APP_LANG=args.lang)
    if args.db:
        env[DB_ENV] = args.db
    # The server runs in this very process (exec, not a child): Ctrl-C, SIGTERM and kill -9 of
    # `clustersim app` end it, and nothing is left serving the port. sim.app.serve wraps Solara
    # in an Origin check; it is not imported here (the page and the CLI are separate layers).
    cmd = [sys.executable, "-m", "sim.app.serve", "--host", args.host, "--port", str(args.port),
           *(f"--allow-origin={o}" for o in args.allow_origin)]  # fmt: skip
    print(f"clustersim app: http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)
    return EXIT_ERROR  # pragma: no cover - execve does not return


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered verb."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Agent-based simulation of industrial-cluster formation, registration and "
        "state preferences.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for v in VERBS.values():
        p = sub.add_parser(v.name, help=v.help, description=v.description or v.help)
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
        v.arguments(p)
        p.set_defaults(_run=v.run)
    return parser


def _print_err(text: str) -> None:
    print(mask_urls_in_text(text), file=sys.stderr, flush=True)


def _problem_text(problem: Problem) -> str:
    """A problem as the CLI shows it: a library argument as its flag (``--sweep: ...``)."""
    if problem.parameter:
        return f"--{problem.key.replace('_', '-')}: {problem.message}"
    return str(problem)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``clustersim`` with ``argv`` (default: the process arguments).

    Args:
        argv: Arguments without the program name.

    Returns:
        The exit code: 0 success, 1 unexpected error, 2 bad input, 130 interrupted (Ctrl-C),
        143 terminated (SIGTERM).
    """
    debug = False
    try:
        with stop_on_signals():  # SIGINT and SIGTERM stop a sweep cleanly, never lost
            args = build_parser().parse_args(argv)
            debug = bool(getattr(args, "debug", False))
            code = int(args._run(args))
            raise_if_stopped()  # a signal whose interrupt was swallowed on its way
            return code
    except InputError as exc:
        if debug:
            traceback.print_exc()
        for problem in exc.problems:
            _print_err(_problem_text(problem))
        return EXIT_INPUT
    except Terminated:
        _print_err(f"{PROG}: terminated")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _print_err(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. piped into `head`): not an error worth a message
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            traceback.print_exc()
        # The database is down or unreachable, or the Dask scheduler lost: the message (masked
        # URL or address, reason, what to do) says it all.
        if isinstance(exc, (StoreUnavailable, ExecutorLostError)):
            _print_err(f"{PROG}: error: {exc}")
            return EXIT_ERROR
        message = " ".join(str(exc).split()) or "(no message)"
        _print_err(
            f"{PROG}: error: {type(exc).__name__}: {message} (run with --debug for the traceback)"
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
