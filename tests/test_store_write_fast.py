"""The rows a batch write stores on SQLite, byte for byte, against values computed independently.

The store's batch writer (:meth:`Store.write_batch`, :meth:`Store.write_runs`) is tuned for speed
(issue 17: storage <= 5 % of a sweep's wall time); these tests pin down what it stores so that no
such change alters a stored row: every column of ``run``, ``run_outcome``, ``run_node`` and
``run_network`` with its SQLite storage class (``typeof``), read through the ``sqlite3`` module,
not through the store. The expected rows are built here from the :class:`RunResult` objects alone
(the rules of the store's docstrings: a completed run is kept, a failed one replaced, the last
failed attempt of a batch stored when no completed one is; NaN is stored as NULL and ``-0.0`` as
``0.0``, SQLite's own rule for a REAL equal to an integer; run ids count up from 1 in the order the
runs are first met, never reused).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.model.outcomes import OUTCOME_NAMES
from sim.run.results import RunKey, RunResult
from sim.store import Store, open_store
from sim.store import rows as store_rows

N_OUT = len(OUTCOME_NAMES)
ARMS = ["baseline", "policy"]
SPECIAL = [math.nan, -0.0, 0.0, math.inf, -math.inf, 5e-324, 1e-300, 0.1 + 0.2, 3.0, -2.0**60,
           1.7976931348623157e308]  # fmt: skip


def outcomes(seed: int, quarters: int) -> np.ndarray:
    """Random outcomes with every special value somewhere (a different place per seed)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(scale=1e4, size=(quarters, N_OUT))
    cells = rng.choice(quarters * N_OUT, size=len(SPECIAL), replace=False)
    values.flat[cells] = SPECIAL
    if quarters > 2:
        values[1, :] = math.nan  # a whole quarter of NaN
    return values


def completed(
    point: int, replicate: int, arm: str, seed: int, quarters: int = 9, **extra: Any
) -> RunResult:
    return RunResult(
        key=RunKey(point, replicate, arm),
        seed=seed,
        status="completed",
        outcomes=outcomes(seed, quarters),
        wall_seconds=0.001 * seed + 0.1,
        registered_quarter=seed % 7 if seed % 3 else None,
        code_version="0.1.0" if seed % 5 else "",
        **extra,
    )


def failed(point: int, replicate: int, arm: str, seed: int) -> RunResult:
    return RunResult(
        key=RunKey(point, replicate, arm),
        seed=seed,
        status="failed",
        error=f"RuntimeError: boom {seed}",
        wall_seconds=0.5,
        code_version="0.1.0",
    )


