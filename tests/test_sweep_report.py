"""Sweep reports summarise (issue 19): bounded chart sets, sensitivity tables with warnings.

Tiny sweeps (a 4-quarter horizon, two paired replications) are run once per module into a
temporary SQLite file: grids of 2 and 4 points along one lever, a 2 x 2 grid, a Sobol and a
Morris sweep. No PDF or browser work here.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_fixtures import BASE, strict_rendering

from sim.analysis.sensitivity import flag_indices
from sim.api import run_sweep
from sim.cli import main
from sim.report import charts, sensitivity_table
from sim.report.data import ReportData, prepare
from sim.report.document import build_document
from sim.report.figures import figures
from sim.report.i18n import PARAMS, param_label, t
from sim.report.tables import write_csv
from sim.store import open_store
from sim.store.reading import read_sweep

RATE = "regimes.decree41_full.joint_project_subsidy.rate"
DEMAND = "market.demand_growth_per_year"
OUTCOMES = ["output", "employment", "productivity", "market_share"]


def _sweep(tmp: Path, name: str, design: str, reps: int = 2) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "{(tmp / "short.toml").as_posix()}"\nreplications = {reps}\n'
        'arms = ["de_facto", "decree41_full"]\n[design]\n' + design,
        encoding="utf-8",
    )
    return path


def _grid(values: list[float], demand: list[float] | None = None) -> str:
    text = f'method = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = {values!r}\n'
    if demand:
        text += f'[[design.vary]]\nkey = "{DEMAND}"\nvalues = {demand!r}\n'
    return text


RANGES = (
    f'[[design.vary]]\nkey = "{RATE}"\nlow = 0.1\nhigh = 0.6\n'
    f'[[design.vary]]\nkey = "{DEMAND}"\nlow = -0.02\nhigh = 0.06\n'
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("sweep-report")
    text = BASE.read_text(encoding="utf-8")
    short = re.sub(r"(?m)^horizon_quarters = \d+", "horizon_quarters = 4", text, count=1)
    assert short != text
    (tmp / "short.toml").write_text(short, encoding="utf-8")
    url = f"sqlite:///{tmp / 'sweeps.sqlite'}"
    sweeps = [
        _sweep(tmp, "grid2", _grid([0.3, 0.5])),
        _sweep(tmp, "grid4", _grid([0.1, 0.3, 0.5, 0.7])),
        _sweep(tmp, "grid2x2", _grid([0.1, 0.5], [-0.02, 0.06])),
        _sweep(tmp, "sobol", 'method = "sobol"\nsamples = 4\nseed = 3\n' + RANGES),
        _sweep(tmp, "morris", 'method = "morris"\nsamples = 2\nlevels = 4\nseed = 3\n' + RANGES),
    ]
    for path in sweeps:
        res = run_sweep(path, db=url, executor="local", progress=False)
        assert res["failed"] == 0, res
    return url


def _data(db: str, name: str) -> ReportData:
    with open_store(db, readonly=True) as store:
        data = read_sweep(store, name)
    notes: list[str] = []
    return prepare(data, OUTCOMES, notes)


def _names(d: ReportData, lang: str = "en") -> list[str]:
    notes: list[str] = []
    with strict_rendering():
        return list(figures(d, lang, notes))


def test_grid_charts_do_not_grow_with_the_design_points(db):
    two, four = _data(db, "grid2"), _data(db, "grid4")
    assert two.design["point"].nunique() == 2 and four.design["point"].nunique() == 4
    names2, names4 = _names(two), _names(four)
    assert names2 == names4
    assert not [n for n in names4 if re.search(r"_p\d+$", n)], names4
    for name in ("regime_comparison", "budget", "robustness", "timeline"):
        assert name in names4
    assert [f"dose_response_{o}" for o in OUTCOMES] == [
        n for n in names4 if n.startswith("dose_response")
    ]
    assert "tornado" not in names4  # one lever: nothing to compare one at a time


def test_robustness_chart_shows_every_point_in_the_regime_style(db):
    d = _data(db, "grid4")
    with strict_rendering():
        fig = figures(d, "ru", [])["robustness"]
    style = charts.regime_style("decree41_full", d.info.regimes)
    ax = fig.subfigs[0].axes[0]
    markers = [
        ln for ln in ax.get_lines()
        if ln.get_gid() == "regime:decree41_full" and ln.get_linestyle() == "None"
    ]  # fmt: skip
    assert len(markers) == 1 and len(markers[0].get_xdata()) == 4  # one marker per point
    assert markers[0].get_marker() == style.marker and markers[0].get_color() == style.colour
    assert "Эффект режимов" in fig._clustersim_title


def _overlaps(fig, ax) -> bool:
    """Whether the legend covers a bar, laid out as the pack saves it (in the house style)."""
    with charts.house_style():
        fig.savefig(io.BytesIO(), format="png", dpi=100)  # lays the figure out (Agg)
    legend = fig.subfigs[0].legends[0].get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches]
    return any(legend.overlaps(b) for b in bars)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_grid_tornado_one_at_a_time_in_words_sorted_legend_below(db, lang):
    d = _data(db, "grid2x2")
    oat = sensitivity_table.sensitivity_results(d)["oat"]
    assert set(oat["parameter"]) == {RATE, DEMAND}
    with strict_rendering():
        figs = figures(d, lang, [])
    fig = figs["tornado"]
    ax = fig.subfigs[0].axes[0]
    labels = [x.get_text().split("\n")[0] for x in ax.get_yticklabels()]
    words = {param_label(RATE, lang).split()[0], param_label(DEMAND, lang).split()[0]}
    assert {lb.split()[0] for lb in labels} == words  # labelled in words, not keys
    swing = (oat["high"] - oat["low"]).abs().to_numpy()
    top = oat.loc[int(np.argmax(swing)), "parameter"]
    assert labels[-1].split()[0] == param_label(top, lang).split()[0]  # largest on top
    legend = [x.get_text() for x in fig.subfigs[0].legends[0].get_texts()]
    assert t("oat_low", lang) in legend and t("oat_high", lang) in legend
    assert not _overlaps(fig, ax)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_morris_tornado_sorted_and_legend_below(lang):
    sens = pd.DataFrame({
        "parameter": [RATE, DEMAND], "arm": "decree41_full", "outcome": "output",
        "mu": [10.0, -200.0], "mu_star": [10.0, 200.0], "mu_star_conf": [20.0, 5.0],
        "sigma": [1.0, 2.0],
    })  # fmt: skip
    with strict_rendering():
        fig = charts.tornado_chart(flag_indices(sens), lang=lang)
    ax = fig.subfigs[0].axes[0]
    labels = [x.get_text().replace("\n", " ") for x in ax.get_yticklabels()]
    assert labels[-1] == param_label(DEMAND, lang)  # the larger mu* on top
    assert not _overlaps(fig, ax)


def test_a_tornado_of_many_parameters_shows_the_top_fifteen_at_full_width():
    """31 uncertainties (the Morris screening): the 15 largest, the rest counted in the legend."""
    keys = [k for k in PARAMS if "." in k][:31]
    assert len(keys) == 31
    mu = np.arange(1.0, 32.0)
    sens = pd.DataFrame({"parameter": keys, "arm": "decree41_full", "outcome": "output",
                         "mu": mu, "mu_star": mu, "mu_star_conf": mu / 10, "sigma": mu})
    with strict_rendering():
        fig = charts.tornado_chart(flag_indices(sens), lang="ru")
    ax = fig.subfigs[0].axes[0]
    labels = [x.get_text().replace("\n", " ") for x in ax.get_yticklabels()]
    assert len(labels) == 15 and labels[-1] == param_label(keys[-1], "ru")
    assert abs(fig.get_figwidth() - charts.FULL_IN) < 1e-9
    legend = [x.get_text() for x in fig.subfigs[0].legends[0].get_texts()]
    assert "ещё 16 параметров с меньшим влиянием — в таблице чувствительности" in legend
    assert not _overlaps(fig, ax)


def test_flags_negative_above_one_and_wide_intervals():
    sens = pd.DataFrame({
        "parameter": [RATE, DEMAND, "market.price_sensitivity"],
        "arm": "decree41_full", "outcome": "output",
        "S1": [-0.05, 0.6, 0.3], "S1_conf": [0.01, 0.05, 0.05],
        "ST": [0.2, 1.2, 0.4], "ST_conf": [0.5, 0.1, 0.05],
    })  # fmt: skip
    flagged = flag_indices(sens)
    assert flagged["S1_flag"].tolist() == ["negative", "", ""]
    assert flagged["ST_flag"].tolist() == ["wide_ci", "above_one", ""]
    assert flagged["unreliable"].tolist() == [True, True, False]
    _, rows, marked = sensitivity_table.doc_rows(flagged, "ru")
    assert marked == [0, 1]
    assert rows[0][0] == param_label(RATE, "ru") and rows[0][1].endswith("*")
    assert "оценка ненадёжна" in rows[0][-1] and "отрицателен" in rows[0][-1]
    assert "шире самого индекса" in rows[0][-1]
    assert rows[2][-1] == t("sens_reliable", "ru") and not rows[2][1].endswith("*")
    assert "ненадёжна" in sensitivity_table.note(flagged, "ru")
    assert "ненадёжна" not in sensitivity_table.note(flagged.iloc[2:], "ru")


@pytest.fixture
def no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief's figures are not rendered to PNG (the pack does that; here only the model)."""
    monkeypatch.setattr("sim.report.document._png", lambda fig, saved: b"")


