"""When the worker's event loop has a whole request and may start a thread for it."""

from __future__ import annotations

from sublarr.server_worker import request_complete


def test_a_head_without_a_body_is_complete_at_the_blank_line():
    assert not request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n")
    assert request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def test_a_body_announced_by_content_length_must_have_arrived():
    head = b"POST /a HTTP/1.1\r\nHost: x\r\ncontent-LENGTH: 5\r\n\r\n"
    assert not request_complete(head + b"abc")
    assert request_complete(head + b"abcde")


def test_a_chunked_body_is_complete_at_its_last_chunk():
    head = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert not request_complete(head + b"3\r\nabc\r\n")
    assert request_complete(head + b"3\r\nabc\r\n0\r\n\r\n")
