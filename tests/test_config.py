"""Settings precedence and masking (pure: no app, no DB)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sublarr.config import (
    bootstrap_keys,
    build_settings,
    editable_keys,
    env_overridden_keys,
    public_view,
    secret_keys,
)


def test_defaults_apply_without_any_source():
    settings = build_settings({}, {}, {})
    assert settings.port == 5765
    assert settings.host == "127.0.0.1"
    assert settings.hook_workers == 4


def test_stored_value_beats_default():
    assert build_settings({"hook_workers": 9}, {}, {}).hook_workers == 9


def test_environment_beats_stored_value():
    settings = build_settings({"hook_workers": 9}, {"SUBLARR_HOOK_WORKERS": "2"}, {})
    assert settings.hook_workers == 2


def test_override_beats_environment():
    settings = build_settings({}, {"SUBLARR_PORT": "6000"}, {"port": 7000})
    assert settings.port == 7000


def test_none_override_means_not_given():
    assert build_settings({}, {"SUBLARR_PORT": "6000"}, {"port": None}).port == 6000


def test_stored_bootstrap_value_is_ignored():
    settings = build_settings({"database_url": "sqlite:////elsewhere.db"}, {}, {})
    assert settings.database_url == ""


def test_invalid_stored_value_falls_back_to_default():
    assert build_settings({"hook_workers": "many"}, {}, {}).hook_workers == 4


def test_invalid_environment_value_is_an_error():
    with pytest.raises(ValidationError):
        build_settings({}, {"SUBLARR_HOOK_WORKERS": "many"}, {})


def test_api_key_is_secret_and_bootstrap():
    assert "api_key" in secret_keys()
    assert "api_key" in bootstrap_keys()
    assert "api_key" not in editable_keys()


def test_public_view_masks_set_secrets_and_shows_unset_as_empty():
    view = public_view(build_settings({}, {"SUBLARR_API_KEY": "abc123"}, {}))
    assert view["api_key"] == "***configured***"
    assert public_view(build_settings({}, {}, {}))["api_key"] == ""


def test_env_overridden_keys_lists_pinned_settings():
    assert env_overridden_keys({"SUBLARR_HOOK_WORKERS": "3", "OTHER": "x"}) == ["hook_workers"]


def test_json_looking_env_value_is_decoded():
    with pytest.raises(ValidationError):
        build_settings({}, {"SUBLARR_HOOK_WORKERS": "[1, 2]"}, {})
