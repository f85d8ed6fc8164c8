"""The language profiles as the rest of the app sees them (``services.components``).

``wanted_languages`` stays the default profile's list of languages: at
start-up and whenever the setting changes, the default profile takes those
codes (keeping each code's hearing-impaired/forced preference), and the wanted
list follows at the next scan as it always did; editing the default profile's
languages through the profile API writes the setting back (and recomputes the
wanted list at once, as every profile change does).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from sublarr.db.engine import Database
from sublarr.events.bus import EventBus
from sublarr.profiles import repo
from sublarr.profiles.book import ProfileBook

log = logging.getLogger(__name__)

PROFILES_COMPONENT = "language_profiles"
BOOK_TTL_SECONDS = 5.0


class ProfileService:
    def __init__(self, db: Database, settings: Any, bus: EventBus,
                 on_change: Callable[[], None]) -> None:
        self._db = db
        self._bus = bus
        self._settings = settings  # the SettingsStore (read and, for the default, written)
        self._on_change = on_change
        self._lock = threading.Lock()
        self._cached: tuple[float, ProfileBook] | None = None

    def _codes(self) -> list[str]:
        return list(self._settings.current.wanted_languages)

    def book(self) -> ProfileBook:
        """Every profile and assignment; cached for a few seconds (each wanted search asks),
        dropped at once on a change made here (other processes: after the TTL)."""
        with self._lock:
            cached = self._cached
            if cached is not None and time.monotonic() - cached[0] < BOOK_TTL_SECONDS:
                return cached[1]
        with self._db.session() as session:
            fresh = repo.book(session, self._codes())
        with self._lock:
            self._cached = (time.monotonic(), fresh)
        return fresh

    def _forget(self) -> None:
        with self._lock:
            self._cached = None

    def sync_default(self) -> bool:
        """The default profile follows ``wanted_languages``; True when it changed."""
        self._forget()
        with self._db.session() as session:
            return repo.sync_default_codes(session, self._codes())

    def write_back(self, codes: list[str]) -> list[str]:
        """The default profile's languages changed through the API: keep the setting
        equal (an environment-pinned setting wins again at the next start)."""
        if codes == self._codes():
            return []
        try:
            updated = self._settings.update({"wanted_languages": codes})
        except ValueError as exc:  # read-only (environment) or refused
            log.warning("wanted_languages not updated from the default profile: %s", exc)
            return []
        if updated:
            self._bus.emit("config_updated", {"updated_keys": updated})
        return updated

    def changed(self) -> None:
        """A profile or an assignment changed: recompute the wanted list now."""
        self._forget()
        self._on_change()

    def on_config_updated(self, envelope: dict) -> None:
        """``wanted_languages`` changed through ``/config``: the default profile follows; as
        before profiles, the wanted list follows at the next scan."""
        if "wanted_languages" in envelope.get("data", {}).get("updated_keys", []):
            self.sync_default()
