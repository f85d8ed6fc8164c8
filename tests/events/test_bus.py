"""The event bus: envelopes, validation and fan-out."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from sublarr.events.bus import (
    EventBus,
    EventPayloadError,
    UnknownEventError,
    format_timestamp,
    new_event_id,
)
from sublarr.events.catalog import CATALOG

VALID = {"message": "hello"}


def collect(bus: EventBus, names=None) -> list[dict]:
    seen: list[dict] = []
    bus.subscribe(seen.append, names)
    return seen


def test_emit_builds_the_spec_envelope():
    bus = EventBus(strict=True)
    seen = collect(bus)
    envelope = bus.emit("test", VALID)
    assert seen == [envelope]
    assert set(envelope) == {"id", "event_name", "version", "timestamp", "data"}
    assert envelope["event_name"] == "test"
    assert envelope["version"] == CATALOG["test"].version
    assert envelope["data"] == VALID
    assert re.fullmatch(r"evt_[0-9A-Z]{26}", envelope["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", envelope["timestamp"])


def test_event_ids_are_unique_and_time_ordered():
    ids = [new_event_id(now_ms=1000 + i) for i in range(50)]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)


def test_timestamp_is_utc_with_z():
    moment = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "2026-01-01T12:00:00.123456Z"


def test_unknown_event_raises():
    with pytest.raises(UnknownEventError):
        EventBus().emit("no_such_event", {})


def test_subscribing_to_unknown_event_raises():
    with pytest.raises(UnknownEventError):
        EventBus().subscribe(lambda e: None, ["no_such_event"])


def test_strict_bus_rejects_payload_that_breaks_schema():
    bus = EventBus(strict=True)
    seen = collect(bus)
    with pytest.raises(EventPayloadError):
        bus.emit("config_updated", {"updated_keys": "hook_workers"})
    with pytest.raises(EventPayloadError):
        bus.emit("test", {"message": "x", "undocumented": 1})
    assert seen == []


def test_lenient_bus_logs_and_still_delivers(caplog):
    bus = EventBus(strict=False)
    seen = collect(bus)
    bus.emit("test", {"message": "x", "undocumented": 1})
    assert seen[0]["data"] == {"message": "x", "undocumented": 1}
    assert "does not match its schema" in caplog.text


def test_receivers_only_get_their_events():
    bus = EventBus(strict=True)
    only_config = collect(bus, ["config_updated"])
    bus.emit("test", VALID)
    bus.emit("config_updated", {"updated_keys": ["a"]})
    assert [e["event_name"] for e in only_config] == ["config_updated"]


def test_failing_receiver_does_not_break_producer_or_others(caplog):
    bus = EventBus(strict=True)

    def broken(_envelope):
        raise RuntimeError("listener bug")

    bus.subscribe(broken)
    seen = collect(bus)
    envelope = bus.emit("test", VALID)
    assert seen == [envelope]
    assert "listener bug" in caplog.text


def test_on_emit_counts_each_event():
    counted: list[str] = []
    bus = EventBus(on_emit=counted.append)
    bus.emit("test", VALID)
    bus.emit("test", VALID)
    assert counted == ["test", "test"]


def test_every_catalog_example_is_valid_for_its_schema():
    bus = EventBus(strict=True)
    for name, spec in CATALOG.items():
        assert bus.emit(name, spec.example)["data"] == spec.model.model_validate(
            spec.example).model_dump(mode="json")


def test_coercible_but_wrong_type_breaks_the_schema():
    bus = EventBus(strict=True)
    with pytest.raises(EventPayloadError):
        bus.emit("wanted_scan_complete",
                 {"scanned": "10", "added": 1, "removed": 0, "duration_ms": 5})


def test_optional_fields_are_filled_with_null():
    envelope = EventBus(strict=True).emit("provider_failed", {"provider": "x", "error": "boom"})
    assert envelope["data"] == {"provider": "x", "error": "boom", "status_code": None}


def test_event_ids_differ_between_forked_processes():
    import os

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its id for the same millisecond
        os.write(write_end, new_event_id(now_ms=1).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child_id = os.read(read_end, 100).decode()
    os.close(read_end)
    os.close(write_end)
    assert child_id.startswith("evt_") and child_id != new_event_id(now_ms=1)
