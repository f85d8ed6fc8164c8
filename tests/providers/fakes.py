"""Fake provider servers answering in the real response shapes of each public API.

Each fake is a :class:`TestServer` responder with knobs a test can turn
(``fail_with`` a canned error reply, ``delay`` seconds, the subtitle bytes).
"""

from __future__ import annotations

import io
import lzma
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from tests.support.http import Recorded, Reply, TestServer

SRT_EN = (
    "1\n00:00:01,000 --> 00:00:03,500\nThe journey continues.\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nHimmel would have done the same.\n"
).encode()

ASS_EN = (
    "[Script Info]\nScriptType: v4.00+\nPlayResX: 1920\nPlayResY: 1080\n\n"
    "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
    "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
    "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    "Style: Default,Arial,60,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,"
    "1,2,1,2,10,10,10,1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, "
    "MarginV, Effect, Text\n"
    "Dialogue: 0,0:00:01.00,0:00:03.50,Default,,0,0,0,,The journey continues.\n"
    "Dialogue: 0,0:00:04.00,0:00:06.00,Default,,0,0,0,,Himmel would have done the same.\n"
).encode()

SRT_JA_TEXT = (
    "1\n00:00:01,000 --> 00:00:03,500\n旅はまだ続く。魔法使いフリーレンは歩き出した。\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nヒンメルならきっと同じことをしたはずだ。\n\n"
    "3\n00:00:07,000 --> 00:00:09,000\n勇者一行の冒険は終わったが、彼女の旅は終わらない。\n"
)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def html_page(status: int = 200) -> Reply:
    return Reply(status, b"<!DOCTYPE html><html><body><h1>Cloudflare</h1></body></html>",
                 {"Content-Type": "text/html; charset=UTF-8"})


@dataclass
class FakeProvider:
    """Shared knobs of every fake."""

    server: TestServer = field(default_factory=TestServer)
    fail_with: Reply | None = None  # answer every API call with this
    delay: float = 0.0
    subtitle: bytes = SRT_EN

    @property
    def url(self) -> str:
        return self.server.url

    def answer(self, req: Recorded) -> Reply:
        reply = self.fail_with if self.fail_with is not None else self.route(req)
        if self.delay:
            reply = Reply(reply.status, reply.body, reply.headers, delay=self.delay)
        return reply

    def route(self, req: Recorded) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self) -> "FakeProvider":
        self.server.responder = self.answer
        self.server.start()
        return self


