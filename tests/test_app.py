"""The strategy-session page (sim.app on Mesa's SolaraViz) end to end: a real server and Chromium.

The server is started through the CLI (`python -m sim app`) on a free loopback port with a
temporary SQLite database. The browser moves a lever slider in SolaraViz's "Model Parameters",
applies it with Mesa's Reset, runs an estimate with 3 paired replications, and the effect cards
must equal ``sim.simulate`` + ``sim.analysis.effects`` / ``budget`` for the same scenario, levels
and seeds. Any browser console error fails the test.
Screenshots go to test-artifacts/ (gitignored), so a test run leaves the tree clean; the README's
docs/app_screenshot.png is written by docs/screenshot.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

import sim
from sim.analysis import budget, effects
from sim.errors import InputError
from sim.report.i18n import arm_label, fmt_ci, outcome_label, param_label, t, unit
from sim.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCENARIO = "astrakhan_shipbuilding.toml"
REGIME = "decree41_full"  # the first regime of the scenario: the page's default
REPS = 3


def _missing(what: str) -> None:
    """Skip on a developer machine without the tool; fail in CI (CLUSTERSIM_REQUIRE_SERVICES=1)."""
    if os.environ.get("CLUSTERSIM_REQUIRE_SERVICES", "").strip() not in ("", "0"):
        pytest.fail(f"{what}, but CLUSTERSIM_REQUIRE_SERVICES=1 requires it")
    pytest.skip(what)


# ------------------------------------------------------------------------------------------
# The allow-list, without a server
# ------------------------------------------------------------------------------------------
def test_scenario_allow_list() -> None:
    from sim.app import session as app

    assert SCENARIO in app.scenario_choices()
    assert app.resolve_scenario(SCENARIO) == (ROOT / "scenarios" / SCENARIO).resolve()
    bad_names = ["../pyproject.toml", "/etc/passwd", str(ROOT / "scenarios" / SCENARIO),
                 "sweeps/" + SCENARIO, "./" + SCENARIO, "..", "", "%2e%2e/pyproject.toml"]
    for bad in bad_names:
        with pytest.raises(InputError, match="refused"):
            app.resolve_scenario(bad)


def test_levers_carry_units_and_sources() -> None:
    from sim.app import session as app

    sc = load_scenario(ROOT / "scenarios" / SCENARIO)
    levers = app.levers(sc, "cluster_support_2020s")
    keys = [lv.key.split(".", 2)[2] for lv in levers]
    assert "joint_project_subsidy.rate" in keys and "preferential_loans.spread" in keys
    assert all(lv.param.unit and lv.param.source for lv in levers)
    assert all(lv.min <= lv.param.value <= lv.max for lv in levers)


@pytest.mark.parametrize("scenario", ["astrakhan_shipbuilding", "ural_machine_building"])
def test_lever_units_have_russian_labels(scenario: str) -> None:
    """The RU page shows every slider's unit in Russian (no English left in the levels table)."""
    from sim.app import session as app
    from sim.report.i18n import unit

    sc = load_scenario(ROOT / "scenarios" / f"{scenario}.toml")
    for regime in sc.regimes:
        for lv in app.levers(sc, regime):
            ru = unit(lv.param.unit, "ru")
            assert re.search("[а-яё]", ru), (regime, lv.name, lv.param.unit)
            assert lv.label("ru") != lv.label("en"), (regime, lv.name)


# ------------------------------------------------------------------------------------------
# The served page in Chromium
# ------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    try:
        import solara  # noqa: F401
    except ImportError:
        _missing("the `app` extra (solara) is not installed")
    tmp = tmp_path_factory.mktemp("app")
    port = _free_port()
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port), "--lang", "en",
         "--db", f"sqlite:///{tmp / 'results.sqlite'}"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"the app did not start:\n{(tmp / 'server.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


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


def _slider(page, label: str):
    """The thumb of the SolaraViz slider labelled ``label`` (vuetify sets it as aria-label)."""
    return page.get_by_role("slider", name=label, exact=True)


def _page(browser, errors: list[str]):
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)  # fmt: skip
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    return page


