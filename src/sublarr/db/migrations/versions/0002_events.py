"""Tables of the events subsystem: the webhook outbox in its final shape.

Revision ID: 0002
Revises: 0001

Every emit writes one delivery row per subscribed webhook, so those rows are
kept small: the envelope is stored once per event in ``webhook_events``, and
the delivery key is an integer (appended at the end of the table, no
separate primary-key index as a text key has in SQLite).
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CLAIMABLE = sa.text("status = 'pending' AND lease_owner IS NULL")
LEASED = sa.text("status = 'pending' AND lease_owner IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("event_name", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.Integer(),
                  sa.ForeignKey("webhook_configs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_expires_at", UTCDateTime()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("completed_at", UTCDateTime()),
        # AUTOINCREMENT: a public delivery id is never reused after retention
        sqlite_autoincrement=True,
    )
    # Two partial indexes over pending rows only, so with no backlog they stay
    # a few pages.  The claim and the "is anything due?" probe read one
    # webhook's unleased rows by due time.  Rows an emit stores already leased
    # to its own process (the usual case) stay out of that index: a hundred
    # webhooks would otherwise mean a hundred scattered index pages written
    # per emit.  They go to the lease index instead, whose key (the lease
    # expiry) only grows, so an emit's rows land on its last page; expired
    # leases are found there and made claimable again.  Retention scans
    # finished rows every ten minutes instead of paying for an index on every
    # insert and every recorded outcome.
    op.create_index("ix_webhook_deliveries_claim", "webhook_deliveries",
                    ["webhook_id", "next_attempt_at"], sqlite_where=CLAIMABLE,
                    postgresql_where=CLAIMABLE)
    op.create_index("ix_webhook_deliveries_lease", "webhook_deliveries", ["lease_expires_at"],
                    sqlite_where=LEASED, postgresql_where=LEASED)


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
