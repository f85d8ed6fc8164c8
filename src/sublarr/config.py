"""Settings: one pydantic model, merged from several sources.

Precedence (highest first): explicit overrides (CLI flags) > ``SUBLARR_*``
environment > values stored in the database (editable through the API) >
defaults.  Bootstrap settings (data dir, database/redis URL, bind address,
API key) never come from the database.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from pydantic import Field, ValidationError

from sublarr import DEFAULT_PORT
from sublarr.events.settings import EventSettings
from sublarr.library.settings import LibrarySettings
from sublarr.providers.settings import ProvidersSettings
from sublarr.settings_base import SECRET_MASK, bootstrap, secret
from sublarr.translation.settings import TranslationSettings
from sublarr.wanted.settings import WantedSettings
from sublarr.whisper.settings import WhisperSettings

ENV_PREFIX = "SUBLARR_"
URL_PASSWORD_MASK = "***"
_CREDENTIAL_PARAM = re.compile(
    r"([?&;](?:password|passwd|pass|pwd|secret|token|api_?key|apikey|key)=)([^&;#]*)",
    re.IGNORECASE)


class CoreSettings(EventSettings):
    """Where Sublarr keeps its data and how it is reached."""

    data_dir: Path = bootstrap(Path("./data"), description="Database, hooks/, logs, API key")
    database_url: str = bootstrap("", description="Empty: SQLite in the data dir")
    redis_url: str = bootstrap("", description="Socket.IO message queue for several processes")
    redis_channel: str = bootstrap("sublarr", description="Socket.IO channel name on Redis")
    host: str = bootstrap("127.0.0.1")
    port: int = bootstrap(DEFAULT_PORT, ge=1, le=65535)
    api_key: str = secret(
        "", json_schema_extra={"bootstrap": True}, description="Generated when empty"
    )
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    server_threads: int = bootstrap(64, ge=4, le=1000)
    socketio_allowed_origins: list[str] = bootstrap(
        [], description="Other web origins allowed to open Socket.IO connections (e.g. "
        "https://dash.example.org); empty: only pages served by Sublarr itself")


class Settings(
    CoreSettings,
    LibrarySettings,
    WantedSettings,
    ProvidersSettings,
    TranslationSettings,
    WhisperSettings,
):
    """Every setting of Sublarr (flat keys)."""

    model_config = {"extra": "forbid", "validate_assignment": True}


def _field_flag(name: str, flag: str) -> bool:
    extra = Settings.model_fields[name].json_schema_extra
    return bool(isinstance(extra, dict) and extra.get(flag))


def secret_keys() -> frozenset[str]:
    """Names of write-only settings."""
    return frozenset(n for n in Settings.model_fields if _field_flag(n, "secret"))


def bootstrap_keys() -> frozenset[str]:
    """Names of settings that cannot be stored in the database."""
    return frozenset(n for n in Settings.model_fields if _field_flag(n, "bootstrap"))


def endpoint_secrets() -> dict[str, frozenset[str]]:
    """URL setting → the secrets sent to it (forgotten when the URL changes)."""
    pairs: dict[str, set[str]] = {}
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("endpoint"):
            pairs.setdefault(str(extra["endpoint"]), set()).add(name)
    return {url: frozenset(names) for url, names in pairs.items()}


def url_keys() -> frozenset[str]:
    """Names of settings holding a URL (whose password and key parameters are masked)."""
    return frozenset(n for n in Settings.model_fields if n.endswith("_url"))


def _url_secret_spans(url: str) -> list[tuple[int, int]]:
    """Where the password of the user info and credential query values sit in ``url``."""
    start = url.find("://")
    if start == -1:
        return []
    start += 3
    spans: list[tuple[int, int]] = []
    # The user info ends at the last "@" before the query: a password may hold "/" or "@".
    end = min((i for i in (url.find("?", start), url.find("#", start)) if i != -1),
              default=len(url))
    at = url.rfind("@", start, end)
    colon = url.find(":", start, at) if at != -1 else -1
    if colon != -1 and colon + 1 < at:
        spans.append((colon + 1, at))
    spans += [m.span(2) for m in _CREDENTIAL_PARAM.finditer(url, max(at, start))
              if m.start(2) < m.end(2)]
    return spans


def mask_url_secrets(url: str) -> str:
    """``url`` with the password of its user info and the values of credential query
    parameters replaced by ``***`` (``postgresql://user:***@host/db``)."""
    for begin, end in reversed(_url_secret_spans(url)):
        url = url[:begin] + URL_PASSWORD_MASK + url[end:]
    return url


def holds_url_mask(url: str) -> bool:
    """Whether a password or credential parameter of ``url`` is the mask itself."""
    return any(url[b:e] == URL_PASSWORD_MASK for b, e in _url_secret_spans(url))


def editable_keys() -> frozenset[str]:
    """Names of settings that ``PUT /config`` accepts."""
    return frozenset(Settings.model_fields) - bootstrap_keys()


def env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings found in ``SUBLARR_*`` variables (JSON-decoded when they look like JSON)."""
    found: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        found[name] = _decode_env(raw)
    return found


def _decode_env(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def build_settings(
    stored: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge the sources in precedence order and validate the result.

    Stored values that no longer validate (an old row, a removed key) are
    skipped rather than preventing start-up.
    """
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    for key, value in (stored or {}).items():
        if key in editable_keys():
            merged[key] = value
    merged.update(env_values(environ))
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        from_db = bad & set(stored or {}) - set(env_values(environ)) - set(overrides or {})
        if not from_db:
            raise
        for key in from_db:
            merged.pop(key, None)
        return Settings.model_validate(merged)


def public_view(settings: Settings) -> dict[str, Any]:
    """Settings as the API shows them: secrets masked, passwords inside URLs masked,
    paths as text."""
    out = settings.model_dump(mode="json")
    for key in secret_keys():
        out[key] = SECRET_MASK if out.get(key) else ""
    for key in url_keys():
        if isinstance(out.get(key), str):
            out[key] = mask_url_secrets(out[key])
    return out


def env_overridden_keys(environ: Mapping[str, str] | None = None) -> list[str]:
    """Keys pinned by the environment (a stored value for them has no effect)."""
    return sorted(env_values(os.environ if environ is None else environ))
