"""The page's cache of de-facto runs, in the server process (:mod:`sim.app.jobs`)."""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict

from sim.run.results import RunResult

__all__ = ["DE_FACTO_CACHE_SIZE", "DeFactoCache", "de_facto_cache"]

#: De-facto runs of this many recent estimates are kept in the server (:class:`DeFactoCache`).
DE_FACTO_CACHE_SIZE = 8


class DeFactoCache:
    """The de-facto runs of recent estimates, in the server process (LRU, thread-safe).

    Moving a lever changes only the regime's parameters, so the de-facto runs of the same world,
    root seed, N and horizon (:func:`sim.app.session.de_facto_key`) are the same; an estimate
    that finds them here runs only the regime's arm. Results are kept pickled, so every hit
    hands out its own copies. Solara serves sessions on threads: every access holds a lock.
    """

    def __init__(self, size: int = DE_FACTO_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> list[RunResult] | None:
        """The de-facto results stored under ``key`` (a fresh copy), or None."""
        with self._lock:
            blob = self._items.get(key)
            if blob is None:
                return None
            self._items.move_to_end(key)
        return pickle.loads(blob)

    def put(self, key: str, results: list[RunResult]) -> None:
        """Keep ``results`` under ``key``, dropping the least recently used beyond :attr:`size`."""
        blob = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._items[key] = blob
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


#: The server's cache of de-facto runs (:class:`DeFactoCache`).
de_facto_cache = DeFactoCache()
