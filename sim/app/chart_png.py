"""Charts of :mod:`sim.report.charts` as PNG bytes for the strategy-session page (:mod:`sim.app`).

Solara scopes matplotlib's rcParams per browser session, which breaks the charts' house style,
so charts are drawn in a plain thread with the global rcParams (:func:`png`). The page's live
components re-render on every Mesa step, so drawings are cached per key (:func:`cached_png`);
:func:`token` names an object (a live pair) for as long as it exists, unlike ``id``.
"""

from __future__ import annotations

import io
import itertools
import textwrap
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["DPI", "MIN_TEXT_PX", "cached_png", "new_token", "png", "token"]

#: The smallest text on a chart shown on the page, in screen pixels (readable on a projector).
MIN_TEXT_PX = 14.0
#: The dots per inch of the page's charts (the house style's 7 pt body text is 14.6 px).
DPI = 150.0

_draw_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()
_tokens: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_counter = itertools.count(1)
_CACHE_SIZE = 64


def _unscope_rcparams() -> None:
    """Undo Solara's per-kernel rcParams (it skips validation on matplotlib 3.11).

    With it, ``plt.style.context`` leaves the style's values as unparsed strings
    (``figure.figsize = '3.15, 2.6'``) and every later figure fails. The page uses no pyplot
    state, so the plain global rcParams are restored (defaults, Agg backend).
    """
    cls = type(matplotlib.rcParams)
    if cls is matplotlib.RcParams and cls.__name__ != "RcParamsScoped":
        return
    orig = next(c for c in cls.__mro__[1:] if c.__name__ == "RcParams")
    matplotlib.RcParams = orig
    matplotlib.rcParams.__class__ = orig
    fresh = matplotlib.rc_params()
    fresh["backend"] = "agg"
    dict.clear(matplotlib.rcParams)
    matplotlib.rcParams.update(fresh)


def _rewrap(text: Text, width_px: float, dpi: float) -> None:
    """Wrap a title to the pixels it has (about 0.62 em per character of DejaVu Sans, 0.7 bold)."""
    em = 0.7 if text.get_fontweight() in ("bold", 700) else 0.62
    per_char = em * text.get_fontsize() * dpi / 72.0
    chars = max(12, int(width_px / per_char))
    text.set_text(textwrap.fill(" ".join(text.get_text().split()), chars))


def _fit(fig: Figure, px: tuple[int, int]) -> float:
    """Resize a figure to ``px`` pixels with no text under :data:`MIN_TEXT_PX`; the dpi.

    The charts are sized for print (fonts in points on an A4 column); on the page they are
    drawn at the pixel size of their box (no downscaling by the browser) at :data:`DPI`, text
    smaller than :data:`MIN_TEXT_PX` there (tick labels, the source line) is raised to it and
    titles are re-wrapped to the new width and legends keep to two columns (the constrained
    layout is redone when drawn).
    """
    min_pt = MIN_TEXT_PX * 72.0 / DPI
    fig.set_size_inches((px[0] + 1e-3) / DPI, (px[1] + 1e-3) / DPI)
    for ax in fig.get_axes():
        ax.tick_params(labelsize=max(min_pt, ax.xaxis.get_ticklabels()[0].get_fontsize()
                                     if ax.xaxis.get_ticklabels() else min_pt))  # fmt: skip
    for t in fig.findobj(Text):
        if t.get_text().strip() and t.get_fontsize() < min_pt:
            t.set_fontsize(min_pt)
    for ax in fig.get_axes():
        for title in (ax.title, ax._left_title, ax._right_title):
            if title.get_text():
                _rewrap(title, ax.get_position().width * px[0], DPI)
    for sub in [fig, *fig.subfigs]:
        for legend in list(sub.legends):  # three columns of legend do not fit: two
            if legend._ncols > 2:
                size = max(min_pt, legend.texts[0].get_fontsize())
                labels = [t.get_text() for t in legend.texts]
                legend.remove()
                sub.legend(handles=legend.legend_handles, labels=labels, ncols=2,
                           loc="outside lower left", fontsize=size, frameon=False)  # fmt: skip
        if sub._suptitle is not None and sub._suptitle.get_text():
            _rewrap(sub._suptitle, 0.97 * px[0], DPI)
    return DPI


def png(chart: Callable[..., Any], *args: Any, px: tuple[int, int] | None = None,
        **kwargs: Any) -> bytes:  # fmt: skip
    """Draw a chart of :mod:`sim.report.charts` to PNG outside the Solara kernel context.

    Solara scopes matplotlib's rcParams per kernel; the charts' house style
    (``plt.style.context``) does not survive that, so charts are drawn in a plain thread.

    Args:
        chart: A function returning a :class:`~matplotlib.figure.Figure`.
        *args: Its positional arguments.
        px: The (width, height) in pixels the chart is shown at; its text is then at least
            :data:`MIN_TEXT_PX` pixels (:func:`_fit`). None: the figure's own size at 110 dpi.
        **kwargs: Its keyword arguments.

    Returns:
        The PNG's bytes.
    """
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            fig = chart(*args, **kwargs)
            dpi = _fit(fig, px) if px is not None else 110.0
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            out["png"] = buf.getvalue()
        except Exception as exc:  # shown on the page by the caller
            out["error"] = exc

    with _draw_lock:
        _unscope_rcparams()
        th = threading.Thread(target=work, name="clustersim-chart")
        th.start()
        th.join()
    if "error" in out:
        raise out["error"]
    return out["png"]


def token(obj: Any) -> int:
    """A number that names one live pair for as long as it exists (``id`` may be reused)."""
    with _cache_lock:
        if obj not in _tokens:
            _tokens[obj] = next(_counter)
        return _tokens[obj]


def cached_png(key: tuple[Any, ...], draw: Callable[[], bytes]) -> bytes:
    """A chart drawn once per key (the live components re-render on every Mesa update)."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    png = draw()
    with _cache_lock:
        _cache[key] = png
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return png


def new_token() -> int:
    """A fresh number for a cache key (an estimate or a comparison shown on the page)."""
    with _cache_lock:
        return next(_counter)
