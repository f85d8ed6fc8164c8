"""Webhook delivery benchmark (issue: durable webhook deliveries).

Against one local nginx answering 204 (pinned to core 1; this process to
core 0), all in one run:
  (a) deliveries/s through the whole pipeline (emit -> outbox -> sign -> POST
      -> log) vs a raw pooled urllib3 POST loop at the same concurrency;
  (b) the same pipeline vs the obvious design (ThreadPoolExecutor(4), a new
      requests Session with urllib3 Retry per send);
  (c) a healthy endpoint's throughput while a dead endpoint (accepts TCP,
      never answers) is subscribed too, vs alone;
  (d) emit latency p50/p99 with 100 webhooks subscribed (SQLite);
  (e) RSS growth while 100,000 deliveries wait for a dead endpoint;
  (a, HTTPS) as (a), both sides over TLS to nginx (kept-alive connections:
      a handshake per delivery would cost several times a delivery's CPU).
The same emit latency with 100 *filtered* webhooks: bench/webhook_filters.py.
Falls back to a Python receiver (and says so) when nginx is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bench.common import percentile, print_table

CONCURRENCY = 4
# Long enough that the first batch's start and the last batch's linger (tens of
# milliseconds) weigh a few percent at most: the ratios compare steady rates.
PIPELINE_EVENTS = 5000
RAW_REQUESTS = 4000
OBVIOUS_REQUESTS = 1500
LATENCY_EMITS = 200           # paced so the scheduler keeps up with 100 deliveries each
BACKLOG_EVENTS = 1000          # x 100 webhooks = 100,000 waiting deliveries
BODY = json.dumps({"id": "evt_01JBENCH", "event_name": "test", "version": 1,
                   "timestamp": "2026-01-01T00:00:00.000000Z",
                   "data": {"message": "benchmark"}}, separators=(",", ":")).encode()


# -- receivers ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TLS_LISTEN = """listen 127.0.0.1:{port} ssl;
    ssl_certificate {tmp}/cert.pem;
    ssl_certificate_key {tmp}/key.pem;"""

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log crit;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {{
    {listen}
    location / {{ return 204; }}
  }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                     else None)


@contextmanager
def nginx_receiver(tls: bool = False) -> Iterator[tuple[str, str]]:
    """(url, description): our own nginx on a free port, or a Python fallback (plain
    HTTP only). With ``tls``, nginx serves HTTPS with a new self-signed certificate
    that this process then trusts (SSL_CERT_FILE)."""
    binary = nginx_binary()
    if binary is None:
        with python_receiver() as url:
            yield url, "Python http.server (nginx not installed!)"
        return
    tmp = tempfile.mkdtemp(prefix="bench-nginx-")
    port = free_port()
    listen = f"listen 127.0.0.1:{port};"
    if tls:
        write_certificate(Path(tmp))
        os.environ["SSL_CERT_FILE"] = f"{tmp}/cert.pem"
        listen = TLS_LISTEN.format(port=port, tmp=tmp)
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, listen=listen))
    cmd = [binary, "-c", str(conf), "-p", tmp, "-e", f"{tmp}/error.log"]
    pinned = shutil.which("taskset") and (os.cpu_count() or 1) > 1
    if pinned:
        cmd = ["taskset", "-c", "1", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        scheme = "https" if tls else "http"
        yield f"{scheme}://localhost:{port}/hook" if tls else f"http://127.0.0.1:{port}/hook", \
            f"nginx 204 ({scheme})" + (" on core 1" if pinned else "")
    finally:
        proc.terminate()
        proc.wait(10)
        if tls:
            os.environ.pop("SSL_CERT_FILE", None)
        shutil.rmtree(tmp, ignore_errors=True)


def write_certificate(directory: Path) -> None:
    """cert.pem and key.pem: a self-signed certificate for localhost."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


@contextmanager
def python_receiver() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


