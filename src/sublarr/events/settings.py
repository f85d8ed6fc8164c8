"""Settings of the event system: hooks, webhooks, outbox and log retention."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EventSettings(BaseModel):
    """Tunables for hook scripts, webhook delivery and the delivery log."""

    hook_workers: int = Field(4, ge=1, le=64, description="Hook scripts run at the same time")
    hook_queue_size: int = Field(1000, ge=1, le=100_000, description="Hook runs waiting at most")
    webhook_workers: int = Field(8, ge=1, le=128, description="Webhook deliveries in flight at most")
    webhook_max_in_flight_per_endpoint: int = Field(
        2, ge=1, le=32, description="Deliveries in flight at most for one webhook"
    )
    webhook_retry_base_seconds: float = Field(
        2.0, gt=0, le=3600, description="First retry delay; doubles per attempt (2 s, 4 s, 8 s)"
    )
    webhook_lease_seconds: float = Field(
        120.0, ge=1, le=3600, description="How long a claimed delivery stays reserved"
    )
    webhook_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="Webhook scheduler idle poll interval"
    )
    webhook_thread_nice: int = Field(
        10, ge=0, le=19,
        description="CPU niceness of the delivery threads (Linux), so request threads come first",
    )
    webhook_auto_disable_after: int = Field(
        10, ge=1, le=1000, description="Consecutive failed deliveries before a webhook is disabled"
    )
    hook_log_retention_days: int = Field(30, ge=1, le=3650)
    hook_log_retention_count: int = Field(10_000, ge=100, le=10_000_000)
    outbox_retention_days: int = Field(
        7, ge=1, le=3650, description="Finished webhook deliveries are kept this long (redelivery)"
    )
    outbox_retention_count: int = Field(
        100_000, ge=100, le=10_000_000, description="Finished webhook deliveries kept at most"
    )
    strict_event_validation: bool = Field(
        False, description="Raise on an event payload that breaks its schema (tests)"
    )
