"""The ``sublarr`` command line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sublarr import DEFAULT_PORT, __version__

if TYPE_CHECKING:
    from sublarr.config import Settings

# The commands import what they need when they run: ``serve``'s process becomes the
# server's master, which only binds the socket and forks (no app, no database).

DATA_DIR_HELP = "Data directory (database, hooks/, API key). Env: SUBLARR_DATA_DIR."


def _data_dir_option(func):  # noqa: ANN001, ANN202
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=DATA_DIR_HELP)(func)


def _boot(data_dir: Path | None, overrides: dict[str, Any] | None = None) -> Settings:
    from pydantic import ValidationError

    from sublarr.config import build_settings
    from sublarr.datadir import prepare_data_dir

    try:
        settings = build_settings({}, os.environ, {**(overrides or {}), "data_dir": data_dir})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.ClickException(f"invalid settings: {problems}") from None
    prepare_data_dir(settings.data_dir, sqlite=not settings.database_url)
    return settings


def _prepare_in_child(host: str | None, port: int | None, data_dir: Path | None) -> dict:
    """Validate the settings, prepare the data dir, migrate and read (or make) the API key
    in a process of its own; returns what the server's master needs to start.

    The master forks the worker; a database connection opened in the master
    would be carried across that fork, which SQLite forbids (its POSIX locks
    belong to the process: a copy closed in the worker silently drops the
    worker's locks and corrupts the WAL index).  So the master never opens
    the database, and never imports the application either (memory).
    """
    command = [sys.executable, "-m", "sublarr.cli", "prepare-serve"]
    for flag, value in (("--host", host), ("--port", port), ("--data-dir", data_dir)):
        if value is not None:
            command += [flag, str(value)]
    done = subprocess.run(command, stdout=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise click.ClickException(f"could not prepare the server (exit code {done.returncode})")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


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
    boot = _prepare_in_child(host, port, data_dir)
    logging.basicConfig(level=boot["log_level"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shown_host = "127.0.0.1" if boot["host"] in ("0.0.0.0", "::") else boot["host"]
    click.echo(f"Sublarr {__version__} on http://{shown_host}:{boot['port']}/")
    click.echo(f"Data directory: {boot['data_dir']}")
    if boot["generated_key"]:
        click.echo(f"API key (generated now, shown this once): {boot['generated_key']}")
    elif not boot["key_configured"]:
        click.echo(f"API key: sublarr api-key --data-dir {boot['data_dir']}")
    sys.stdout.flush()  # before gunicorn forks, or the worker would print the buffer again

    from sublarr.server import serve as run_server

    overrides = {"host": host, "port": port, "data_dir": data_dir}
    run_server(_app_factory(overrides), boot["host"], boot["port"], boot["server_threads"],
               Path(boot["data_dir"]))


@main.command("prepare-serve", hidden=True)
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@_data_dir_option
def prepare_serve(host: str | None, port: int | None, data_dir: Path | None) -> None:
    """(Internal, run by serve.) Migrate, make the key; print the start values as JSON."""
    from sublarr.api.auth import read_or_create_key
    from sublarr.db.engine import Database, database_url_for

    logging.basicConfig(level=logging.WARNING)
    settings = _boot(data_dir, {"host": host, "port": port})
    database = Database(database_url_for(settings.data_dir, settings.database_url))
    database.upgrade()
    database.close()
    key, generated = read_or_create_key(settings.data_dir, settings.api_key)
    click.echo(json.dumps({
        "host": settings.host, "port": settings.port, "log_level": settings.log_level,
        "data_dir": str(settings.data_dir.resolve()), "server_threads": settings.server_threads,
        "generated_key": key if generated else None, "key_configured": bool(settings.api_key),
    }))


def _app_factory(overrides: dict):  # noqa: ANN202
    """Builds the app in the worker process, after the fork (the master never imports it)."""

    def build():  # noqa: ANN202
        from sublarr.lean_imports import import_socketio_lean

        import_socketio_lean()  # before the app imports it (see lean_imports)
        from sublarr.app import create_app

        return create_app(overrides, migrate=False)  # prepare-serve migrated

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
    from sublarr.api.auth import read_or_create_key

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
