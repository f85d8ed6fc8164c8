"""The ``sublarr`` command line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import click

from sublarr import __version__
from sublarr.api.auth import read_or_create_key
from sublarr.config import DEFAULT_PORT, Settings, build_settings
from sublarr.datadir import prepare_data_dir

DATA_DIR_HELP = "Data directory (database, hooks/, API key). Env: SUBLARR_DATA_DIR."


def _data_dir_option(func):  # noqa: ANN001, ANN202
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=DATA_DIR_HELP)(func)


def _boot(data_dir: Path | None):  # noqa: ANN202
    settings = build_settings({}, os.environ, {"data_dir": data_dir})
    prepare_data_dir(settings.data_dir, sqlite=not settings.database_url)
    return settings


def _migrate_in_child(settings: Settings) -> None:
    """``sublarr db upgrade`` in a process of its own.

    The server's master process forks the worker; a database connection
    opened in the master would be carried across that fork, which SQLite
    forbids (its POSIX locks belong to the process: a copy closed in the
    worker silently drops the worker's locks and corrupts the WAL index).
    The master therefore never opens the database at all.
    """
    command = [sys.executable, "-m", "sublarr.cli", "db", "upgrade",
               "--data-dir", str(settings.data_dir)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise click.ClickException(f"database migration failed (exit code {done.returncode})")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sublarr")
def main() -> None:
    """Sublarr: subtitle manager for Sonarr/Radarr libraries, with hooks and webhooks.

    Settings come from SUBLARR_* environment variables, values stored through
    the API, and defaults (in that order). See README.md and SPEC.md.
    """


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1). Env: SUBLARR_HOST.")
@click.option("--port", type=int, default=None,
              help=f"Port to listen on (default {DEFAULT_PORT}). Env: SUBLARR_PORT.")
@_data_dir_option
def serve(host: str | None, port: int | None, data_dir: Path | None) -> None:
    """Run the server (gunicorn gthread + Socket.IO); migrates the database first.

    SIGTERM or Ctrl-C stops it cleanly: running work is drained and the
    database closed.
    """
    from sublarr.server import serve as run_server

    overrides = {"host": host, "port": port, "data_dir": data_dir}
    settings = build_settings({}, os.environ, overrides)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration check
    prepare_data_dir(settings.data_dir, sqlite=not settings.database_url)
    _migrate_in_child(settings)
    key, generated = read_or_create_key(settings.data_dir, settings.api_key)
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    click.echo(f"Sublarr {__version__} on http://{shown_host}:{settings.port}/")
    click.echo(f"Data directory: {settings.data_dir.resolve()}")
    if generated:
        click.echo(f"API key (generated now, shown this once): {key}")
    elif not settings.api_key:
        click.echo(f"API key: sublarr api-key --data-dir {settings.data_dir}")
    sys.stdout.flush()  # before gunicorn forks, or the worker would print the buffer again
    run_server(_app_factory(overrides), settings.host, settings.port, settings.server_threads,
               settings.data_dir)


def _app_factory(overrides: dict):  # noqa: ANN202
    """Builds the app in the worker process, after the fork (the master never imports it)."""

    def build():  # noqa: ANN202
        from sublarr.app import create_app

        return create_app(overrides)

    return build


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@_data_dir_option
def db_upgrade(data_dir: Path | None) -> None:
    """Apply pending migrations (SQLite in the data dir, or SUBLARR_DATABASE_URL)."""
    from sublarr.db.engine import Database, database_url_for

    settings = _boot(data_dir)
    database = Database(database_url_for(settings.data_dir, settings.database_url))
    database.upgrade()
    database.close()
    click.echo("database is up to date")


@main.command("api-key")
@_data_dir_option
def api_key(data_dir: Path | None) -> None:
    """Print the API key (SUBLARR_API_KEY, or the one kept in the data dir)."""
    settings = _boot(data_dir)
    key, _ = read_or_create_key(settings.data_dir, settings.api_key)
    click.echo(key)


@main.command("events")
def events() -> None:
    """List the event catalog (names and descriptions)."""
    from sublarr.events.catalog import describe_catalog

    for entry in describe_catalog():
        click.echo(f"{entry['name']:<26} {entry['description']}")


if __name__ == "__main__":
    main()
