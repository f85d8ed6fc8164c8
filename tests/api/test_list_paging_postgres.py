"""The same paging, cursor and filter tests on the real PostgreSQL (ILIKE, row order
by timestamptz and id, the IN (SELECT ... LIMIT) page query)."""

from __future__ import annotations

import pytest

from tests.api.test_list_paging import (  # noqa: F401 - collected again on PostgreSQL
    test_history_cursor_walk_is_newest_first_and_matches_offsets,
    test_history_text_search_and_filters,
    test_wanted_cursor_and_offset_pages_agree,
    test_wanted_filters_and_text_search_page_server_side,
)


@pytest.fixture
def app_settings(pg_url):
    return {"database_url": pg_url}
