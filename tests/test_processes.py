"""Process lifetime of sweeps through the real console script: no orphans, clean signals, caps.

* ``kill -9`` of ``clustersim sweep`` (while its fork server starts, and while workers run):
  within 5 s no process of it is left (fork server, workers, resource tracker);
* SIGTERM to ``clustersim sweep``: one line, exit 143, nothing left behind, what finished is
  stored and rerunning resumes; Ctrl-C (SIGINT to the process group): one line, exit 130;
* ``--workers`` above the CPU count is capped, with one line, unless ``--oversubscribe``;
* a signal whose interrupt Python swallows (raised inside a ``__del__``) is raised again.

Every process a sweep starts inherits its environment, so a unique variable marks them all:
``/proc/*/environ`` finds them even after they are re-parented to PID 1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim.run.executors import available_cpus, make_executor, worker_count
from sim.run.stopping import Terminated, raise_if_stopped, stop_on_signals

ROOT = Path(__file__).resolve().parents[1]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
RATE = "regimes.decree41_full.joint_project_subsidy.rate"
TAG_ENV = "CLUSTERSIM_TEST_PROCESS_TAG"
GONE_WITHIN = 5.0  # seconds: no process of a dead sweep may outlive it longer


def write_sweep(tmp: Path, name: str, reps: int, rates: str = "[0.1, 0.4]") -> tuple[Path, int]:
    """A sweep over the real scenario with a 12-quarter horizon; returns (file, total runs)."""
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "{BASE}"\nreplications = {reps}\n'
        'arms = ["de_facto", "decree41_full"]\n\n'
        f'[design]\nmethod = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = {rates}\n'
        '[[design.vary]]\nkey = "scenario.horizon_quarters"\nvalues = [12]\n',
        encoding="utf-8",
    )
    return path, len(json.loads(rates)) * reps * 2


def as_at_a_terminal() -> None:
    """Child set-up: SIGINT as at an interactive terminal (default), even when the test run
    itself was started in the background, where the shell sets it to ignored and every child
    inherits that (a process that ignores SIGINT rightly stays deaf to it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def sigint_as_at_a_terminal() -> Iterator[None]:
    """The same for this process: Python's own KeyboardInterrupt handler while inside."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


class Sweep:
    """``clustersim sweep`` started in a session of its own; its processes marked by a tag."""

    def __init__(self, *args: str) -> None:
        self.tag = uuid.uuid4().hex
        self.proc = subprocess.Popen(
            [CLUSTERSIM, "sweep", *args], cwd=ROOT, start_new_session=True, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, **{TAG_ENV: self.tag}), preexec_fn=as_at_a_terminal,
        )  # fmt: skip

    def processes(self) -> dict[int, tuple[str, int]]:
        """Live processes carrying the tag: pid -> (state, parent pid); zombies are dead."""
        found = {}
        marker = f"{TAG_ENV}={self.tag}".encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if marker not in f.read().split(b"\0"):
                        continue
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile, or not ours to read
                continue
            if fields[0] not in ("Z", "X"):
                found[int(entry)] = (fields[0], int(fields[1]))
        return found

    def helpers(self) -> dict[int, tuple[str, int]]:
        """The tagged processes other than the sweep's own (tracker, fork server, workers)."""
        return {p: v for p, v in self.processes().items() if p != self.proc.pid}

    def workers(self) -> list[int]:
        """Pool workers: tagged processes whose parent is neither the sweep nor PID 1."""
        return [p for p, (_, ppid) in self.helpers().items() if ppid not in (self.proc.pid, 1)]

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def cleanup(self) -> None:
        """Kill whatever is left (a failing test must not leave processes behind)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.communicate()


@pytest.fixture
def sweeps() -> Iterator[Callable[..., Sweep]]:
    started: list[Sweep] = []

    def start(*args: str) -> Sweep:
        started.append(Sweep(*args))
        return started[-1]

    yield start
    for s in started:
        s.cleanup()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def stored(db: Path) -> dict[str, int]:
    """Rows of table run by status (empty before the schema exists)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            rows = con.execute("SELECT status, count(*) FROM run GROUP BY status").fetchall()
    except sqlite3.Error:
        return {}
    return dict(rows)


def assert_all_gone(sweep: Sweep, since: float) -> None:
    """No tagged process is alive ``GONE_WITHIN`` s after ``since`` (or sooner)."""
    deadline = since + GONE_WITHIN
    while sweep.processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sweep.processes()
    assert not left, f"left behind {time.monotonic() - since:.1f} s after the sweep: {left}"


# -- kill -9 of the sweep ----------------------------------------------------------------------
@pytest.mark.parametrize("moment", ["fork-server-starting", "workers-running"])
def test_kill_9_of_the_sweep_leaves_no_process_behind(tmp_path, sweeps, moment):
    path, _ = write_sweep(tmp_path, "k9", reps=30)
    sweep = sweeps(str(path), "--db", f"sqlite:///{tmp_path / 'k9.sqlite'}", "--workers", "2",
                   "-q")  # fmt: skip
    if moment == "fork-server-starting":  # resource tracker and fork server (still importing)
        wait_until(lambda: len(sweep.helpers()) >= 2, 120, "the fork server to start")
    else:
        wait_until(lambda: len(sweep.workers()) >= 2, 120, "two pool workers")
    assert sweep.proc.poll() is None, sweep.finish()
    before = sweep.helpers()
    os.kill(sweep.proc.pid, signal.SIGKILL)  # only the sweep's own process, not its group
    killed = time.monotonic()
    sweep.proc.wait()
    assert len(before) >= 2, before
    assert_all_gone(sweep, killed)


# -- SIGTERM and Ctrl-C ----------------------------------------------------------------------------
def test_sigterm_stops_the_sweep_at_once_and_a_rerun_resumes(tmp_path, sweeps):
    path, total = write_sweep(tmp_path, "term", reps=25, rates="[0.1, 0.25, 0.4]")  # 150 runs
    db = tmp_path / "term.sqlite"
    args = (str(path), "--db", f"sqlite:///{db}", "--workers", "2")
    sweep = sweeps(*args, "-q")
    wait_until(lambda: stored(db) or sweep.proc.poll() is not None, 120, "the first stored runs")
    assert sweep.proc.poll() is None, sweep.finish()
    workers = sweep.workers()
    os.kill(sweep.proc.pid, signal.SIGTERM)
    sent = time.monotonic()
    rc, out, err = sweep.finish(timeout=60)
    took = time.monotonic() - sent
    assert rc == 143, err
    assert err == "clustersim: terminated\n" and out == ""
    assert took < GONE_WITHIN, f"the sweep took {took:.1f} s to stop"
    assert workers and not set(workers) & set(sweep.processes())
    assert_all_gone(sweep, sent)
    before = stored(db)
    assert before.get("failed", 0) == 0 and 0 < before["completed"] < total, before
    again = subprocess.run([CLUSTERSIM, "sweep", *args, "--json"], capture_output=True,
                           text=True, cwd=ROOT, timeout=300, check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["skipped"] == before["completed"], result
    assert result["completed"] == total - before["completed"] and result["failed"] == 0, result
    assert stored(db) == {"completed": total}


_BORN = """
import multiprocessing, signal
from concurrent.futures import ProcessPoolExecutor
from sim.run.executors import _start_fork_server
ctx = multiprocessing.get_context("forkserver")
_start_fork_server(ctx)
with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as ex:
    born = ex.submit(signal.getsignal, signal.SIGINT).result(timeout=120)
print(born == signal.SIG_IGN, signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux's")
def test_pool_workers_are_born_ignoring_ctrl_c() -> None:
    """A worker ignores Ctrl-C from birth, not only once its initializer has run.

    The pool's initializer sets SIGINT to SIG_IGN; a Ctrl-C to the process group between a
    worker's fork and its initializer used to print a KeyboardInterrupt traceback beside the
    sweep's one-line message. A pool without an initializer shows what a worker is born with;
    it runs in a fresh interpreter, as a sweep does, whose fork server this one starts (a test
    process may hold the page's fork server already).
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _BORN], capture_output=True, text=True,
                         env=env, timeout=180, check=True)  # fmt: skip
    assert out.stdout.split() == ["True", "True"], out  # the sweep's process keeps its Ctrl-C


def test_ctrl_c_of_the_process_group_is_one_line_and_exit_130(tmp_path, sweeps):
    path, _ = write_sweep(tmp_path, "ctrlc", reps=30)
    sweep = sweeps(str(path), "--db", f"sqlite:///{tmp_path / 'c.sqlite'}", "--workers", "2",
                   "-q")  # fmt: skip
    wait_until(lambda: len(sweep.workers()) >= 2 or sweep.proc.poll() is not None, 120,
               "two pool workers")  # fmt: skip
    assert sweep.proc.poll() is None, sweep.finish()
    os.killpg(sweep.proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: the whole group
    sent = time.monotonic()
    rc, out, err = sweep.finish(timeout=60)
    assert rc == 130, err
    assert err == "clustersim: interrupted\n" and out == ""
    assert_all_gone(sweep, sent)


# -- --workers above the CPU count ----------------------------------------------------------------
def test_workers_above_the_cpus_are_capped_with_one_line(tmp_path, sweeps):
    cpus = available_cpus()
    path, total = write_sweep(tmp_path, "cap", reps=8)  # 32 runs: 4 chunks of 8
    sweep = sweeps(str(path), "--db", f"sqlite:///{tmp_path / 'cap.sqlite'}", "--workers", "32",
                   "--json", "-q")  # fmt: skip
    most = 0
    while sweep.proc.poll() is None:
        most = max(most, len(sweep.workers()))
        time.sleep(0.05)
    rc, out, err = sweep.finish()
    assert rc == 0, err
    assert err.splitlines() == [
        f"clustersim: --workers 32 capped at {cpus}, the number of CPUs available; "
        "add --oversubscribe to start 32 anyway"
    ]
    assert json.loads(out)["completed"] == total
    assert 0 < most <= cpus, most


def test_the_api_caps_workers_unless_oversubscribed():
    cpus = available_cpus()
    assert worker_count(None) == cpus
    assert worker_count(cpus + 30) == cpus
    assert worker_count(cpus + 30, oversubscribe=True) == cpus + 30
    with pytest.warns(RuntimeWarning, match=f"workers={cpus + 30} capped at {cpus}"):
        pool = make_executor("processes", cpus + 30)
    try:
        assert pool.size == cpus and pool.executor._max_workers == cpus
    finally:
        pool.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when asked for
        pool = make_executor("processes", cpus + 2, oversubscribe=True)
    try:
        assert pool.size == cpus + 2 and pool.executor._max_workers == cpus + 2
    finally:
        pool.close()


# -- an interrupt swallowed on its way ------------------------------------------------------------
class _SignalsInDel:
    """Sends a signal to this process from ``__del__``, where Python swallows the exception."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        time.sleep(0.01)  # the handler runs here and its exception is "ignored"


@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, KeyboardInterrupt),
                                                   (signal.SIGTERM, Terminated)])  # fmt: skip
def test_an_interrupt_swallowed_on_its_way_is_raised_again(capsys, signum, expected):
    with sigint_as_at_a_terminal(), stop_on_signals():
        victim = _SignalsInDel(signum)
        del victim  # the interrupt is lost here ...
        with pytest.raises(expected) as caught:
            raise_if_stopped()  # ... and raised again where the runner checks (every 0.25 s)
        raise_if_stopped()  # once
    assert type(caught.value) is expected
    assert "Exception ignored" not in capsys.readouterr().err


def test_ctrl_c_while_the_command_line_is_still_importing_is_one_line_and_exit_130():
    """The console script's entry imports :mod:`sim.cli` inside its guard: an interrupt that
    lands during those seconds of imports ends with one line, not a traceback."""
    code = (
        "import importlib.abc, os, signal, sys\n"
        "class CtrlC(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'sim.cli':\n"
        "            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while sim.cli is imported\n"
        "        return None\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "from sim.__main__ import main\n"
        "sys.exit(main())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "--version"], capture_output=True,
                          text=True, timeout=120, check=False,
                          preexec_fn=as_at_a_terminal)  # fmt: skip
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr == "clustersim: interrupted\n"

