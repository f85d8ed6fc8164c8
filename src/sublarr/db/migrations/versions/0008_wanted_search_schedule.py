"""The wanted list as a durable search queue: when each row is searched next.

``wanted_items.next_search_at`` is the queue: rows due (``<= now``) in a
searchable status are claimed by the search queue; ``last_result`` keeps
the outcome of the last search (``found``, ``not_found``, ``failed``,
``dropped``).  Existing rows become due at once.  ``scheduled_tasks`` keeps
the last run of each scheduled job for the Tasks view.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wanted_items") as batch:
        batch.add_column(sa.Column("next_search_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("last_result", sa.String(16), nullable=True))
    op.create_index("ix_wanted_items_next_search_at", "wanted_items", ["next_search_at"])
    op.execute(sa.text("UPDATE wanted_items SET next_search_at = updated_at "
                       "WHERE status IN ('wanted', 'not_found', 'failed', 'searching')"))
    op.create_table(
        "scheduled_tasks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_started_at", UTCDateTime(), nullable=False),
        sa.Column("last_duration_ms", sa.Integer(), nullable=False),
        sa.Column("last_result", sa.Text(), nullable=False),
        sa.Column("last_success", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduled_tasks")
    op.drop_index("ix_wanted_items_next_search_at", table_name="wanted_items")
    with op.batch_alter_table("wanted_items") as batch:
        batch.drop_column("last_result")
        batch.drop_column("next_search_at")
