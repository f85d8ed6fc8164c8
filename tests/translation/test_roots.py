"""POST /translate reads, sends and writes only inside the library roots; outputs are never
more readable than their source."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from sublarr.library.roots import OUTSIDE_MESSAGE
from tests.translation.conftest import backend_settings

SRT = "1\n00:00:01,000 --> 00:00:02,000\nHello there\n\n"


@pytest.fixture
def app_settings(fake, tmp_path: Path) -> dict[str, Any]:  # noqa: ANN001
    return {**backend_settings(fake.url), "library_roots": [str(tmp_path / "lib")]}


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    (root / "Show").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwords.srt").write_text(SRT)
    (root / "Show" / "Ep.en.srt").symlink_to(outside / "passwords.srt")
    (root / "out").symlink_to(outside)
    return root


def _translate(client, path: Path):  # noqa: ANN001, ANN202
    return client.post("/api/v1/translate", json={
        "path": str(path), "source_language": "en", "target_language": "de"})


def test_a_link_to_a_file_outside_the_roots_is_refused_and_nothing_is_sent(
        client, fake, lib, tmp_path):  # noqa: ANN001
    resp = _translate(client, lib / "Show" / "Ep.en.srt")
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "outside_library_roots"
    assert fake.server.requests == []
    assert sorted(p.name for p in (tmp_path / "outside").iterdir()) == ["passwords.srt"]
    assert not (lib / "Show" / "Ep.de.srt").exists()
    assert client.get("/api/v1/jobs").json["total"] == 0


def test_the_refusal_does_not_tell_whether_an_outside_file_exists(client, tmp_path, lib):  # noqa: ANN001
    existing = _translate(client, tmp_path / "outside" / "passwords.srt")
    missing = _translate(client, tmp_path / "outside" / "nothing-here.srt")
    through_link = _translate(client, lib / "out" / "nothing-here.srt")
    for resp in (existing, missing, through_link):
        assert resp.status_code == 403
        assert resp.json["error"]["message"] == OUTSIDE_MESSAGE
    assert _translate(client, lib / "Show" / "missing.en.srt").status_code == 404  # inside


def test_an_output_that_would_land_outside_is_refused(client, fake, lib, tmp_path):  # noqa: ANN001
    # A link inside the roots reached through a folder link that leads outside: the
    # source is inside, but the translation would be written next to it, outside.
    (lib / "Show" / "Real.en.srt").write_text(SRT)
    (tmp_path / "outside" / "Back.en.srt").symlink_to(lib / "Show" / "Real.en.srt")
    resp = _translate(client, lib / "out" / "Back.en.srt")
    assert resp.status_code == 403
    assert fake.server.requests == []
    assert not (tmp_path / "outside" / "Back.de.srt").exists()


def test_a_batch_with_one_outside_path_queues_nothing(client, fake, lib):  # noqa: ANN001
    (lib / "Show" / "Real.en.srt").write_text(SRT)
    resp = client.post("/api/v1/translate/batch", json={
        "paths": [str(lib / "Show" / "Real.en.srt"), str(lib / "Show" / "Ep.en.srt")],
        "source_language": "en", "target_language": "de"})
    assert resp.status_code == 403
    assert client.get("/api/v1/jobs").json["total"] == 0 and fake.server.requests == []


@pytest.mark.parametrize(("source_mode", "output_mode"), [(0o600, 0o600), (0o640, 0o640),
                                                          (0o644, 0o644), (0o666, 0o644)])
def test_the_translation_is_never_more_readable_than_its_source(tx, lib, source_mode,
                                                                output_mode):  # noqa: ANN001
    source = lib / "Show" / "Private.en.srt"
    source.write_text(SRT)
    source.chmod(source_mode)
    job = tx.run(source, "ollama")
    assert job["status"] == "completed", job
    assert stat.S_IMODE(os.stat(job["output_path"]).st_mode) == output_mode
