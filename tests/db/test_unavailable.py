"""Which database errors mean "unreachable or busy right now" (the API's 503)."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from sublarr.db.engine import WriterTurnTimeout, writer_turn
from sublarr.db.unavailable import is_database_unavailable
from tests.support.process import free_port


def locked_error(path) -> sqlite3.OperationalError:  # noqa: ANN001
    """A real "database is locked" from SQLite: another connection holds the write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("INSERT INTO t VALUES (1)")
        return caught.value
    finally:
        other.close()
        holder.execute("ROLLBACK")
        holder.close()


def test_sqlite_locked_is_unavailable(tmp_path):
    assert is_database_unavailable(locked_error(tmp_path / "a.db"))


def test_sqlite_locked_wrapped_by_sqlalchemy_is_unavailable(tmp_path):
    path = tmp_path / "b.db"
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(OperationalError) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    assert is_database_unavailable(caught.value)


def test_programming_errors_stay_errors(tmp_path):
    conn = sqlite3.connect(tmp_path / "c.db")
    with pytest.raises(sqlite3.OperationalError) as no_table:
        conn.execute("SELECT * FROM missing")
    conn.close()
    assert not is_database_unavailable(no_table.value)
    assert not is_database_unavailable(IntegrityError("INSERT", {}, sqlite3.IntegrityError("x")))
    assert not is_database_unavailable(ValueError("database is locked"))


def test_postgres_refusing_connections_is_unavailable():
    port = free_port()  # nothing listens there
    with pytest.raises(psycopg.OperationalError) as raw:
        psycopg.connect(f"host=127.0.0.1 port={port} user=x connect_timeout=2")
    assert is_database_unavailable(raw.value)
    engine = create_engine(f"postgresql+psycopg://x@127.0.0.1:{port}/x")
    with pytest.raises(OperationalError) as wrapped:
        engine.connect()
    engine.dispose()
    assert is_database_unavailable(wrapped.value)


def test_a_writer_turn_waits_about_one_busy_timeout(tmp_path):
    lock = threading.Lock()
    with lock, pytest.raises(WriterTurnTimeout) as caught, writer_turn(lock, timeout=0.05):
        pass
    assert is_database_unavailable(caught.value)
    with writer_turn(lock, timeout=0.05):  # free again: taken at once
        assert lock.locked()
    assert not lock.locked()
