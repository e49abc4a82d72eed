"""Finance and competitiveness outcomes (issues 14 and 15).

Interest subsidy of the loan programmes open to all, the grant-equivalent of preferential loans,
the yards' local purchases and the yards held back by their borrowing limit; the yards' price
relative to rivals, price-cost margin, delivery time and order-book cover, the orders displaced
from other Russian yards, and output net of intra-cluster supplies.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = (
    "cost_programme_loans",
    "loan_grant_equivalent",
    "local_purchases",
    "credit_constrained",
    "price_index",
    "price_cost_margin",
    "delivery_quarters",
    "order_book_cover",
    "displaced_orders",
    "net_output",
)


def upgrade() -> None:
    with op.batch_alter_table("run_outcome") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_outcome") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
