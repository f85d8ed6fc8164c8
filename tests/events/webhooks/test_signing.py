"""Signing is pure and agrees with the standardwebhooks library and its test vector."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from sublarr.events.webhooks.signing import (
    SignatureError,
    body_signature,
    generate_secret,
    sign,
    signature_headers,
    signing_key,
    verify,
    verify_body_signature,
)

# The Standard Webhooks specification's published example.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_published_test_vector():
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG


def test_verify_accepts_the_vector_and_rejects_tampering():
    verify(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY, VECTOR_SIG)
    with pytest.raises(SignatureError):
        verify(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, b'{"test": 2432232315}', VECTOR_SIG)
    with pytest.raises(SignatureError):
        verify(VECTOR_SECRET, VECTOR_ID, VECTOR_TS + 1, VECTOR_BODY, VECTOR_SIG)
    with pytest.raises(SignatureError):
        verify(VECTOR_SECRET, "msg_other", VECTOR_TS, VECTOR_BODY, VECTOR_SIG)


def test_verify_finds_one_match_among_several_signatures():
    header = f"v1,AAAA v2,whatever {VECTOR_SIG}"
    verify(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY, header)
    with pytest.raises(SignatureError):
        verify(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY, "v2," + VECTOR_SIG[3:])


def test_library_verifies_our_headers_for_a_generated_secret():
    secret = generate_secret()
    body = '{"id":"evt_1","event_name":"test","data":{"message":"héllo"}}'.encode()
    headers = signature_headers(secret, "evt_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["data"]["message"] == "héllo"


def test_library_rejects_a_modified_body():
    secret = generate_secret()
    headers = signature_headers(secret, "evt_1", int(time.time()), b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)


def test_plain_secret_uses_its_utf8_bytes():
    assert signing_key("not-prefixed") == b"not-prefixed"
    expected = base64.b64encode(hmac.new(b"not-prefixed", b"m.5.{}", hashlib.sha256).digest())
    assert sign("not-prefixed", "m", 5, b"{}") == "v1," + expected.decode()
    # the library treats raw bytes the same way
    lib = Webhook(b"not-prefixed")
    headers = signature_headers("not-prefixed", "m", int(time.time()), b"{}")
    lib.verify(b"{}", headers)


def test_body_signature_is_hex_hmac_of_the_body():
    digest = hmac.new(b"s3cret", b"payload", hashlib.sha256).hexdigest()
    assert body_signature("s3cret", b"payload") == f"sha256={digest}"
    verify_body_signature("s3cret", b"payload", f"sha256={digest}")
    with pytest.raises(SignatureError):
        verify_body_signature("s3cret", b"payload!", f"sha256={digest}")


def test_generated_secrets_are_whsec_base64_of_24_bytes_and_unique():
    secrets = {generate_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret[6:])) == 24


def test_no_secret_means_no_signature_headers():
    assert signature_headers("", "evt", 1, b"{}") == {}
