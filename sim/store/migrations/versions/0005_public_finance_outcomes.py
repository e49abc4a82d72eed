"""Public-finance outcomes (issue 16).

Insurance contributions to the Social Fund, the VAT the firms remit, the tax expenditure of the
regime's relief by budget level, the committed cost still due by budget level (present value at
the end of the quarter) and the purchases bought outside the region.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = (
    "tax_social_fund",
    "vat_collected",
    "tax_expenditure_federal",
    "tax_expenditure_regional",
    "committed_federal",
    "committed_regional",
    "purchases_outside_region",
)


def upgrade() -> None:
    with op.batch_alter_table("run_outcome") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_outcome") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