@dataclass
class FakeOpenSubtitles(FakeProvider):
    releases: list[str] = field(default_factory=lambda: ["Frieren.S01E05.1080p.WEB.H264-VARYG"])
    remaining: int = 19
    quota_exhausted: bool = False

    def route(self, req: Recorded) -> Reply:
        if req.path.startswith("/dl/"):  # the temporary link is on a CDN: no key needed
            return Reply(200, self.subtitle, {"Content-Type": "application/x-subrip"})
        if req.headers.get("Api-Key") != "os-key":
            return Reply(401, {"message": "You cannot consume this service"})
        if req.path == "/api/v1/login":
            body = req.json()
            if body != {"username": "sub", "password": "pw"}:
                return Reply(401, {"message": "Invalid username/password", "status": 401})
            return Reply(200, {"user": {"allowed_downloads": 20, "level": "Sub leecher",
                                        "user_id": 7, "ext_installed": False, "vip": False},
                               "base_url": "api.opensubtitles.com", "token": "tok-123",
                               "status": 200})
        if req.path == "/api/v1/subtitles":
            return Reply(200, self._search(req))
        if req.path == "/api/v1/download":
            return self._download(req)
        return Reply(404, {"message": "not found"})

    def _search(self, req: Recorded) -> dict:
        data = []
        for index, release in enumerate(self.releases):
            file_id = 9000 + index
            data.append({
                "id": str(7000 + index), "type": "subtitle",
                "attributes": {
                    "subtitle_id": str(7000 + index), "language": "en",
                    "download_count": 1234, "new_download_count": 10,
                    "hearing_impaired": False, "hd": True, "fps": 23.976, "votes": 0,
                    "ratings": 0.0, "from_trusted": True, "foreign_parts_only": False,
                    "upload_date": "2023-10-06T12:00:00Z", "ai_translated": False,
                    "machine_translated": False, "release": release, "comments": "",
                    "legacy_subtitle_id": 1, "uploader": {"uploader_id": 1, "name": "x",
                                                          "rank": "trusted"},
                    "feature_details": {"feature_id": 1, "feature_type": "Episode",
                                        "year": 2023, "title": "Himmel's Funeral",
                                        "movie_name": "Frieren - S01E05", "imdb_id": 1,
                                        "tmdb_id": 2, "season_number": 1, "episode_number": 5,
                                        "parent_imdb_id": 3, "parent_title": "Frieren",
                                        "parent_tmdb_id": 4, "parent_feature_id": 5},
                    "url": f"https://www.opensubtitles.com/en/subtitles/{7000 + index}",
                    "related_links": [],
                    "files": [{"file_id": file_id, "cd_number": 1,
                               "file_name": release + ".srt"}],
                    "moviehash_match": bool(req.query.get("moviehash")),
                }})
        return {"total_pages": 1, "total_count": len(data), "per_page": 60, "page": 1,
                "data": data}

    def _download(self, req: Recorded) -> Reply:
        if req.headers.get("Authorization") != "Bearer tok-123":
            return Reply(401, {"message": "Invalid token"})
        if self.quota_exhausted:
            return Reply(406, {
                "requests": 21, "remaining": 0,
                "message": "You have downloaded your allowed 20 subtitles for 24h.Your quota "
                           "will be renewed in 07 hours and 12 minutes (2030-01-01 23:59:59 UTC) ",
                "reset_time": "07 hours and 12 minutes",
                "reset_time_utc": "2030-01-01T23:59:59.000Z"})
        file_id = req.json()["file_id"]
        self.remaining -= 1
        return Reply(200, {"link": f"{self.url}/dl/{file_id}/sub.srt", "file_name": "sub.srt",
                           "requests": 20 - self.remaining, "remaining": self.remaining,
                           "message": "Your quota will be renewed in 07 hours",
                           "reset_time": "07 hours", "reset_time_utc": "2030-01-01T23:59:59.000Z"})


@dataclass
class FakeJimaku(FakeProvider):
    subtitle: bytes = SRT_JA_TEXT.encode("shift_jis")
    file_name: str = "[Erai-raws] Sousou no Frieren - 05 [1080p].srt"

    def route(self, req: Recorded) -> Reply:
        if req.headers.get("Authorization") != "jm-key":
            return Reply(401, {"error": "Invalid API key", "code": 401})
        if req.path == "/api/entries/search":
            return Reply(200, [{
                "id": 42, "name": "Sousou no Frieren",
                "english_name": "Frieren: Beyond Journey's End",
                "japanese_name": "葬送のフリーレン", "anilist_id": 154587, "tmdb_id": None,
                "flags": {"anime": True, "movie": False, "adult": False, "external": False,
                          "unverified": False},
                "last_modified": "2023-10-06T12:00:00Z"}])
        if req.path == "/api/entries/42/files":
            return Reply(200, [{"url": f"{self.url}/entry/42/download/05.srt",
                                "name": self.file_name, "size": len(self.subtitle),
                                "last_modified": "2023-10-06T12:00:00Z"}])
        if req.path == "/entry/42/download/05.srt":
            return Reply(200, self.subtitle, {"Content-Type": "application/octet-stream"})
        return Reply(404, {"error": "Entry not found", "code": 404})


