"""Stopping on Ctrl-C (SIGINT) and SIGTERM: promptly, and never silently lost.

:func:`stop_on_signals` makes SIGINT raise :class:`KeyboardInterrupt` and SIGTERM raise
:class:`Terminated` (a ``KeyboardInterrupt``) in the main thread, so a sweep stops the same clean
way on both: what finished is stored, the workers are ended, rerunning resumes.

Python delivers a signal by raising from its handler wherever the main thread happens to be;
when that is a weak-reference callback or a ``__del__`` the exception is printed as "Exception
ignored in ..." and lost, and the sweep would go on. Here the signal is also remembered:
:func:`raise_if_stopped` (called by :func:`sim.run.runner.run_tasks` while it waits) raises it
again, and such lost interrupts are not printed.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["Terminated", "raise_if_stopped", "stop_on_signals"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


_received: list[int] = []  # signals received whose interrupt has not been handled yet


def _interrupt(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise _interrupt(signum)


def raise_if_stopped() -> None:
    """Raise the interrupt of a signal whose exception was swallowed on its way (if any).

    Raises:
        KeyboardInterrupt: SIGINT was received (:class:`Terminated` for SIGTERM).
    """
    if _received:
        signum = _received[-1]
        _received.clear()
        raise _interrupt(signum)


def _quiet_lost_interrupts(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable hook that drops the interrupts it is given (they are remembered)."""

    def unraisable(info: Any) -> object:
        if isinstance(info.exc_value, KeyboardInterrupt) and _received:
            return None
        return hook(info)

    return unraisable


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM interrupt the main thread and are never lost.

    Does nothing outside the main thread. A signal ignored when the block starts (e.g. SIGINT of
    a background job) stays ignored. The previous handlers are restored at the end.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not signal.SIG_IGN:
            previous[signum] = handler
            signal.signal(signum, _raise_interrupt)
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_lost_interrupts(hook)
    _received.clear()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        sys.unraisablehook = hook
        _received.clear()
