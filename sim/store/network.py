"""Stored supply networks: the nodes and edges of one run at its last quarter.

Workers capture :meth:`sim.model.model.ClusterModel.supply_network` for replicate 0 of every arm and
design point (``RunResult.network``); the parent stores them with their runs, in the same write
transaction (:meth:`Store.write_batch` calls :func:`write_networks`), and the network chart
reads them back with :func:`read_network`, so reports never re-run the model.

The two tables (``run_node``, ``run_network``) are part of the schema (Alembic revision 0002)
and keyed by ``run.id``; a sweep stored without networks simply has none to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, delete, insert, select

from sim.run.results import RunResult
from sim.store.rows import IN_CHUNK, existing_runs
from sim.store.tables import run, run_network, run_node, sweep

__all__ = ["has_networks", "read_network", "write_networks"]

# The stored columns after the run id, with the Python type each value is given when stored.
_NODE_TYPES: dict[str, type] = {
    "firm": int,
    "kind": str,
    "role": str,
    "trade": str,
    "participant": bool,
    "employment": float,
    "output": float,
}
_EDGE_TYPES: dict[str, type] = {"buyer": int, "seller": int, "volume": float}
_NODE_COLUMNS = list(_NODE_TYPES)
_EDGE_COLUMNS = list(_EDGE_TYPES)


def write_networks(conn: Connection, sweep_id: int, items: Sequence[RunResult]) -> int:
    """Store the networks carried by completed results (replaces a run's earlier network).

    Args:
        conn: A connection in a write transaction of the store (:meth:`Store.writing`, which
            holds the write lock from its start); the runs are written in it first.
        sweep_id: The sweep the runs belong to (already written by ``write_runs``).
        items: Results; those without a network or not completed are ignored. A run given
            several networks in one batch keeps the last.

    Returns:
        The number of networks stored.
    """
    todo = [r for r in items if r.status == "completed" and r.network is not None]
    if not todo:
        return 0
    # Only these runs' ids: the sweep may have stored many thousands of runs before.
    ids = existing_runs(conn, sweep_id, (r.key for r in todo), status="completed")
    chosen: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for r in todo:
        found = ids.get(r.key)
        if found is not None:
            chosen[found[0]] = r.network  # type: ignore[assignment]  # not None (todo)
    if not chosen:
        return 0
    run_ids = list(chosen)
    for start in range(0, len(run_ids), IN_CHUNK):
        chunk = run_ids[start : start + IN_CHUNK]
        conn.execute(delete(run_node).where(run_node.c.run_id.in_(chunk)))
        conn.execute(delete(run_network).where(run_network.c.run_id.in_(chunk)))
    node_rows: list[tuple[Any, ...]] = []
    edge_rows: list[tuple[Any, ...]] = []
    for run_id, (nodes, edges) in chosen.items():
        node_rows += _rows(run_id, nodes, _NODE_TYPES)
        edge_rows += _rows(run_id, edges, _EDGE_TYPES)
    _insert(conn, run_node, node_rows)
    _insert(conn, run_network, edge_rows)
    return len(chosen)


def _rows(run_id: int, frame: pd.DataFrame, types: dict[str, type]) -> list[tuple[Any, ...]]:
    """One run's rows: ``(run_id, *columns)``, each value converted to its column's type.

    Column by column, as objects (Python scalars; a string column's ``str`` values and its
    missing-value marker): the values ``itertuples`` gives, without a named tuple per row or
    the extension arrays' element-by-element iteration.
    """
    columns = [list(map(kind, frame[name].to_numpy(dtype=object).tolist()))
               for name, kind in types.items()]  # fmt: skip
    return [(run_id, *row) for row in zip(*columns, strict=True)]


def _insert(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in the table's column order) in the caller's transaction.

    On SQLite one ``executemany`` on the driver (SQLAlchemy's per-row parameter handling cost
    about as much as the rows themselves: 5-6 ms a network of ~130 nodes and ~480 edges);
    elsewhere one SQLAlchemy ``executemany`` insert. The values bound are the same Python
    objects either way (SQLite stores a bool as the integer 0 or 1, as SQLAlchemy binds it).
    """
    if not rows:
        return
    names = [c.name for c in table.columns]
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", rows
        )
        return
    conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def has_networks(store: Any, sweep_name: str) -> bool:
    """Whether any network is stored for a sweep."""
    stmt = (
        select(run_node.c.run_id)
        .select_from(run_node.join(run, run.c.id == run_node.c.run_id))
        .join(sweep, sweep.c.id == run.c.sweep_id)
        .where(sweep.c.name == sweep_name)
        .limit(1)
    )
    with store.reading() as conn:
        return conn.execute(stmt).first() is not None


def read_network(
    store: Any, sweep_name: str, arm: str, replicate: int = 0, point: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored network of one run as ``(nodes, edges)`` DataFrames.

    Raises:
        LookupError: When no network is stored for that run.
    """
    stmt = (
        select(run.c.id)
        .select_from(run.join(sweep, sweep.c.id == run.c.sweep_id))
        .where(
            sweep.c.name == sweep_name,
            run.c.arm == arm,
            run.c.replicate == replicate,
            run.c.point == point,
        )
    )
    with store.reading() as conn:
        run_id = conn.execute(stmt).scalar()
        if run_id is not None:
            nodes = pd.DataFrame(
                conn.execute(
                    select(*(run_node.c[c] for c in _NODE_COLUMNS))
                    .where(run_node.c.run_id == run_id)
                    .order_by(run_node.c.firm)
                ).all(),
                columns=_NODE_COLUMNS,
            )
            edges = pd.DataFrame(
                conn.execute(
                    select(*(run_network.c[c] for c in _EDGE_COLUMNS))
                    .where(run_network.c.run_id == run_id)
                    .order_by(run_network.c.volume.desc())
                ).all(),
                columns=_EDGE_COLUMNS,
            )
            if not nodes.empty:
                nodes["participant"] = nodes["participant"].astype(bool)
                return nodes, edges
    raise LookupError(
        f"no supply network stored for sweep '{sweep_name}', point {point}, arm '{arm}', "
        f"replicate {replicate} (networks are captured for replicate 0 when the runs are made)"
    )
