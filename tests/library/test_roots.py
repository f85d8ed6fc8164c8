"""Library roots: the rule as pure functions, then the webhooks and roots from Sonarr."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.library.roots import (
    OUTSIDE_MESSAGE,
    OutsideLibraryRoots,
    build_roots,
    confine,
)
from tests.library import payloads
from tests.library.fakes import FakeArr, fake_server, named, root_folder, wait_until
from tests.support.http import TestServer

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def library(tmp_path: Path) -> dict[str, Path]:
    """A root with a show, a folder outside it with a secret, and links between them."""
    root, outside = tmp_path / "lib", tmp_path / "outside"
    (root / "Show").mkdir(parents=True)
    outside.mkdir()
    (root / "Show" / "ep.en.srt").write_text("inside")
    (outside / "secret.srt").write_text("secret")
    (root / "Show" / "link-out.srt").symlink_to(outside / "secret.srt")
    (root / "dir-out").symlink_to(outside)
    (outside / "link-in.srt").symlink_to(root / "Show" / "ep.en.srt")
    return {"root": root, "outside": outside}


# -- the rule (pure) -------------------------------------------------------------------------

def test_paths_inside_a_root_are_resolved(library):  # noqa: ANN001
    roots = build_roots([str(library["root"])], [], [], [])
    inside = library["root"] / "Show" / "ep.en.srt"
    assert confine(str(inside), roots) == inside
    assert confine(str(library["root"] / "Show" / ".." / "Show" / "new.de.srt"), roots) == \
        library["root"] / "Show" / "new.de.srt"  # need not exist (an output)


@pytest.mark.parametrize("relative", [
    "Show/link-out.srt",      # a file link pointing outside
    "dir-out/secret.srt",     # a folder link pointing outside
    "dir-out/missing.srt",    # ... to a file that does not exist: the same refusal
    "../outside/secret.srt",  # dot-dot
])
def test_links_and_dot_dots_out_of_a_root_are_refused(library, relative):  # noqa: ANN001
    roots = build_roots([str(library["root"])], [], [], [])
    with pytest.raises(OutsideLibraryRoots) as caught:
        confine(os.path.join(str(library["root"]), relative), roots)
    assert str(caught.value) == OUTSIDE_MESSAGE


def test_a_link_from_outside_to_inside_is_judged_by_its_target(library):  # noqa: ANN001
    roots = build_roots([str(library["root"])], [], [], [])
    assert confine(str(library["outside"] / "link-in.srt"), roots) == \
        library["root"] / "Show" / "ep.en.srt"


@pytest.mark.parametrize("bad", ["relative/x.srt", "/lib/x\0.srt", ""])
def test_relative_and_nul_paths_are_refused(library, bad):  # noqa: ANN001
    with pytest.raises(OutsideLibraryRoots):
        confine(bad, build_roots([str(library["root"])], [], [], []))


def test_roots_combine_explicit_standalone_and_mapped_arr_folders(tmp_path):  # noqa: ANN001
    roots = build_roots([str(tmp_path / "a")], [str(tmp_path / "b")], ["/tv", "D:\\Movies"],
                        [("/tv", str(tmp_path / "tv")), ("D:\\Movies", str(tmp_path / "m"))])
    assert roots == (tmp_path / "a", tmp_path / "b", tmp_path / "tv", tmp_path / "m")
    assert build_roots(["relative", str(tmp_path), str(tmp_path)], [], [], []) == (tmp_path,)
    assert build_roots([], [], [], []) == ()  # nothing configured: nothing is allowed


def test_a_root_that_is_a_link_matches_resolved_paths(tmp_path):  # noqa: ANN001
    (tmp_path / "disk").mkdir()
    (tmp_path / "media").symlink_to(tmp_path / "disk")
    roots = build_roots([str(tmp_path / "media")], [], [], [])
    assert confine(str(tmp_path / "media" / "x.mkv"), roots) == tmp_path / "disk" / "x.mkv"


# -- webhooks --------------------------------------------------------------------------------

@pytest.fixture
def app_settings(tmp_path: Path) -> dict[str, Any]:
    return {"library_roots": [str(tmp_path / "lib")], "wanted_languages": ["en"],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False}


def _wanted(client) -> list[dict]:  # noqa: ANN001
    return client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]


@pytest.mark.parametrize(("source", "body_for"), [
    ("sonarr", payloads.sonarr_download), ("radarr", payloads.radarr_download),
    ("jellyfin", payloads.jellyfin_item_added)])
def test_webhooks_pointing_outside_the_roots_are_refused(client, events, library, source,
                                                         body_for):  # noqa: ANN001
    outside = library["outside"] / "Movie (2020).mkv"
    outside.write_bytes(b"")
    answers = [client.post(f"/api/v1/webhook/{source}", json=body_for(str(path)))
               for path in (outside, library["outside"] / "Gone (2020).mkv",
                            library["root"] / "dir-out" / "Movie (2020).mkv")]
    assert {a.status_code for a in answers} == {403}
    assert {a.get_json()["error"]["code"] for a in answers} == {"outside_library_roots"}
    assert {a.get_json()["error"]["message"] for a in answers} == {OUTSIDE_MESSAGE}
    assert named(events, "webhook_received") == []
    assert _wanted(client) == []


def test_folder_deletes_outside_the_roots_are_refused(client, library):  # noqa: ANN001
    body = {**payloads.SONARR_OTHER_EVENTS["SeriesDelete"]}
    body["series"] = {**body["series"], "path": str(library["outside"])}
    assert client.post("/api/v1/webhook/sonarr", json=body).status_code == 403


def test_webhooks_inside_the_roots_still_queue_files(client, library):  # noqa: ANN001
    media = library["root"] / "Show" / "Show - S01E01.mkv"
    media.write_bytes(b"")
    response = client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(str(media)))
    assert response.status_code == 202, response.get_json()
    wait_until(lambda: len(_wanted(client)) == 1, what="wanted row")


class TestRootsFromTheApi:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {"library_roots": None, "wanted_languages": ["en"],  # None: not pinned
                "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False}

    def test_library_roots_are_set_through_the_api(self, client, library):  # noqa: ANN001
        media = library["root"] / "Show" / "Show - S01E01.mkv"
        media.write_bytes(b"")
        body = payloads.sonarr_download(str(media))
        assert client.post("/api/v1/webhook/sonarr", json=body).status_code == 403  # no roots
        resp = client.put("/api/v1/config", json={"library_roots": [str(library["root"])]})
        assert resp.status_code == 200 and resp.get_json()["updated_keys"] == ["library_roots"]
        assert client.post("/api/v1/webhook/sonarr", json=body).status_code == 202

    @pytest.mark.parametrize("bad", [["relative/tv"], [""], ["/tv\u0000x"], "/tv"])
    def test_library_roots_must_be_absolute_paths(self, client, bad):  # noqa: ANN001
        resp = client.put("/api/v1/config", json={"library_roots": bad})
        assert resp.status_code == 422
        assert resp.get_json()["error"]["details"][0]["loc"][0] == "library_roots"


# -- roots from Sonarr (its /api/v3/rootfolder, after path_mappings) ------------------------

@pytest.fixture
def sonarr_roots(tmp_path: Path) -> Iterator[tuple[FakeArr, TestServer]]:
    arr = FakeArr("Sonarr", KEY, routes={
        "/api/v3/rootfolder": lambda _q: [root_folder("/tv"), root_folder("/anime/", 2)],
        "/api/v3/system/status": lambda _q: {"appName": "Sonarr", "version": "4.0"}})
    with fake_server(arr) as server:
        yield arr, server


class TestRootsFromSonarr:
    @pytest.fixture
    def app_settings(self, tmp_path: Path, sonarr_roots) -> dict[str, Any]:  # noqa: ANN001
        return {"library_roots": [], "sonarr_url": sonarr_roots[1].url, "sonarr_api_key": KEY,
                "path_mappings": [{"remote": "/tv", "local": str(tmp_path / "tv")}],
                "wanted_languages": ["en"], "wanted_scan_interval_minutes": 0,
                "wanted_scan_on_start": False}

    def test_sonarr_root_folders_after_mappings_are_roots(self, client, tmp_path,
                                                          sonarr_roots):  # noqa: ANN001
        (tmp_path / "tv" / "Show").mkdir(parents=True)
        (tmp_path / "other").mkdir()
        inside = payloads.sonarr_download("/tv/Show/Show - S01E01.mkv")
        outside = payloads.sonarr_download(str(tmp_path / "other" / "Show - S01E01.mkv"))
        assert client.post("/api/v1/webhook/sonarr", json=inside).status_code == 202
        assert client.post("/api/v1/webhook/sonarr", json=outside).status_code == 403
        unmapped = payloads.sonarr_download("/anime/Show/Show - S01E01.mkv")
        assert client.post("/api/v1/webhook/sonarr", json=unmapped).status_code == 202
        asked = [r for r in sonarr_roots[1].requests if r.path == "/api/v3/rootfolder"]
        assert len(asked) == 1  # cached: a refusal does not ask Sonarr again at once
