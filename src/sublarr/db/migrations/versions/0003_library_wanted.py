"""Tables of the library_wanted subsystem: the wanted list.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wanted_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("media_path", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.Column("season", sa.Integer()),
        sa.Column("episode", sa.Integer()),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("search_count", sa.Integer(), nullable=False),
        sa.Column("last_searched_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("subtitle_path", sa.Text()),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("media_path", "language", name="uq_wanted_items_media_language"),
    )
    op.create_index("ix_wanted_items_status", "wanted_items", ["status"])
    op.create_index("ix_wanted_items_source", "wanted_items", ["source"])


def downgrade() -> None:
    op.drop_index("ix_wanted_items_source", table_name="wanted_items")
    op.drop_index("ix_wanted_items_status", table_name="wanted_items")
    op.drop_table("wanted_items")
