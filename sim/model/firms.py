"""The firm table of a run, and the block whose rows the firm tables of several runs are.

:class:`FirmArrays` holds one numpy column per firm attribute, one slot per firm ever created;
agents (:mod:`sim.model.agents`) keep identity and decision rules and index into it by ``idx``.
A run's columns are always one row of a :class:`FirmBlock`'s 2-D tables (a lone run: a block
of one), so a block stage (:data:`sim.model.model.QUARTER`) can compute several runs by one
compiled call over the tables (:mod:`sim.model.block`). :class:`~sim.model.state.State` holds
a run's firm table with the rest of its state.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import numpy as np

__all__ = [
    "KIND_LARGE",
    "KIND_SME",
    "ROLE_COMPONENT",
    "ROLE_FINAL",
    "FirmArrays",
    "FirmBlock",
    "block_rows",
    "firm_tables",
]

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
    "purchases_starter",
    "cum_output",
    "debt_market",
    "debt_pref",
    "pref_rate",
    "taste",
    "profit",
    "ebitda",
    "unit_cost",
    "price",
    "loss_quarters",
)
_INT = (
    "kind",
    "role",
    "trade",
    "group",
    "born_quarter",
    "last_contract_quarter",
    "first_sale_quarter",
)
_BOOL = ("alive", "participant", "matched", "sez", "special_territory")


class FirmArrays:
    """Column arrays for all firms; grows by doubling when SMEs enter.

    Attributes:
        n: Number of slots in use (alive or not).
        row: The run's row in its :class:`FirmBlock` (0 for columns of their own).
    """

    def __init__(self, capacity: int, block: FirmBlock | None = None, row: int = 0) -> None:
        self.n = 0
        self._block = block
        self.row = row
        self._rows = np.array([row], dtype=np.int64)  # firm_tables' rows of this run alone
        if block is not None:  # the columns are row ``row`` of the block's tables
            self._cap = block.cap
            block.bind(self, row)
            return
        self._cap = max(16, capacity)
        for name in _FLOAT:
            setattr(self, name, np.zeros(self._cap))
        for name in _INT:
            setattr(self, name, np.full(self._cap, -1, dtype=np.int64))
        for name in _BOOL:
            setattr(self, name, np.zeros(self._cap, dtype=bool))

    @property
    def block(self) -> FirmBlock | None:
        """The block whose row ``row`` these columns are (``None``: columns of their own)."""
        return self._block

    # A copy (copy.deepcopy, pickle) of a block row stays a row of the copied block: its columns
    # are not copied as arrays of their own but bound again to the copy's tables, which the
    # block stages read.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self._block is not None:
            for name in (*_FLOAT, *_INT, *_BOOL):
                state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._rows = np.array([self.row], dtype=np.int64)
        block = self._block
        if block is not None and "tables" in block.__dict__:  # else the block binds it
            block.bind(self, self.row)

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new contiguous slots and return their indices."""
        need = self.n + count
        if need > self._cap and self._block is not None:
            self._block.grow(need)
        elif need > self._cap:
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


class FirmBlock:
    """The firm tables of a block of runs as 2-D tables, one row per run (the batch dimension).

    Each run's :class:`FirmArrays` columns are rows of these tables (views), so a run's code
    reads and writes its own row exactly as it would its own arrays, and a compiled kernel can
    take the whole block at once. All rows have the same width; when one run needs more
    slots, every row grows (by doubling, as :meth:`FirmArrays.add` grows one table) and every
    run's columns are bound to the new tables.

    Args:
        runs: Rows (runs in the block).
        capacity: Slots per row to start with.
    """

    def __init__(self, runs: int, capacity: int) -> None:
        self.runs = runs
        self.cap = max(16, capacity)
        self.members: list[FirmArrays | None] = [None] * runs
        self._rows: dict[tuple, np.ndarray] = {}  # block_rows' arrays, by the tables asked for
        self.tables: dict[str, np.ndarray] = {}
        for name in _FLOAT:
            self.tables[name] = np.zeros((runs, self.cap))
        for name in _INT:
            self.tables[name] = np.full((runs, self.cap), -1, dtype=np.int64)
        for name in _BOOL:
            self.tables[name] = np.zeros((runs, self.cap), dtype=bool)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_rows", None)  # block_rows' arrays: a copy makes its own
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._rows = {}
        for row, firms in enumerate(self.members):  # a copy's rows are views of its tables
            if firms is not None and "_block" in firms.__dict__:
                self.bind(firms, row)

    def table(self, row: int) -> FirmArrays:
        """The firm table of run ``row`` (a view of that row)."""
        return FirmArrays(self.cap, block=self, row=row)

    def bind(self, firms: FirmArrays, row: int) -> None:
        """Point ``firms``' columns at row ``row`` of the tables."""
        self.members[row] = firms
        for name, table in self.tables.items():
            setattr(firms, name, table[row])
        firms._cap = self.cap

    def grow(self, need: int) -> None:
        """Widen every row to at least ``need`` slots (doubling), keeping each run's slots."""
        new_cap = max(need, 2 * self.cap)
        for name, old in self.tables.items():
            fill = -1 if name in _INT else 0
            table = np.full((self.runs, new_cap), fill, dtype=old.dtype)
            for row, firms in enumerate(self.members):
                n = 0 if firms is None else firms.n
                table[row, :n] = old[row, :n]
            self.tables[name] = table
        self.cap = new_cap
        for row, firms in enumerate(self.members):
            if firms is not None:
                self.bind(firms, row)


def block_rows(firms: Sequence[FirmArrays]) -> tuple[FirmBlock, np.ndarray]:
    """The block the firm tables ``firms`` are rows of, and their rows in it (in order).

    A block stage (:data:`sim.model.model.QUARTER`) computes its runs by one call over the
    block's 2-D tables, restricted to these rows.

    Raises:
        ValueError: A table is not a block row, or the tables are rows of different blocks.
    """
    block = firms[0]._block
    if block is None:
        raise ValueError("the runs' firm tables are not rows of one FirmBlock")
    key = tuple(firms)  # the tables themselves: hashed by identity, kept alive by the key
    kept = block._rows
    rows = kept.get(key)
    if rows is None:  # the same runs in the same order ask every stage: checked once
        if list(map(_BLOCK, firms)).count(block) != len(firms):
            raise ValueError("the runs' firm tables are not rows of one FirmBlock")
        if len(kept) >= _ROWS_KEPT:
            kept.clear()
        rows = kept[key] = np.array([f.row for f in firms], dtype=np.int64)
    return block, rows


#: Row arrays a block keeps (:func:`block_rows`, by the tables asked for; read only: callers
#: never write them). A table's block and row never change.
_ROWS_KEPT = 64
_BLOCK = attrgetter("_block")


_ROW0 = np.zeros(1, dtype=np.int64)


def firm_tables(firms: Sequence[FirmArrays]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The 2-D tables the firm tables ``firms`` are rows of, and their rows (in order).

    As :func:`block_rows`; a lone table with columns of its own (a :class:`State` made without
    a block, as the mechanisms' unit tests make them) is a block of one: its columns as
    one-row tables (views).
    """
    if len(firms) == 1:  # a lone run: no list of rows to check
        f = firms[0]
        block = f._block
        if block is None:
            return {name: getattr(f, name)[None] for name in (*_FLOAT, *_INT, *_BOOL)}, _ROW0
        return block.tables, f._rows
    block, rows = block_rows(firms)
    return block.tables, rows
