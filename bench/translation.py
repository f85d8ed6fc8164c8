"""Translation pipeline benchmark.

1. A 1,000-line styled ASS file through a real job against a fake Ollama with
   50 ms latency: requests and wall time with batching, versus one request per
   line (measured on the first 100 lines and scaled to 1,000 to stay bounded).
2. The pipeline's own overhead per line (backend answering instantly, in
   process) versus a bare pysubs2 load + save of the same file.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pysubs2

from bench.common import print_table, summary_us, time_calls

LATENCY_S = 0.05
LINES = 1000
PER_LINE_SAMPLE = 100
NUMBERED = re.compile(r"^(\d+): ?(.*)$")


def styled_ass(lines: int) -> str:
    head = ("[Script Info]\nScriptType: v4.00+\nPlayResX: 1920\nPlayResY: 1080\n\n"
            "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, Bold\n"
            "Style: Default,Arial,60,&H00FFFFFF,0\nStyle: Sign,Arial,40,&H00FFFFFF,0\n\n"
            "[Events]\n"
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")
    rows = []
    for n in range(lines):
        start = f"0:{n // 60 % 60:02d}:{n % 60:02d}.00"
        if n % 10 == 9:
            rows.append(f"Dialogue: 0,{start},{start},Sign,,0,0,0,,{{\\pos(10,10)}}Sign {n}")
        elif n % 3 == 0:
            rows.append(f"Dialogue: 0,{start},{start},Default,,0,0,0,,"
                        f"{{\\an8}}Line {n}, the first part\\Nand {{\\i1}}the{{\\i0}} rest.")
        else:
            rows.append(f"Dialogue: 0,{start},{start},Default,,0,0,0,,Plain line number {n}.")
    return head + "\n".join(rows) + "\n"


class FakeOllama:
    """Answers /api/chat after ``latency`` seconds with every numbered line upper-cased."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body in one segment (no 40 ms ACK wait)

            def log_message(self, *_args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests += 1
                rows = body["messages"][-1]["content"].split("\n")
                reply = "\n".join(f"{m.group(1)}: {m.group(2).upper()}"
                                  for m in map(NUMBERED.match, rows))
                time.sleep(owner.latency)
                data = json.dumps({"message": {"role": "assistant", "content": reply},
                                   "done": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_job(workdir: Path, source: Path, backend_url: str, batch_size: int) -> dict:
    """A real translation job (app, DB, worker) and its final state."""
    from sublarr.app import create_app
    from sublarr.services import services_of
    from sublarr.translation.documents import output_path
    from sublarr.translation.jobs_repo import JobSpec
    from sublarr.translation.lifecycle import worker_of

    data = Path(tempfile.mkdtemp(dir=workdir))
    app = create_app({"data_dir": data, "translation_ollama_url": backend_url,
                      "translation_ollama_model": "bench", "library_roots": [str(workdir)]},
                     environ={})
    services = services_of(app)
    try:
        worker = worker_of(services)
        spec = JobSpec(str(source), str(output_path(source, "en", "de")), "en", "de",
                       "ollama", None, batch_size)
        job = worker.jobs.create([spec], grouped=False)[0]
        started = time.perf_counter()
        worker.run_job(job["id"])
        elapsed = time.perf_counter() - started
        final = worker.jobs.get(job["id"])
        assert final["status"] == "completed", final["error"]
        return {**final, "wall_s": elapsed}
    finally:
        services.shutdown()


def bench_batching(workdir: Path) -> None:
    full = workdir / "Bench.en.ass"
    full.write_text(styled_ass(LINES), encoding="utf-8")
    sample = workdir / "Sample.en.ass"
    sample.write_text(styled_ass(PER_LINE_SAMPLE), encoding="utf-8")
    instant = FakeOllama(0.0)
    try:
        overhead = run_job(workdir, full, instant.url, batch_size=25)
    finally:
        instant.close()
    fake = FakeOllama(LATENCY_S)
    try:
        batched = run_job(workdir, full, fake.url, batch_size=25)
        batched_requests = fake.requests
        fake.requests = 0
        per_line = run_job(workdir, sample, fake.url, batch_size=1)
        scale = batched["total_lines"] / per_line["total_lines"]
        per_line_requests = fake.requests * scale
        per_line_wall = per_line["wall_s"] * scale
    finally:
        fake.close()
    print_table(f"{LINES}-line ASS, fake Ollama with {LATENCY_S * 1000:.0f} ms latency", [
        {"mode": "batched (25 lines/request)", "translated_lines": batched["total_lines"],
         "requests": batched_requests, "wall_s": batched["wall_s"],
         "ms_per_line": 1000 * batched["wall_s"] / batched["total_lines"]},
        {"mode": f"one request per line (x{scale:g} from {PER_LINE_SAMPLE} lines)",
         "translated_lines": batched["total_lines"], "requests": per_line_requests,
         "wall_s": per_line_wall,
         "ms_per_line": 1000 * per_line_wall / batched["total_lines"]},
        {"mode": "ratio per-line / batched", "translated_lines": "",
         "requests": per_line_requests / batched_requests,
         "wall_s": per_line_wall / batched["wall_s"], "ms_per_line": ""},
        {"mode": "whole job (HTTP + DB), fake answering at once",
         "translated_lines": overhead["total_lines"], "requests": batched_requests,
         "wall_s": overhead["wall_s"],
         "ms_per_line": 1000 * overhead["wall_s"] / overhead["total_lines"]},
    ])


def bench_overhead(workdir: Path) -> None:
    from sublarr.translation.documents import open_document
    from sublarr.translation.lines import LineFilter
    from sublarr.translation.pipeline import chunked, translate_texts
    from sublarr.translation.settings import DEFAULT_SKIP_STYLES

    source = workdir / "Overhead.en.ass"
    source.write_text(styled_ass(LINES), encoding="utf-8")
    target = workdir / "Overhead.de.ass"

    def instant(lines: list[str]) -> list[str]:
        return [line.upper() for line in lines]

    def pipeline() -> None:
        doc = open_document(source, LineFilter.from_patterns(DEFAULT_SKIP_STYLES), 1 << 30)
        doc.check()
        out: list[str] = []
        for chunk in chunked(doc.texts(), 25):
            out.extend(translate_texts(instant, chunk))
        doc.write(target, iter(out))

    def pysubs2_load_save() -> None:
        pysubs2.load(str(source), encoding="utf-8").save(str(target))

    ours = summary_us(time_calls(pipeline, 30, max_seconds=8))
    base = summary_us(time_calls(pysubs2_load_save, 30, max_seconds=8))
    print_table(f"pipeline overhead, {LINES}-line ASS, instant in-process backend", [
        {"what": "our pipeline (check, split, rebuild, stream-write)", "p50_ms":
         ours["p50_us"] / 1000, "p99_ms": ours["p99_us"] / 1000,
         "us_per_line": ours["p50_us"] / LINES, "lines_per_s": LINES / ours["p50_us"] * 1e6,
         "n": ours["n"]},
        {"what": "baseline: pysubs2 load + save", "p50_ms": base["p50_us"] / 1000,
         "p99_ms": base["p99_us"] / 1000, "us_per_line": base["p50_us"] / LINES,
         "lines_per_s": LINES / base["p50_us"] * 1e6, "n": base["n"]},
        {"what": "ratio ours / pysubs2", "p50_ms": ours["p50_us"] / base["p50_us"],
         "p99_ms": "", "us_per_line": "", "lines_per_s": "", "n": ""},
    ])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_overhead(workdir)
        bench_batching(workdir)


if __name__ == "__main__":
    main()
