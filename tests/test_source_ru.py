"""Sources in the language of the page and the brief: ``source_ru`` beside ``source``.

The loader refuses a Russian rendering whose evidence labels differ from the English source's
(file, line, key, exit code 2 from ``clustersim validate``); one function picks a source's
language (:func:`sim.report.criteria.source_in`); the page shows each evidence label as an
``<abbr>`` with its meaning on hover; every source of the shipped scenarios has its Russian
rendering.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.app.session import levers
from sim.app.widgets import Html, html_table
from sim.errors import InputError
from sim.report.brief_common import evidence_labels, key_assumptions
from sim.report.criteria import criteria_rows, source_html, source_in, source_text
from sim.report.i18n import t
from sim.scenario import load_scenario
from sim.scenario.schema import EVIDENCE_RE, RateParam, Uncertainty

ROOT = Path(__file__).resolve().parents[1]
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
BASE = ASTRAKHAN.read_text(encoding="utf-8")
#: Every TOML file shipped under scenarios/ (scenarios and sweeps).
SHIPPED = sorted((ROOT / "scenarios").rglob("*.toml"))
#: An English field and its Russian rendering.
PAIRS = {"source": "source_ru", "reason": "reason_ru",
         "max_non_producing_source": "max_non_producing_source_ru"}  # fmt: skip


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def _with(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --------------------------------------------------------------------------------------------
# The loader: same evidence labels, or a clear FILE:LINE: key: message
# --------------------------------------------------------------------------------------------
#: The functional-dependence default: English [V] and [R]; its Russian loses the [R].
FD_RU = "подтвердить по consultant.ru [R]"


def _bad_fd(tmp_path: Path) -> tuple[Path, int]:
    text = _with(BASE, FD_RU, "подтвердить по consultant.ru")
    path = tmp_path / "bad_labels.toml"
    path.write_text(text, encoding="utf-8")
    return path, _line_of(text, "functional_dependence_default = {")


def test_label_mismatch_is_refused_with_file_line_and_key(tmp_path: Path) -> None:
    path, line = _bad_fd(tmp_path)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    problem = next(p for p in info.value.problems
                   if p.key == "registry.functional_dependence_default.source_ru")  # fmt: skip
    assert problem.line == line and problem.file == str(path)
    assert "same evidence labels as source" in problem.message
    assert "source has [R] [V], the Russian text has [V]" in problem.message
    assert "errors.pydantic.dev" not in str(info.value)


def test_cli_validate_refuses_a_label_mismatch_with_exit_code_2(tmp_path: Path) -> None:
    path, line = _bad_fd(tmp_path)
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 2, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}: registry.functional_dependence_default.source_ru: ")
    assert "same evidence labels" in first
    assert "Traceback" not in result.stdout + result.stderr


def test_label_mismatch_of_an_uncertainty_reason_and_the_non_producing_source(
    tmp_path: Path,
) -> None:
    text = _with(BASE, 'max_non_producing_source_ru = "ПП РФ от 31.07.2015 № 779 [V] bukvoed.ru"',
                 'max_non_producing_source_ru = "ПП РФ от 31.07.2015 № 779 [D] bukvoed.ru"')
    reason = next(line for line in text.splitlines()
                  if line.startswith("reason_ru = ") and "[V]" in line)  # fmt: skip
    bad_reason = reason.replace("[V]", "[V-abs]")
    text = _with(text, reason, bad_reason)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    by_key = {p.key: p for p in info.value.problems}
    np_ = by_key["registry.max_non_producing_source_ru"]
    assert np_.line == _line_of(text, "max_non_producing_source_ru")
    assert "same evidence labels as max_non_producing_source" in np_.message
    bad = [p for k, p in by_key.items() if re.fullmatch(r"uncertainties\[\d+\]\.reason_ru", k)]
    assert len(bad) == 1 and bad[0].line == _line_of(text, bad_reason)
    assert "same evidence labels as reason" in bad[0].message


def test_schema_checks_labels_and_needs_the_english_text() -> None:
    ok = RateParam(value=0.1, unit="x", source="Decree 41 [V] a", source_ru="ПП РФ № 41 [V] a")
    assert ok.source_ru == "ПП РФ № 41 [V] a"
    assumption = RateParam(value=0.1, unit="x", source="assumption", source_ru="допущение")
    assert assumption.source_ru == "допущение"
    with pytest.raises(ValueError, match=r"source has \[V\], the Russian text has none"):
        RateParam(value=0.1, unit="x", source="Decree 41 [V]", source_ru="ПП РФ № 41")
    with pytest.raises(ValueError, match="needs its English source"):
        Uncertainty(key="market.demand_volatility", fixed=True, reason="x", source_ru="y")
    with pytest.raises(ValueError, match="same evidence labels as reason"):
        Uncertainty(key="market.demand_volatility", fixed=True, reason="x [R]",
                    reason_ru="y [V]")  # fmt: skip


def test_own_non_producing_source_does_not_take_the_default_russian(tmp_path: Path) -> None:
    text = _with(BASE, 'max_non_producing_source_ru = "ПП РФ от 31.07.2015 № 779 [V] bukvoed.ru"\n',
                 "")
    path = tmp_path / "own.toml"
    path.write_text(text, encoding="utf-8")
    reg = load_scenario(path).registry
    assert reg.max_non_producing_source_ru == ""
    row = next(c for c in criteria_rows(load_scenario(path), "ru") if c.key == "non_producing")
    assert row.legal == reg.max_non_producing_source  # the English, the only one there is


# --------------------------------------------------------------------------------------------
# One function picks the language
# --------------------------------------------------------------------------------------------
def test_source_in_picks_the_language_and_falls_back_to_english() -> None:
    p = RateParam(value=0.2, unit="x", source="Decree 779 [R]", source_ru="ПП РФ № 779 [R]")
    assert source_in(p, "ru") == "ПП РФ № 779 [R]"
    assert source_in(p, "en") == "Decree 779 [R]"
    assert source_in("Decree 41 [V]", "ru", "ПП РФ № 41 [V]") == "ПП РФ № 41 [V]"
    assert source_in("Decree 41 [V]", "en", "ПП РФ № 41 [V]") == "Decree 41 [V]"
    assert source_in("Decree 41 [V]", "ru") == "Decree 41 [V]"  # no Russian: the English
    bare = RateParam(value=0.2, unit="x", source="Decree 779 [V]")
    assert source_in(bare, "ru") == "Decree 779 [V]"
    # the [R] flag in the language of the text
    assert source_text(p, "ru") == f"ПП РФ № 779 [R] — {t('doc_confirm', 'ru')}"
    assert source_text(p, "en") == f"Decree 779 [R] — {t('doc_confirm', 'en')}"
    assert source_text("Decree 41 [V]", "ru", "ПП РФ № 41 [V]") == "ПП РФ № 41 [V]"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")),
                         ids=lambda p: p.name)  # fmt: skip
def test_russian_criteria_quote_russian_legal_acts(path: Path) -> None:
    sc = load_scenario(path)
    ru = criteria_rows(sc, "ru")
    for c in ru:
        assert "Decree" not in c.legal and "assumption" not in c.legal, c.legal
    assert sum("ПП РФ от 31.07.2015 № 779" in c.legal for c in ru) >= 5
    assert any("ПП РФ от 16.11.2021 № 1956" in c.legal for c in ru)
    assert all(a.flagged == b.flagged for a, b in zip(ru, criteria_rows(sc, "en"), strict=True))
    assert any("Decree 779" in c.legal for c in criteria_rows(sc, "en"))


def test_brief_assumptions_carry_the_russian_source() -> None:
    rows = key_assumptions(BASE)
    assert rows and all(r["source_ru"] for r in rows)
    key = "regimes.decree41_full.joint_project_subsidy.rate"
    subsidy = next(r for r in rows if r["key"] == key)
    assert subsidy["source_ru"].startswith("ПП РФ от 28.01.2016 № 41 [V]")
    assert evidence_labels("допущение: x") == ["assumption"]


# --------------------------------------------------------------------------------------------
# Evidence labels on hover
# --------------------------------------------------------------------------------------------
def test_source_html_escapes_text_and_explains_each_label() -> None:
    out = source_html('<script>alert("x")</script> & [V] then [V-abs], [R] and [D]', "ru")
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert "&quot;x&quot;" in out
    titles = dict(re.findall(r'<abbr class="evidence" title="([^"]+)">\[([^\]]+)\]</abbr>', out))
    assert sorted(titles.values()) == ["D", "R", "V", "V-abs"]
    meaning = {v: k for k, v in titles.items()}
    assert meaning["V"] == t("evidence_title_V", "ru")
    assert meaning["R"].startswith("по памяти")
    assert meaning["V-abs"].startswith("проверено только по аннотации")
    assert meaning["D"].startswith("выведено")
    en = source_html("Decree 41 [V]", "en")
    assert 'title="verified: ' in en and en.startswith("Decree 41 <abbr")
    # nothing but the labels and the abbr tags is markup
    assert re.sub(r"</?abbr[^>]*>", "", out).count("<") == 0


def test_html_table_inserts_only_html_cells_as_is() -> None:
    cell = Html(source_html("ПП РФ № 41 [V] <b>", "ru"))
    table = html_table([{"a": "<i>x</i>", "b": cell}])
    assert "&lt;i&gt;x&lt;/i&gt;" in table
    assert '<abbr class="evidence" title="' in table and "&lt;b&gt;" in table


# --------------------------------------------------------------------------------------------
# The shipped scenarios: every source has its Russian rendering
# --------------------------------------------------------------------------------------------
def _untranslated(node: object, path: str, out: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            where = f"{path}.{k}" if path else k
            if k in PAIRS and isinstance(v, str) and v:
                ru = node.get(PAIRS[k], "")
                if not ru:
                    out.append(f"{where}: no {PAIRS[k]}")
                elif set(EVIDENCE_RE.findall(ru)) != set(EVIDENCE_RE.findall(v)):
                    out.append(f"{where}: other evidence labels in {PAIRS[k]}")
                elif re.search(r"\b(Decree|Tax Code|assumption|Federal Law)\b", ru):
                    out.append(f"{where}: English words in {PAIRS[k]}: {ru}")
                elif "% в год" in ru:  # the glossary's rule (tests/test_glossary.py)
                    out.append(f"{where}: a rate «в год» in {PAIRS[k]}: use «годовых»/«за год»")
            else:
                _untranslated(v, where, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _untranslated(v, f"{path}[{i}]", out)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_every_shipped_source_has_a_russian_rendering(path: Path) -> None:
    out: list[str] = []
    _untranslated(tomllib.loads(path.read_text("utf-8")), "", out)
    assert not out, "\n".join(out)


def test_coverage_check_finds_an_untranslated_source() -> None:
    out: list[str] = []
    _untranslated({"a": {"value": 1, "source": "Decree 41 [V]"},
                   "uncertainties": [{"reason": "x", "reason_ru": "y [R]"}]}, "", out)  # fmt: skip
    assert out == ["a.source: no source_ru", "uncertainties[0].reason: other evidence labels "
                   "in reason_ru"]  # fmt: skip


def test_lever_source_in_the_page_language() -> None:
    lever = levers(load_scenario(ASTRAKHAN), "decree41_full")[0]
    assert lever.source("ru").startswith("ПП РФ от 28.01.2016 № 41 [V]")
    assert lever.source("en").startswith("Decree 41 of 28.01.2016 [V]")