def test_estimate_in_browser_matches_api(server, browser) -> None:
    t0 = time.monotonic()
    errors: list[str] = []
    outside: list[str] = []
    page = _page(browser, errors)
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((server, "data:", "blob:")) else None)  # fmt: skip
    page.goto(server)
    page.wait_for_selector(".estimate-button", timeout=30_000)

    # move the first lever in SolaraViz's Model Parameters (joint-project subsidy rate 0.50)
    # five steps down, then apply it with Mesa's Reset
    label = t("app_joint_project_subsidy", "en")
    thumb = _slider(page, param_label("joint_project_subsidy.rate", "en"))
    assert label in param_label("joint_project_subsidy.rate", "en")
    thumb.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.get_by_role("button", name="Reset").click()
    overrides_el = page.locator(".overrides-json")
    page.wait_for_function(
        "() => { const e = document.querySelector('.overrides-json');"
        " const v = e ? Object.values(JSON.parse(e.textContent || '{}')) : [];"
        " return v.length === 1 && Math.abs(v[0] - 0.45) < 1e-9; }",
        timeout=10_000,
    )
    overrides = json.loads(overrides_el.text_content())
    key = f"regimes.{REGIME}.joint_project_subsidy.rate"
    assert overrides == {key: pytest.approx(0.45)}
    # the levels table beside the sliders shows the applied value, its unit and legal source
    table = page.locator(".applied-levels").inner_text()
    assert "0.450" in table and "share of eligible project costs" in table and "Decree 41" in table

    reps = page.locator(".reps-input input")
    reps.fill(str(REPS))
    reps.press("Enter")
    page.click(".estimate-button")
    page.wait_for_selector(".effect-card", timeout=60_000)

    keys = [e.text_content() for e in page.locator(".effect-key").all()]
    raw = [json.loads(e.text_content()) for e in page.locator(".effect-raw").all()]
    shown = [e.inner_text() for e in page.locator(".effect-value").all()]
    assert keys == ["output", "employment", "productivity", "market_share", "budget_efficiency"]
    # the result says which levels it used, next to the file's value
    used = page.locator(".estimate-levels").inner_text()
    assert used == (f"{t('app_levels_moved', 'en')}: "
                    f"{param_label('joint_project_subsidy.rate', 'en')} 0.450 "
                    f"({t('app_file_value', 'en')} 0.500)")  # fmt: skip

    # the same inputs through the API
    sc = apply_overrides(load_scenario(ROOT / "scenarios" / SCENARIO), overrides)
    df = sim.simulate(sc, replications=REPS, arms=["de_facto", REGIME], executor="local")
    eff = effects(df, keys[:4]).set_index("outcome")
    bud = budget(df, discount_rate=sc.experiment.discount_rate.value).iloc[0]
    for k, (m, lo, hi), text in zip(keys, raw, shown, strict=True):
        if k == "budget_efficiency":
            exp = (bud["be_total"], bud["be_total_ci_low"], bud["be_total_ci_high"])
        else:
            r = eff.loc[k]
            exp = (r["effect_pct"], r["pct_ci_low"], r["pct_ci_high"])
        assert (m, lo, hi) == pytest.approx(exp, rel=1e-12, abs=1e-12), k
        assert text.replace("\n", " ") == fmt_ci(*exp, "en", 2), k

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_en.png"), full_page=True)

    # switch to Russian: the same numbers, Russian labels from the catalogue
    page.get_by_role("button", name="RU").click()
    page.get_by_text(t("app_estimate", "ru")).first.wait_for(timeout=10_000)
    page.get_by_text(t("app_budget_efficiency", "ru")).first.wait_for(timeout=10_000)
    page.get_by_text(t("app_save", "ru")).first.wait_for(timeout=10_000)
    titles = page.locator(".effect-card .v-card__title").all_inner_texts()
    assert outcome_label("output", "ru") in titles[0]
    ru_first = page.locator(".effect-value").first.inner_text().replace("\n", " ")
    assert ru_first == fmt_ci(raw[0][0], raw[0][1], raw[0][2], "ru", 2)
    # SolaraViz re-mounts in Russian with the applied levels, units in Russian beside them
    page.get_by_text(t("app_applied", "ru")).wait_for(timeout=10_000)
    table = page.locator(".applied-levels").inner_text()
    assert "0,450" in table and unit("share of eligible project costs", "ru") in table
    # ... and Mesa's Reset after the re-mount keeps them (the sliders start from the applied run)
    page.get_by_role("button", name="Reset").click()
    page.get_by_text(t("app_quarter_of", "ru", q=0, n=40)).wait_for(timeout=10_000)
    assert json.loads(page.locator(".overrides-json").text_content()) == overrides
    page.screenshot(path=str(ARTIFACTS / "app_ru.png"), full_page=True)
    page.close()

    assert errors == [], errors
    assert outside == [], f"the page fetched from outside the server: {outside}"
    assert time.monotonic() - t0 < 90


