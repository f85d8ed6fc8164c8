"""Outbox fan-out: an emit stores one event row; delivery rows come after.

``webhook_events.targets`` holds the ``[[webhook_id, max_attempts], …]``
of an event whose delivery rows are not written yet (NULL once they are).
The producer then writes one small row per emit, however many webhooks
want the event, and the dispatcher turns it into delivery rows in the
background, in the same transaction that clears ``targets``.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNFANNED = sa.text("targets IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("targets", sa.Text(), nullable=True))
    # Only events still waiting for their delivery rows: a few pages at most.
    op.create_index("ix_webhook_events_unfanned", "webhook_events", ["created_at"],
                    sqlite_where=UNFANNED, postgresql_where=UNFANNED)


def downgrade() -> None:
    op.drop_index("ix_webhook_events_unfanned", "webhook_events")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("targets")
