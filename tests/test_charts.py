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
from sim.report.i18n import (
    CATALOGUE,
    NNBSP,
    arm_label,
    count,
    fmt,
    fmt_ci,
    fmt_pct,
    outcome_label,
    plural,
    t,
)

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


def _legends(fig: Figure) -> list:
    """Every legend of a figure: its own, its subfigures' and its axes'."""
    out = list(fig.legends)
    for sub in fig.subfigs:
        out += sub.legends
    out += [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return out


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
    texts = [x.get_text() for leg in _legends(fig) for x in leg.get_texts()]
    assert any(t("median", lang) in x.lower() for x in texts)
    assert fig._supxlabel.get_text().startswith("clustersim ")


@pytest.mark.parametrize("lang", LANGS)
def test_regime_comparison(grid, lang, tmp_path):
    with strict_rendering():
        fig = charts.regime_comparison(grid["table"], HEADLINE, lang=lang, info=grid["info"])
        _check(fig, tmp_path, "regimes")
    titles = [ax.get_title(loc="left").replace(",\n", ", ") for ax in fig.axes]
    # each panel says what its number is: cumulative, last-year mean or a change of a share
    for o in HEADLINE:
        title = next(x for x in titles if x.startswith(outcome_label(o, lang) + ", "))
        assert title.removeprefix(outcome_label(o, lang) + ", ") in {
            t(k, lang) for k in ("basis_sum_horizon", "basis_last_year", "basis_end")
        }


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
        assert rc["svg.fonttype"] == "none"  # SVG text stays text: a designer can relabel it
        assert rc["savefig.bbox"] is None  # saved at its own size: one of the two widths
        assert rc["savefig.dpi"] == 300
        assert abs(rc["figure.figsize"][0] - 8 / 2.54) < 0.01
        assert rc["axes.prop_cycle"].by_key()["color"][0].lower() in ("0072b2", "#0072b2")


# -- image regression -----------------------------------------------------------------------
FIXED_INFO = charts.SourceInfo(
    "test_scenario",
    "0123456789abcdef",
    8,
    version="test",
    regimes=("decree41_full", "cluster_support_2020s", "loans_only", "tax_relief_only", "placebo"),
    start_year=2025,
    horizon_quarters=20,
)


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


def test_russian_plural_forms():
    forms = "повторение|повторения|повторений"
    assert [plural(n, forms, "ru") for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [
        "повторение", "повторения", "повторения", "повторений", "повторений", "повторений",
        "повторений", "повторение", "повторения", "повторений", "повторение", "повторений",
    ]  # fmt: skip
    assert plural(0, forms, "ru") == "повторений"
    assert count(2, "n_replications", "ru") == "2 повторения"
    assert count(5, "n_replications", "ru") == "5 повторений"
    assert count(1, "n_replications", "ru") == "1 повторение"
    assert count(1, "n_replications", "en") == "1 replication"
    assert count(3, "n_replications", "en") == "3 replications"
    assert count(10, "n_years", "ru") == "10 лет" and count(3, "n_years", "ru") == "3 года"
    info = charts.SourceInfo("s", "0123456789abcdef", 2)
    assert info.line("ru").endswith("N = 2 повторения")
    assert info.line("en").endswith("N = 2 replications")


def test_regime_style_does_not_depend_on_the_arms_drawn():
    order = ("decree41_full", "cluster_support_2020s", "loans_only", "tax_relief_only", "placebo")
    styles = [charts.regime_style(a, order) for a in order]
    # every regime its own colour, marker and dash; de facto black and solid; placebo light
    assert len({s.colour for s in styles}) == len(styles)
    assert len({s.marker for s in styles}) == len(styles)
    assert len({str(s.linestyle) for s in styles}) == len(styles)
    de_facto = charts.regime_style("de_facto", order)
    assert de_facto.colour == "#000000" and de_facto.linestyle == "-"
    # the 2020s package is the same whichever arms a chart draws
    info = charts.SourceInfo("s", "h", 2, regimes=order)
    alone = charts._styles(["de_facto", "cluster_support_2020s"], info)
    many = charts._styles(["de_facto", *order], info)
    assert alone["cluster_support_2020s"] == many["cluster_support_2020s"] == styles[1]
    # without a scenario's list the catalogue order gives one style per known regime
    assert charts.regime_style("loans_only") == charts.regime_style("loans_only", ())


def test_time_axes_in_calendar_years(tmp_path):
    df, runs = synthetic_outcomes()
    fig = charts.fan_chart(df, "output", "decree41_full", lang="ru", runs=runs, info=FIXED_INFO)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Год"
    lo, hi = ax.get_xlim()
    assert 2024 < lo < 2025.1 and 2029 < hi < 2030.5  # 20 quarters from 2025
    with charts.house_style():
        fig.savefig(tmp_path / "fan.png")
    labels = [x.get_text() for x in ax.get_xticklabels() if x.get_text()]
    assert "2025" in labels and all(NNBSP not in x for x in labels)


# -- one style for the whole pack -----------------------------------------------------------
def _regime_artists(fig: Figure):
    """``(arm, kind, colour, marker, hatch)`` of every artist drawn for a regime (gid)."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_hex
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    for a in fig.findobj():
        gid = a.get_gid() or ""
        if not gid.startswith("regime:"):
            continue
        arm = gid.removeprefix("regime:")
        if isinstance(a, Line2D):
            yield arm, "line", to_hex(a.get_color()), a.get_marker(), None
        elif isinstance(a, Patch):
            yield arm, "bar", to_hex(a.get_facecolor(), keep_alpha=False), None, a.get_hatch()
        elif isinstance(a, Collection):
            yield arm, "band", to_hex(a.get_facecolor()[0], keep_alpha=False), None, None


@pytest.fixture(scope="module")
def pack():
    """Every figure of a pack of the stored grid sweep in both languages, plus the charts a grid
    does not draw (effects across worlds, Sobol, Morris) from the same scenario."""
    from sim.api import sensitivity
    from sim.report.data import prepare
    from sim.report.distribution_charts import effect_cdf
    from sim.report.figures import figures
    from sim.store import open_store
    from sim.store.reading import read_sweep

    url = stored_sweeps()
    with open_store(url) as store:
        data = read_sweep(store, GRID)
    d = prepare(data, HEADLINE, [])
    out = {}
    for lang in LANGS:
        figs = figures(d, lang, [])
        regimes = [a for a in d.sweep["arms"] if a != "de_facto"]
        figs["effect_cdf"] = effect_cdf(d.table, regimes, "output", lang=lang, info=d.info)
        figs["sobol"] = charts.sobol_chart(sensitivity(SOBOL, "sobol", "output", db=url),
                                           lang=lang, info=d.info)  # fmt: skip
        out |= {(lang, k): f for k, f in figs.items()}
    return d, out


def test_every_regime_has_one_colour_and_marker_in_every_chart_of_a_pack(pack):
    from matplotlib.colors import to_hex

    d, figs = pack
    order = d.info.regimes
    assert order == tuple(d.scenario.regimes)
    seen: dict[str, set[str]] = {}
    for (lang, name), fig in figs.items():
        for arm, kind, colour, marker, hatch in _regime_artists(fig):
            style = charts.regime_style(arm, order)
            assert colour == style.colour.lower(), (name, arm, kind)
            if kind == "line":
                assert marker in (style.marker, "None", ""), (name, arm)
                if style.marker:
                    assert marker == style.marker, (name, arm)
            if kind == "bar":
                assert hatch in (style.hatch, None) or (hatch == "" and not style.hatch)
            seen.setdefault(arm, set()).add(name)
        # legend swatches are what is drawn: a regime's entry has the regime's colour and marker
        for leg in _legends(fig):
            for handle, text in zip(leg.legend_handles, leg.get_texts(), strict=True):
                for arm in d.sweep["arms"]:
                    label = arm_label(arm, lang, d.info.titles)
                    if text.get_text() != label and not text.get_text().startswith(label + ","):
                        continue
                    style = charts.regime_style(arm, order)
                    face = (handle.get_color() if hasattr(handle, "get_marker")
                            else handle.get_facecolor())  # fmt: skip
                    assert to_hex(face, keep_alpha=False) == style.colour.lower(), (name, arm)
                    if hasattr(handle, "get_marker") and style.marker:
                        assert handle.get_marker() == style.marker, (name, arm)
    # each regime of the sweep is drawn in several charts, de facto too
    for arm in d.sweep["arms"]:
        assert len(seen.get(arm, ())) >= 3, (arm, seen.get(arm))


def test_pack_figures_have_two_widths_and_real_svg_text(pack, tmp_path):
    from PIL import Image

    _, figs = pack
    widths = set()
    with charts.house_style(), strict_rendering():  # a collapsed layout warns: an error here
        for (lang, name), fig in figs.items():
            path = tmp_path / f"{lang}_{name}.png"
            fig.savefig(path)
            with Image.open(path) as im:
                widths.add(im.size[0])
            if name == "timeline":
                fig.savefig(tmp_path / f"{lang}_{name}.svg")
                svg = (tmp_path / f"{lang}_{name}.svg").read_text(encoding="utf-8")
                assert "<text" in svg and t("timeline_title", lang).split()[0] in svg
    full, half = round(charts.FULL_IN * 300), round(charts.HALF_IN * 300)
    assert widths <= {full, half, full - 1, half - 1}, widths
    assert len({w // 10 for w in widths}) == 2


def test_network_title_names_the_calendar_quarter(grid):
    nodes, edges = grid["network"]
    info = charts.SourceInfo("s", "0123456789abcdef", 3, start_year=2025)
    fig = charts.network_chart(nodes, edges, lang="ru", arm="decree41_full", quarter=12, info=info)
    assert fig._suptitle.get_text().endswith("4 кв. 2027")
    fig = charts.network_chart(nodes, edges, lang="en", arm="decree41_full", quarter=0, info=info)
    assert fig._suptitle.get_text().endswith("quarter 0")
