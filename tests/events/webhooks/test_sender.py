"""HttpSender (urllib3, a keep-alive pool per origin) against real servers on 127.0.0.1."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from typing import Callable, Iterator

import pytest

from sublarr.events.webhooks.sender import HttpSender
from tests.events.webhooks.conftest import RawServer, never_answers, read_request, wait_until
from tests.support.http import Reply, TestServer

HEADERS = {"Content-Type": "application/json", "User-Agent": "Sublarr-Webhook/1.0"}
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
Handler = Callable[[socket.socket, RawServer], None]


class Requests:
    """What a raw server saw: one (connection id, request bytes) per request."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, bytes]] = []
        self.closed = threading.Event()

    def connections(self) -> set[int]:
        return {conn for conn, _ in self.seen}


def serve(answer: Callable[[int, bytes], bytes | None], log: Requests) -> Handler:
    """Answer each request on a connection with ``answer(index on conn, request)``.

    ``None`` closes the connection without an answer.
    """
    def handle(conn: socket.socket, server: RawServer) -> None:
        index = 0
        while request := read_request(conn):
            log.seen.append((id(conn), request))
            reply = answer(index, request)
            if reply is None:
                break
            conn.sendall(reply)
            index += 1
        conn.close()
        log.closed.set()
    return handle


@pytest.fixture
def sender() -> Iterator[HttpSender]:
    sender = HttpSender(max_connections=2)
    yield sender
    sender.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    started: list[RawServer] = []

    def start(handle: Handler) -> RawServer:
        started.append(RawServer(handle))
        return started[-1]
    yield start
    for server in started:
        server.stop()


def test_keep_alive_connection_is_reused(sender, raw_server):
    log = Requests()
    server = raw_server(serve(lambda i, req: NO_CONTENT, log))
    first = sender.post(server.url, b'{"n":1}', HEADERS, 5)
    second = sender.post(server.url, b'{"n":2}', HEADERS, 5)
    assert first.status_code == second.status_code == 204
    assert len(log.seen) == 2 and len(log.connections()) == 1


def test_idle_connection_closed_by_server_is_replaced(sender, raw_server):
    log = Requests()

    def answer_once_then_close(conn: socket.socket, server: RawServer) -> None:
        log.seen.append((id(conn), read_request(conn)))
        conn.sendall(NO_CONTENT)  # keep-alive, as far as the client can tell
        conn.close()
        log.closed.set()

    server = raw_server(answer_once_then_close)
    assert sender.post(server.url, b"{}", HEADERS, 5).status_code == 204
    wait_until(log.closed.is_set)
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code == 204 and result.error is None
    assert server.connections == 2 and len(log.seen) == 2


def test_stale_reused_connection_is_retried_once_on_a_new_one(sender, raw_server):
    log = Requests()
    # the first connection answers once, then takes the next request and hangs up
    server = raw_server(serve(lambda i, req: NO_CONTENT if i == 0 else None, log))
    assert sender.post(server.url, b"{}", HEADERS, 5).status_code == 204
    result = sender.post(server.url, b'{"again":1}', HEADERS, 5)
    assert result.status_code == 204
    assert server.connections == 2 and len(log.seen) == 3


def test_fresh_connection_hanging_up_is_not_retried(sender, raw_server):
    log = Requests()
    server = raw_server(serve(lambda i, req: None, log))
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code is None
    assert result.error.startswith(("RemoteDisconnected:", "ConnectionResetError:"))
    assert len(log.seen) == 1


