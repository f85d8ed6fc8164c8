"""Foundation repositories on a real SQLite file and the real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from sublarr.db import hook_log, settings_repo
from sublarr.db.base import utcnow
from sublarr.db.engine import Database, database_url_for
from sublarr.db.models import ScoringWeight
from tests.support.services import postgres_schema

FOUNDATION_TABLES = {
    "settings", "hook_configs", "webhook_configs", "webhook_deliveries", "hook_log",
    "scoring_weights", "provider_score_modifiers",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(database_url_for(tmp_path))
        db.upgrade()
        yield db
        db.close()
        return
    with postgres_schema() as url:
        db = Database(url)
        db.upgrade()
        yield db
        db.close()


def test_migrations_create_foundation_tables(database):
    tables = set(inspect(database.engine).get_table_names())
    assert FOUNDATION_TABLES <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_harmless(database):
    database.upgrade()
    with database.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version is not None


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path):
    db = Database(database_url_for(tmp_path))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.close()


def test_settings_round_trip_json_values(database):
    with database.session() as s:
        settings_repo.save_many(s, {"hook_workers": 6, "wanted_languages": ["en", "de"]})
    with database.session() as s:
        settings_repo.save_many(s, {"hook_workers": 8})
    with database.session() as s:
        assert settings_repo.load_all(s) == {"hook_workers": 8, "wanted_languages": ["en", "de"]}
        settings_repo.delete_keys(s, ["hook_workers"])
    with database.session() as s:
        assert settings_repo.load_all(s) == {"wanted_languages": ["en", "de"]}


def test_failed_transaction_writes_nothing(database):
    with pytest.raises(RuntimeError):
        with database.session() as s:
            settings_repo.save_many(s, {"hook_workers": 6})
            raise RuntimeError("boom")
    with database.session() as s:
        assert settings_repo.load_all(s) == {}


def _log(session, **kw):
    base = dict(hook_type="script", event_name="test", event_id="evt_1", success=True,
                attempts=1, duration_ms=5)
    base.update(kw)
    return hook_log.add_entry(session, **base)


def test_hook_log_filters_and_pages(database):
    with database.session() as s:
        for i in range(5):
            _log(s, hook_id=1, success=i % 2 == 0)
        _log(s, hook_type="webhook", webhook_id=2, event_name="subtitle_downloaded",
             status_code=500, success=False)
    with database.session() as s:
        rows, total = hook_log.list_entries(s, hook_log.LogFilter(hook_id=1), limit=2)
        assert total == 5 and len(rows) == 2
        assert rows[0].id > rows[1].id  # newest first
        _, failed = hook_log.list_entries(s, hook_log.LogFilter(success=False))
        assert failed == 3
        rows, total = hook_log.list_entries(s, hook_log.LogFilter(webhook_id=2))
        assert total == 1 and rows[0].status_code == 500
        _, by_event = hook_log.list_entries(s, hook_log.LogFilter(event_name="subtitle_downloaded"))
        assert by_event == 1


def test_hook_log_clips_long_text_to_excerpt_limit(database):
    with database.session() as s:
        entry = _log(s, stdout="x" * 10_000, error="e" * 5000)
    with database.session() as s:
        stored = hook_log.get_entry(s, entry.id)
        assert len(stored.stdout) == 4096 and len(stored.error) == 4096


def test_hook_log_prune_by_age_and_count(database):
    now = utcnow()
    with database.session() as s:
        _log(s, triggered_at=now - timedelta(days=40))
        for _ in range(150):
            _log(s, triggered_at=now)
    with database.session() as s:
        removed = hook_log.prune(s, max_age_days=30, max_count=100, now=now)
    assert removed == 51
    with database.session() as s:
        assert hook_log.list_entries(s, hook_log.LogFilter())[1] == 100


def test_timestamps_come_back_aware_utc(database):
    with database.session() as s:
        entry = _log(s)
    with database.session() as s:
        stored = hook_log.get_entry(s, entry.id)
        assert stored.triggered_at.utcoffset() == timedelta(0)
        assert abs(stored.triggered_at - utcnow()) < timedelta(minutes=5)


def test_scoring_weights_unique_per_type_and_key(database):
    with database.session() as s:
        s.add(ScoringWeight(score_type="episode", weight_key="hash", value=300))
    with pytest.raises(IntegrityError):
        with database.session() as s:
            s.add(ScoringWeight(score_type="episode", weight_key="hash", value=1))
    with database.session() as s:
        s.add(ScoringWeight(score_type="movie", weight_key="hash", value=100))


def test_every_migration_downgrades_and_upgrades_again(database):
    from alembic import command

    from sublarr.db.engine import alembic_config

    cfg = alembic_config()
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.upgrade()
    assert FOUNDATION_TABLES | {"webhook_events"} <= set(inspect(database.engine).get_table_names())
