"""A SubDL fake offering several subtitles for one episode, each with its own bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.providers.fakes import FakeSubdl, zipped
from tests.support.http import Recorded, Reply


def srt(text: str) -> bytes:
    return f"1\n00:00:01,000 --> 00:00:03,500\n{text}\n".encode()


@dataclass
class Offer:
    sub_id: str
    release: str
    text: str
    hi: bool = False


@dataclass
class MultiSubdl(FakeSubdl):
    """``offers`` are listed in order; ``broken`` ids answer their download with a 500."""

    offers: list[Offer] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)

    def route(self, req: Recorded) -> Reply:
        if req.path == "/api/v1/subtitles":
            if req.query.get("api_key") != ["sd-key"]:
                return Reply(200, {"status": False, "error": "Invalid API key"})
            return Reply(200, {
                "status": True,
                "results": [{"sd_id": 101, "type": "tv", "name": "Sousou no Frieren",
                             "year": 2023}],
                "subtitles": [self._listed(o) for o in self.offers]})
        if req.path.startswith("/subtitle/"):
            sub_id = req.path.rsplit("/", 1)[-1].removesuffix(".zip")
            offer = next((o for o in self.offers if o.sub_id == sub_id), None)
            if offer is None:
                return Reply(404, b"not found")
            if sub_id in self.broken:
                return Reply(500, {"status": False, "error": "storage down"})
            return Reply(200, zipped({f"{sub_id}.srt": srt(offer.text)}),
                         {"Content-Type": "application/zip"})
        return Reply(404, b"not found")

    @staticmethod
    def _listed(offer: Offer) -> dict[str, Any]:
        return {"release_name": offer.release, "name": f"SUBDL::{offer.sub_id}.zip",
                "lang": "english", "url": f"/subtitle/{offer.sub_id}.zip",
                "subtitlePage": f"/s/info/{offer.sub_id}", "season": 1, "episode": 5,
                "language": "EN", "hi": offer.hi}

    def downloads_of(self, sub_id: str) -> int:
        return sum(1 for r in self.server.requests if r.path == f"/subtitle/{sub_id}.zip")


# Best first for "[SubsPlease] Sousou no Frieren - S01E05 (1080p).mkv": the release group,
# source and resolution match only the first one.
GOOD = Offer("1001-2001", "[SubsPlease] Sousou no Frieren - S01E05 (1080p)", "Good one.")
OTHER = Offer("1002-2002", "Sousou.no.Frieren.S01E05.720p.WEB.x264-OTHER", "Other one.")
THIRD = Offer("1003-2003", "Sousou.no.Frieren.S01E05.480p.HDTV-THIRD", "Third one.")
MEDIA_NAME = "[SubsPlease] Sousou no Frieren - S01E05 (1080p).mkv"
