"""Subtitle tracks found inside media files by ffprobe, kept across restarts.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "probe_cache",
        sa.Column("path", sa.Text(), primary_key=True),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("languages", sa.String(400), nullable=False, server_default=""),
        sa.Column("forced", sa.String(400), nullable=False, server_default=""),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_probe_cache_directory", "probe_cache", ["directory"])
    op.create_index("ix_probe_cache_checked_at", "probe_cache", ["checked_at"])


def downgrade() -> None:
    op.drop_index("ix_probe_cache_checked_at", table_name="probe_cache")
    op.drop_index("ix_probe_cache_directory", table_name="probe_cache")
    op.drop_table("probe_cache")
