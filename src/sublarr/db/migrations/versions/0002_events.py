"""Tables of the events subsystem: event system extras (webhook dispatcher, hook engine).

Revision ID: 0002
Revises: 0001

Reserved in the revision chain so subsystems can add their tables without
touching each other's migrations; empty until the subsystem needs a table.
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The dispatcher's claim and "is anything due?" probe read one webhook's
    # pending rows by due time.  A partial index holds only pending rows, so
    # with no backlog it stays a few pages and the producer's insert of one
    # row per webhook touches few pages.  It makes the two 0001 indexes below
    # redundant; every index costs the producer time on each insert.
    pending = sa.text("status = 'pending'")
    op.create_index("ix_webhook_deliveries_claim", "webhook_deliveries",
                    ["webhook_id", "next_attempt_at"], sqlite_where=pending,
                    postgresql_where=pending)
    op.drop_index("ix_webhook_deliveries_webhook_status", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    # Retention scans finished rows every ten minutes; an index on
    # completed_at would be paid on every insert and every recorded outcome.
    op.drop_index("ix_webhook_deliveries_completed", table_name="webhook_deliveries")


def downgrade() -> None:
    op.create_index("ix_webhook_deliveries_completed", "webhook_deliveries", ["completed_at"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_webhook_status", "webhook_deliveries",
                    ["webhook_id", "status"])
    op.drop_index("ix_webhook_deliveries_claim", table_name="webhook_deliveries")
