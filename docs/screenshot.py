"""Write docs/app_screenshot.png: the page after a realistic strategy-session sequence.

    .venv/bin/python docs/screenshot.py [--lang ru|en] [--out docs/app_screenshot.png]

Starts ``clustersim app`` on a free loopback port with a throw-away database, chooses the 2020s
package, moves the joint-project subsidy rate from 30 % to 20 %, applies it ("Apply and
re-run"), plays the 40 quarters, estimates the effects over 20 paired replications and saves
what a projector shows: the page at 1280 x 720 (Russian by default). Prints how long the room
waits, measured in the browser: playing the 40 quarters, and the 20-pair estimate (click to the
effect cards). Needs the `app` and `test` extras and Debian's chromium (as the browser tests do).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.report.i18n import arm_label, param_label, t  # noqa: E402

REGIME = "cluster_support_2020s"


def _slide_to(page, thumb, value: float, tries: int = 60) -> None:
    """Press the arrow keys on a slider thumb until it shows ``value``."""
    for _ in range(tries):
        now = float(thumb.get_attribute("aria-valuenow") or "nan")
        if abs(now - value) < 1e-9:
            return
        thumb.focus()
        page.keyboard.press("ArrowLeft" if now > value else "ArrowRight")
        time.sleep(0.2)
    raise RuntimeError(f"the slider did not reach {value}")


def main() -> None:
    """Drive the page and save the screenshot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", choices=["ru", "en"], default="ru")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "app_screenshot.png")
    args = ap.parse_args()
    lang = args.lang
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port), "--lang", lang,
         "--db", f"sqlite:///{tmp}/results.sqlite"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    timings: dict[str, float] = {}
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = b.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            page.wait_for_selector(".estimate-button", timeout=60_000)
            page.get_by_label(t("app_regime", lang)).click(force=True)
            page.get_by_role("option", name=arm_label(REGIME, lang)).click()
            starter = param_label("starter_batch_subsidy.rate", lang)
            page.locator(".lever-label").get_by_text(starter).wait_for()  # the new regime's
            label = param_label("joint_project_subsidy.rate", lang)
            _slide_to(page, page.get_by_role("slider", name=label, exact=True), 0.20)
            page.click(".apply-button")
            page.wait_for_selector(".lever-moved", state="detached")
            t0 = time.perf_counter()
            page.click(".play-button")
            page.get_by_text(t("app_quarter_of", lang, q=40, n=40)).wait_for(timeout=180_000)
            timings["play_40_quarters_s"] = time.perf_counter() - t0
            box = page.locator(".reps-input input")
            box.fill("20")
            box.press("Enter")
            t0 = time.perf_counter()
            page.click(".estimate-button")
            page.wait_for_selector(".effect-card", timeout=300_000)
            timings["estimate_20_pairs_s"] = time.perf_counter() - t0
            page.evaluate("() => { document.activeElement.blur(); document.querySelectorAll('*')"
                          ".forEach(e => { e.scrollTop = 0; }); window.scrollTo(0, 0); }")
            time.sleep(2)
            page.screenshot(path=str(args.out))
            b.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    print(f"wrote {args.out}")
    # What the room waits for, measured in the browser (click to the page showing the result).
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
