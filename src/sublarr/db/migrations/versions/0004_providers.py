"""Tables of the providers subsystem: subtitle download history.

Revision ID: 0004
Revises: 0003

Provider health (pauses, failures) lives in memory on purpose: a restart
gives every provider a fresh chance.
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subtitle_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("media_path", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.Column("season", sa.Integer()),
        sa.Column("episode", sa.Integer()),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("hearing_impaired", sa.Boolean(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("subtitle_id", sa.String(200), nullable=False),
        sa.Column("release_name", sa.Text()),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("subtitle_path", sa.Text(), nullable=False),
        sa.Column("old_score", sa.Integer()),
        sa.Column("old_provider", sa.String(50)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_subtitle_history_subtitle_path", "subtitle_history", ["subtitle_path"])
    op.create_index("ix_subtitle_history_media_path", "subtitle_history", ["media_path"])
    op.create_index("ix_subtitle_history_created_at", "subtitle_history", ["created_at"])
    op.create_index("ix_subtitle_history_provider", "subtitle_history", ["provider"])


def downgrade() -> None:
    op.drop_table("subtitle_history")
