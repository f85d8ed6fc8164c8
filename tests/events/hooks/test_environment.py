"""The script environment and stdin document: pure functions, no Flask, no DB, no process."""

from __future__ import annotations

import json

from sublarr.events.hooks.environment import (
    INLINE_DATA_LIMIT_BYTES,
    VALUE_LIMIT_CHARS,
    build_environment,
    stdin_document,
    variable_name,
    variable_value,
)

PATH = "/usr/local/bin:/usr/bin:/bin"
HOME = "/tmp/sublarr-hook-x"
DATA_FILE = "/tmp/sublarr-hook-x/event_data.json"


def envelope(data, name="subtitle_downloaded"):
    return {"id": "evt_01ABC", "event_name": name, "version": 1,
            "timestamp": "2026-01-01T12:00:00.123456Z", "data": data}


def env_of(data, **kw):
    return build_environment(envelope(data, **kw), path=PATH, home=HOME, data_file=DATA_FILE)


def test_envelope_variables_and_nothing_else_for_empty_data():
    env = env_of({})
    assert env.variables == {
        "PATH": PATH, "HOME": HOME, "LANG": "C.UTF-8",
        "SUBLARR_EVENT": "subtitle_downloaded", "SUBLARR_EVENT_ID": "evt_01ABC",
        "SUBLARR_EVENT_VERSION": "1", "SUBLARR_EVENT_TIMESTAMP": "2026-01-01T12:00:00.123456Z",
        "SUBLARR_EVENT_DATA": "{}",
    }
    assert env.data_file_text is None


def test_values_are_formatted_per_type():
    data = {"title": "Frieren", "score": 612, "ratio": 0.5, "ok": True, "bad": False,
            "season": None, "providers": ["a", "b"], "extra": {"k": 1}}
    variables = env_of(data).variables
    assert variables["SUBLARR_TITLE"] == "Frieren"
    assert variables["SUBLARR_SCORE"] == "612"
    assert variables["SUBLARR_RATIO"] == "0.5"
    assert variables["SUBLARR_OK"] == "true"
    assert variables["SUBLARR_BAD"] == "false"
    assert variables["SUBLARR_SEASON"] == ""
    assert variables["SUBLARR_PROVIDERS"] == '["a","b"]'
    assert variables["SUBLARR_EXTRA"] == '{"k":1}'
    assert json.loads(variables["SUBLARR_EVENT_DATA"]) == data


def test_hostile_keys_are_sanitised():
    data = {"media path": 1, "sub-title": 2, "tïtle": 3, "日本": 4, "a.b/c": 5, "lower_ok9": 6}
    variables = env_of(data).variables
    assert variables["SUBLARR_MEDIA_PATH"] == "1"
    assert variables["SUBLARR_SUB_TITLE"] == "2"
    assert variables["SUBLARR_T_TLE"] == "3"
    assert variables["SUBLARR___"] == "4"
    assert variables["SUBLARR_A_B_C"] == "5"
    assert variables["SUBLARR_LOWER_OK9"] == "6"
    for name in variables:
        assert all(c.isascii() and (c.isupper() or c.isdigit() or c == "_") for c in name)


def test_variable_name_rule():
    assert variable_name("subtitle_path") == "SUBLARR_SUBTITLE_PATH"
    assert variable_name("a b-c") == "SUBLARR_A_B_C"
    assert variable_name("ß") == "SUBLARR_SS"  # upper-cased first, then filtered


def test_first_key_wins_when_two_keys_map_to_one_name():
    variables = env_of({"a b": "first", "a-b": "second"}).variables
    assert variables["SUBLARR_A_B"] == "first"


def test_payload_keys_never_override_envelope_variables():
    data = {"event_id": "evt_other", "event": "fake", "event_data": "x", "path": "/evil"}
    variables = env_of(data, name="hook_executed").variables
    assert variables["SUBLARR_EVENT_ID"] == "evt_01ABC"
    assert variables["SUBLARR_EVENT"] == "hook_executed"
    assert json.loads(variables["SUBLARR_EVENT_DATA"]) == data
    assert variables["PATH"] == PATH
    assert variables["SUBLARR_PATH"] == "/evil"


def test_newlines_kept_and_nuls_removed():
    variables = env_of({"msg": "line1\nline2\0end", "nested": ["a\0b"]}).variables
    assert variables["SUBLARR_MSG"] == "line1\nline2end"
    assert "\0" not in "".join(variables.values())
    assert json.loads(variables["SUBLARR_EVENT_DATA"])["msg"] == "line1\nline2\0end"


def test_each_key_variable_is_capped_at_4096_chars():
    variables = env_of({"big": "x" * 10_000, "list": ["y" * 5000]}).variables
    assert len(variables["SUBLARR_BIG"]) == VALUE_LIMIT_CHARS
    assert len(variables["SUBLARR_LIST"]) == VALUE_LIMIT_CHARS


def test_lone_surrogates_cannot_break_the_environment():
    variables = env_of({"weird": "a\ud800b"}).variables
    for value in variables.values():
        value.encode("utf-8")
    assert variables["SUBLARR_WEIRD"] == "a?b"


def test_data_up_to_64_kib_is_inline():
    text = "x" * (INLINE_DATA_LIMIT_BYTES - len('{"k":""}'))
    env = env_of({"k": text})
    assert len(env.variables["SUBLARR_EVENT_DATA"].encode()) == INLINE_DATA_LIMIT_BYTES
    assert env.data_file_text is None


def test_data_over_64_kib_goes_to_a_file():
    data = {"k": "é" * 40_000}  # 80,000 bytes in UTF-8, 40,000 chars
    env = env_of(data)
    assert "SUBLARR_EVENT_DATA" not in env.variables
    assert env.variables["SUBLARR_EVENT_DATA_FILE"] == DATA_FILE
    assert json.loads(env.data_file_text) == data
    assert len(env.variables["SUBLARR_K"]) == VALUE_LIMIT_CHARS


def test_one_megabyte_payload():
    data = {"blob": "z" * 1_000_000, "small": 1}
    env = env_of(data)
    assert json.loads(env.data_file_text) == data
    assert env.variables["SUBLARR_SMALL"] == "1"
    assert sum(len(v) for v in env.variables.values()) < 10_000


def test_variable_value_of_non_finite_float_is_text():
    assert variable_value(float("inf")) == "inf"


def test_stdin_document_is_the_envelope_as_compact_utf8_json():
    env = envelope({"title": "日本語", "n": None})
    raw = stdin_document(env)
    assert json.loads(raw.decode("utf-8")) == env
    assert b" " not in raw.replace("日本語".encode(), b"")
    assert "日本語".encode() in raw
