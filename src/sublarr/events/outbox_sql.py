"""SQL of the webhook outbox, built once per :class:`~sublarr.events.outbox.Outbox`.

Building a SQLAlchemy statement costs more than running it, and the
producer's insert goes to the DBAPI driver as plain SQL text.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, text, update

from sublarr.db.base import UTCDateTime
from sublarr.db.models import WebhookDelivery, WebhookEvent

DELIVERIES = WebhookDelivery.__table__
EVENTS = WebhookEvent.__table__
# Written as literals so SQLite and PostgreSQL use the partial indexes
# (a bound parameter cannot prove an index's WHERE clause); the same text is
# in the models' index definitions and migration 0002.
IS_PENDING = text(f"{DELIVERIES.name}.status = 'pending'")
CLAIMABLE_SQL = "status = 'pending' AND lease_owner IS NULL"
LEASED_SQL = "status = 'pending' AND lease_owner IS NOT NULL"
CLAIMABLE = text(f"{DELIVERIES.name}.status = 'pending' AND {DELIVERIES.name}.lease_owner IS NULL")
LEASED = text(f"{DELIVERIES.name}.status = 'pending' AND {DELIVERIES.name}.lease_owner IS NOT NULL")
# Per-row parameters of the producer's insert (status and attempts are literals).
ROW_COLUMNS = ("webhook_id", "event_id", "max_attempts", "next_attempt_at", "lease_owner",
               "lease_expires_at")


def event_insert_sql(marker: str) -> str:
    """Stores an envelope; a redelivery of a still-stored event leaves it as it is."""
    return (f"INSERT INTO {EVENTS.name} (event_id, event_name, payload, created_at) "
            f"VALUES ({marker}, {marker}, {marker}, {marker}) ON CONFLICT (event_id) DO NOTHING")


def deliveries_insert_sql(marker: str, rows: int) -> str:
    """One multi-row INSERT: a single statement step for the whole emit, ids returned."""
    one = f"({', '.join([marker] * len(ROW_COLUMNS))}, 'pending', 0)"
    return (f"INSERT INTO {DELIVERIES.name} ({', '.join(ROW_COLUMNS)}, status, attempts) "
            f"VALUES {', '.join([one] * rows)} RETURNING id")


def claim_statement():  # noqa: ANN201 - SQLAlchemy statement
    t = DELIVERIES
    now = bindparam("c_now", type_=UTCDateTime())
    due = (
        select(t.c.id)
        .where(t.c.webhook_id == bindparam("c_wid"), CLAIMABLE, t.c.next_attempt_at <= now)
        .order_by(t.c.next_attempt_at)
        .limit(bindparam("c_limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        update(t)
        .where(t.c.id.in_(due))
        .values(lease_owner=bindparam("c_owner"), lease_expires_at=bindparam("c_expires"))
        .returning(t.c.id, t.c.webhook_id, t.c.event_id, t.c.attempts, t.c.max_attempts)
    )


def expire_statement():  # noqa: ANN201
    """Makes rows whose lease ran out claimable again (their owner crashed or stalled)."""
    t = DELIVERIES
    expired = (select(t.c.id)
               .where(LEASED, t.c.lease_expires_at < bindparam("x_now", type_=UTCDateTime()))
               .with_for_update(skip_locked=True))
    return (update(t).where(t.c.id.in_(expired))
            .values(lease_owner=None, lease_expires_at=None))


def envelopes_statement():  # noqa: ANN201
    e = EVENTS
    return (select(e.c.event_id, e.c.event_name, e.c.payload)
            .where(e.c.event_id.in_(bindparam("e_ids", expanding=True))))


def probe_statement():  # noqa: ANN201
    t = DELIVERIES
    now = bindparam("p_now", type_=UTCDateTime())
    return (select(t.c.id)
            .where(t.c.webhook_id == bindparam("p_wid"), CLAIMABLE, t.c.next_attempt_at <= now)
            .limit(1))


def record_statement():  # noqa: ANN201
    t = DELIVERIES
    return (
        update(t)
        .where(t.c.id == bindparam("b_id"), t.c.lease_owner == bindparam("b_owner"))
        .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"), last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"), completed_at=bindparam("b_done"),
                lease_owner=None, lease_expires_at=None)
    )
