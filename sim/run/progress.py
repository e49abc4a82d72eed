"""A one-line progress bar with ETA on a terminal (stderr); silent when not a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

__all__ = ["Progress", "ticker"]


def ticker(total: int, progress: bool | Callable[[int, int], None]) -> Callable[[int], None]:
    """What counts finished runs.

    A :class:`Progress` bar when ``progress`` is a flag; else a function that calls the callback
    ``progress(done, total)`` with the running count.
    """
    if not callable(progress):
        return Progress(total, bool(progress))
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        progress(done[0], total)

    return tick


class Progress:
    """A one-line progress bar with ETA on a terminal; silent otherwise.

    Given a ``callback``, it is called with ``(done, total)`` at the start and on every count
    (a page's progress bar), whether or not a bar is drawn.
    """

    def __init__(self, total: int, enabled: bool, unit: str = "runs",
                 callback: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
        self.total, self.done, self.t0 = total, 0, time.monotonic()
        self.unit = unit
        self.enabled = enabled and sys.stderr.isatty() and total > 0
        self.drawn = False  # a bar is on the line and the line is not ended yet
        self.callback = callback
        if callback is not None:
            callback(0, total)

    def __call__(self, k: int) -> None:
        """Count ``k`` more units (runs, files) done and redraw the bar."""
        self.done += k
        self.total = max(self.total, self.done)  # a total counted ahead may fall short
        if self.callback is not None:
            self.callback(self.done, self.total)
        if not self.enabled:
            return
        el = time.monotonic() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else 0.0
        width = 30
        filled = int(width * self.done / self.total)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {self.unit}"
            f"  {el:5.0f}s elapsed, ETA {eta:5.0f}s"
        )
        sys.stderr.flush()
        self.drawn = True
        if self.done >= self.total:
            self.close()

    def close(self) -> None:
        """End the bar's line (when stopped early, so that a message starts on its own line)."""
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.drawn = False