def echo(index: int, request: bytes) -> bytes:
    body = request.partition(b"\r\n\r\n")[2]
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def test_concurrent_posts_never_share_a_connection(sender, raw_server):
    log = Requests()
    server = raw_server(serve(echo, log))
    mismatches: list[str] = []

    def worker(n: int) -> None:
        for i in range(25):
            body = f'{{"worker":{n},"i":{i}}}'
            result = sender.post(server.url, body.encode(), HEADERS, 5)
            if result.excerpt != body:
                mismatches.append(f"{body} -> {result.excerpt} {result.error}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert mismatches == []
    assert len(log.seen) == 200
    # each request arrived whole: one head, one body of the announced length
    assert all(req.count(b"POST ") == 1 for _, req in log.seen)


def test_huge_body_is_not_drained(sender, raw_server):
    sent = [0]
    finished = threading.Event()

    def huge(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (50 * 1024 * 1024))
        conn.settimeout(10)
        try:
            while sent[0] < 50 * 1024 * 1024:
                conn.sendall(b"x" * 65536)
                sent[0] += 65536
        except OSError:
            finished.set()  # the client closed the connection

    server = raw_server(huge)
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code == 200 and result.excerpt == "x" * 4096
    wait_until(finished.is_set, timeout=15)
    assert sent[0] < 50 * 1024 * 1024


def test_chunked_body_is_read_and_connection_reused(sender, raw_server):
    log = Requests()
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
    server = raw_server(serve(lambda i, req: chunked, log))
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "hello"
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "hello"
    assert len(log.connections()) == 1


def test_connection_close_response_is_not_reused(sender, raw_server):
    log = Requests()
    # the server announces the close but keeps the socket open
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    server = raw_server(serve(lambda i, req: closing, log))
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "ok"
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "ok"
    assert len(log.connections()) == 2


def test_non_utf8_body_and_retry_after(sender, raw_server):
    reply = b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\n\xffok\xfe"
    server = raw_server(serve(lambda i, req: reply, Requests()))
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code == 429 and result.error == "HTTP 429"
    assert result.excerpt == "\ufffdok\ufffd" and result.retry_after == 7.0


def test_never_answering_server_times_out(sender, raw_server):
    server = raw_server(never_answers)
    result = sender.post(server.url, b"{}", HEADERS, 0.5)
    assert result.status_code is None and result.error == "Timeout after 0.5s"


def test_refused_connection_is_an_error_result(sender):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = sender.post(f"http://127.0.0.1:{port}/", b"{}", HEADERS, 5)
    assert result.status_code is None and result.error.startswith("ConnectionRefusedError:")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:80/x",
                                 "http:///nohost", "http://127.0.0.1:99999/"])
def test_unusable_url_is_an_error_result(sender, url):
    result = sender.post(url, b"{}", HEADERS, 5)
    assert result.status_code is None and result.error.startswith("InvalidRequest:")


@pytest.mark.parametrize("name,value", [
    ("Authorization", "Bearer s3cret\r\nX-Evil: 1"), ("Authorization", "Bearer s3cret\n"),
    ("Authorization", "s3cret\x00"), ("Authorization", "s3cret \u2603"),
    ("X Bad:Name", "s3cret"),
])
def test_invalid_header_is_an_error_result(sender, name, value):
    with TestServer() as server:
        result = sender.post(server.url, b"{}", {**HEADERS, name: value}, 5)
        assert server.requests == []
    assert result.status_code is None and result.error.startswith("InvalidRequest:")
    assert "s3cret" not in result.error


def test_query_string_is_preserved(sender):
    with TestServer(lambda req: Reply(200, "fine")) as server:
        result = sender.post(server.url + "/in?token=abc&x=1", b"{}", HEADERS, 5)
        [req] = server.requests
    assert result.excerpt == "fine"
    assert req.path == "/in" and req.query == {"token": ["abc"], "x": ["1"]}


def test_evicted_origin_gets_a_new_connection(raw_server):
    sender = HttpSender(max_connections=2, max_pools=1)
    first, second = Requests(), Requests()
    a = raw_server(serve(lambda i, req: NO_CONTENT, first))
    b = raw_server(serve(lambda i, req: NO_CONTENT, second))
    try:
        results = [sender.post(url, b"{}", HEADERS, 5) for url in (a.url, b.url, a.url)]
    finally:
        sender.close()
    assert [r.status_code for r in results] == [204, 204, 204]
    assert len(first.connections()) == 2


