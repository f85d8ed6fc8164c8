"""Event sets and filters on hook scripts, and the migration from one event_name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from sublarr.db.engine import Database, alembic_config
from tests.events.hooks.conftest import wait_for, write_script
from tests.events.hooks.test_engine import EPISODE, log_rows

BASE = "/api/v1/hooks"


@pytest.fixture
def hooks_dir(data_dir: Path) -> Path:
    return data_dir / "hooks"


def _ok_script(hooks_dir: Path) -> Path:
    return write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")


def test_a_hook_runs_for_each_event_of_its_set_whose_data_match(client, services, hooks_dir):
    created = client.post(BASE, json={
        "name": "german", "script_path": str(_ok_script(hooks_dir)),
        "events": ["subtitle_downloaded", "upgrade_complete"],
        "filters": [{"field": "language", "op": "=", "value": "de"},
                    {"field": "title", "op": "contains", "value": "Frieren"}]})
    assert created.status_code == 201, created.json
    hook = created.json
    assert hook["event_name"] is None
    assert hook["events"] == ["subtitle_downloaded", "upgrade_complete"]
    services.bus.emit("subtitle_downloaded", {**EPISODE, "language": "en"})
    services.bus.emit("subtitle_downloaded", {**EPISODE, "language": "de"})
    services.bus.emit("upgrade_complete", {**EPISODE, "language": "de", "old_score": 1,
                                           "new_score": 2})
    services.bus.emit("subtitle_downloaded", {**EPISODE, "language": "de", "title": "Other"})
    services.bus.emit("provider_failed", {"provider": "p", "error": "e"})
    assert wait_for(lambda: len(log_rows(services, hook_id=hook["id"])) >= 2, 20)
    rows = log_rows(services, hook_id=hook["id"])
    assert sorted(r["event_name"] for r in rows) == ["subtitle_downloaded", "upgrade_complete"]


def test_hook_filters_are_checked_at_save(client, hooks_dir):
    script = str(_ok_script(hooks_dir))
    bad = client.post(BASE, json={"name": "x", "script_path": script,
                                  "events": ["provider_failed"],
                                  "filters": [{"field": "status_code", "op": ">",
                                               "value": "500"}]})
    assert bad.status_code == 422 and bad.json["error"]["details"][0]["loc"][-1] == "value"
    missing = client.post(BASE, json={"name": "x", "script_path": script})
    assert missing.status_code == 422
    old = client.post(BASE, json={"name": "x", "script_path": script, "event_name": "test"})
    assert old.status_code == 201 and old.json["events"] == ["test"]
    assert old.json["event_name"] == "test"


def _hook_and_webhook_at_0011(db: Database) -> None:
    cfg = alembic_config(db.engine)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO hook_configs (name, event_name, script_path, timeout_seconds, enabled,"
            " trigger_count, consecutive_failures, created_at, updated_at) VALUES "
            "('h', 'provider_failed', '/x', 30, true, 0, 0, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO webhook_configs (name, url, event_name, secret, headers, retry_count,"
            " timeout_seconds, enabled, trigger_count, consecutive_failures, created_at,"
            " updated_at) VALUES ('w', 'http://127.0.0.1:9/', '*', '', '{}', 3, 10, true, 0, 0,"
            " '2026-01-01', '2026-01-01')"))


def _migrated_sets(db: Database) -> list[tuple[list, list]]:
    db.upgrade()
    with db.engine.connect() as conn:
        return [(json.loads(e), json.loads(f)) for e, f in conn.execute(text(
            "SELECT events, filters FROM hook_configs UNION ALL "
            "SELECT events, filters FROM webhook_configs"))]


def test_migration_turns_event_name_into_a_one_element_set_on_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _hook_and_webhook_at_0011(db)
        assert _migrated_sets(db) == [(["provider_failed"], []), (["*"], [])]
    finally:
        db.close()


@pytest.mark.postgres
def test_migration_turns_event_name_into_a_one_element_set_on_postgresql(pg_url):
    db = Database(pg_url)
    try:
        _hook_and_webhook_at_0011(db)
        assert _migrated_sets(db) == [(["provider_failed"], []), (["*"], [])]
    finally:
        db.close()
