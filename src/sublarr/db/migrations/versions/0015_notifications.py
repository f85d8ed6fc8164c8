"""Notification channels (SPEC "Subscriptions"): apprise deliveries through the webhook outbox.

A channel is a ``webhook_configs`` row of ``kind`` 'notification' (webhooks
are 'http'): the outbox, retries, auto-disable, replay and statistics then
serve both unchanged; only the attempt differs.  ``hook_log`` names a
notification run's channel in ``notification_id``.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_configs", sa.Column("kind", sa.String(16), nullable=False,
                                               server_default="http"))
    op.add_column("webhook_configs", sa.Column("title_template", sa.Text(), nullable=False,
                                               server_default=""))
    op.add_column("webhook_configs", sa.Column("body_template", sa.Text(), nullable=False,
                                               server_default=""))
    op.add_column("hook_log", sa.Column("notification_id", sa.Integer(), nullable=True))
    op.create_index("ix_hook_log_notification_id", "hook_log", ["notification_id"])


def downgrade() -> None:
    op.drop_index("ix_hook_log_notification_id", table_name="hook_log")
    op.drop_column("hook_log", "notification_id")
    op.execute("DELETE FROM webhook_configs WHERE kind <> 'http'")
    op.drop_column("webhook_configs", "body_template")
    op.drop_column("webhook_configs", "title_template")
    op.drop_column("webhook_configs", "kind")
