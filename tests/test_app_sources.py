"""The Russian strategy page quotes its legal references in Russian, labels explained on hover.

A real `clustersim app` (``python -m sim app --lang ru``) on a free loopback port with a fresh
SQLite database, opened in headless Chromium: the criteria panel's legal-reference cells quote
the scenario's ``source_ru`` («ПП РФ от 31.07.2015 № 779 …», no "Decree"), and each evidence
label is an ``<abbr title="…">`` with its meaning in Russian.

The server start is a minimal copy of ``tests/test_app.py``'s (that file's helpers may change
under another branch).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.report.brief import CHROMIUM_ARGS
from sim.report.criteria import criteria_rows
from sim.report.i18n import t
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SCENARIO = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"  # the page's default scenario


def _missing(what: str) -> None:
    """Skip on a developer machine without the tool; fail in CI (CLUSTERSIM_REQUIRE_SERVICES=1)."""
    if os.environ.get("CLUSTERSIM_REQUIRE_SERVICES", "").strip() not in ("", "0"):
        pytest.fail(f"{what}, but CLUSTERSIM_REQUIRE_SERVICES=1 requires it")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ru_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m sim app --lang ru` on a free port with a fresh database; stopped after."""
    try:
        import solara  # noqa: F401
    except ImportError:
        _missing("the `app` extra (solara) is not installed")
    tmp = tmp_path_factory.mktemp("app_sources")
    port = _free_port()
    log_path = tmp / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "app", "--port", str(port), "--lang", "ru",
             "--db", f"sqlite:///{tmp / 'results.sqlite'}"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 90
            while True:
                with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"the app did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@pytest.fixture(scope="module")
def browser():
    try:
        import playwright.sync_api as pw
    except ImportError:
        _missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} (Debian chromium) is not installed")
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def test_russian_criteria_panel_quotes_russian_legal_acts_with_labels_on_hover(
    ru_server: str, browser
) -> None:
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(ru_server)
    page.get_by_role("tab", name=t("app_criteria_tab", "ru")).click(timeout=60_000)
    page.wait_for_selector(".criteria-table td", timeout=30_000)
    head = page.locator(".criteria-table th").all_inner_texts()
    assert head[2] == t("doc_col_legal", "ru"), head
    legal = page.locator(".criteria-table td:nth-child(3)").all_inner_texts()
    expected = [c.legal for c in criteria_rows(load_scenario(SCENARIO), "ru")]
    assert legal == expected  # the text as the brief prints it, tags aside
    assert sum("ПП РФ" in cell for cell in legal) >= 5, legal
    for cell in legal:
        assert not re.search(r"\b(Decree|Tax Code|assumption|confirm)\b", cell), cell
    # every evidence label of the legal column is an <abbr> with its meaning in Russian
    abbrs = page.eval_on_selector_all(
        ".criteria-table td:nth-child(3) abbr[title]",
        "els => els.map(e => [e.textContent, e.getAttribute('title')])",
    )
    assert abbrs, "no abbr[title] in the legal column"
    meanings = {label: title for label, title in abbrs}
    assert meanings["[V]"] == t("evidence_title_V", "ru")
    assert meanings["[R]"] == t("evidence_title_R", "ru")
    n_labels = sum(len(re.findall(r"\[(?:V|V-abs|R|D)\]", cell)) for cell in legal)
    assert len(abbrs) == n_labels
    page.close()
    assert errors == [], errors