@dataclass
class FakeAnimeTosho(FakeProvider):
    subtitle: bytes = ASS_EN
    torrent_title: str = "[SubsPlease] Frieren - S01E05 (720p) [A1B2C3D4].mkv"

    def route(self, req: Recorded) -> Reply:
        if req.path == "/json" and "show" not in req.query:
            return Reply(200, [{
                "id": 608516, "title": self.torrent_title,
                "link": "https://animetosho.org/view/x.608516", "timestamp": 1696600000,
                "status": "complete", "tosho_id": None, "nyaa_id": 1700000,
                "nyaa_subdom": None, "anidb_aid": 17617, "anidb_eid": 277518, "anidb_fid": None,
                "article_url": None, "article_title": None, "website_url": None,
                "torrent_url": "https://animetosho.org/storage/torrent/x.torrent",
                "torrent_name": self.torrent_title, "info_hash": "abcd",
                "info_hash_v2": None, "magnet_uri": "magnet:?xt=urn:btih:abcd",
                "seeders": 100, "leechers": 1, "torrent_downloaded_count": 1000,
                "tracker_updated": 1696600000, "nzb_url": None,
                "total_size": 1400000000, "num_files": 1}])
        if req.path == "/json" and req.query.get("show") == ["torrent"]:
            return Reply(200, {
                "id": 608516, "title": self.torrent_title, "num_files": 1,
                "files": [{
                    "id": 1152436, "is_archive": False, "filename": self.torrent_title,
                    "size": 1400000000, "crc32": "A1B2C3D4",
                    "attachments": [
                        {"id": 2393481, "type": "subtitle",
                         "size": len(self.subtitle),
                         "info": {"type": "subtitle", "codec": "ASS", "lang": "eng",
                                  "name": "English subs", "default": 1, "forced": 0,
                                  "enabled": 1, "tracknum": 3}},
                        {"id": 2393482, "filename": "font.ttf", "type": "font", "size": 1,
                         "info": {}},
                    ]}]})
        if req.path.startswith("/storage/attach/"):
            return Reply(200, lzma.compress(self.subtitle, format=lzma.FORMAT_XZ),
                         {"Content-Type": "application/x-xz"})
        return Reply(404, b"not found")


@dataclass
class FakeSubdl(FakeProvider):
    release: str = "[SubsPlease] Frieren - S01E05 (720p)"
    archive: Callable[[bytes], bytes] = lambda sub: zipped({"Frieren.S01E05.srt": sub})

    def route(self, req: Recorded) -> Reply:
        if req.path == "/api/v1/subtitles":
            if req.query.get("api_key") != ["sd-key"]:
                return Reply(200, {"status": False, "error": "Invalid API key"})
            return Reply(200, {
                "status": True,
                "results": [{"sd_id": 101, "type": "tv", "name": "Frieren", "imdb_id": "tt22248376",
                             "tmdb_id": 209867, "first_air_date": "2023-09-29", "slug": "frieren",
                             "release_date": "2023-09-29", "year": 2023}],
                "subtitles": [{"release_name": self.release, "name": "SUBDL::frieren.zip",
                               "lang": "english", "author": "someone",
                               "url": "/subtitle/3028106-3045786.zip",
                               "subtitlePage": "/s/info/abc/frieren", "season": 1, "episode": 5,
                               "language": "EN", "hi": False, "episode_from": None,
                               "episode_end": 0, "full_season": False}]})
        if req.path.startswith("/subtitle/"):
            return Reply(200, self.archive(self.subtitle), {"Content-Type": "application/zip"})
        return Reply(404, b"not found")


@dataclass
class Fakes:
    opensubtitles: FakeOpenSubtitles
    jimaku: FakeJimaku
    animetosho: FakeAnimeTosho
    subdl: FakeSubdl

    def all(self) -> list[FakeProvider]:
        return [self.opensubtitles, self.jimaku, self.animetosho, self.subdl]

    def settings(self) -> dict:
        return {
            "opensubtitles_base_url": self.opensubtitles.url, "opensubtitles_api_key": "os-key",
            "opensubtitles_username": "sub", "opensubtitles_password": "pw",
            "jimaku_base_url": self.jimaku.url, "jimaku_api_key": "jm-key",
            "animetosho_feed_url": self.animetosho.url,
            "animetosho_storage_url": self.animetosho.url + "/storage",
            "subdl_base_url": self.subdl.url, "subdl_download_url": self.subdl.url,
            "subdl_api_key": "sd-key",
        }
