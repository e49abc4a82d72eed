"""Initial schema: scenario, sweep, design_point, run, run_outcome.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

The outcome columns of ``run_outcome`` are spelled out literally: a migration must describe the
schema as it was when written, never import the live outcome catalogue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario",
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("toml_text", sa.Text(), nullable=True),
        sa.Column("canonical_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_scenario")),
    )
    op.create_table(
        "sweep",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scenario_hash", sa.Text(), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("root_seed", sa.Text(), nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        sa.Column("arms_json", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_version", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('run', 'sweep')", name=op.f("ck_sweep_kind")),
        sa.ForeignKeyConstraint(
            ["scenario_hash"], ["scenario.hash"], name=op.f("fk_sweep_scenario_hash_scenario")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep")),
        sa.UniqueConstraint("name", name=op.f("uq_sweep_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "design_point",
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("scenario_hash", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweep.id"], name=op.f("fk_design_point_sweep_id_sweep")
        ),
        sa.PrimaryKeyConstraint("sweep_id", "point", name=op.f("pk_design_point")),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("replicate", sa.Integer(), nullable=False),
        sa.Column("arm", sa.Text(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wall_seconds", sa.Float(), nullable=True),
        sa.Column("registered_quarter", sa.Integer(), nullable=True),
        sa.Column("code_version", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('completed', 'failed')", name=op.f("ck_run_status")),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweep.id"], name=op.f("fk_run_sweep_id_sweep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run")),
        sa.UniqueConstraint(
            "sweep_id",
            "point",
            "replicate",
            "arm",
            name=op.f("uq_run_sweep_id_point_replicate_arm"),
        ),
        sqlite_autoincrement=True,
    )
    # No foreign key to run on purpose (bulk-load speed); the API deletes outcome rows with runs.
    op.create_table(
        "run_outcome",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("output", sa.Float(), nullable=True),
        sa.Column("value_added", sa.Float(), nullable=True),
        sa.Column("employment", sa.Float(), nullable=True),
        sa.Column("productivity", sa.Float(), nullable=True),
        sa.Column("large_employment", sa.Float(), nullable=True),
        sa.Column("large_output", sa.Float(), nullable=True),
        sa.Column("sme_output", sa.Float(), nullable=True),
        sa.Column("local_content_share", sa.Float(), nullable=True),
        sa.Column("smes_in_chains", sa.Float(), nullable=True),
        sa.Column("smes_alive", sa.Float(), nullable=True),
        sa.Column("unit_cost_index", sa.Float(), nullable=True),
        sa.Column("market_share", sa.Float(), nullable=True),
        sa.Column("new_orders", sa.Float(), nullable=True),
        sa.Column("order_book", sa.Float(), nullable=True),
        sa.Column("investment", sa.Float(), nullable=True),
        sa.Column("participants", sa.Float(), nullable=True),
        sa.Column("industrial_participants", sa.Float(), nullable=True),
        sa.Column("registered", sa.Float(), nullable=True),
        sa.Column("functional_dependence", sa.Float(), nullable=True),
        sa.Column("joint_projects", sa.Float(), nullable=True),
        sa.Column("cost_joint_project", sa.Float(), nullable=True),
        sa.Column("cost_starter_batch", sa.Float(), nullable=True),
        sa.Column("cost_loans", sa.Float(), nullable=True),
        sa.Column("cost_tax_relief", sa.Float(), nullable=True),
        sa.Column("cost_federal", sa.Float(), nullable=True),
        sa.Column("cost_regional", sa.Float(), nullable=True),
        sa.Column("preference_cost", sa.Float(), nullable=True),
        sa.Column("sez_tax_expenditure", sa.Float(), nullable=True),
        sa.Column("tax_federal", sa.Float(), nullable=True),
        sa.Column("tax_regional", sa.Float(), nullable=True),
        sa.Column("loans_outstanding", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "quarter", name=op.f("pk_run_outcome")),
    )


def downgrade() -> None:
    op.drop_table("run_outcome")
    op.drop_table("run")
    op.drop_table("design_point")
    op.drop_table("sweep")
    op.drop_table("scenario")