def test_regime_switch_then_reset_keeps_the_regime(server, browser) -> None:
    """A new regime re-mounts SolaraViz: its sliders and Reset use the new regime's levers."""
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(server)
    page.wait_for_selector(".estimate-button", timeout=30_000)
    other = "cluster_support_2020s"
    page.get_by_label(t("app_regime", "en")).click(force=True)
    page.get_by_role("option", name=arm_label(other, "en")).click()
    starter = param_label("starter_batch_subsidy.rate", "en")
    page.locator(".applied-levels").get_by_text(starter).wait_for(timeout=10_000)
    loan = _slider(page, param_label("preferential_loans.spread", "en"))
    loan.wait_for(state="attached", timeout=10_000)
    loan.focus()
    page.keyboard.press("ArrowRight")  # 0.050 -> 0.055 per year (the regional fund's 5 %)
    page.get_by_role("button", name="Reset").click()
    key = f"regimes.{other}.preferential_loans.spread"
    page.wait_for_function(
        "() => { const e = document.querySelector('.overrides-json');"
        f" return e && JSON.parse(e.textContent || '{{}}')['{key}'] !== undefined; }}",
        timeout=10_000,
    )
    assert json.loads(page.locator(".overrides-json").text_content()) == {
        key: pytest.approx(0.055)
    }
    assert page.locator(".live-status").get_by_text(arm_label(other, "en")).count() == 1
    page.close()
    assert errors == [], errors


def test_page_refuses_scenario_path_outside_folder(server, browser) -> None:
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(server + "?scenario=../pyproject.toml")
    err = page.locator(".scenario-error")
    err.wait_for(timeout=30_000)
    text = err.inner_text()
    assert re.search(r"refused", text, re.I) and "pyproject.toml" in text
    # the page still offers only the allowed scenarios and never loaded the file
    assert "[build-system]" not in page.content()
    page.close()
    assert errors == [], errors


def test_live_run_save_and_compare(server, browser) -> None:
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(server)
    page.wait_for_selector(".estimate-button", timeout=30_000)

    # a shorter horizon (12 quarters) keeps the test short: Home = 4, then two steps of 4,
    # applied with Mesa's Reset
    horizon = _slider(page, t("app_horizon", "en"))
    horizon.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text(t("app_quarter_of", "en", q=0, n=12)).wait_for(timeout=10_000)

    # live run through SolaraViz's play button: the regime and de facto step to the horizon
    page.get_by_role("button", name="▶").click()
    page.get_by_text(t("app_quarter_of", "en", q=12, n=12)).wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('img.chart').length === 3",
                           timeout=30_000)  # fmt: skip  (thresholds, output, supply network)
    assert page.get_by_text("Time: 12.0").count() == 1  # Mesa's own step counter
    page.screenshot(path=str(ARTIFACTS / "app_live.png"), full_page=True)

    # an estimate runs in the background: progress shows and the page keeps answering
    # (the Mesa Step button still steps the live pair) while it runs
    reps = page.locator(".reps-input input")
    reps.fill("200")  # 400 runs of 12 quarters: several seconds
    reps.press("Enter")
    page.click(".estimate-button")
    page.locator(".progress-text").wait_for(timeout=10_000)
    page.get_by_role("button", name="Reset").click()
    page.get_by_text(t("app_quarter_of", "en", q=0, n=12)).wait_for(timeout=10_000)
    page.get_by_role("button", name="Step").click()
    page.get_by_text(t("app_quarter_of", "en", q=1, n=12)).wait_for(timeout=10_000)
    assert page.locator(".progress-text").count() == 1, "the estimate finished before the check"
    page.wait_for_selector(".effect-card", timeout=60_000)

    # a small estimate, saved as a named sweep, then compared from the store
    reps.fill("2")
    reps.press("Enter")
    page.click(".estimate-button")
    page.get_by_text(re.compile(r"N = 2$")).wait_for(timeout=60_000)
    page.wait_for_selector(".effect-card", timeout=60_000)
    page.get_by_label(t("app_sweep_name", "en")).fill("session-variant-1")
    page.click(".save-button")
    page.get_by_text(t("app_saved", "en", name="session-variant-1")).wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "app_session.png"), full_page=True)

    # "Download" gives the report's figure pack of the saved sweep (built off the page thread)
    with page.expect_download(timeout=180_000) as dl:
        page.get_by_text(t("app_download", "en")).click()
    assert dl.value.suggested_filename == "figure_pack.zip"
    with zipfile.ZipFile(dl.value.path()) as z:
        names = z.namelist()
    print("figure pack:", len(names), "files", names[:6])
    for lang in ("ru", "en"):
        assert any(n.endswith(f"figures/{lang}/fan_output_{REGIME}.png") for n in names), names
    assert any(n.endswith(".svg") for n in names) and any(n.endswith(".csv") for n in names)
    page.get_by_role("tab", name=t("app_compare", "en")).click()
    before = page.locator("img.chart").count()
    page.click(".compare-button")
    page.get_by_text(REGIME).first.wait_for(timeout=30_000)  # the regime table of the sweep
    page.wait_for_function(f"() => document.querySelectorAll('img.chart').length > {before}",
                           timeout=30_000)  # fmt: skip  (the regime-comparison chart)
    page.screenshot(path=str(ARTIFACTS / "app_compare.png"), full_page=True)
    page.close()
    assert errors == [], errors
