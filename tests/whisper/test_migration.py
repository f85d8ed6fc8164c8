"""Revision 0006 creates and drops the whisper_jobs table (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from sublarr.db.engine import Database, alembic_config


def _round_trip(db: Database) -> None:
    db.upgrade()
    assert "whisper_jobs" in inspect(db.engine).get_table_names()
    cfg = alembic_config(db.engine)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    assert "whisper_jobs" not in inspect(db.engine).get_table_names()
    db.upgrade()
    columns = {c["name"] for c in inspect(db.engine).get_columns("whisper_jobs")}
    assert {"media_path", "language", "priority", "status", "progress", "error",
            "subtitle_path", "backend", "created_at", "started_at", "finished_at"} <= columns


def test_migration_round_trip_on_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _round_trip(db)
    finally:
        db.close()


@pytest.mark.postgres
def test_migration_round_trip_on_postgresql(pg_url):
    db = Database(pg_url)
    try:
        _round_trip(db)
    finally:
        db.close()
