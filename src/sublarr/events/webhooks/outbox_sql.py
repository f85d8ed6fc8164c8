"""SQL of the webhook outbox, built once per :class:`~sublarr.events.webhooks.outbox.Outbox`.

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
UNFANNED = text(f"{EVENTS.name}.targets IS NOT NULL")   # as in migration 0007's index
# Per-row parameters of the producer's insert (status and attempts are literals).
ROW_COLUMNS = ("webhook_id", "event_id", "max_attempts", "next_attempt_at", "lease_owner",
               "lease_expires_at")


def events_insert_sql(marker: str, rows: int) -> str:
    """Stores envelopes; returns the ids actually inserted.  An event already
    stored (a redelivery, a copy repeated after a crash) is left as it is."""
    one = f"({marker}, {marker}, {marker}, {marker})"
    return (f"INSERT INTO {EVENTS.name} (event_id, event_name, payload, created_at) "
            f"VALUES {', '.join([one] * rows)} ON CONFLICT (event_id) DO NOTHING "
            "RETURNING event_id")


def event_with_targets_insert_sql(marker: str) -> str:
    """The producer's only write: the envelope and who wants it (rows come later)."""
    return (f"INSERT INTO {EVENTS.name} (event_id, event_name, payload, created_at, targets) "
            f"VALUES ({marker}, {marker}, {marker}, {marker}, {marker})")


def deliveries_insert_sql(marker: str, rows: int) -> str:
    """One multi-row INSERT for a whole batch (a single statement step), ids returned."""
    one = f"({', '.join([marker] * len(ROW_COLUMNS))}, 'pending', 0)"
    return (f"INSERT INTO {DELIVERIES.name} ({', '.join(ROW_COLUMNS)}, status, attempts) "
            f"VALUES {', '.join([one] * rows)} RETURNING id")


def unfanned_statement():  # noqa: ANN201 - SQLAlchemy statement
    """Takes the oldest events still waiting for their delivery rows.

    An UPDATE that changes nothing, so that it takes the write lock *before*
    reading (SQLite: no other writer can take the same events; a plain
    SELECT would run outside the transaction) and returns the rows as they
    are; on PostgreSQL another process skips the locked ones.
    """
    e = EVENTS
    oldest = (select(e.c.event_id).where(UNFANNED).order_by(e.c.created_at)
              .limit(bindparam("f_limit")).with_for_update(skip_locked=True))
    return (update(e).where(e.c.event_id.in_(oldest)).values(targets=e.c.targets)
            .returning(e.c.event_id, e.c.event_name, e.c.payload, e.c.created_at, e.c.targets))


def fanned_statement():  # noqa: ANN201
    e = EVENTS
    return (update(e).where(e.c.event_id.in_(bindparam("f_ids", expanding=True)))
            .values(targets=None))


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


def due_webhooks_sql(dialect: str) -> str:
    """Which of a list of webhooks have a due, unleased row: one statement for the
    whole list, an index probe per webhook inside the database (a query per
    webhook from Python held the GIL for milliseconds with a hundred webhooks)."""
    exists = (f"EXISTS (SELECT 1 FROM {DELIVERIES.name} WHERE webhook_id = {{wid}} "
              f"AND {CLAIMABLE_SQL} AND next_attempt_at <= {{now}})")
    if dialect == "sqlite":  # the ids as a JSON array
        return f"SELECT value FROM json_each(?) WHERE {exists.format(wid='value', now='?')}"
    return (f"SELECT ids.id FROM unnest(CAST(%s AS integer[])) AS ids(id) "
            f"WHERE {exists.format(wid='ids.id', now='%s')}")


def record_sql(marker: str) -> str:
    """Stores one attempt's outcome and releases our lease (only if it is still ours)."""
    sets = ", ".join(f"{column} = {marker}" for column in (
        "status", "attempts", "next_attempt_at", "last_status_code", "last_error",
        "completed_at"))
    return (f"UPDATE {DELIVERIES.name} SET {sets}, lease_owner = NULL, lease_expires_at = NULL "
            f"WHERE id = {marker} AND lease_owner = {marker}")
