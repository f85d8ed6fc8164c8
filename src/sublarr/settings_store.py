"""The live settings of one app: built at start-up, replaced on every change."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from pydantic import ValidationError

from sublarr.config import (
    SECRET_MASK,
    Settings,
    bootstrap_keys,
    build_settings,
    editable_keys,
    secret_keys,
)
from sublarr.db import settings_repo
from sublarr.db.engine import Database, writer_turn


class SettingsError(ValueError):
    """A settings change that cannot be applied (unknown or read-only key)."""

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.details = details


class SettingsStore:
    """Holds the current :class:`Settings`; ``update`` validates, persists and swaps them."""

    def __init__(
        self,
        db: Database,
        environ: Mapping[str, str],
        overrides: Mapping[str, Any],
    ) -> None:
        self._db = db
        self._environ = dict(environ)
        self._overrides = dict(overrides)
        self._lock = threading.Lock()
        self._current = self._rebuild()

    @property
    def current(self) -> Settings:
        return self._current

    def _rebuild(self) -> Settings:
        with self._db.session() as session:
            stored = settings_repo.load_all(session)
        return build_settings(stored, self._environ, self._overrides)

    def update(self, changes: Mapping[str, Any]) -> list[str]:
        """Apply ``changes`` atomically; returns the keys whose value changed.

        Raises :class:`SettingsError` for unknown or read-only keys and
        :class:`pydantic.ValidationError` for bad values; nothing is written then.
        """
        changes = _drop_mask_echoes(changes)
        _check_keys(changes)
        with writer_turn(self._lock):
            # Validation raises before anything is stored.
            validated = Settings.model_validate({**self._current.model_dump(), **changes})
            changed = [k for k in changes if getattr(validated, k) != getattr(self._current, k)]
            stored_values = {k: validated.model_dump(mode="json")[k] for k in changes}
            with self._db.session() as session:
                settings_repo.save_many(session, stored_values)
            self._current = self._rebuild()
        return sorted(changed)


def _drop_mask_echoes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A UI that sends back ``***configured***`` for a secret means "keep it"."""
    return {k: v for k, v in changes.items() if not (k in secret_keys() and v == SECRET_MASK)}


def _check_keys(changes: Mapping[str, Any]) -> None:
    unknown = sorted(set(changes) - set(Settings.model_fields))
    if unknown:
        raise SettingsError("unknown setting(s)", {"unknown_keys": unknown})
    read_only = sorted(set(changes) & bootstrap_keys())
    if read_only:
        raise SettingsError(
            "these settings come from the environment or the command line only",
            {"read_only_keys": read_only},
        )
    assert set(changes) <= editable_keys()


__all__ = ["SettingsError", "SettingsStore", "ValidationError"]