def test_sensitivity_tables_csv_xlsx_and_brief_section(db, tmp_path, no_png):
    from openpyxl import load_workbook

    d = _data(db, "sobol")
    assert "sobol" in d.sensitivity
    # an unreliable index shows in the files and the brief
    d.sensitivity["sobol"] = flag_indices(d.sensitivity["sobol"].assign(S1=-0.1, S1_conf=0.01))
    for lang in ("ru", "en"):
        written = sensitivity_table.write_sensitivity_tables(d, lang, tmp_path / lang)
        assert [p.name for p in written] == ["sensitivity.csv", "sensitivity.xlsx"]
    ru = pd.read_csv(tmp_path / "ru/sensitivity.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert ru["Параметр"].tolist()[0] in (param_label(RATE, "ru"), param_label(DEMAND, "ru"))
    assert (ru["Индекс первого порядка S1"] == -0.1).all()
    text = (tmp_path / "ru/sensitivity.csv").read_text("utf-8-sig")  # rounded as shown
    assert not re.search(r"\d,\d{4,}", text), text
    assert ru["Надёжность оценки"].str.startswith("оценка ненадёжна").all()
    wb = load_workbook(tmp_path / "en/sensitivity.xlsx")
    assert wb.sheetnames == ["Sensitivity", "Notes"]  # every workbook has a notes sheet
    assert wb.active["A1"].value == "Parameter"
    with strict_rendering():
        figs = figures(d, "ru", [])
    ticks = [x.get_text() for x in figs["sobol"].subfigs[0].axes[0].get_yticklabels()]
    assert ticks and all(x.endswith(" *") for x in ticks)  # the chart marks them too
    legend = [x.get_text() for x in figs["sobol"].subfigs[0].legends[0].get_texts()]
    assert t("sens_chart_unreliable", "ru") in legend
    doc = build_document(d, "ru", figs)
    sec = next(s for s in doc.sections if s.id == "sensitivity")
    tab = next(b for b in sec.blocks if isinstance(b, type(doc.tables[0])))
    assert tab.flagged == [0, 1] and "ненадёжна" in tab.note
    assert [f.name for f in sec.blocks if hasattr(f, "png")] == ["sobol"]
    assert [f.number for f in doc.figures] == list(range(1, len(figs) + 1))
    assert [tb.number for tb in doc.tables] == list(range(1, len(doc.tables) + 1))
    text = " ".join(b.text for b in sec.blocks if hasattr(b, "text"))
    assert "Сильнее всего" in text and f"таблице {tab.number}" in text
    assert "regimes." not in text  # parameters in words, not keys


def test_morris_table_and_grid_one_at_a_time_table(db, tmp_path, no_png):
    d = _data(db, "morris")
    head, rows, _ = sensitivity_table.doc_rows(d.sensitivity["morris"], "en")
    assert sorted(r[0] for r in rows) == sorted(param_label(k, "en") for k in (RATE, DEMAND))
    assert head[1].startswith("Mean absolute influence μ*")
    grid = _data(db, "grid2x2")
    oat = sensitivity_table.sensitivity_results(grid)["oat"]
    frame, kinds = sensitivity_table.frame(oat, "ru")
    assert "Разница эффектов" in " ".join(frame.columns) and len(kinds) == len(frame.columns)
    write_csv(frame, tmp_path / "oat.csv", "ru")
    doc = build_document(grid, "en", figures(grid, "en", []))
    sec = next(s for s in doc.sections if s.id == "sensitivity")
    assert [f.name for f in sec.blocks if hasattr(f, "png")] == ["tornado"]
    assert not any(s.id == "sensitivity" for s in build_document(
        _data(db, "grid2"), "en", {}).sections)  # fmt: skip


def test_cli_sensitivity_flags_unreliable_indices(monkeypatch, capsys):
    sens = flag_indices(pd.DataFrame({
        "parameter": [RATE, DEMAND], "arm": "decree41_full", "outcome": "output",
        "S1": [-0.05, 0.5], "S1_conf": [0.01, 0.05], "ST": [0.2, 0.6], "ST_conf": [0.5, 0.05],
    }))  # fmt: skip
    monkeypatch.setattr("sim.api.sensitivity", lambda *a, **k: sens)
    assert main(["sensitivity", "--sweep", "x", "--method", "sobol", "--outcome", "output"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(RATE))
    assert "-0.050!" in line and "0.200!" in line
    assert "S1: negative" in line and "ST: CI wider than the index" in line
    clean = next(x for x in out.splitlines() if x.startswith(DEMAND))
    assert "!" not in clean
    assert "! unreliable estimate" in out and "more samples" in out
