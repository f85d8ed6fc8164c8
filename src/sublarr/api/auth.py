"""API-key authentication for HTTP and Socket.IO."""

from __future__ import annotations

import base64
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Mapping

log = logging.getLogger(__name__)
KEY_FILE = "api_key"


def key_file(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def read_or_create_key(data_dir: Path, configured: str = "") -> tuple[str, bool]:
    """The API key and whether it was generated just now.

    A configured key (``SUBLARR_API_KEY``) wins; otherwise the key kept in
    the data dir, created (mode 0600) on first start.
    """
    if configured:
        return configured, False
    path = key_file(data_dir)
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key, True


def key_matches(expected: str, candidate: object) -> bool:
    """Constant-time comparison; an empty or non-string candidate never matches."""
    if not candidate or not isinstance(candidate, str):
        return False
    # surrogatepass: a lone surrogate (valid in JSON text) must not raise here.
    return hmac.compare_digest(expected.encode(), candidate.encode("utf-8", "surrogatepass"))


def key_from_request(headers: Mapping[str, str], args: Mapping[str, str]) -> str | None:
    """The key a client sent: ``X-Api-Key``, ``?apikey=`` or the HTTP Basic password."""
    if headers.get("X-Api-Key"):
        return headers["X-Api-Key"]
    if args.get("apikey"):
        return args["apikey"]
    auth = headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None
