"""Table definitions of the results database (SQLAlchemy Core).

These definitions are what the code reads and writes; the schema itself is created by the Alembic
migrations in ``sim/store/migrations``. ``run_outcome`` has one column per outcome of the live
catalogue (:data:`sim.model.outcomes.OUTCOME_NAMES`), so adding an outcome requires a new migration
(a test compares the two).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

from sim.model.outcomes import OUTCOME_NAMES

__all__ = [
    "NAMING_CONVENTION",
    "design_point",
    "metadata",
    "run",
    "run_outcome",
    "scenario",
    "sweep",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


scenario = Table(
    "scenario",
    metadata,
    Column("hash", Text, nullable=False),
    Column("name", Text),
    Column("title", Text),
    Column("toml_text", Text),
    Column("canonical_json", Text),
    Column("created_at", DateTime(timezone=True), default=utcnow),
    PrimaryKeyConstraint("hash"),
)

sweep = Table(
    "sweep",
    metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("scenario_hash", Text, ForeignKey("scenario.hash"), nullable=False),
    Column("spec_json", Text, nullable=False),
    # Text: a root seed may exceed the 64-bit range (e.g. 128-bit entropy).
    Column("root_seed", Text, nullable=False),
    Column("replications", Integer, nullable=False),
    Column("arms_json", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), default=utcnow),
    Column("code_version", Text),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("name"),
    CheckConstraint("kind IN ('run', 'sweep')", name="kind"),
    sqlite_autoincrement=True,
)

design_point = Table(
    "design_point",
    metadata,
    Column("sweep_id", Integer, ForeignKey("sweep.id"), nullable=False),
    Column("point", Integer, nullable=False),
    Column("values_json", Text, nullable=False),
    Column("scenario_hash", Text),
    Column("raw_json", Text),
    PrimaryKeyConstraint("sweep_id", "point"),
)

run = Table(
    "run",
    metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("sweep_id", Integer, ForeignKey("sweep.id"), nullable=False),
    Column("point", Integer, nullable=False),
    Column("replicate", Integer, nullable=False),
    Column("arm", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("error", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("wall_seconds", Float),
    Column("registered_quarter", Integer),
    Column("code_version", Text),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("sweep_id", "point", "replicate", "arm"),
    CheckConstraint("status IN ('completed', 'failed')", name="status"),
    sqlite_autoincrement=True,
)

# No foreign key to run on purpose: it made bulk loads (PostgreSQL COPY) several times slower.
# The Store API deletes a run's outcome rows in the same transaction as the run.
run_outcome = Table(
    "run_outcome",
    metadata,
    Column("run_id", Integer, nullable=False),
    Column("quarter", Integer, nullable=False),
    *(Column(name, Float) for name in OUTCOME_NAMES),
    PrimaryKeyConstraint("run_id", "quarter"),
)

# Supply networks of replicate 0 of each arm and design point (nodes and estimated edges at the
# last quarter), for the network chart; keyed by run.id like run_outcome (migration 0002).
run_node = Table(
    "run_node",
    metadata,
    Column("run_id", Integer, nullable=False),
    Column("firm", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("trade", Text),
    Column("participant", Boolean, nullable=False),
    Column("employment", Float),
    Column("output", Float),
    PrimaryKeyConstraint("run_id", "firm"),
)

run_network = Table(
    "run_network",
    metadata,
    Column("run_id", Integer, nullable=False),
    Column("buyer", Integer, nullable=False),
    Column("seller", Integer, nullable=False),
    Column("volume", Float, nullable=False),
    PrimaryKeyConstraint("run_id", "buyer", "seller"),
)
