"""Tables of the translation subsystem: jobs, their finished batches, groups, glossary.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
    )
    op.create_table(
        "translation_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(),
                  sa.ForeignKey("translation_groups.id", ondelete="SET NULL")),
        sa.Column("retranslation_of", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("output_path", sa.Text(), nullable=False),
        sa.Column("source_language", sa.String(16), nullable=False),
        sa.Column("target_language", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("series", sa.String(300)),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("total_lines", sa.Integer(), nullable=False),
        sa.Column("total_batches", sa.Integer(), nullable=False),
        sa.Column("done_batches", sa.Integer(), nullable=False),
        sa.Column("source_fingerprint", sa.String(64)),
        sa.Column("error", sa.Text()),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
    )
    op.create_index("ix_translation_jobs_status", "translation_jobs", ["status"])
    op.create_table(
        "translation_batch_results",
        sa.Column("job_id", sa.Integer(),
                  sa.ForeignKey("translation_jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("batch_index", sa.Integer(), primary_key=True),
        sa.Column("translations", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "translation_glossary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_key", sa.String(300), nullable=False),
        sa.Column("series", sa.String(300), nullable=False),
        sa.Column("source_term", sa.String(200), nullable=False),
        sa.Column("target_term", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("series_key", "source_term",
                            name="uq_translation_glossary_series_key"),
    )


def downgrade() -> None:
    op.drop_table("translation_glossary")
    op.drop_table("translation_batch_results")
    op.drop_index("ix_translation_jobs_status", table_name="translation_jobs")
    op.drop_table("translation_jobs")
    op.drop_table("translation_groups")
