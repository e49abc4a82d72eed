"""sim.app.chart_png: the page's chart drawing (house style kept) and its cache."""

from __future__ import annotations

import gc

from sim.app import chart_png
from sim.app.live import LivePair
from sim.report import charts


def test_png_draws_a_chart_of_sim_charts() -> None:
    pair = LivePair(horizon_quarters=4)
    pair.run_for(4)
    data = chart_png.png(charts.fan_chart, pair.outcomes_frame(), "output", pair.regime)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_cached_png_draws_once_per_key() -> None:
    calls: list[int] = []

    def draw() -> bytes:
        calls.append(1)
        return b"png"

    key = ("test", chart_png.new_token())
    assert chart_png.cached_png(key, draw) == b"png"
    assert chart_png.cached_png(key, draw) == b"png"
    assert len(calls) == 1
    chart_png.cached_png(("test", chart_png.new_token()), draw)
    assert len(calls) == 2


def test_token_names_an_object_not_its_address() -> None:
    class Thing:
        pass

    a = Thing()
    t = chart_png.token(a)
    assert chart_png.token(a) == t
    seen = {t}
    del a
    gc.collect()
    for _ in range(50):  # new objects may reuse the old address; their tokens never repeat
        b = Thing()
        assert chart_png.token(b) not in seen
        seen.add(chart_png.token(b))
        del b
        gc.collect()
