"""Event sets and filters for hooks and webhooks (SPEC "Subscriptions").

Each subscriber's single ``event_name`` becomes a one-element ``events`` set;
``filters`` starts empty.  ``event_name`` stays as a mirror for old readers.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TABLES = ("hook_configs", "webhook_configs")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("events", sa.Text(), nullable=False,
                                       server_default='["*"]'))
        op.add_column(table, sa.Column("filters", sa.Text(), nullable=False,
                                       server_default="[]"))
        # catalog names and '*' hold no quote or backslash: plain concatenation is valid JSON
        op.execute(f"UPDATE {table} SET events = '[\"' || event_name || '\"]'")


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "filters")
        op.drop_column(table, "events")
