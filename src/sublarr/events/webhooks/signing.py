"""Webhook signatures: ``X-Sublarr-Signature`` and the Standard Webhooks headers.

Pure functions, no I/O.  ``sign``/``verify`` are inverses; comparisons are
constant-time.  See SPEC "Outgoing webhooks" for the exact contract.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
SECRET_RANDOM_BYTES = 24


class SignatureError(ValueError):
    """A signature header that does not match the body."""


def generate_secret() -> str:
    """A new ``whsec_`` secret: base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_RANDOM_BYTES)).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The HMAC key of the Standard Webhooks signature.

    ``whsec_<base64>`` secrets use the decoded bytes (what the ``standardwebhooks``
    library does); any other secret is used as its UTF-8 bytes.
    """
    if secret.startswith(SECRET_PREFIX):
        encoded = secret[len(SECRET_PREFIX):]
        try:
            return base64.b64decode(encoded + "==")
        except (binascii.Error, ValueError):
            pass  # not valid base64 after all: fall back to the raw text
    return secret.encode("utf-8")


def body_signature(secret: str, body: bytes) -> str:
    """``X-Sublarr-Signature`` value: ``sha256=<hex HMAC-SHA256(secret, body)>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks ``webhook-signature``: ``v1,<base64 HMAC(key, id.ts.body)>``."""
    signed = b"%s.%d.%s" % (msg_id.encode("utf-8"), timestamp, body)
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def verify(secret: str, msg_id: str, timestamp: int, body: bytes, signature_header: str) -> None:
    """Raise :class:`SignatureError` unless one ``v1`` signature in the header matches.

    The header may list several space-separated signatures (key rotation).
    Timestamp tolerance is the receiver's policy and is not checked here.
    """
    expected = sign(secret, msg_id, timestamp, body).encode("ascii")
    for candidate in signature_header.split():
        if candidate.startswith(SIGNATURE_VERSION + ",") and hmac.compare_digest(
            candidate.encode("ascii", "replace"), expected
        ):
            return
    raise SignatureError("no matching webhook signature")


def verify_body_signature(secret: str, body: bytes, header: str) -> None:
    """Raise :class:`SignatureError` unless ``X-Sublarr-Signature`` matches ``body``."""
    if not hmac.compare_digest(header.encode("ascii", "replace"),
                               body_signature(secret, body).encode("ascii")):
        raise SignatureError("X-Sublarr-Signature does not match")


def signature_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every signature header of one attempt (empty when no secret is set)."""
    if not secret:
        return {}
    return {
        "X-Sublarr-Signature": body_signature(secret, body),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
