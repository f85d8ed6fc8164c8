"""The environment and stdin of a hook script (SPEC "Hook scripts"): pure functions.

Built from scratch for every run, so no variable of Sublarr's own environment
can leak into a user's script; unit-tested without Flask, a database or a
process.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

VALUE_LIMIT_CHARS = 4096
INLINE_DATA_LIMIT_BYTES = 64 * 1024
_NOT_NAME_CHAR = re.compile(r"[^A-Z0-9_]")
RESERVED_VARIABLES = frozenset({
    "PATH", "HOME", "LANG", "SUBLARR_EVENT", "SUBLARR_EVENT_ID", "SUBLARR_EVENT_VERSION",
    "SUBLARR_EVENT_TIMESTAMP", "SUBLARR_EVENT_DATA", "SUBLARR_EVENT_DATA_FILE",
})



@dataclass(frozen=True)
class ScriptEnvironment:
    """The variables of one run, and the data file's text when ``data`` was too large."""

    variables: dict[str, str]
    data_file_text: str | None = None


def compact_json(value: Any) -> str:
    """JSON without spaces, non-ASCII kept readable."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def variable_name(key: str) -> str:
    """``SUBLARR_`` + the key upper-cased, every char outside ``A-Z0-9_`` turned into ``_``."""
    return "SUBLARR_" + _NOT_NAME_CHAR.sub("_", str(key).upper())


def variable_value(value: Any) -> str:
    """A payload value as text: strings as is, JSON literals for the rest, null as empty."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, float) and not math.isfinite(value):
        text = str(value)
    elif isinstance(value, (int, float)):
        text = json.dumps(value)
    else:
        text = compact_json(value)
    return safe_text(text)[:VALUE_LIMIT_CHARS]


def safe_text(text: str) -> str:
    """``text`` without NULs and encodable as UTF-8 (lone surrogates become ``?``)."""
    text = text.replace("\0", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def build_environment(
    envelope: Mapping[str, Any], *, path: str, home: str, data_file: str
) -> ScriptEnvironment:
    """The complete environment of a script run, built from scratch.

    ``data_file`` is where the caller will write ``data`` when its JSON is
    larger than 64 KiB.  A payload key whose variable name collides with an
    envelope variable (``event_id`` → ``SUBLARR_EVENT_ID``) is left out: the
    envelope variables keep their documented meaning, and the key is still in
    ``SUBLARR_EVENT_DATA`` and on stdin.  When two keys map to one name the
    first one wins.
    """
    data = envelope.get("data") or {}
    variables = {
        "PATH": safe_text(path),
        "HOME": home,
        "LANG": "C.UTF-8",
        "SUBLARR_EVENT": safe_text(str(envelope.get("event_name", ""))),
        "SUBLARR_EVENT_ID": safe_text(str(envelope.get("id", ""))),
        "SUBLARR_EVENT_VERSION": str(envelope.get("version", "")),
        "SUBLARR_EVENT_TIMESTAMP": safe_text(str(envelope.get("timestamp", ""))),
    }
    data_json = safe_text(compact_json(data))
    data_file_text = None
    if len(data_json.encode("utf-8")) > INLINE_DATA_LIMIT_BYTES:
        variables["SUBLARR_EVENT_DATA_FILE"] = data_file
        data_file_text = data_json
    else:
        variables["SUBLARR_EVENT_DATA"] = data_json
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = variable_name(key)
            if name not in RESERVED_VARIABLES and name not in variables:
                variables[name] = variable_value(value)
    return ScriptEnvironment(variables, data_file_text)


def stdin_document(envelope: Mapping[str, Any]) -> bytes:
    """What the script reads on stdin: the envelope as compact UTF-8 JSON."""
    return safe_text(compact_json(dict(envelope))).encode("utf-8")
