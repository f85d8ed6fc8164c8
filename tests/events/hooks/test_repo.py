"""The hook_configs repository: statistics folding (pure) and the table on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sublarr.db import hook_log
from sublarr.events.hooks import repo as hook_configs
from sublarr.db.engine import Database
from sublarr.db.hook_log import LogFilter
from sublarr.events import runlog

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(hook_id: int, success: bool, moment: datetime) -> runlog.Run:
    return runlog.Run(runlog.SCRIPT, hook_id, "h", "test", None, success, moment, 1)


def record_runs(session, runs) -> None:  # noqa: ANN001
    hook_configs.apply_tallies(session, runlog.tally([run(*r) for r in runs]))


def test_tally_counts_runs_per_hook_in_order():
    tallies = {t.subscriber_id: t for t in runlog.tally(
        [run(1, False, at(1)), run(2, True, at(2)), run(1, False, at(3))])}
    assert tallies[1].count == 2 and tallies[1].last_at == at(3)
    assert tallies[1].last_success is False
    assert tallies[1].trailing_failures == 2 and tallies[1].saw_success is False
    assert tallies[2].count == 1 and tallies[2].saw_success is True


def test_tally_failures_restart_after_a_success():
    [tally] = runlog.tally([run(1, False, at(1)), run(1, True, at(2)), run(1, False, at(3))])
    assert tally.saw_success is True and tally.trailing_failures == 1
    assert tally.last_success is False


def new_hook(db: Database, **over):
    with db.session() as session:
        return hook_configs.spec_of(hook_configs.create_hook(session, {
            "name": "h", "event_name": "test", "script_path": "h.sh", "timeout_seconds": 30,
            "enabled": True, **over}))


def stats(db: Database, hook_id: int) -> dict:
    with db.session() as session:
        return hook_configs.hook_to_dict(hook_configs.get_hook(session, hook_id))


def check_repository(db: Database) -> None:
    spec = new_hook(db)
    new_hook(db, enabled=False, name="off")
    with db.session() as session:
        assert [s.id for s in hook_configs.enabled_specs(session)] == [spec.id]

    with db.session() as session:
        record_runs(session, [(spec.id, False, at(1)), (spec.id, False, at(2))])
    assert stats(db, spec.id)["consecutive_failures"] == 2
    with db.session() as session:
        record_runs(session, [(spec.id, False, at(3))])
    after = stats(db, spec.id)
    assert after["consecutive_failures"] == 3 and after["trigger_count"] == 3
    with db.session() as session:
        record_runs(session, [(spec.id, True, at(4)), (spec.id, False, at(5))])
    after = stats(db, spec.id)
    assert after["consecutive_failures"] == 1 and after["trigger_count"] == 5
    assert after["last_success"] is False
    assert after["last_triggered_at"] == "2026-01-01T00:00:05Z"

    with db.session() as session:
        record_runs(session, [(999, True, at(6))])  # deleted hook: ignored
        hook = hook_configs.get_hook(session, spec.id)
        hook_configs.update_hook(session, hook, {"name": "renamed", "trigger_count": 0})
    assert stats(db, spec.id)["name"] == "renamed"
    assert stats(db, spec.id)["trigger_count"] == 5  # read-only fields are not editable

    with db.session() as session:
        assert hook_configs.delete_hook(session, spec.id) is True
        assert hook_configs.delete_hook(session, spec.id) is False


def test_repository_on_sqlite(services):
    check_repository(services.db)


@pytest.fixture
def pg_db(pg_url):
    db = Database(pg_url)
    db.upgrade()
    yield db
    db.close()


def test_repository_on_postgresql(pg_db):
    check_repository(pg_db)


def test_binary_script_output_is_storable_on_postgresql(pg_db, tmp_path):
    """NUL bytes from a script must not break a PostgreSQL text column."""
    from sublarr.events.hooks.runner import run_script
    from tests.events.hooks.conftest import ENVELOPE, write_script

    script = write_script(tmp_path / "hooks", "bin.sh", "#!/bin/sh\nprintf 'a\\000b\\377'\n")
    result = run_script(script, ENVELOPE, 10, path_env="/usr/bin:/bin")
    spec = new_hook(pg_db)
    with pg_db.session() as session:
        hook_log.add_entries(session, [{
            "hook_type": "script", "hook_id": spec.id, "event_name": "test",
            "event_id": ENVELOPE["id"], "success": result.success, "exit_code": result.exit_code,
            "stdout": result.stdout, "stderr": None, "error": result.error, "attempts": 1,
            "duration_ms": result.duration_ms}])
    with pg_db.session() as session:
        [entry], _ = hook_log.list_entries(session, LogFilter(hook_id=spec.id))
        assert entry.stdout == "a\ufffdb\ufffd"
