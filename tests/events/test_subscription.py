"""Filter matching semantics (the compiled predicates used on every emit)."""

from __future__ import annotations

import pytest

from sublarr.events.subscription import SubscriptionError, check, compile_filters

DATA = {"language": "de", "score": 612, "season": None, "providers": ["jimaku", "animetosho"],
        "title": "Frieren S01E05", "success": True}


@pytest.mark.parametrize("field, op, value, expected", [
    ("language", "=", "de", True),
    ("language", "=", "en", False),
    ("language", "!=", "en", True),
    ("language", "in", ["ja", "de"], True),
    ("language", "not_in", ["ja", "de"], False),
    ("score", ">", 600, True),
    ("score", "<", 600, False),
    ("score", "in", [612, 1], True),
    ("success", "=", True, True),
    ("success", "in", [1], False),      # 1 is not true
    ("score", "=", 612.0, True),
    ("season", "=", None, True),
    ("season", ">", 0, False),          # null compares with nothing
    ("title", "contains", "S01", True),
    ("providers", "contains", "jimaku", True),
    ("providers", "contains", "opensubtitles", False),
    ("missing", "=", "x", False),
    ("missing", "!=", "x", False),      # an absent field matches nothing
    ("missing", "not_in", ["x"], False),
])
def test_one_filter(field, op, value, expected):
    matches = compile_filters([{"field": field, "op": op, "value": value}])
    assert matches(DATA) is expected


def test_all_filters_must_match_and_no_filters_is_none():
    assert compile_filters([]) is None
    both = compile_filters([{"field": "language", "op": "=", "value": "de"},
                            {"field": "score", "op": ">", "value": 700}])
    assert both(DATA) is False
    assert both({**DATA, "score": 701}) is True


def test_check_names_the_offending_filter():
    with pytest.raises(SubscriptionError) as caught:
        check(["provider_search_complete"],
              [{"field": "providers", "op": "contains", "value": "jimaku"},
               {"field": "providers", "op": "contains", "value": 3}])
    assert caught.value.loc == ["filters", 1, "value"]
    events, filters = check(["provider_search_complete", "provider_search_complete"],
                            [{"field": "results_count", "op": "<", "value": 1}])
    assert events == ["provider_search_complete"] and filters[0]["op"] == "<"
