"""Sonarr series as last read, so a re-scan asks Sonarr only for changed series.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arr_series_listings",
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("series_id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("arr_series_listings")
