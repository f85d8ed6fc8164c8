"""Done-when: a wanted episode → concurrent search → best candidate → saved → hook + webhook."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sublarr.wanted.search import SearchRequest
from tests.providers.fakes import ASS_EN, Fakes
from tests.support.http import TestServer


def wait_until(condition, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def install_hook_script(data_dir: Path, out_dir: Path) -> Path:
    script = data_dir / "hooks" / "on_subtitle.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"cat > '{out_dir}/envelope.json.part'\n"
        f"printf '%s|%s|%s' \"$SUBLARR_EVENT\" \"$SUBLARR_PROVIDER\" \"$SUBLARR_FORMAT\" "
        f"> '{out_dir}/env.txt'\n"
        f"mv '{out_dir}/envelope.json.part' '{out_dir}/envelope.json'\n")
    script.chmod(0o755)
    return script


def test_wanted_episode_is_found_saved_and_announced(client, services, data_dir, tmp_path,
                                                     media_file, fakes: Fakes,
                                                     receiver: TestServer):
    out_dir = tmp_path / "hook-out"
    out_dir.mkdir()
    script = install_hook_script(data_dir, out_dir)
    hook = client.post("/api/v1/hooks", json={"name": "notify", "event_name": "subtitle_downloaded",
                                              "script_path": str(script)})
    assert hook.status_code == 201, hook.get_json()
    webhook = client.post("/api/v1/webhooks", json={
        "name": "receiver", "url": receiver.url, "event_name": "subtitle_downloaded",
        "secret": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    assert webhook.status_code == 201, webhook.get_json()

    searcher = services.components["subtitle_searcher"]
    result = searcher.search_and_save(SearchRequest(
        media_path=str(media_file), media_type="episode", title="Frieren", language="en",
        item_id=7, season=1, episode=5, release_name=media_file.name))

    # best candidate by score (ASS from AnimeTosho), saved next to the media
    saved = media_file.with_name(media_file.stem + ".en.ass")
    assert (result.status, result.provider, result.subtitle_path) == (
        "found", "animetosho", str(saved))
    assert saved.read_bytes() == ASS_EN
    # every enabled provider that can answer English was asked, concurrently
    assert fakes.opensubtitles.server.requests and fakes.subdl.server.requests
    assert fakes.animetosho.server.requests

    [delivery] = receiver.wait_for(1, timeout=20)
    envelope = delivery.json()
    assert delivery.headers["X-Sublarr-Event"] == "subtitle_downloaded"
    assert envelope["event_name"] == "subtitle_downloaded"
    assert envelope["data"]["subtitle_path"] == str(saved)
    assert envelope["data"]["score"] == result.score
    assert envelope["data"]["media_path"] == str(media_file)

    wait_until(lambda: (out_dir / "envelope.json").exists())
    from_hook = json.loads((out_dir / "envelope.json").read_text())
    assert from_hook["id"] == envelope["id"]  # the same event reached both
    assert (out_dir / "env.txt").read_text() == "subtitle_downloaded|animetosho|ass"


@pytest.fixture
def provider_settings(request, media_file: Path) -> dict:
    if request.node.name.startswith("test_wanted_pipeline"):
        return {"standalone_folders": [str(media_file.parent)], "wanted_languages": ["en"],
                "wanted_scan_interval_minutes": 0,
                "wanted_search_on_arrival": False}  # the manual batch is under test here
    return {}


def test_wanted_pipeline_batch_uses_the_provider_searcher(client, services, media_file,
                                                         fakes: Fakes, collected):
    services.components["wanted"].runner.scan_now()
    items = client.get("/api/v1/wanted").get_json()["items"]
    assert [i["media_path"] for i in items] == [str(media_file)]

    assert client.post("/api/v1/wanted/search", json={}).status_code == 202
    wait_until(lambda: any(e["event_name"] == "batch_complete" for e in collected))

    saved = media_file.with_name(media_file.stem + ".en.ass")
    assert saved.read_bytes() == ASS_EN
    processed = [e["data"] for e in collected if e["event_name"] == "wanted_item_processed"]
    assert processed[0]["status"] == "found" and processed[0]["subtitle_path"] == str(saved)
    downloaded = [e["data"] for e in collected if e["event_name"] == "subtitle_downloaded"]
    assert downloaded[0]["provider"] == "animetosho"
