"""The Russian glossary lives in ``sim.report.i18n`` and uses the agreed terms (issue 19).

Every Russian text the outputs show comes from the catalogues below; this test reads all of
them, so jargon that a Russian official would stumble over cannot come back unnoticed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sim.report import i18n

ROOT = Path(__file__).resolve().parents[1]

#: Terms a reviewer of the Russian outputs flagged, with what is used instead.
FLAGGED = {
    "Плацебо": "«Только включение в реестр»",
    "плацебо": "«только включение в реестр»",
    "де-факто»": "«инерционный вариант» (the de-facto cluster, defined in the method)",
    "к де-факто": "«к инерционному варианту»",
    "Эффект к де-факто": "«Эффект к инерционному варианту»",
    "Точка плана": "«Вариант расчёта»",
    "точку плана": "«вариант расчёта»",
    "точек плана": "«вариантов расчёта»",
    "критерий ФЗ": "«критерий функциональной зависимости» (ФЗ reads as a federal law)",
    "вес соседей": "«влияние соседей на решение о вступлении»",
    "ПП 41": "«ПП № 41» with its date on first use",
}
#: A rate per year written as a share or «% в год» instead of «% годовых».
RATE_AS_SHARE = re.compile(r"(%|\{rate\}) в год")


def _russian_texts() -> dict[str, str]:
    """Every Russian text of the catalogues, by where it lives."""
    texts = {f"CATALOGUE[{k}]": v["ru"] for k, v in i18n.CATALOGUE.items()}
    texts |= {f"ARMS[{k}]": v["ru"] for k, v in i18n.ARMS.items()}
    texts |= {f"PARAMS[{k}]": v["ru"] for k, v in i18n.PARAMS.items()}
    texts |= {f"UNITS[{k}]": v for k, v in i18n.UNITS.items()}
    for name in ("BUDGET_MEASURES", "ADDITIONALITY_LABELS", "IO_LABELS"):
        texts |= {f"{name}[{k}]": v[0]["ru"] for k, v in getattr(i18n, name).items()}
    return texts


def _scenario_titles() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for name, regime in data.get("regimes", {}).items():
            if "title_ru" in regime:
                out[f"{path.name}: regimes.{name}.title_ru"] = regime["title_ru"]
    return out


def test_every_catalogue_has_russian_and_english() -> None:
    for name in ("CATALOGUE", "ARMS", "PARAMS"):
        for key, entry in getattr(i18n, name).items():
            assert set(entry) == {"ru", "en"} and entry["ru"] and entry["en"], (name, key)
            words = re.sub(r"\{[^}]*\}", "", entry["ru"])  # without {placeholders}
            # Russian, or no English word in it (an abbreviation such as "N" or "IRR" is fine)
            assert re.search("[А-Яа-яЁё]", words) or not re.search("[a-z]{4}", words), (name, key)


@pytest.mark.parametrize("source", ["catalogues", "scenario titles"])
def test_no_flagged_jargon_in_russian_texts(source: str) -> None:
    texts = _russian_texts() if source == "catalogues" else _scenario_titles()
    assert texts
    found = [f"{where}: {term!r} -> use {FLAGGED[term]}" for where, text in texts.items()
             for term in FLAGGED if term in text]  # fmt: skip
    found += [f"{where}: a rate «в год» -> «годовых»" for where, text in texts.items()
              if RATE_AS_SHARE.search(text)]  # fmt: skip
    assert found == [], "\n".join(found)


def test_the_defined_terms_are_used() -> None:
    """The terms of Decree 779 and the baseline appear as defined."""
    joined = " ".join(_russian_texts().values())
    assert "Специализированная организация промышленного кластера" in joined
    assert "инерционн" in joined and "кластер де-факто" in joined  # the baseline, defined
    assert "функциональной зависимости" in joined
    assert i18n.arm_label("de_facto", "ru") == "Инерционный вариант"
