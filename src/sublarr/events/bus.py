"""The in-process event bus: envelopes, validation and one blinker signal per event."""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from blinker import Namespace
from pydantic import ValidationError

from sublarr.events.catalog import CATALOG, EventSpec

log = logging.getLogger(__name__)

Envelope = dict[str, Any]
Receiver = Callable[[Envelope], None]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two base32 digits per lookup: 13 lookups make the 26 digits of an id.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_SHIFTS = tuple(range(120, -1, -10))


class UnknownEventError(ValueError):
    """An event name that is not in the catalog (a programming error)."""


class EventPayloadError(ValueError):
    """A payload that breaks its event's schema (raised in strict mode)."""


def new_event_id(now_ms: int | None = None, random_bytes: bytes | None = None) -> str:
    """A sortable unique id: ``evt_`` + 48-bit millisecond time + 80 random bits (base32)."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    # Ids must be unique, not unguessable: the PRNG (reseeded after fork) avoids
    # a getrandom() syscall that releases the GIL inside every emit.
    rnd = random.getrandbits(80) if random_bytes is None else int.from_bytes(random_bytes, "big")
    # 128 bits as 26 digits of Crockford's base32 (sorts like the number); the
    # last digit carries two zero bits, as RFC 4648's padding of 16 bytes does.
    number = (((ms & 0xFFFFFFFFFFFF) << 80) | rnd) << 2
    pairs = _PAIRS
    return "evt_" + "".join([pairs[(number >> shift) & 0x3FF] for shift in _SHIFTS])


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_envelope(spec: EventSpec, data: dict[str, Any], moment: datetime, event_id: str) -> Envelope:
    """The envelope that listeners, scripts and webhooks receive."""
    return {
        "id": event_id,
        "event_name": spec.name,
        "version": spec.version,
        "timestamp": format_timestamp(moment),
        "data": data,
    }


def validate_payload(spec: EventSpec, data: Any) -> dict[str, Any]:
    """The payload normalised to JSON types; raises :class:`EventPayloadError`."""
    try:
        # Strict: "10" for an integer breaks the published schema even if it could be coerced.
        return spec.model.model_validate(data, strict=True).model_dump(mode="json")
    except ValidationError as exc:
        raise EventPayloadError(f"{spec.name}: {exc.error_count()} schema error(s): {exc}") from exc


class EventBus:
    """Validates events, wraps them in envelopes and fans them out to receivers.

    Receivers run in the producer's thread, so each must only hand work off
    (queue, outbox row, socket emit).  A receiver that raises is logged and
    never breaks the producer or the other receivers.
    """

    def __init__(self, *, strict: bool = False, on_emit: Callable[[str], None] | None = None):
        self.strict = strict
        self._on_emit = on_emit
        self._namespace = Namespace()
        self._signals = {name: self._namespace.signal(name) for name in CATALOG}
        # Each signal's receivers, read once per subscribe instead of once per emit
        # (every receiver is a strong reference made by subscribe()).
        self._receivers: dict[str, tuple[Callable[..., None], ...]] = dict.fromkeys(CATALOG, ())

    def subscribe(self, receiver: Receiver, names: Iterable[str] | None = None) -> None:
        """Call ``receiver(envelope)`` for the named events (all when ``names`` is None)."""
        guarded = _guard(receiver)
        for name in CATALOG if names is None else names:
            signal = self._signal(name)
            signal.connect(guarded, weak=False)
            self._receivers[name] = tuple(signal.receivers_for(self))

    def emit(self, name: str, data: dict[str, Any] | None = None) -> Envelope:
        """Emit a catalog event and return its envelope."""
        spec = CATALOG.get(name)
        if spec is None:
            raise UnknownEventError(f"unknown event {name!r}: not in the catalog")
        payload = self._checked(spec, data or {})
        envelope = build_envelope(spec, payload, datetime.now(timezone.utc), new_event_id())
        if self._on_emit is not None:
            self._on_emit(name)
        # Not send(): every receiver is a sync wrapper made by subscribe(), so
        # blinker's per-call coroutine check and receiver lookup are wasted work.
        for receiver in self._receivers[name]:
            receiver(self, envelope=envelope)
        return envelope

    def _checked(self, spec: EventSpec, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return validate_payload(spec, data)
        except EventPayloadError:
            if self.strict:
                raise
            log.error("event %s: payload does not match its schema; delivered as is", spec.name,
                      exc_info=True)
            return data

    def _signal(self, name: str):  # noqa: ANN202 - blinker NamedSignal
        if name not in self._signals:
            raise UnknownEventError(f"unknown event {name!r}: not in the catalog")
        return self._signals[name]


def _guard(receiver: Receiver) -> Callable[..., None]:
    label = getattr(receiver, "__qualname__", repr(receiver))

    def call(_sender: object, envelope: Envelope) -> None:
        try:
            receiver(envelope)
        except Exception:  # a broken listener must not break the producer
            log.exception("event listener %s failed for %s", label, envelope.get("event_name"))

    return call