def network(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = 3 + seed % 4
    nodes = pd.DataFrame(
        {
            "firm": np.arange(n, dtype=np.int64) * 7 + seed,
            "kind": pd.array(["large", "sme", "supplier"][:1] * n, dtype="string"),
            "role": pd.array([f"role{i % 2}" for i in range(n)], dtype="string"),
            "trade": pd.array([f"trade{(i + seed) % 3}" for i in range(n)], dtype="string"),
            "participant": np.arange(n) % 2 == 0,
            "employment": np.linspace(-0.0, 1e3 + seed, n),
            "output": np.full(n, 0.1 + 0.2 * seed),
        }
    )
    edges = pd.DataFrame(
        {
            "buyer": np.arange(n - 1, dtype=np.int64) * 7 + seed,
            "seller": np.arange(1, n, dtype=np.int64) * 7 + seed,
            "volume": np.geomspace(1e-3, 1e6, n - 1) * (seed + 1),
        }
    )
    return nodes, edges


# -- the expected rows, from the results alone ---------------------------------------------


class Expected:
    """What the store must hold after each batch, worked out from the documented rules."""

    def __init__(self, sweep_id: int) -> None:
        self.sweep_id = sweep_id
        self.next_id = 1
        self.runs: dict[RunKey, tuple[int, RunResult]] = {}
        self.networks: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def write(self, batch: Sequence[RunResult], *, networks: bool = True) -> None:
        order: list[RunKey] = []
        chosen: dict[RunKey, RunResult] = {}
        for r in batch:
            if r.key not in chosen:
                order.append(r.key)
                chosen[r.key] = r
            elif chosen[r.key].status == "failed":
                chosen[r.key] = r
        for key in order:
            old = self.runs.get(key)
            if old is not None and old[1].status == "completed":
                continue
            if old is not None:
                self.networks.pop(old[0], None)
            self.runs[key] = (self.next_id, chosen[key])
            self.next_id += 1
        if networks:
            for r in batch:
                run_id, kept = self.runs.get(r.key, (0, None))
                done = kept is not None and kept.status == "completed"
                if done and r.status == "completed" and r.network is not None:
                    self.networks[run_id] = r.network

    def run_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for key, (run_id, r) in self.runs.items():
            rq = r.registered_quarter
            rows.append((
                run_id, self.sweep_id, key.point, key.replicate, key.arm, r.seed, r.status,
                r.error, None, r.wall_seconds, rq, r.code_version or None,
                "integer", "integer", "integer", "integer", "text", "integer", "text",
                "null" if r.error is None else "text", "null", "real",
                "null" if rq is None else "integer", "null" if not r.code_version else "text",
            ))  # fmt: skip
        return sorted(rows)

    def outcome_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for run_id, r in self.runs.values():
            if r.status != "completed":
                continue
            for q, values in enumerate(np.asarray(r.outcomes), start=1):
                stored = [None if math.isnan(v) else (0.0 if v == 0 else float(v)) for v in values]
                types = ["null" if v is None else "real" for v in stored]
                rows.append((run_id, q, *stored, "integer", "integer", *types))
        return sorted(rows, key=lambda row: row[:2])

    def node_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for run_id, (nodes, _) in self.networks.items():
            for n in nodes.itertuples(index=False):
                rows.append((
                    run_id, int(n.firm), str(n.kind), str(n.role), str(n.trade),
                    int(bool(n.participant)), float(n.employment) + 0.0, float(n.output),
                    "integer", "integer", "text", "text", "text", "integer", "real", "real",
                ))  # fmt: skip
        return sorted(rows, key=lambda row: row[:2])

    def edge_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for run_id, (_, edges) in self.networks.items():
            for e in edges.itertuples(index=False):
                rows.append((run_id, int(e.buyer), int(e.seller), float(e.volume),
                             "integer", "integer", "integer", "real"))  # fmt: skip
        return sorted(rows, key=lambda row: row[:3])


# -- the stored rows, read with the sqlite3 module -------------------------------------------

_RUN_COLUMNS = ["id", "sweep_id", "point", "replicate", "arm", "seed", "status", "error",
                "started_at", "wall_seconds", "registered_quarter", "code_version"]  # fmt: skip
_OUTCOME_COLUMNS = ["run_id", "quarter", *OUTCOME_NAMES]
_NODE_COLUMNS = ["run_id", "firm", "kind", "role", "trade", "participant", "employment", "output"]
_EDGE_COLUMNS = ["run_id", "buyer", "seller", "volume"]


def stored(path: Path, table: str, columns: list[str], order: str) -> list[tuple[Any, ...]]:
    """Every row of ``table``: the columns' values, then their SQLite storage classes."""
    select = ", ".join([*columns, *(f"typeof({c})" for c in columns)])
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {select} FROM {table} ORDER BY {order}").fetchall()


def check(path: Path, expected: Expected) -> None:
    assert stored(path, "run", _RUN_COLUMNS, "id") == expected.run_rows()
    assert same(stored(path, "run_outcome", _OUTCOME_COLUMNS, "run_id, quarter"),
                expected.outcome_rows())  # fmt: skip
    assert same(stored(path, "run_node", _NODE_COLUMNS, "run_id, firm"), expected.node_rows())
    assert same(stored(path, "run_network", _EDGE_COLUMNS, "run_id, buyer, seller"),
                expected.edge_rows())  # fmt: skip
    with sqlite3.connect(path) as conn:
        stamps = conn.execute("SELECT finished_at, typeof(finished_at) FROM run").fetchall()
    assert all(t == "text" and s for s, t in stamps)


def same(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> bool:
    """Equal row for row, floats compared by their bits (so 0.0 differs from -0.0)."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            assert type(a) is type(b), (g[:3], a, b)
            if isinstance(a, float):
                assert np.float64(a).view(np.int64) == np.float64(b).view(np.int64), (g[:3], a, b)
            else:
                assert a == b, (g[:3], a, b)
    return True


# -- the tests ---------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "results.sqlite"


@pytest.fixture
def store(db: Path):
    with open_store(f"sqlite:///{db}") as opened:
        yield opened


def make_sweep(store: Store) -> int:
    store.put_scenario("h", "astrakhan", "Astrakhan", "name = 'astrakhan'\n", "{}")
    return store.create_sweep(
        "s1", "h", {"method": "grid"}, 7, 8, ARMS, "sweep", [(p, {}, "h") for p in range(3)]
    )


def batches() -> list[list[RunResult]]:
    """Three batches with every case the writer handles."""
    first = [
        completed(p, r, a, seed=100 * p + 10 * r + i, quarters=40 if p else 13)
        for p in range(3) for r in range(5) for i, a in enumerate(ARMS)
    ]  # fmt: skip
    first[0].network = network(1)
    first[7].network = network(2)
    first += [
        failed(0, 6, "baseline", seed=1),  # failed, replaced in the second batch
        failed(0, 6, "policy", seed=2),  # failed, failed again in the second batch
        # duplicates: the first completed wins (its run row), the last network is stored
        completed(1, 6, "baseline", seed=3, quarters=1, network=network(8)),
        completed(1, 6, "baseline", seed=4, quarters=2, network=network(9)),
        failed(1, 6, "baseline", seed=5),
        failed(1, 6, "policy", seed=6),  # a failed attempt, then a completed one: that one
        completed(1, 6, "policy", seed=7, quarters=3, network=network(3)),
        failed(2, 6, "baseline", seed=8),  # two failed attempts: the last one
        failed(2, 6, "baseline", seed=9),
    ]
    second = [
        completed(0, 6, "baseline", seed=20, quarters=40, network=network(4)),
        failed(0, 6, "policy", seed=21),
        completed(0, 0, "baseline", seed=22),  # stored completed already: skipped...
        completed(0, 0, "policy", seed=23, network=network(5)),  # ...its network replaced
        completed(2, 7, "policy", seed=24, quarters=7),
    ]
    third = [completed(p, 7, "baseline", seed=300 + p, quarters=40) for p in range(3)]
    third += [failed(2, 6, "baseline", seed=30), completed(0, 6, "policy", seed=31, quarters=5)]
    return [first, second, third]


@pytest.mark.parametrize("per_insert", [None, 1, 2, 7, 40, 41])
def test_write_batch_stores_exactly_these_rows(
    db: Path, store: Store, per_insert: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the rows per multi-row INSERT (None: the default), the same rows."""
    if per_insert is not None:
        monkeypatch.setattr(store_rows, "SQLITE_ROWS_PER_INSERT", per_insert)
    sweep_id = make_sweep(store)
    expected = Expected(sweep_id)
    for batch in batches():
        store.write_batch(sweep_id, batch)
        expected.write(batch)
        check(db, expected)


def test_write_runs_stores_the_same_runs_without_networks(db: Path, store: Store) -> None:
    sweep_id = make_sweep(store)
    expected = Expected(sweep_id)
    for batch in batches():
        store.write_runs(sweep_id, batch)
        expected.write(batch, networks=False)
        check(db, expected)


def test_a_sweep_sized_batch(db: Path, store: Store) -> None:
    """64 runs of 40 quarters (what a sweep writes at once), then the same keys again."""
    sweep_id = make_sweep(store)
    expected = Expected(sweep_id)
    batch = [completed(p, r, a, seed=1000 + 64 * p + 2 * r + i, quarters=40)
             for p in range(2) for r in range(16) for i, a in enumerate(ARMS)]  # fmt: skip
    for b in (batch, batch[::-1]):
        store.write_batch(sweep_id, b)
        expected.write(b)
        check(db, expected)


def test_a_batch_failing_late_stores_nothing(db: Path, store: Store) -> None:
    sweep_id = make_sweep(store)
    expected = Expected(sweep_id)
    first = batches()[0]
    store.write_batch(sweep_id, first)
    expected.write(first)
    wrong = completed(2, 7, "policy", seed=5)
    wrong.outcomes = wrong.outcomes[:, :-1]
    batch = [completed(p, 7, "baseline", seed=50 + p, quarters=40) for p in range(3)]
    batch += [completed(0, 6, "baseline", seed=60, network=network(6)), wrong]
    with pytest.raises(ValueError, match="shape"):
        store.write_batch(sweep_id, batch)
    check(db, expected)


def test_outcome_rows_for_postgresql_are_the_tuples_of_each_quarter() -> None:
    """The rows COPY (PostgreSQL) and the generic insert send: (run id, quarter, *values)."""
    a, b = outcomes(1, 3), outcomes(2, 2)
    got = store_rows.outcome_rows([7, 9], [a, b])
    want = [(7, 1, *a[0]), (7, 2, *a[1]), (7, 3, *a[2]), (9, 1, *b[0]), (9, 2, *b[1])]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is tuple and g[:2] == w[:2] and type(g[0]) is int and type(g[1]) is int
        assert all(type(v) is float for v in g[2:])
        np.testing.assert_array_equal(
            np.array(g[2:]).view(np.int64), np.array(w[2:]).view(np.int64)
        )
