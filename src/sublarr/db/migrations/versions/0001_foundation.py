"""Foundation tables: settings, hooks, webhooks, hook log, scoring (the outbox is 0002).

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "hook_configs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("event_name", sa.String(100), nullable=False),
        sa.Column("script_path", sa.Text(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger_count", sa.Integer(), nullable=False),
        sa.Column("last_triggered_at", UTCDateTime()),
        sa.Column("last_success", sa.Boolean()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "webhook_configs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_name", sa.String(100), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger_count", sa.Integer(), nullable=False),
        sa.Column("last_triggered_at", UTCDateTime()),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.Text()),
        *_stamps(),
    )
    op.create_table(
        "hook_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hook_type", sa.String(16), nullable=False),
        sa.Column("hook_id", sa.Integer()),
        sa.Column("webhook_id", sa.Integer()),
        sa.Column("delivery_id", sa.String(40)),
        sa.Column("event_name", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(40)),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("exit_code", sa.Integer()),
        sa.Column("status_code", sa.Integer()),
        sa.Column("stdout", sa.Text()),
        sa.Column("stderr", sa.Text()),
        sa.Column("response_excerpt", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("triggered_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_hook_log_triggered_at", "hook_log", ["triggered_at"])
    op.create_index("ix_hook_log_hook_id", "hook_log", ["hook_id"])
    op.create_index("ix_hook_log_webhook_id", "hook_log", ["webhook_id"])
    op.create_index("ix_hook_log_event_name", "hook_log", ["event_name"])
    op.create_table(
        "scoring_weights",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("score_type", sa.String(16), nullable=False),
        sa.Column("weight_key", sa.String(50), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("score_type", "weight_key", name="uq_scoring_weights_type_key"),
    )
    op.create_table(
        "provider_score_modifiers",
        sa.Column("provider", sa.String(50), primary_key=True),
        sa.Column("modifier", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "provider_score_modifiers",
        "scoring_weights",
        "hook_log",
        "webhook_configs",
        "hook_configs",
        "settings",
    ):
        op.drop_table(table)