def self_signed_cert(directory) -> tuple[str, str]:  # noqa: ANN001
    """A self-signed certificate for ``localhost`` and 127.0.0.1 (its own CA)."""
    import ipaddress

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = x509.SubjectAlternativeName([
        x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(names, critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_self_signed_https_certificate_is_rejected(sender, raw_server, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def tls(conn: socket.socket, server: RawServer) -> None:
        conn.settimeout(5)
        with context.wrap_socket(conn, server_side=True):
            pass  # the client aborts the handshake

    server = raw_server(tls)
    result = sender.post(f"https://127.0.0.1:{server.port}/hook", b"{}", HEADERS, 5)
    assert result.status_code is None
    assert result.error.startswith("SSLCertVerificationError:")
    assert "certificate verify failed" in result.error


def test_trusted_https_endpoint_gets_the_post_over_one_kept_alive_connection(
        raw_server, tmp_path, monkeypatch):
    """TLS comes from urllib3's connection: the certificate is checked against the
    trusted CAs (here ours, through SSL_CERT_FILE), the host name is sent as SNI,
    and the connection is kept for the next attempt."""
    cert, key = self_signed_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server_names: list[str | None] = []
    context.sni_callback = lambda tls_sock, name, ctx: server_names.append(name)
    bodies: list[bytes] = []

    def tls(conn: socket.socket, server: RawServer) -> None:
        conn.settimeout(5)
        with context.wrap_socket(conn, server_side=True) as secure:
            while request := read_request(secure):
                bodies.append(request.partition(b"\r\n\r\n")[2])
                secure.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = raw_server(tls)
    sender = HttpSender(max_connections=2)
    try:
        first = sender.post(f"https://localhost:{server.port}/hook", b'{"n":1}', HEADERS, 5)
        second = sender.post(f"https://localhost:{server.port}/hook", b'{"n":2}', HEADERS, 5)
    finally:
        sender.close()
    assert (first.status_code, first.excerpt, first.error) == (200, "ok", None)
    assert (second.status_code, second.excerpt) == (200, "ok")
    assert bodies == [b'{"n":1}', b'{"n":2}']
    assert server.connections == 1
    assert server_names == ["localhost"]


def send_in_pieces(*pieces: bytes) -> Handler:
    """Answer each request with ``pieces``, each its own segment (a pause between them)."""
    def handle(conn: socket.socket, server: RawServer) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while read_request(conn):
            for piece in pieces:
                conn.sendall(piece)
                time.sleep(0.02)  # so the client's recv sees the pieces apart
        conn.close()
    return handle


def test_chunked_body_split_across_reads_is_reassembled(sender, raw_server):
    server = raw_server(send_in_pieces(
        b"HTTP/1.1 200 OK\r\nTransfer-", b"Encoding: chunked\r\n\r\n5\r\nhel",
        b"lo\r\n6\r\n world\r", b"\n0\r\n\r\n"))
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "hello world"
    assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "hello world"
    assert server.connections == 1


def test_close_delimited_body_is_read_to_eof(sender, raw_server):
    def answer_and_close(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil ")
        conn.sendall(b"the end")
        conn.close()

    server = raw_server(answer_and_close)
    first = sender.post(server.url, b"{}", HEADERS, 5)
    second = sender.post(server.url, b"{}", HEADERS, 5)
    assert first.excerpt == second.excerpt == "until the end" and first.error is None
    assert server.connections == 2


def test_garbage_instead_of_a_status_line_is_an_error_result(sender, raw_server):
    server = raw_server(serve(lambda i, req: b"SSH-2.0-OpenSSH_9.6\r\n\r\n", Requests()))
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code is None and result.error.startswith("BadStatusLine:")


def test_response_with_extra_bytes_after_it_is_not_reused(sender, raw_server):
    log = Requests()
    server = raw_server(serve(lambda i, req: NO_CONTENT + b"HTTP/1.1 200 OK\r\n", log))
    assert sender.post(server.url, b"{}", HEADERS, 5).status_code == 204
    assert sender.post(server.url, b"{}", HEADERS, 5).status_code == 204
    assert len(log.connections()) == 2


def test_interim_1xx_response_is_skipped(sender, raw_server):
    log = Requests()
    reply = (b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
             b"HTTP/1.1 503 Busy\r\nRetry-After: 3\r\nContent-Length: 4\r\n\r\nbusy")
    server = raw_server(serve(lambda i, req: reply, log))
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert (result.status_code, result.excerpt, result.retry_after) == (503, "busy", 3.0)
    assert sender.post(server.url, b"{}", HEADERS, 5).status_code == 503
    assert len(log.connections()) == 1


def test_body_cut_short_is_a_failure(sender, raw_server):
    def truncated(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        conn.close()

    result = sender.post(raw_server(truncated).url, b"{}", HEADERS, 5)
    assert not result.success and result.status_code is None
    assert result.error.startswith("IncompleteRead")


def test_request_head_names_host_port_and_length(sender, raw_server):
    log = Requests()
    server = raw_server(serve(lambda i, req: NO_CONTENT, log))
    sender.post(server.url + "?a=1", b'{"n":1}', {**HEADERS, "X-Extra": "v"}, 5)
    [(_, request)] = log.seen
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /hook?a=1 HTTP/1.1" and body == b'{"n":1}'
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: 7" in lines and b"X-Extra: v" in lines


def test_caller_framing_header_is_an_error_result(sender):
    with TestServer() as server:
        result = sender.post(server.url, b"{}", {**HEADERS, "content-length": "99"}, 5)
        assert server.requests == []
    assert result.status_code is None and result.error.startswith("InvalidRequest:")


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_flood_of_response_headers_is_a_failure_without_holding_it(sender, raw_server):
    flood = 50 * 1024 * 1024
    sent = [0]

    def headers_forever(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Fill: " + b"a" * 1000 + b"\r\n"
        conn.settimeout(10)
        while sent[0] < flood:
            conn.sendall(line * 64)  # stops with an error once the client hangs up
            sent[0] += len(line) * 64

    before = rss_kib()
    result = sender.post(raw_server(headers_forever).url, b"{}", HEADERS, 30)
    growth_mb = (rss_kib() - before) / 1024
    assert not result.success and result.status_code is None
    assert "ResponseHeadTooLarge" in result.error
    assert growth_mb < 20
    assert sent[0] < flood


def test_body_trickled_past_the_deadline_is_a_failure_in_time(sender, raw_server):
    def trickle(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
        for _ in range(40):
            time.sleep(1)
            conn.sendall(b"x")  # raises once the client hung up

    started = time.monotonic()
    result = sender.post(raw_server(trickle).url, b"{}", HEADERS, 3)
    elapsed = time.monotonic() - started
    assert not result.success and result.status_code is None
    assert result.error == "Timeout after 3s"
    assert elapsed < 4


def test_head_trickled_past_the_deadline_is_a_failure_in_time(sender, raw_server):
    def trickle(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 40:
            conn.sendall(bytes([byte]))
            time.sleep(0.25)

    started = time.monotonic()
    result = sender.post(raw_server(trickle).url, b"{}", HEADERS, 2)
    assert result.error == "Timeout after 2s" and result.status_code is None
    assert time.monotonic() - started < 3


def test_late_response_does_not_spoil_the_next_attempt(sender, raw_server):
    log = Requests()

    def slow_then_fast(index: int, request: bytes) -> bytes:
        if index == 0:
            time.sleep(1.5)
        return NO_CONTENT

    server = raw_server(serve(slow_then_fast, log))
    assert sender.post(server.url, b"{}", HEADERS, 1).error == "Timeout after 1s"
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code == 204 and result.error is None


def test_folded_and_stray_head_lines_are_read_as_http_client_reads_them(sender, raw_server):
    reply = (b"HTTP/1.1 429 Too Many\r\nRetry-After:\r\n 7\r\nnot a field\r\n"
             b"Content-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
    log = Requests()
    server = raw_server(serve(lambda i, req: reply, log))
    first = sender.post(server.url, b"{}", HEADERS, 5)
    second = sender.post(server.url, b"{}", HEADERS, 5)
    assert (first.status_code, first.retry_after, first.excerpt) == (429, 7.0, "ok")
    assert second.excerpt == "ok" and len(log.connections()) == 1  # framed, so kept alive


def test_more_than_a_hundred_response_headers_is_a_failure(sender, raw_server):
    reply = (b"HTTP/1.1 204 No Content\r\n" + b"X-N: 1\r\n" * 101 + b"\r\n")
    server = raw_server(serve(lambda i, req: reply, Requests()))
    result = sender.post(server.url, b"{}", HEADERS, 5)
    assert result.status_code is None and "more than 100 headers" in result.error


def test_http_1_0_answer_without_keep_alive_closes_the_connection(sender, raw_server):
    reply = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
    log = Requests()
    server = raw_server(serve(lambda i, req: reply, log))
    for _ in range(2):
        assert sender.post(server.url, b"{}", HEADERS, 5).excerpt == "ok"
    assert len(log.connections()) == 2
