"""Supply networks: run_node and run_network.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_node",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("firm", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("trade", sa.Text(), nullable=True),
        sa.Column("participant", sa.Boolean(), nullable=False),
        sa.Column("employment", sa.Float(), nullable=True),
        sa.Column("output", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "firm", name=op.f("pk_run_node")),
    )
    op.create_table(
        "run_network",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("buyer", sa.Integer(), nullable=False),
        sa.Column("seller", sa.Integer(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "buyer", "seller", name=op.f("pk_run_network")),
    )


def downgrade() -> None:
    op.drop_table("run_network")
    op.drop_table("run_node")
