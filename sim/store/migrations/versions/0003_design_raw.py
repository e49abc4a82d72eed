"""Design points keep their unrounded sample row (raw_json) for sensitivity analysis.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("design_point") as batch:
        batch.add_column(sa.Column("raw_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("design_point") as batch:
        batch.drop_column("raw_json")
