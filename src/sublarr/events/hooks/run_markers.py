"""Hook runs in progress, written down so that a crash cannot hide them.

Scripts run in sessions of their own, so a ``kill -9`` of Sublarr leaves a
running script behind, and the run is never logged.  Each run therefore
leaves a small marker file in ``<data dir>/hook-runs/`` while its process
group lives.  At the next start the markers still there name the runs a
crash interrupted: their groups are killed (when still running) and each
run is logged as failed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sublarr.events.hooks.process_groups import ProcessGroups, group_alive, signal_group
from sublarr.owners import pid_exited, process_start_ticks

log = logging.getLogger(__name__)

INTERRUPTED_ERROR = "Interrupted: Sublarr stopped abruptly (crash or kill -9) during the run"


@dataclass(frozen=True)
class RunMarker:
    pgid: int
    started_ticks: int | None  # the leader's start time: a reused pid is not the script
    hook_id: int
    name: str
    event_name: str
    event_id: str | None
    started_at: str  # ISO 8601, UTC

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at)


class RunMarkers:
    """The marker files of one data dir (one file per running process group)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def add(self, marker: RunMarker) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)
        path = self.folder / f"{marker.pgid}.json"
        temp = path.with_suffix(".part")
        temp.write_text(json.dumps(asdict(marker)), encoding="utf-8")
        os.replace(temp, path)

    def remove(self, pgid: int) -> None:
        (self.folder / f"{pgid}.json").unlink(missing_ok=True)

    def take_leftovers(self) -> list[RunMarker]:
        """The markers an earlier process left (removed from disk as they are read)."""
        try:
            paths = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        found = []
        for path in paths:
            try:
                found.append(RunMarker(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                log.warning("unreadable hook run marker %s; ignored", path.name)
            path.unlink(missing_ok=True)
        return found


def stop_leftover(marker: RunMarker) -> bool:
    """Kill what still runs of an interrupted script's group; True when something did."""
    if not group_alive(marker.pgid):
        return False
    leader_replaced = (not pid_exited(marker.pgid)
                       and marker.started_ticks is not None
                       and process_start_ticks(marker.pgid) not in (None, marker.started_ticks))
    if leader_replaced:
        return False  # the pid now belongs to another program's session
    signal_group(marker.pgid, signal.SIGKILL)
    return True


class TrackedRun:
    """Told by the runner when a script's process group starts and ends: kept in memory
    (shutdown signals the groups) and on disk (the next start finds what a crash left)."""

    def __init__(self, groups: ProcessGroups, markers: RunMarkers, **run: Any) -> None:
        self._groups = groups
        self._markers = markers
        self._run = run

    def add(self, pgid: int) -> None:
        self._groups.add(pgid)
        try:
            self._markers.add(RunMarker(pgid, process_start_ticks(pgid), **self._run))
        except OSError:
            log.warning("could not write the run marker of hook %s", self._run.get("hook_id"),
                        exc_info=True)

    def discard(self, pgid: int) -> None:
        self._groups.discard(pgid)
        try:
            self._markers.remove(pgid)
        except OSError:
            pass
