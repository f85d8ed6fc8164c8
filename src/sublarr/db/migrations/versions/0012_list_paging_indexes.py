"""Indexes for paging and filtering the wanted list and the history at 100,000 rows.

Each index ends in the columns the list is ordered by, so a filtered page walks
the index in order (PostgreSQL included; SQLite already appended the rowid):
wanted by ``(status, id)`` and ``(language, id)``, history by ``(created_at, id)``
(newest first).  The single-column indexes they start with are dropped.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_wanted_items_status", table_name="wanted_items")
    op.create_index("ix_wanted_items_status_id", "wanted_items", ["status", "id"])
    op.create_index("ix_wanted_items_language_id", "wanted_items", ["language", "id"])
    op.drop_index("ix_subtitle_history_created_at", table_name="subtitle_history")
    op.create_index("ix_subtitle_history_created_at_id", "subtitle_history",
                    ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_subtitle_history_created_at_id", table_name="subtitle_history")
    op.create_index("ix_subtitle_history_created_at", "subtitle_history", ["created_at"])
    op.drop_index("ix_wanted_items_language_id", table_name="wanted_items")
    op.drop_index("ix_wanted_items_status_id", table_name="wanted_items")
    op.create_index("ix_wanted_items_status", "wanted_items", ["status"])
