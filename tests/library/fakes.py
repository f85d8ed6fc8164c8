"""A fake Sonarr/Radarr speaking their v3 REST API over real HTTP, and test helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tests.library import payloads
from tests.support.http import Recorded, Reply, TestServer
from tests.support.waiting import wait_until as support_wait_until


def wait_until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """:func:`tests.support.waiting.wait_until` with this folder's default bound."""
    return support_wait_until(condition, timeout, what=what)


def named(events: list[dict], name: str) -> list[dict]:
    return [e for e in events if e["event_name"] == name]


@dataclass
class FakeArr:
    """Answers like Sonarr/Radarr: X-Api-Key checked, JSON from ``routes``."""

    app_name: str
    api_key: str
    routes: dict[str, Callable[[dict[str, list[str]]], Any]] = field(default_factory=dict)
    fail_status: int | None = None  # answer every call with this status (outage, 500)

    def responder(self, req: Recorded) -> Reply:
        if req.headers.get("X-Api-Key") != self.api_key:
            return Reply(401, {"message": "Unauthorized"})
        if self.fail_status is not None:
            return Reply(self.fail_status, "<html>Internal Server Error</html>")
        handler = self.routes.get(req.path)
        if handler is None:
            return Reply(404, {"message": "NotFound"})
        return Reply(200, handler(req.query))


def root_folder(path: str, folder_id: int = 1) -> dict[str, Any]:
    """One item of ``GET /api/v3/rootfolder`` (Sonarr and Radarr answer the same shape)."""
    return {"id": folder_id, "path": path, "accessible": True, "freeSpace": 1_000_000_000,
            "unmappedFolders": []}


def sonarr_library(remote_root: str, local_root: Path, shows: dict[str, int],
                   subtitles: str = "") -> dict[str, Callable]:
    """Routes of a Sonarr holding ``shows`` (title → episode count), files under local_root.

    Creates the (empty) media files on disk, at the local side of the mapping.
    """
    series, episodes, files = [], {}, {}
    for index, (title, count) in enumerate(sorted(shows.items()), start=1):
        remote_dir = f"{remote_root}/{title}"
        series.append(payloads.sonarr_api_series(index, title, remote_dir))
        episodes[index], files[index] = [], []
        season_dir = local_root / title / "Season 1"
        season_dir.mkdir(parents=True, exist_ok=True)
        for number in range(1, count + 1):
            name = f"{title} - S01E{number:02d} - Episode {number} [WEBDL-1080p].mkv"
            (season_dir / name).write_bytes(b"")
            file_id = index * 1000 + number
            episodes[index].append(payloads.sonarr_api_episode(file_id, index, 1, number, file_id))
            files[index].append(payloads.sonarr_api_episode_file(
                file_id, index, 1, f"{remote_dir}/Season 1/{name}", subtitles))
        # An episode without a file, as Sonarr lists missing ones too.
        episodes[index].append(payloads.sonarr_api_episode(index * 1000 + 999, index, 1, 99, 0))

    def by_series(table: dict[int, list]) -> Callable:
        return lambda query: table.get(int(query.get("seriesId", ["0"])[0]), [])

    return {
        "/api/v3/system/status": lambda _q: {"appName": "Sonarr", "instanceName": "Sonarr",
                                             "version": "4.0.5.1710", "isDocker": True},
        "/api/v3/series": lambda _q: with_statistics(series, files),
        "/api/v3/episode": by_series(episodes),
        "/api/v3/episodefile": by_series(files),
        "/api/v3/rootfolder": lambda _q: [root_folder(remote_root)],
    }


def with_statistics(series: list[dict[str, Any]],
                    files: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The series as Sonarr lists them: ``statistics`` counts their episode files now
    (updated in place: tests may edit the series they got from the route)."""
    for item in series:
        own = files.get(item["id"], [])
        item["statistics"] = {**item.get("statistics", {}), "episodeFileCount": len(own),
                              "sizeOnDisk": sum(f.get("size", 0) for f in own)}
    return series


def radarr_library(remote_root: str, local_root: Path, titles: list[str],
                   subtitles: str = "") -> dict[str, Callable]:
    movies = []
    for index, title in enumerate(titles, start=1):
        folder = f"{title} (2023)"
        name = f"{title} (2023) Bluray-1080p.mkv"
        (local_root / folder).mkdir(parents=True, exist_ok=True)
        (local_root / folder / name).write_bytes(b"")
        movies.append(payloads.radarr_api_movie(index, title, f"{remote_root}/{folder}",
                                                f"{remote_root}/{folder}/{name}", subtitles))
    movies.append(payloads.radarr_api_movie(99, "Not Downloaded", f"{remote_root}/Nope", None))
    return {
        "/api/v3/system/status": lambda _q: {"appName": "Radarr", "version": "5.8.3.8933"},
        "/api/v3/movie": lambda _q: movies,
        "/api/v3/rootfolder": lambda _q: [root_folder(remote_root)],
    }


def fake_server(arr: FakeArr) -> TestServer:
    """A server answering as ``arr`` (start it with ``with``)."""
    return TestServer(arr.responder)
