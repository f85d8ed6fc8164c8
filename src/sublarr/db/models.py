"""ORM models of the foundation tables.

Each table is queried by exactly one repository module (named in the class
docstring); everything else goes through that module.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow


class SettingRow(Base):
    """A stored setting (JSON value). Owner: :mod:`sublarr.db.settings_repo`."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class HookConfig(Base):
    """A user script bound to an event. Owner: :mod:`sublarr.events.hooks.repo`."""

    __tablename__ = "hook_configs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    event_name: Mapped[str] = mapped_column(String(100), nullable=False)  # legacy mirror
    events: Mapped[str] = mapped_column(Text, nullable=False, default='["*"]')  # JSON list
    filters: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    script_path: Mapped[str] = mapped_column(Text, nullable=False)
    timeout_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    trigger_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success: Mapped[bool | None] = mapped_column(Boolean)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class WebhookConfig(Base):
    """An outgoing webhook (``kind`` 'http') or notification channel ('notification').
    Owner: :mod:`sublarr.events.webhooks.repo`."""

    __tablename__ = "webhook_configs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="http",
                                      server_default="http")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    event_name: Mapped[str] = mapped_column(String(100), nullable=False)  # legacy mirror
    events: Mapped[str] = mapped_column(Text, nullable=False, default='["*"]')  # JSON list
    filters: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    secret: Mapped[str] = mapped_column(Text, nullable=False, default="")
    headers: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    retry_count: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    timeout_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    trigger_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # notification channels: Jinja2 templates ('' = the event's default text)
    title_template: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                                server_default="")
    body_template: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                               server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class WebhookEvent(Base):
    """An event's envelope, stored once for all its deliveries. Owner: :mod:`sublarr.events.webhooks.outbox`.

    Removed with the last of its deliveries (retention).
    """

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_name: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # JSON [[webhook_id, max_attempts], ...] until the delivery rows exist (then NULL)
    targets: Mapped[str | None] = mapped_column(Text, nullable=True)

    # Partial index ix_webhook_events_unfanned (created_at WHERE targets IS NOT NULL):
    # defined by migration 0007 only, see WebhookDelivery below for why.


class WebhookDelivery(Base):
    """One event to deliver to one webhook (the outbox). Owner: :mod:`sublarr.events.webhooks.outbox`.

    status: ``pending`` (due at ``next_attempt_at``) → ``delivered`` | ``failed``
    (final) ; a claimed row keeps ``pending`` with ``lease_expires_at`` in the
    future, so a crashed worker's claim simply runs out.  Rows are small (the
    envelope lives in ``webhook_events``) because every emit writes one per
    subscribed webhook; the public delivery id is ``dlv_<id>``.
    """

    __tablename__ = "webhook_deliveries"
    # The partial indexes ix_webhook_deliveries_claim and ..._lease live in migration
    # 0002 only (the schema comes from the migrations): declaring them here with
    # ``postgresql_where`` would make SQLAlchemy import its whole PostgreSQL dialect
    # (about 2 MiB) in every SQLite install.
    __table_args__ = (
        # ids are public and logged: never reuse one after retention removed it
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("webhook_configs.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HookLogEntry(Base):
    """The outcome of one script run, webhook delivery or notification. Owner:
    :mod:`sublarr.db.hook_log`."""

    __tablename__ = "hook_log"
    __table_args__ = (
        Index("ix_hook_log_triggered_at", "triggered_at"),
        Index("ix_hook_log_hook_id", "hook_id"),
        Index("ix_hook_log_webhook_id", "webhook_id"),
        Index("ix_hook_log_notification_id", "notification_id"),
        Index("ix_hook_log_event_name", "event_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hook_type: Mapped[str] = mapped_column(String(16), nullable=False)
    hook_id: Mapped[int | None] = mapped_column(Integer)
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    notification_id: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[str | None] = mapped_column(String(40))
    event_name: Mapped[str] = mapped_column(String(100), nullable=False)
    event_id: Mapped[str | None] = mapped_column(String(40))
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    stdout: Mapped[str | None] = mapped_column(Text)
    stderr: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ScoringWeight(Base):
    """A user-edited scoring weight. Owner: :mod:`sublarr.scoring.repo`."""

    __tablename__ = "scoring_weights"
    __table_args__ = (UniqueConstraint("score_type", "weight_key", name="uq_scoring_weights_type_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score_type: Mapped[str] = mapped_column(String(16), nullable=False)
    weight_key: Mapped[str] = mapped_column(String(50), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ProviderScoreModifier(Base):
    """A per-provider score bonus/malus. Owner: :mod:`sublarr.scoring.repo`."""

    __tablename__ = "provider_score_modifiers"

    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    modifier: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
