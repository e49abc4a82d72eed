"""Charts: every chart kind renders from a small stored sweep in ru and en, without warnings or
font fallbacks; image regression for the fan chart and the regime comparison; i18n formatting."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images
from report_fixtures import (
    GRID,
    MORRIS,
    SOBOL,
    stored_sweeps,
    strict_rendering,
    synthetic_outcomes,
    synthetic_table,
)

from sim.model.outcomes import OUTCOME_NAMES
from sim.report import charts
from sim.report.i18n import CATALOGUE, NNBSP, fmt, fmt_ci, fmt_pct, outcome_label, t

BASELINES = Path(__file__).parent / "baseline_images"
UPDATE = os.environ.get("CLUSTERSIM_UPDATE_BASELINES") == "1"
LANGS = ["ru", "en"]
HEADLINE = ["output", "employment", "productivity", "market_share"]


@pytest.fixture(scope="module")
def grid():
    from sim.api import compare_sweep
    from sim.scenario.loader import scenario_from_dict
    from sim.store import open_store
    from sim.store.network import read_network

    url = stored_sweeps()
    with open_store(url) as store:
        df = store.outcomes(GRID)
        runs = store.runs(GRID)
        row = store.scenario_for_sweep(GRID)
        network = read_network(store, GRID, "decree41_full", replicate=0, point=0)
    sc = scenario_from_dict(tomllib.loads(row["toml_text"]))
    return {
        "url": url,
        "df": df,
        "runs": runs,
        "table": compare_sweep(GRID, db=url),
        "scenario": sc,
        "network": network,
        "info": charts.SourceInfo(row["name"], row["hash"], 3),
    }


def _check(fig: Figure, tmp_path: Path, name: str) -> None:
    """Saved in every format, titled, and signed with the source line of the stored sweep."""
    assert isinstance(fig, Figure)
    with charts.house_style():
        for ext in ("png", "svg", "pdf"):
            fig.savefig(tmp_path / f"{name}.{ext}", dpi=100)
    assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert fig._suptitle is not None and fig._suptitle.get_text().strip()
    source = fig._supxlabel.get_text()
    assert source.startswith("clustersim ") and "astrakhan_shipbuilding" in source


@pytest.mark.parametrize("lang", LANGS)
def test_fan_chart(grid, lang, tmp_path):
    with strict_rendering():
        fig = charts.fan_chart(
            grid["df"], "output", "decree41_full", lang=lang, runs=grid["runs"], info=grid["info"]
        )
        _check(fig, tmp_path, "fan")
    texts = (
        [t_.get_text() for t_ in fig.legends[0].get_texts()]
        if fig.legends
        else [t_.get_text() for t_ in fig.axes[0].get_legend().get_texts()]
    )
    assert any(t("median", lang) in x for x in texts)
    assert fig._supxlabel.get_text().startswith("clustersim ")


@pytest.mark.parametrize("lang", LANGS)
def test_regime_comparison(grid, lang, tmp_path):
    with strict_rendering():
        fig = charts.regime_comparison(grid["table"], HEADLINE, lang=lang, info=grid["info"])
        _check(fig, tmp_path, "regimes")
    titles = {ax.get_title(loc="left") for ax in fig.axes}
    assert {outcome_label(o, lang) for o in HEADLINE} <= titles


@pytest.mark.parametrize("lang", LANGS)
def test_dose_response(grid, lang, tmp_path):
    key = "regimes.decree41_full.joint_project_subsidy.rate"
    with strict_rendering():
        fig = charts.dose_response(grid["table"], key, "output", lang=lang, info=grid["info"])
        _check(fig, tmp_path, "dose")


@pytest.mark.parametrize("lang", LANGS)
def test_budget_chart(grid, lang, tmp_path):
    with strict_rendering():
        fig = charts.budget_chart(grid["table"], lang=lang, info=grid["info"], discount_rate=0.08)
        _check(fig, tmp_path, "budget")
    assert [ax.get_title(loc="left") for ax in fig.axes[:3]] == [
        t("federal", lang),
        t("regional", lang),
        t("social_fund", lang),
    ]
    # the bars are the net balance per level; a level without cost says so, never "n/a"
    texts = [x.get_text() for ax in fig.axes[:2] for x in ax.texts]
    table = grid["table"][grid["table"]["point"] == grid["table"]["point"].iloc[0]]
    for ax, level in zip(fig.axes[:3], ("federal", "regional", "social_fund"), strict=True):
        widths = sorted(p.get_width() for p in ax.patches)
        assert widths == pytest.approx(sorted(table[f"net_{level}"]), abs=1e-9)
    n_free = int(table["no_cost_federal"].sum() + table["no_cost_regional"].sum())
    assert texts.count(t("no_cost", lang)) == n_free
    assert not any(x in ("n/a", "nan", "–") for x in texts)


@pytest.mark.parametrize("lang", LANGS)
def test_tornado_morris_and_oat(grid, lang, tmp_path):
    from sim.api import sensitivity

    sens = sensitivity(MORRIS, "morris", "output", db=grid["url"])
    oat = pd.DataFrame(
        {"parameter": ["market.demand_growth_per_year", "membership.peer_weight"],
         "arm": "decree41_full", "outcome": "output", "low": [-50.0, 10.0], "high": [80, 30.0]}
    )  # fmt: skip
    with strict_rendering():
        _check(charts.tornado_chart(sens, lang=lang, info=grid["info"]), tmp_path, "morris")
        _check(charts.tornado_chart(oat, lang=lang, info=grid["info"]), tmp_path, "oat")


@pytest.mark.parametrize("lang", LANGS)
def test_sobol_chart(grid, lang, tmp_path):
    from sim.api import sensitivity

    sens = sensitivity(SOBOL, "sobol", "output", db=grid["url"])
    with strict_rendering():
        _check(charts.sobol_chart(sens, lang=lang, info=grid["info"]), tmp_path, "sobol")


@pytest.mark.parametrize("lang", LANGS)
def test_network_chart_from_stored_network(grid, lang, tmp_path):
    nodes, edges = grid["network"]
    assert {"large", "sme"} <= set(nodes["kind"]) and len(edges) > 0
    with strict_rendering():
        fig = charts.network_chart(
            nodes, edges, lang=lang, arm="decree41_full", quarter=12, info=grid["info"]
        )
        _check(fig, tmp_path, "network")
    # the layout is deterministic: the same data draw the same picture
    again = charts.network_chart(
        nodes, edges, lang=lang, arm="decree41_full", quarter=12, info=grid["info"]
    )
    with charts.house_style():
        again.savefig(tmp_path / "network2.png", dpi=100)
    assert compare_images(str(tmp_path / "network.png"), str(tmp_path / "network2.png"), 0) is None


@pytest.mark.parametrize("lang", LANGS)
def test_timeline_chart(grid, lang, tmp_path):
    reg = grid["scenario"].registry
    with strict_rendering():
        fig = charts.timeline_chart(
            grid["df"],
            lang=lang,
            min_industrial_participants=reg.min_industrial_participants.value,
            fd_default=reg.functional_dependence_default.value,
            fd_reduced=reg.functional_dependence_reduced.value,
            info=grid["info"],
        )
        _check(fig, tmp_path, "timeline")


def test_every_chart_kind_has_a_function():
    for kind in charts.CHART_KINDS:
        name = {"fan": "fan_chart", "budget": "budget_chart", "tornado": "tornado_chart",
                "sobol": "sobol_chart", "network": "network_chart",
                "timeline": "timeline_chart"}.get(kind, kind)  # fmt: skip
        assert callable(getattr(charts, name))


def test_house_style_settings():
    with charts.house_style():
        rc = matplotlib.rcParams
        assert rc["pdf.fonttype"] == 42
        assert rc["savefig.dpi"] == 300
        assert abs(rc["figure.figsize"][0] - 8 / 2.54) < 0.01
        assert rc["axes.prop_cycle"].by_key()["color"][0].lower() in ("0072b2", "#0072b2")


# -- image regression -----------------------------------------------------------------------
FIXED_INFO = charts.SourceInfo("test_scenario", "0123456789abcdef", 8, version="test")


def _regression(fig: Figure, name: str, tmp_path: Path) -> None:
    actual = tmp_path / f"{name}.png"
    with charts.house_style():
        fig.savefig(actual, dpi=100)
    expected = BASELINES / f"{name}.png"
    if UPDATE:
        expected.write_bytes(actual.read_bytes())
    assert expected.exists(), f"missing baseline {expected}; run with CLUSTERSIM_UPDATE_BASELINES=1"
    diff = compare_images(str(expected), str(actual), tol=2)
    assert diff is None, diff


@pytest.mark.parametrize("lang", LANGS)
def test_fan_chart_image_regression(lang, tmp_path):
    df, runs = synthetic_outcomes()
    with strict_rendering():
        fig = charts.fan_chart(df, "output", "decree41_full", lang=lang, runs=runs,
                               info=FIXED_INFO)  # fmt: skip
        _regression(fig, f"fan_chart_{lang}", tmp_path)


@pytest.mark.parametrize("lang", LANGS)
def test_regime_comparison_image_regression(lang, tmp_path):
    with strict_rendering():
        fig = charts.regime_comparison(synthetic_table(), HEADLINE, lang=lang, info=FIXED_INFO)
        _regression(fig, f"regime_comparison_{lang}", tmp_path)


# -- i18n -----------------------------------------------------------------------------------
def test_number_formatting():
    assert fmt(12345.678, "ru", 1) == f"12{NNBSP}345,7"
    assert fmt(12345.678, "en", 1) == "12,345.7"
    assert fmt(-0.25, "ru", 2) == "\u22120,25"
    assert fmt(-0.001, "ru", 1) == "0,0"
    assert fmt(float("nan"), "en") == "–"
    assert fmt_pct(3.5, "ru") == f"3,5{NNBSP}%"
    assert fmt_pct(3.5, "en", sign=True) == "+3.5%"
    assert fmt_ci(1.5, 0.5, 2.5, "ru") == "+1,5 [+0,5; +2,5]"
    assert fmt_ci(1.5, float("nan"), 2.5, "en") == "+1.5"


def test_catalogue_complete_in_both_languages():
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"ru", "en"}, key
        assert entry["ru"] and entry["en"], key
    for o in OUTCOME_NAMES:
        assert outcome_label(o, "ru") and outcome_label(o, "en")
    with pytest.raises(ValueError):
        t("quarter", "de")
