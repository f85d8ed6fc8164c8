"""Tables of the whisper subsystem: whisper jobs.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whisper_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("media_path", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("detected_language", sa.String(16)),
        sa.Column("audio_track", sa.Integer()),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("subtitle_path", sa.Text()),
        sa.Column("backend", sa.String(32)),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_expires_at", UTCDateTime()),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_whisper_jobs_claim", "whisper_jobs", ["status", "priority", "id"])
    op.create_index("ix_whisper_jobs_media", "whisper_jobs", ["media_path", "status"])


def downgrade() -> None:
    op.drop_index("ix_whisper_jobs_media", table_name="whisper_jobs")
    op.drop_index("ix_whisper_jobs_claim", table_name="whisper_jobs")
    op.drop_table("whisper_jobs")
