"""Tables an analyst pastes into a strategy document (issue 19): report tables, export, compare.

Rounded values in CSV and XLSX, the time basis and unit in every header, absolute and % effects,
net balance per budget, a notes sheet in every workbook with the seed as text; ``export --lang``
with Russian/English labels and calendar quarters; ``compare`` with unique headers and the
budget accounts the README promises.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.effects import effects
from sim.cli import main
from sim.report.data import prepare
from sim.report.i18n import t
from sim.report.tables import (
    budget_table,
    compare_view,
    param_headers,
    quarter_label,
    regime_table,
    write_csv,
    write_xlsx,
)
from sim.store import open_store
from sim.store.reading import read_sweep
from tests.report_fixtures import GRID, stored_sweeps

OUTCOMES = ["output", "employment", "productivity", "market_share"]
SEED_19 = 8925610369818531361  # a run seed of the stored sweeps: 19 digits


@pytest.fixture(scope="module")
def grid():
    with open_store(stored_sweeps(), readonly=True) as store:
        data = read_sweep(store, GRID, networks=False)
    return prepare(data, OUTCOMES, [])


def _decimals(cell: str, point: str) -> int:
    return len(cell.split(point, 1)[1]) if point in cell else 0


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_csv_values_are_rounded(grid, tmp_path, lang):
    """No cell of either table carries a full float (the issue's ``0,6255020894280591``)."""
    sep, point = (";", ",") if lang == "ru" else (",", ".")
    for build in (regime_table, budget_table):
        frame, _ = build(grid, lang)
        path = write_csv(frame, tmp_path / f"{build.__name__}.csv", lang)
        text = path.read_text("utf-8-sig")
        rows = [line.split(sep) for line in text.splitlines()[1:]]
        numbers = [c for row in rows for c in row if re.fullmatch(r"-?\d+([.,]\d+)?", c)]
        assert len(numbers) > 20, build.__name__
        assert max(_decimals(c, point) for c in numbers) <= 4, build.__name__
        assert not re.search(r"\d[.,]\d{5,}", text), build.__name__
        assert "-0,0;" not in text and "-0.0," not in text


def test_regime_headers_say_basis_and_unit_absolute_beside_percent(grid):
    frame, kinds = regime_table(grid, "ru")
    head = list(frame.columns)
    assert len(head) == len(set(head)) == len(kinds)
    out_abs = "Валовой выпуск: эффект к инерционному варианту, млн руб., накопленно за 3 года"
    out_pct = "Валовой выпуск: эффект к инерционному варианту, %, накопленно за 3 года"
    emp_abs = "Занятость: эффект к инерционному варианту, чел., среднее за последний год"
    share_pp = "Доля рынка: изменение к инерционному варианту, п. п., среднее за последний год"
    for h in (out_abs, out_pct, emp_abs, share_pp):
        assert h in head, (h, head)
    assert head.index(out_abs) < head.index(out_pct)  # the absolute effect next to the %
    assert f"{out_abs}; 95 % ДИ, нижняя граница" in head
    # the absolute effect is the compare() column, rounded (three significant digits)
    raw = grid.table["output_abs"].to_numpy()
    assert np.allclose(frame[out_abs].to_numpy(dtype=float), raw, rtol=5e-3, atol=0.05)
    paired = effects(grid.df, ["output"]).set_index(["point", "arm"])["effect"]
    assert np.allclose(grid.table.set_index(["point", "arm"])["output_abs"], paired.loc[
        list(grid.table.set_index(["point", "arm"]).index)])  # fmt: skip
    en, _ = regime_table(grid, "en")
    assert "Gross output: effect vs de facto, mln RUB, cumulative over 3 years" in en.columns
    assert "Employment: effect vs de facto, %, mean of the last year" in en.columns


def test_budget_table_net_balance_per_level_first(grid):
    frame, kinds = budget_table(grid, "ru")
    head = list(frame.columns)
    assert len(head) == len(set(head)) == len(kinds)
    rate = "приведённая стоимость при ставке 8\u202f% годовых"
    nets = [h for h in head if h.startswith("Чистое сальдо (ПС),")]
    assert [h.split(", ")[1] for h in nets] == [
        t(lv, "ru") for lv in ("federal", "regional", "social_fund", "total")
    ]
    assert all(h.endswith(f"млн руб., сумма за 3 года, {rate}") for h in nets), nets
    # right after the design point, parameters, regime and pairs
    assert head.index(nets[0]) == head.index("Парных повторений") + 1
    net_total = frame[nets[-1]].to_numpy(dtype=float)
    assert np.allclose(net_total, grid.table["net_total"].round(1).to_numpy())
    shares = [h for h in head if h.startswith("Утечка")]
    assert shares and ", %, за 3 года" in shares[0]
    assert frame[shares[0]].between(0, 100).all()  # shares are written in %


def test_every_workbook_has_a_notes_sheet_with_the_seed_as_text(grid, tmp_path):
    from openpyxl import load_workbook

    frame, kinds = regime_table(grid, "ru")
    path = write_xlsx({"Таблица": (frame, kinds)}, tmp_path / "regimes.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Таблица", "Пояснения"]
    notes = {r[0]: r[1] for r in wb["Пояснения"].iter_rows(min_row=2, values_only=True)}
    seed = notes[t("tx_n_seed", "ru")]
    assert isinstance(seed, str) and seed == str(grid.sweep["root_seed"])
    assert notes[t("tx_n_hash", "ru")] == grid.scenario_row["hash"]
    assert notes[t("tx_n_sweep", "ru")] == GRID
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", notes[t("tx_n_written", "ru")])
    assert notes[t("tx_n_version", "ru")]
    assert notes[t("tx_n_horizon", "ru")] == "с 2025 I кв. по 2027 IV кв. (12 кв.)"
    for head in frame.columns:  # every column is defined
        assert notes.get(head), head
    ws = wb["Таблица"]
    assert ws.cell(row=2, column=list(frame.columns).index(
        "Валовой выпуск: эффект к инерционному варианту, %, накопленно за 3 года") + 1
    ).number_format == "#,##0.0"  # fmt: skip
    # a 19-digit integer in any sheet is text (Excel would round it as a double)
    seeds = pd.DataFrame({"seed": [SEED_19], "x": [1.5]})
    path = write_xlsx({"s": (seeds, ["0", "0.0"])}, tmp_path / "seeds.xlsx", lang="en")
    wb = load_workbook(path)
    assert wb["s"]["A2"].value == str(SEED_19) and wb["s"]["A2"].data_type == "s"
    assert wb.sheetnames == ["s", "Notes"]


def test_quarter_labels_are_calendar():
    assert quarter_label(1, 2027, "ru") == "2027 I кв."
    assert quarter_label(8, 2027, "ru") == "2028 IV кв."
    assert quarter_label(3, 2027, "en") == "2027 Q3"
    assert quarter_label(float("nan"), 2027, "en") == ""
    labels = [quarter_label(q, 2025, "ru") for q in range(1, 13)]
    assert sorted(labels) == labels  # year first: text order is time order


def test_export_lang_ru_labels_calendar_quarters_and_seeds_as_text(tmp_path, capsys):
    from openpyxl import load_workbook

    url = stored_sweeps()
    assert main(["export", "--sweep", GRID, "--format", "xlsx", "--lang", "ru", "--outcome",
                 "output", "--out", str(tmp_path), "--db", url]) == 0  # fmt: skip
    wb = load_workbook(tmp_path / f"{GRID}.xlsx")
    assert wb.sheetnames == ["Расчёты", "Показатели по кварталам", "Пояснения"]
    runs, long = wb["Расчёты"], wb["Показатели по кварталам"]
    for ws in (runs, long):
        head = [c.value for c in ws[1]]
        assert all(re.search("[А-Яа-яЁё]", h) for h in head), head
    head = [c.value for c in runs[1]]
    seed_col = head.index("Начальное значение генератора (seed)") + 1
    seeds = [runs.cell(row=r, column=seed_col) for r in range(2, runs.max_row + 1)]
    assert all(c.data_type == "s" and re.fullmatch(r"\d+", c.value) for c in seeds)
    assert str(SEED_19) in {c.value for c in seeds}
    head = [c.value for c in long[1]]
    quarters = [long.cell(row=r, column=head.index("Квартал") + 1).value
                for r in range(2, long.max_row + 1)]  # fmt: skip
    assert quarters[:4] == ["2025 I кв.", "2025 II кв.", "2025 III кв.", "2025 IV кв."]
    assert set(quarters) == {f"{y} {q} кв." for y in (2025, 2026, 2027)
                             for q in ("I", "II", "III", "IV")}  # fmt: skip
    outcome = {long.cell(row=r, column=head.index("Показатель") + 1).value
               for r in range(2, long.max_row + 1)}  # fmt: skip
    assert outcome == {"Валовой выпуск"}
    notes = {r[0]: r[1] for r in wb["Пояснения"].iter_rows(min_row=2, values_only=True)}
    assert notes[t("tx_n_seed", "ru")] == "20261126"

    assert main(["export", "--sweep", GRID, "--lang", "ru", "--outcome", "output", "--out",
                 str(tmp_path), "--db", url]) == 0  # fmt: skip
    text = (tmp_path / f"{GRID}_outcomes.csv").read_text("utf-8-sig")
    first = text.splitlines()[1].split(";")
    assert first[5] == "2025 I кв." and re.fullmatch(r"\d+(,\d{1,4})?", first[7]), first
    frame = pd.read_csv(tmp_path / f"{GRID}_runs.csv", sep=";", decimal=",", dtype=str)
    assert str(SEED_19) in set(frame["Начальное значение генератора (seed)"])


def test_export_lang_en_and_default_stays_machine_readable(tmp_path, capsys):
    from openpyxl import load_workbook

    url = stored_sweeps()
    assert main(["export", "--sweep", GRID, "--lang", "en", "--outcome", "output", "--out",
                 str(tmp_path / "en"), "--db", url]) == 0  # fmt: skip
    long = pd.read_csv(tmp_path / "en" / f"{GRID}_outcomes.csv")
    assert long["Quarter"].iloc[0] == "2025 Q1" and set(long["Outcome"]) == {"Gross output"}
    assert main(["export", "--sweep", GRID, "--format", "xlsx", "--outcome", "output", "--out",
                 str(tmp_path / "raw"), "--db", url]) == 0  # fmt: skip
    wb = load_workbook(tmp_path / "raw" / f"{GRID}.xlsx")
    assert wb.sheetnames == ["runs", "outcomes", "Notes"]
    head = [c.value for c in wb["runs"][1]]
    seeds = [row[head.index("seed")] for row in wb["runs"].iter_rows(min_row=2, values_only=True)]
    assert seeds and all(isinstance(s, str) for s in seeds) and str(SEED_19) in seeds
    assert [c.value for c in wb["outcomes"][1]][:5] == ["sweep", "point", "replicate", "arm",
                                                         "quarter"]  # fmt: skip


def test_compare_headers_are_unique_even_for_two_rates():
    params = ["regimes.a.preferential_loans.rate", "regimes.a.grant.rate",
              "regimes.decree41_full.joint_project_subsidy.rate"]  # fmt: skip
    heads = param_headers(params)
    assert heads[params[0]] == params[0] and heads[params[1]] == params[1]
    assert heads[params[2]] == "joint-project subsidy rate"
    row = {"point": 0, "arm": "decree41_full", params[0]: 0.1, params[1]: 0.2, params[2]: 0.3,
           "output_pct": 1.5, "output_pct_ci_low": 0.5, "output_pct_ci_high": 2.5,
           "market_share_pct": 0.0, "market_share_pct_ci_low": np.nan,
           "market_share_pct_ci_high": np.nan, "market_share_pp": 0.1,
           "market_share_pp_ci_low": 0.0, "market_share_pp_ci_high": 0.2,
           "registered_share": 1.0, "registration_quarter": 9.0}  # fmt: skip
    view = compare_view(pd.DataFrame([row]), ["output", "market_share"], params)
    assert len(set(view.columns)) == len(view.columns) == 9
    assert view.iloc[0].tolist()[-4:] == ["+1.50 [+0.50, +2.50]", "+0.00",
                                          "+0.10 [+0.00, +0.20]", "100 % q9"]  # fmt: skip


def test_compare_prints_unique_headers_and_the_readme_budget_columns(capsys):
    assert main(["compare", "--sweep", GRID, "--db", stored_sweeps()]) == 0
    out = capsys.readouterr().out
    head = out.splitlines()[1]
    names = ["Design point", "Regime", "joint-project subsidy rate", "output, %",
             "employment, %", "market_share, pp", "registered"]  # fmt: skip
    for name in names:
        assert head.count(name) == 1, (name, head)
    assert not re.search(r"\brate\b\s+.*\brate\b", head.replace("subsidy rate", ""))
    # the README's budget accounts: every column, every level, additionality and input-output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    for column in ("extra revenue", "tax expenditure", "cash cost", "net balance [95 % CI]",
                   "committed, due after", "net incl. committed", "budget efficiency",
                   "cash cost, undiscounted"):  # fmt: skip
        assert f"| {column}" in readme or f"| **{column}" in readme, column
        assert column in out, column
    for level in ("federal budget", "regional budget", "Social Fund", "all budgets"):
        assert level in out
    for word in ("deadweight", "leakage", "displacement", "federal net view",
                 "first-round output"):  # fmt: skip
        assert word in out, word
