"""The Russian strategy page quotes its legal references in Russian, labels explained on hover.

A real `clustersim app` (``python -m sim app --lang ru``) on a free loopback port with a fresh
SQLite database, opened in headless Chromium: the criteria panel's legal-reference cells quote
the scenario's ``source_ru`` («ПП РФ от 31.07.2015 № 779 …», no "Decree"), and each evidence
label is an ``<abbr title="…">`` with its meaning in Russian.

The server and the browser are those of the other page tests (``tests/app_fixtures.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_fixtures import app_server, chromium

from sim.report.criteria import criteria_rows
from sim.report.i18n import t
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"  # the page's default scenario


@pytest.fixture(scope="module")
def ru_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m sim app --lang ru` on a free port with a fresh database; stopped after."""
    with app_server(tmp_path_factory.mktemp("app_sources"), lang="ru") as srv:
        yield srv.url


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


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
