"""The real served process (gunicorn): a Sonarr Download webhook leads to the subtitle on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.library import payloads
from tests.library.fakes import FakeArr
from tests.providers.fakes import SRT_EN, FakeSubdl
from tests.support.http import TestServer
from tests.support.process import ServerProcess
from tests.wanted.arrival_support import episode, wait_for

pytestmark = pytest.mark.slow


def test_sonarr_download_to_subtitle_on_disk_in_the_served_process(tmp_path: Path,
                                                                   media_root: Path):
    sonarr = FakeArr("Sonarr", "sonarr-key", routes={
        "/api/v3/system/status": lambda _q: {"appName": "Sonarr", "version": "4.0.5.1710"},
        "/api/v3/series": lambda _q: []})
    with TestServer(sonarr.responder) as sonarr_server:
        subdl = FakeSubdl().start()
        try:
            env = {
                "SUBLARR_SONARR_URL": sonarr_server.url, "SUBLARR_SONARR_API_KEY": "sonarr-key",
                "SUBLARR_PATH_MAPPINGS": json.dumps([{"remote": "/tv",
                                                      "local": str(media_root / "tv")}]),
                "SUBLARR_LIBRARY_ROOTS": json.dumps([str(media_root)]),
                "SUBLARR_WANTED_LANGUAGES": '["en"]',
                "SUBLARR_PROVIDERS_ENABLED": '["subdl"]', "SUBLARR_SUBDL_BASE_URL": subdl.url,
                "SUBLARR_SUBDL_DOWNLOAD_URL": subdl.url, "SUBLARR_SUBDL_API_KEY": "sd-key",
                "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
            }
            remote, local = episode(media_root, "[SubsPlease] Sousou no Frieren - S01E05.mkv")
            with ServerProcess(tmp_path / "fresh-data", env=env) as server:
                response = requests.post(f"{server.url}/api/v1/webhook/sonarr",
                                         json=payloads.sonarr_download(remote),
                                         auth=("sonarr", server.api_key), timeout=10)
                assert response.status_code == 202, response.text
                saved = local.with_name(local.stem + ".en.srt")
                wait_for(saved.exists, "the subtitle from the served process", timeout=60)
                assert saved.read_bytes().replace(b"\r\n", b"\n").strip() == SRT_EN.strip()
                rows = requests.get(f"{server.url}/api/v1/wanted",
                                    headers={"X-Api-Key": server.api_key}, timeout=10).json()
                assert [r["status"] for r in rows["items"]] == ["found"]
        finally:
            subdl.server.stop()
