"""The scoring API tests search through the fake providers of tests/providers."""

from tests.providers.conftest import app_settings, fakes, provider_settings  # noqa: F401
