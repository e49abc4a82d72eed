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
from sqlalchemy import Connection, delete, insert, select

from sim.run.results import RunResult
from sim.store.rows import existing_runs
from sim.store.tables import run, run_network, run_node, sweep

__all__ = ["has_networks", "read_network", "write_networks"]

_NODE_COLUMNS = ["firm", "kind", "role", "trade", "participant", "employment", "output"]
_EDGE_COLUMNS = ["buyer", "seller", "volume"]


def write_networks(conn: Connection, sweep_id: int, items: Sequence[RunResult]) -> int:
    """Store the networks carried by completed results (replaces a run's earlier network).

    Args:
        conn: A connection in a write transaction of the store (:meth:`Store.writing`, which
            holds the write lock from its start); the runs are written in it first.
        sweep_id: The sweep the runs belong to (already written by ``write_runs``).
        items: Results; those without a network or not completed are ignored.

    Returns:
        The number of networks stored.
    """
    todo = [r for r in items if r.status == "completed" and r.network is not None]
    if not todo:
        return 0
    # Only these runs' ids: the sweep may have stored many thousands of runs before.
    ids = existing_runs(conn, sweep_id, (r.key for r in todo), status="completed")
    stored = 0
    for r in todo:
        found = ids.get(r.key)
        if found is None:
            continue
        run_id = found[0]
        nodes, edges = r.network
        conn.execute(delete(run_node).where(run_node.c.run_id == run_id))
        conn.execute(delete(run_network).where(run_network.c.run_id == run_id))
        node_rows = [
            {
                "run_id": run_id,
                "firm": int(n.firm),
                "kind": str(n.kind),
                "role": str(n.role),
                "trade": str(n.trade),
                "participant": bool(n.participant),
                "employment": float(n.employment),
                "output": float(n.output),
            }
            for n in nodes.itertuples(index=False)
        ]
        edge_rows = [
            {
                "run_id": run_id,
                "buyer": int(e.buyer),
                "seller": int(e.seller),
                "volume": float(e.volume),
            }
            for e in edges.itertuples(index=False)
        ]
        if node_rows:
            conn.execute(insert(run_node), node_rows)
        if edge_rows:
            conn.execute(insert(run_network), edge_rows)
        stored += 1
    return stored


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