@contextmanager
def dead_endpoint() -> Iterator[str]:
    """Accepts TCP connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/dead"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start")


# -- baselines ----------------------------------------------------------------
def raw_pooled_loop(url: str, total: int, concurrency: int) -> tuple[float, float]:
    """(POST/s, CPU us per POST) of ``concurrency`` threads sharing one keep-alive pool."""
    pool = urllib3.PoolManager(maxsize=concurrency, retries=False)
    headers = {"Content-Type": "application/json"}
    per_thread = total // concurrency

    def loop() -> None:
        for _ in range(per_thread):
            pool.request("POST", url, body=BODY, headers=headers).release_conn()

    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = per_thread * concurrency
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done * 1e6


def obvious_design(url: str, total: int) -> tuple[float, float]:
    """ThreadPoolExecutor(4) + a new requests Session with urllib3 Retry per send."""

    def send() -> None:
        with requests.Session() as session:
            retry = Retry(total=3, backoff_factor=2, status_forcelist=(429, 500, 502, 503, 504),
                          allowed_methods=None)
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.post(url, data=BODY, headers={"Content-Type": "application/json"},
                         timeout=10)

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(send) for _ in range(total)]:
            future.result()
    return total / (time.perf_counter() - started), (time.process_time() - cpu) / total * 1e6


# -- the pipeline -------------------------------------------------------------
@contextmanager
def sublarr_app(extra: dict[str, Any] | None = None) -> Iterator[Any]:
    from sublarr.app import create_app
    from sublarr.services import services_of

    tmp = tempfile.mkdtemp(prefix="bench-webhooks-")
    settings = {"data_dir": tmp, "webhook_workers": 8,
                "webhook_max_in_flight_per_endpoint": CONCURRENCY, **(extra or {})}
    app = create_app(settings, environ={"PATH": os.environ.get("PATH", "/usr/bin")})
    services = services_of(app)
    try:
        yield app, services
    finally:
        services.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def add_webhook(app: Any, api_key: str, url: str, timeout: int = 10,
                **subscription: Any) -> int:
    with app.test_client() as client:
        resp = client.post("/api/v1/webhooks", headers={"X-Api-Key": api_key},
                           json={"name": "bench", "url": url,
                                 **(subscription or {"event_name": "test"}),
                                 "timeout_seconds": timeout, "retry_count": 3})
        assert resp.status_code == 201, resp.json
        return resp.json["id"]


def delivered(services: Any, webhook_id: int) -> int:
    from sublarr.events.webhooks.lifecycle import webhooks_of

    return webhooks_of(services).outbox.count(status="delivered", webhook_id=webhook_id)


class _Finished:
    """Counts the ``hook_executed`` announcements of one webhook's deliveries: each
    comes after its outcome was committed (outbox row, hook_log, stats), so the
    last one marks the end of the pipeline without polling the database."""

    def __init__(self, services: Any, webhook_id: int, expected: int) -> None:
        self._webhook_id, self._expected = webhook_id, expected
        self._lock = threading.Lock()
        self.count, self.done = 0, threading.Event()
        services.bus.subscribe(self._seen, names=["hook_executed"])

    def _seen(self, envelope: dict) -> None:
        data = envelope["data"]
        if data["webhook_id"] == self._webhook_id and data["success"]:
            with self._lock:
                self.count += 1
                if self.count >= self._expected:
                    self.done.set()


def pipeline_rate(url: str, events: int, dead_url: str | None = None,
                  time_limit: float = 20.0) -> tuple[float, float]:
    """(healthy deliveries/s, CPU us per delivery) from the first emit to the last
    delivery stored as delivered (hook_log written, hook_executed emitted)."""
    with sublarr_app() as (app, services):
        healthy = add_webhook(app, services.api_key, url)
        if dead_url:
            add_webhook(app, services.api_key, dead_url)
        finished = _Finished(services, healthy, events)
        time.sleep(0.5)  # start-up work (migrations, first polls) is not measured
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(events):
            services.bus.emit("test", {"message": f"benchmark {i}"})
        finished.done.wait(time_limit)
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        done = finished.count
        assert delivered(services, healthy) >= done  # every announced delivery is stored
        return done / elapsed, cpu_s / max(done, 1) * 1e6


def emit_latency_and_rss(url: str, emits: int, paced: float) -> dict[str, float]:
    """emit p50/p99 (ms) with 100 webhooks subscribed, and RSS growth (MB)."""
    with sublarr_app() as (app, services):
        for _ in range(100):
            add_webhook(app, services.api_key, url, timeout=30)
        rss_before = rss_mb()
        samples, cpu = [], []
        for i in range(emits):
            start, start_cpu = time.perf_counter(), time.thread_time()
            services.bus.emit("test", {"message": f"latency {i}"})
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            if paced:
                time.sleep(paced)
        time.sleep(2.0)  # let the scheduler work on the backlog for a while
        return {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99),
                "max_ms": max(samples), "cpu_p50_ms": percentile(cpu, 50), "rss_growth_mb": rss_mb() - rss_before,
                "deliveries_queued": emits * 100}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tls_throughput() -> None:
    """(a) over TLS: both sides keep their connections, so the ratio stays that of
    plain HTTP; a handshake per delivery would show as a ratio far below it."""
    with nginx_receiver(tls=True) as (url, receiver):
        raw_pooled_loop(url, 200, CONCURRENCY)  # warm-up
        raws, pipelines = [], []
        for _ in range(2):
            raws.append(raw_pooled_loop(url, RAW_REQUESTS, CONCURRENCY))
            pipelines.append(pipeline_rate(url, PIPELINE_EVENTS))
        (raw, raw_cpu), (pipeline, pipeline_cpu) = max(raws), max(pipelines)
        print_table(f"over TLS (receiver: {receiver})", [
            {"case": f"raw pooled urllib3 loop (x{CONCURRENCY}), HTTPS", "per_s": raw,
             "cpu_us_each": raw_cpu, "ratio": "", "cpu_ratio": "", "target": ""},
            {"case": "(a, HTTPS) pipeline vs raw loop", "per_s": pipeline,
             "cpu_us_each": pipeline_cpu, "ratio": pipeline / raw,
             "cpu_ratio": raw_cpu / pipeline_cpu, "target": ">= 0.5"},
        ])


def main() -> None:
    if (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    rows: list[dict[str, object]] = []
    with nginx_receiver() as (url, receiver), dead_endpoint() as dead:
        raw_pooled_loop(url, 500, CONCURRENCY)  # warm-up
        # Three interleaved rounds, best of each: the machine is shared, and a
        # busy moment should not decide a ratio.
        raws, obviouses, alones, deads = [], [], [], []
        for _ in range(3):
            raws.append(raw_pooled_loop(url, RAW_REQUESTS, CONCURRENCY))
            obviouses.append(obvious_design(url, OBVIOUS_REQUESTS))
            alones.append(pipeline_rate(url, PIPELINE_EVENTS))
            deads.append(pipeline_rate(url, PIPELINE_EVENTS, dead_url=dead))
        (raw, raw_cpu), (obvious, obvious_cpu) = max(raws), max(obviouses)
        (alone, alone_cpu), (with_dead, dead_cpu) = max(alones), max(deads)
        rows += [
            {"case": f"raw pooled urllib3 loop (x{CONCURRENCY})", "per_s": raw,
             "cpu_us_each": raw_cpu, "ratio": "", "cpu_ratio": "", "target": ""},
            {"case": "obvious design (TPE(4), Session+Retry per send)", "per_s": obvious,
             "cpu_us_each": obvious_cpu, "ratio": "", "cpu_ratio": "", "target": ""},
            {"case": "(a) pipeline vs raw loop", "per_s": alone, "cpu_us_each": alone_cpu,
             "ratio": alone / raw, "cpu_ratio": raw_cpu / alone_cpu, "target": ">= 0.5"},
            {"case": "(b) pipeline vs obvious design", "per_s": alone, "cpu_us_each": alone_cpu,
             "ratio": alone / obvious, "cpu_ratio": obvious_cpu / alone_cpu, "target": ">= 2"},
            {"case": "(c) healthy with a dead endpoint vs alone", "per_s": with_dead,
             "cpu_us_each": dead_cpu, "ratio": with_dead / alone, "cpu_ratio": alone_cpu / dead_cpu,
             "target": ">= 0.9"},
        ]
        print_table(f"webhook delivery throughput (receiver: {receiver})", rows)
        if nginx_binary() is not None:
            tls_throughput()
        idle = emit_latency_and_rss(dead, BACKLOG_EVENTS, paced=0.0)
        busy = emit_latency_and_rss(url, LATENCY_EMITS, paced=0.1)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes on the machine slow every figure alike; ratios are same-run)")
    print_table("(d) emit latency with 100 webhooks subscribed, SQLite (target p99 <= 2 ms); "
                "(e) RSS growth with 100,000 deliveries waiting (target < 100 MB)", [
                    {"case": "100 webhooks -> dead endpoint (100,000 queued)", **idle},
                    {"case": "100 webhooks -> nginx, 10 emits/s, scheduler keeping up",
                     **busy},
                ])


if __name__ == "__main__":
    main()
