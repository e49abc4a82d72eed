"""The page's browser tests share these: a real `clustersim app` and headless Chromium.

:func:`app_server` starts ``python -m sim app`` on a free loopback port with a fresh SQLite
database and stops it after; :func:`chromium` yields a headless Debian Chromium with the flags
the PDF brief uses. A missing tool skips on a developer machine and fails in CI
(``CLUSTERSIM_REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sim.report.brief import CHROMIUM_ARGS  # the flags the PDF brief uses

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def missing(what: str) -> None:
    """Skip on a developer machine without the tool; fail in CI (CLUSTERSIM_REQUIRE_SERVICES=1)."""
    if os.environ.get("CLUSTERSIM_REQUIRE_SERVICES", "").strip() not in ("", "0"):
        pytest.fail(f"{what}, but CLUSTERSIM_REQUIRE_SERVICES=1 requires it")
    pytest.skip(what)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    """A running `clustersim app`: its URL, process (the server itself) and database."""

    url: str
    port: int
    proc: subprocess.Popen
    db: Path
    log: Path


@contextmanager
def app_server(tmp: Path, lang: str = "en") -> Iterator[AppServer]:
    """`python -m sim app --lang LANG` on a free port with a fresh database; stopped after."""
    try:
        import solara  # noqa: F401
    except ImportError:
        missing("the `app` extra (solara) is not installed")
    port = free_port()
    db = tmp / "results.sqlite"
    log_path = tmp / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port), "--lang", lang,
         "--db", f"sqlite:///{db}"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"the app did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield AppServer(url, port, proc, db, log_path)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (use as a module fixture: ``yield from``)."""
    try:
        import playwright.sync_api as pw
    except ImportError:
        missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} (Debian chromium) is not installed")
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
