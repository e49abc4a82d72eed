"""Serve the strategy-session page: Solara's Starlette app on uvicorn, in this process.

``clustersim app`` replaces itself (``exec``) with ``python -m sim.app.serve``, so the process
the facilitator started *is* the web server: Ctrl-C, SIGTERM and ``kill -9`` of it end the
server, and nothing is left serving the port. This does what ``solara run --production`` does
(``SOLARA_APP`` names :mod:`sim.app.page`; production mode) and wraps Solara's app in
:class:`OriginGuard`:

* every request must name a host the page is served on (``Host``: the bound address; for a
  loopback bind ``127.0.0.1``, ``localhost`` and ``[::1]``), which defeats DNS rebinding;
* a websocket (the page's live connection: everything a visitor can make the server do goes
  through it) and any state-changing HTTP request (not GET, HEAD or OPTIONS) must come with an
  ``Origin`` equal to the host it was sent to, or one given with ``--allow-origin`` (a proxy's
  public address). Anything else -- a page of another site open in the facilitator's browser,
  a missing Origin -- is refused with 403 before it reaches Solara.

A session whose browser went away without closing the page is ended after
``SOLARA_KERNEL_CULL_TIMEOUT`` (default here :data:`CULL_TIMEOUT`, Solara's own is 24 h), which
also ends its estimates (:mod:`sim.app.jobs`).

Run directly: ``python -m sim.app.serve --host 127.0.0.1 --port 8765 [--allow-origin URL]``;
``CLUSTERSIM_DB`` and ``CLUSTERSIM_APP_LANG`` are read by the page.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CULL_TIMEOUT", "OriginGuard", "allowed_hosts", "main", "parse_origin"]

#: How long a session without a connected browser is kept (reconnects within it resume).
CULL_TIMEOUT = "60s"
_CULL_ENV = "SOLARA_KERNEL_CULL_TIMEOUT"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_WILDCARD = ("0.0.0.0", "::", "")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def parse_origin(text: str | None) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an ``http``/``https`` origin or URL; None if it is not one."""
    if not text:
        return None
    try:
        url = urlsplit(text.strip())
        port = url.port
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.hostname:
        return None
    return url.scheme, url.hostname.lower(), port or _DEFAULT_PORTS[url.scheme]


def _parse_host(text: str | None, scheme: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``Host`` header, the port defaulting by the connection's scheme."""
    if not text:
        return None
    try:
        url = urlsplit("//" + text.strip())
        port = url.port
    except ValueError:
        return None
    if not url.hostname or url.path or url.query or url.username is not None:
        return None
    return url.hostname.lower(), port or _DEFAULT_PORTS.get(scheme, 80)


def allowed_hosts(host: str, port: int) -> frozenset[tuple[str, int]] | None:
    """The ``(host, port)`` pairs a request may name in its ``Host`` header; None: any.

    A loopback bind accepts ``127.0.0.1``, ``localhost`` and ``::1``; a wildcard bind
    (``0.0.0.0``) any name (it cannot know them: put an authenticating proxy in front); any
    other bind exactly its address.
    """
    h = host.strip().strip("[]").lower()
    if h in _WILDCARD:
        return None
    names = _LOOPBACK if h in _LOOPBACK else (h,)
    return frozenset((n, int(port)) for n in names)


class OriginGuard:
    """ASGI middleware: refuse requests for other hosts and cross-origin websockets (403).

    Args:
        app: The wrapped ASGI app (Solara's Starlette app).
        hosts: Allowed ``(host, port)`` of the ``Host`` header (:func:`allowed_hosts`); None
            accepts any.
        origins: Extra allowed origins (``https://sessions.example.org``), e.g. a proxy's; their
            host names are also accepted in ``Host`` on any port.
    """

    def __init__(
        self,
        app: ASGIApp,
        hosts: frozenset[tuple[str, int]] | None,
        origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.origins = frozenset(o for o in (parse_origin(x) for x in origins) if o)
        self.origin_hosts = frozenset(o[1] for o in self.origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass allowed requests to the app; answer the others with 403."""
        kind = scope["type"]
        if kind not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        why = self.refusal(kind, scope.get("method", "GET"), scope.get("scheme", "http"),
                           headers.get("host"), headers.get("origin"),
                           headers.get("referer"))  # fmt: skip
        if why is None:
            await self.app(scope, receive, send)
            return
        logger.warning("clustersim app: refused %s %s: %s", kind, scope.get("path", ""), why)
        if kind == "websocket":
            message = await receive()  # websocket.connect
            if message.get("type") == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})  # HTTP 403 before accept
            return
        body = f"403 Forbidden: {why}\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    def refusal(
        self,
        kind: str,
        method: str,
        scheme: str,
        host: str | None,
        origin: str | None,
        referer: str | None = None,
    ) -> str | None:
        """Why a request is refused, or None when it is allowed."""
        target = _parse_host(host, scheme)
        if target is None:
            return "no valid Host header"
        if not (self.hosts is None or target in self.hosts or target[0] in self.origin_hosts):
            return f"Host '{host}' is not an address this page is served on"
        if kind == "http" and method.upper() in _SAFE_METHODS:
            return None
        src = parse_origin(origin) if origin else parse_origin(referer)
        if src is None:
            return f"a {kind} request without a valid Origin (got {origin!r})"
        if src in self.origins or src[1:] == target:
            return None
        return f"Origin '{origin or referer}' is not the page's own ({host})"


def main(argv: list[str] | None = None) -> int:
    """Serve the page until Ctrl-C or SIGTERM (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m sim.app.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--allow-origin", action="append", default=[], metavar="URL")
    args = parser.parse_args(argv)
    bad = [o for o in args.allow_origin if parse_origin(o) is None]
    if bad:
        parser.error(f"--allow-origin: not an http(s) origin: {', '.join(bad)}")
    # Solara reads its settings and the app to serve from the environment when imported.
    os.environ["SOLARA_APP"] = str(Path(__file__).with_name("page.py"))
    os.environ["SERVER_NAME"] = args.host
    os.environ["SERVER_PORT"] = str(args.port)
    os.environ.setdefault(_CULL_ENV, CULL_TIMEOUT)
    # Solara warns that a plain-http session cookie falls back to SameSite=lax: what we want.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    # heavy optional dependencies (the `app` extra), imported once the environment is set
    import solara.server.settings
    import uvicorn

    solara.server.settings.main.mode = "production"
    from solara.server.starlette import app as solara_app

    guarded = OriginGuard(solara_app, allowed_hosts(args.host, args.port), args.allow_origin)
    config = uvicorn.Config(guarded, host=args.host, port=args.port, log_level="warning",
                            access_log=False, loop="asyncio",
                            timeout_graceful_shutdown=3)  # fmt: skip
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":  # pragma: no cover - run by `clustersim app`
    sys.exit(main())
