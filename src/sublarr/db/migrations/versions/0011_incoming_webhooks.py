"""Incoming *arr/Jellyfin webhooks kept until their library changes are applied.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incoming_webhooks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incoming_webhooks")
