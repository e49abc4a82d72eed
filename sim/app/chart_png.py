"""Charts of :mod:`sim.report.charts` as PNG bytes for the strategy-session page (:mod:`sim.app`).

Solara scopes matplotlib's rcParams per browser session, which breaks the charts' house style,
so charts are drawn in a plain thread with the global rcParams (:func:`png`). The page's live
components re-render on every Mesa step, so drawings are cached per key (:func:`cached_png`);
:func:`token` names an object (a live pair) for as long as it exists, unlike ``id``.
"""

from __future__ import annotations

import io
import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import matplotlib

__all__ = ["cached_png", "new_token", "png", "token"]

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


def png(chart: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes:
    """Draw a chart of :mod:`sim.report.charts` to PNG outside the Solara kernel context.

    Solara scopes matplotlib's rcParams per kernel; the charts' house style
    (``plt.style.context``) does not survive that, so charts are drawn in a plain thread.
    """
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            fig = chart(*args, **kwargs)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
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
