"""Engine, sessions and migrations.

SQLite (the embedded default) runs in WAL mode with a busy timeout so readers
never block the writer; PostgreSQL is used through psycopg 3.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000


class WriterTurnTimeout(sqlite3.OperationalError):
    """Our own writers ahead of this one held the database for a whole busy timeout.

    The condition SQLite reports as "database is locked", seen before reaching
    SQLite, so every caller handles it like SQLite's own (the API: 503).
    """


@contextmanager
def writer_turn(lock: threading.Lock,
                timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> Iterator[None]:
    """Hold ``lock``, one of our in-process queues of database writers, for the block.

    Waiting is bounded like SQLite's own busy wait: while another process keeps
    the database locked, each writer gives up after about one busy timeout
    instead of one per writer queued ahead of it.
    """
    if not lock.acquire(timeout=timeout):
        raise WriterTurnTimeout(f"database is locked: waited {timeout:.0f}s for the writers "
                                "ahead of this one")
    try:
        yield
    finally:
        lock.release()


def database_url_for(data_dir: Path, configured: str = "") -> str:
    """The configured URL, or SQLite in the data dir."""
    if configured:
        return configured
    return f"sqlite:///{(Path(data_dir) / 'sublarr.db').resolve()}"


def apply_sqlite_pragmas(dbapi_conn) -> None:  # noqa: ANN001 - a DBAPI connection
    """Our settings for every SQLite connection (the engine's and the webhook journal's)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # Checkpoints run on a background thread (Database.checkpoint, started by
    # the webhook scheduler), never inside a producer's commit.
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine configured for the dialect in ``url``."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=16,
            max_overflow=16,
        )
        event.listen(engine, "connect", lambda dbapi_conn, _record: apply_sqlite_pragmas(dbapi_conn))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)


class Database:
    """The engine and a session factory; owned by the app (``app.extensions``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Apply every pending Alembic migration."""
        upgrade_database(self.engine)

    def checkpoint(self) -> None:
        """Copy WAL pages into the SQLite file without blocking writers (no-op elsewhere)."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None):  # noqa: ANN201 - alembic's Config
    # alembic (and mako) load only where migrations run: the served worker never does.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    return cfg


def upgrade_database(engine: Engine) -> None:
    """Run ``alembic upgrade head`` on ``engine`` (idempotent)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
