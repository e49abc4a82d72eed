"""The firm table: numpy arrays owned by the model, one slot per firm ever created.

Agents (``sim.agents``) keep identity and decisions and index into these arrays by ``idx``;
hot loops over many firms are vectorised over the arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KIND_LARGE", "KIND_SME", "ROLE_COMPONENT", "ROLE_FINAL", "FirmArrays"]

KIND_LARGE = 0
KIND_SME = 1
ROLE_FINAL = 0
ROLE_COMPONENT = 1

_FLOAT = (
    "employment",
    "productivity",
    "capacity",
    "qualification",
    "cash",
    "order_book",
    "output",
    "sales_cluster",
    "sales_other",
    "other_demand",
    "purchases",
    "purchases_local",
    "purchases_from_participants",
    "cum_output",
    "debt_market",
    "debt_pref",
    "pref_rate",
    "taste",
    "profit",
    "unit_cost",
    "price",
    "loss_quarters",
)
_INT = ("kind", "role", "trade", "group", "born_quarter", "last_contract_quarter")
_BOOL = ("alive", "participant", "matched", "sez", "special_territory")


class FirmArrays:
    """Column arrays for all firms; grows by doubling when SMEs enter.

    Attributes:
        n: Number of slots in use (alive or not).
    """

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self._cap = max(16, capacity)
        for name in _FLOAT:
            setattr(self, name, np.zeros(self._cap))
        for name in _INT:
            setattr(self, name, np.full(self._cap, -1, dtype=np.int64))
        for name in _BOOL:
            setattr(self, name, np.zeros(self._cap, dtype=bool))

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new slots and return their indices."""
        need = self.n + count
        if need > self._cap:
            new_cap = max(need, 2 * self._cap)
            for name in (*_FLOAT, *_INT, *_BOOL):
                old = getattr(self, name)
                fill = -1 if name in _INT else 0
                arr = np.full(new_cap, fill, dtype=old.dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            self._cap = new_cap
        idx = np.arange(self.n, need)
        self.n = need
        return idx

    def view(self, name: str) -> np.ndarray:
        """The used part of column ``name``."""
        return getattr(self, name)[: self.n]
