"""The live settings of one app: built at start-up, replaced on every change."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from pydantic import ValidationError

from sublarr.config import (
    ENV_PREFIX,
    SECRET_MASK,
    URL_PASSWORD_MASK,
    Settings,
    bootstrap_keys,
    build_settings,
    editable_keys,
    endpoint_secrets,
    env_values,
    holds_url_mask,
    mask_url_secrets,
    secret_keys,
    url_keys,
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
        with writer_turn(self._lock):
            current = self._current
            changes = _drop_mask_echoes(changes, current)
            _check_keys(changes)
            _refuse_url_masks(changes)
            # Validation raises before anything is stored.
            validated = Settings.model_validate({**current.model_dump(), **changes})
            forgotten = self._secrets_left_behind(changes, current, validated)
            if forgotten:
                changes = {**changes, **forgotten}
                validated = Settings.model_validate({**current.model_dump(), **changes})
            changed = [k for k in changes if getattr(validated, k) != getattr(current, k)]
            stored_values = {k: validated.model_dump(mode="json")[k] for k in changes}
            with self._db.session() as session:
                settings_repo.save_many(session, stored_values)
            self._current = self._rebuild()
        return sorted(changed)

    def _secrets_left_behind(self, changes: Mapping[str, Any], current: Settings,
                             validated: Settings) -> dict[str, str]:
        """The stored secrets to forget because their endpoint's URL changes and the
        request does not send them again (so a new URL never receives the old key)."""
        pinned = set(env_values(self._environ)) | {
            k for k, v in self._overrides.items() if v is not None}
        forgotten: dict[str, str] = {}
        for url_key, secrets in endpoint_secrets().items():
            if url_key not in changes or url_key in pinned:
                continue
            if _same_url(getattr(validated, url_key), getattr(current, url_key)):
                continue
            for name in sorted(secrets):
                if name in pinned and getattr(current, name):
                    raise SettingsError(
                        f"{url_key} cannot be changed here while {name} is set by the "
                        f"environment: set {ENV_PREFIX}{url_key.upper()} there too",
                        {"read_only_keys": [name]})
                if name not in changes and getattr(current, name):
                    forgotten[name] = ""
        return forgotten


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _drop_mask_echoes(changes: Mapping[str, Any], current: Settings) -> dict[str, Any]:
    """A UI that sends back ``***configured***`` for a secret, or a URL exactly as
    ``GET /config`` showed it (password masked), means "keep it"."""
    kept: dict[str, Any] = {}
    for key, value in changes.items():
        if key in secret_keys() and value == SECRET_MASK:
            continue
        if key in url_keys() and isinstance(value, str):
            stored = getattr(current, key)
            if value != stored and value == mask_url_secrets(stored):
                continue
        kept[key] = value
    return kept


def _refuse_url_masks(changes: Mapping[str, Any]) -> None:
    masked = sorted(k for k, v in changes.items()
                    if k in url_keys() and isinstance(v, str) and holds_url_mask(v))
    if masked:
        raise SettingsError(
            f"the URL holds a masked password ({URL_PASSWORD_MASK}); type the password again",
            {"keys": masked})


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
