"""Blacklisted subtitles, and a content hash of every saved subtitle.

``subtitle_blacklist`` holds (media file, provider, subtitle id) triples the
searcher never downloads again.  ``subtitle_history.content_sha256`` is the
SHA-256 of the bytes Sublarr wrote, so blacklisting leaves alone a file the
user replaced by hand.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subtitle_history") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_table(
        "subtitle_blacklist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("media_path", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("season", sa.Integer(), nullable=True),
        sa.Column("episode", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("subtitle_id", sa.String(200), nullable=False),
        sa.Column("release_name", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("media_path", "provider", "subtitle_id",
                            name="uq_subtitle_blacklist_media_subtitle"),
    )


def downgrade() -> None:
    op.drop_table("subtitle_blacklist")
    with op.batch_alter_table("subtitle_history") as batch:
        batch.drop_column("content_sha256")
