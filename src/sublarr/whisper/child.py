"""Child process entry point: keep a faster-whisper model loaded and transcribe WAVs.

Run as ``python -m sublarr.whisper.child``.  It reads one JSON request per
stdin line and answers each with JSON lines on stdout:

- ``{"event": "info", "language": "en", "duration": 12.3}`` once decoding starts,
- ``{"event": "segment", "start": 0.0, "end": 2.5, "text": "..."}`` per segment,
- then ``{"event": "done"}``, or
  ``{"event": "error", "kind": "model" | "transcribe", "message": "..."}``.

The model stays loaded until a request needs a different one, so a queue of
jobs pays the load once.  Running in its own process is what makes
cancelling prompt: the parent kills the process group instead of waiting for
the decoder to yield.  The process ends when stdin closes.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MODEL_KEYS = ("model", "device", "compute_type", "cpu_threads", "download_root")


def _say(**message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _load_model(request: dict[str, Any]):  # noqa: ANN202 - faster_whisper.WhisperModel
    from faster_whisper import WhisperModel  # the heavy import happens only in the child

    return WhisperModel(
        request["model"], device=request["device"], compute_type=request["compute_type"],
        cpu_threads=request["cpu_threads"], download_root=request.get("download_root"),
    )


def _english_only_refusal(model: Any, request: dict[str, Any]) -> str | None:
    language = request.get("language")
    if model.model.is_multilingual or language in (None, "en"):
        return None
    return (f"model {request['model_label']!r} is English-only and cannot transcribe "
            f"{language!r}; choose a multilingual model")


def _decode(model: Any, request: dict[str, Any]) -> None:
    try:
        segments, info = model.transcribe(
            request["audio_path"], language=request.get("language"), task="transcribe",
            beam_size=request["beam_size"], vad_filter=request["vad_filter"])
        _say(event="info", language=info.language, duration=info.duration)
        for segment in segments:
            _say(event="segment", start=segment.start, end=segment.end, text=segment.text)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which owns the message
        _say(event="error", kind="transcribe", message=f"transcription failed: {exc}")
        return
    _say(event="done")


class _Models:
    """The one loaded model, replaced when a request asks for another."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.model: Any = None

    def get(self, request: dict[str, Any]) -> Any:
        key = tuple(request.get(k) for k in MODEL_KEYS)
        if key != self.key:
            self.model, self.key = None, None  # free the old one before loading
            self.model, self.key = _load_model(request), key
        return self.model


def serve(models: _Models, request: dict[str, Any]) -> None:
    """Answer one request on stdout."""
    try:
        model = models.get(request)
    except Exception as exc:  # noqa: BLE001
        _say(event="error", kind="model",
             message=f"cannot load whisper model {request['model_label']!r}: {exc}")
        return
    refusal = _english_only_refusal(model, request)
    if refusal:
        _say(event="error", kind="model", message=refusal)
        return
    _decode(model, request)


def main() -> int:
    models = _Models()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            _say(event="error", kind="transcribe", message="malformed request")
            continue
        serve(models, request)
    return 0


if __name__ == "__main__":
    sys.exit(main())
