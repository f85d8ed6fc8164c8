"""What a subscriber (hook, webhook) listens to: an event set and payload filters.

``events`` is a list of catalog names or ``["*"]``; ``filters`` is a list of
``{"field", "op", "value"}`` that must all match the event's ``data`` (SPEC
"Subscriptions").  :func:`check` validates both against each named event's
published JSON Schema when a subscriber is saved; :func:`compile_filters`
turns saved filters into one predicate, built when configs reload, so
matching on ``emit`` is a few dict look-ups and comparisons.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Mapping, Sequence

from sublarr.events.catalog import CATALOG, WILDCARD

OPS = ("=", "!=", "in", "not_in", "<", ">", "contains")
MAX_FILTERS = 20
MAX_LIST_VALUES = 100
Predicate = Callable[[Mapping[str, Any]], bool]
_MISSING = object()
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class SubscriptionError(ValueError):
    """A bad event set or filter; ``loc`` points at the offending input."""

    def __init__(self, message: str, loc: Sequence[Any]) -> None:
        super().__init__(message)
        self.loc = list(loc)


# --------------------------------------------------------------------------- validation


def resolve_events(events: Sequence[str] | None, event_name: str | None) -> list[str] | None:
    """The event set from ``events`` or the old single ``event_name`` (None: neither given)."""
    if events is not None and event_name is not None and list(events) != [event_name]:
        raise SubscriptionError("send either events or event_name, not both", ["events"])
    if events is None:
        return None if event_name is None else [event_name]
    return list(events)


def check(events: Sequence[str], filters: Sequence[Mapping[str, Any]]) -> tuple[list[str],
                                                                                   list[dict]]:
    """Validated ``(events, filters)``; a :class:`SubscriptionError` otherwise."""
    names = _check_events(events)
    if not isinstance(filters, (list, tuple)):
        raise SubscriptionError("filters must be a list", ["filters"])
    if len(filters) > MAX_FILTERS:
        raise SubscriptionError(f"at most {MAX_FILTERS} filters", ["filters"])
    schemas = [CATALOG[n] for n in CATALOG] if names == [WILDCARD] else [CATALOG[n] for n in names]
    return names, [_check_filter(i, f, schemas, names == [WILDCARD])
                   for i, f in enumerate(filters)]


def _check_events(events: Sequence[str]) -> list[str]:
    if not isinstance(events, (list, tuple)) or not events:
        raise SubscriptionError("events must be a non-empty list of catalog event names or "
                                "['*']", ["events"])
    seen: list[str] = []
    for i, name in enumerate(events):
        if not isinstance(name, str) or (name != WILDCARD and name not in CATALOG):
            raise SubscriptionError(f"unknown event {name!r}: use a catalog event name or '*'",
                                    ["events", i])
        if name not in seen:
            seen.append(name)
    if WILDCARD in seen and len(seen) > 1:
        raise SubscriptionError("'*' already means every event; send it alone", ["events"])
    return seen


def _check_filter(index: int, raw: Any, specs: list, wildcard: bool) -> dict[str, Any]:
    loc = ["filters", index]
    if not isinstance(raw, Mapping) or set(raw) != {"field", "op", "value"}:
        raise SubscriptionError("a filter is an object with exactly field, op and value", loc)
    field, op, value = raw["field"], raw["op"], raw["value"]
    if op not in OPS:
        raise SubscriptionError(f"op must be one of {', '.join(OPS)}", [*loc, "op"])
    if not isinstance(field, str):
        raise SubscriptionError("field must be a string", [*loc, "field"])
    having = [(s.name, s.json_schema().get("properties", {}).get(field)) for s in specs]
    having = [(name, prop) for name, prop in having if prop is not None]
    missing = [s.name for s in specs if s.name not in {n for n, _ in having}]
    if not having or (missing and not wildcard):
        where = ", ".join(missing) if missing else "any event"
        raise SubscriptionError(f"unknown field {field!r} for {where}", [*loc, "field"])
    for name, prop in having:
        problem = _value_problem(op, value, prop)
        if problem:
            raise SubscriptionError(f"filter on {field!r} ({name}): {problem}", [*loc, "value"])
    return {"field": field, "op": op, "value": value}


def _types(prop: Mapping[str, Any]) -> set[str]:
    if "anyOf" in prop:
        return set().union(*(_types(p) for p in prop["anyOf"]))
    if "const" in prop and "type" not in prop:
        return {_type_name(prop["const"])}
    kind = prop.get("type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if kind else set(_JSON_TYPES)


def _type_name(value: Any) -> str:
    return next(name for name, fits in _JSON_TYPES.items() if fits(value))


def _enum(prop: Mapping[str, Any]) -> list[Any] | None:
    for part in prop.get("anyOf", [prop]):
        if "enum" in part:
            return list(part["enum"])
    return None


def _fits(value: Any, prop: Mapping[str, Any]) -> bool:
    types = _types(prop)
    if not any(_JSON_TYPES[t](value) for t in types if t in _JSON_TYPES):
        return False
    allowed = _enum(prop)
    return allowed is None or value is None or value in allowed


def _value_problem(op: str, value: Any, prop: Mapping[str, Any]) -> str | None:
    types = _types(prop)
    kinds = ", ".join(sorted(types))
    if op in ("=", "!="):
        return None if _fits(value, prop) else f"value {value!r} does not fit type {kinds}"
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or len(value) > MAX_LIST_VALUES:
            return f"value must be a list of 1 to {MAX_LIST_VALUES} values for {op}"
        bad = [v for v in value if not _fits(v, prop) or isinstance(v, (list, dict))]
        return f"values {bad!r} do not fit type {kinds}" if bad else None
    if op in ("<", ">"):
        if not types & {"integer", "number"}:
            return f"{op} needs a numeric field (this one is {kinds})"
        return None if _JSON_TYPES["number"](value) else "value must be a number"
    # contains
    if "array" in types:
        item = prop.get("items") or next((p.get("items") for p in prop.get("anyOf", [])
                                          if p.get("items")), {})
        return None if _fits(value, item) else f"value {value!r} does not fit the list's items"
    if "string" in types:
        return None if isinstance(value, str) else "value must be a string for contains"
    return f"contains needs a text or list field (this one is {kinds})"


# --------------------------------------------------------------------------- matching


def compile_filters(filters: Iterable[Mapping[str, Any]]) -> Predicate | None:
    """One predicate over an event's ``data`` (None when there are no filters)."""
    tests = [_compile_one(f["field"], f["op"], f["value"]) for f in filters]
    if not tests:
        return None
    predicate = tests[0]
    for test in tests[1:]:
        predicate = _both(predicate, test)
    return predicate


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda d: first(d) and second(d)


def _compile_one(field: str, op: str, value: Any) -> Predicate:
    """A predicate for one filter.  A field that is absent matches nothing; values only
    equal values of the same kind (``1`` never equals ``true``).  Text values take the
    fast paths: a text never equals anything but a text."""
    if op in ("=", "!="):
        if isinstance(value, str):
            equal: Predicate = lambda d: d.get(field) == value  # noqa: E731
        else:
            equal = lambda d: (field in d and d[field] == value  # noqa: E731
                               and _kind(d[field]) == _kind(value))
        if op == "=":
            return equal
        return lambda d: field in d and not equal(d)
    if op in ("in", "not_in"):
        return _membership(field, value, op == "in")
    if op in ("<", ">"):
        less = op == "<"

        def compare(d: Mapping[str, Any]) -> bool:
            got = d.get(field)
            if type(got) not in (int, float):
                return False
            return got < value if less else got > value
        return compare

    def contains(d: Mapping[str, Any]) -> bool:
        got = d.get(field)
        if isinstance(got, str):
            return isinstance(value, str) and value in got
        return isinstance(got, list) and value in got
    return contains


def _membership(field: str, values: list[Any], wanted: bool) -> Predicate:
    if all(isinstance(v, str) for v in values):
        texts = frozenset(values)

        def is_in(d: Mapping[str, Any]) -> bool:
            got = d.get(field, _MISSING)
            return isinstance(got, str) and got in texts
    else:
        members = {(_kind(v), v) for v in values}

        def is_in(d: Mapping[str, Any]) -> bool:
            got = d.get(field, _MISSING)
            return got is not _MISSING and (_kind(got), got) in members
    if wanted:
        return is_in
    return lambda d: field in d and not is_in(d)


def _kind(value: Any) -> str:
    return "bool" if isinstance(value, bool) else "num" if isinstance(value, (int, float)) \
        else type(value).__name__


# --------------------------------------------------------------------------- storage


def dump(values: Sequence[Any]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def load_list(raw: str | None, default: list[Any]) -> list[Any]:
    try:
        value = json.loads(raw) if raw else default
    except ValueError:
        return default
    return value if isinstance(value, list) else default


def legacy_event_name(events: Sequence[str]) -> str | None:
    """What old clients see as ``event_name``: the one event, or None for a set."""
    return events[0] if len(events) == 1 else None


def expand(events: Sequence[str]) -> Iterable[str]:
    """The catalog names an event set covers."""
    return CATALOG if list(events) == [WILDCARD] else events


def settle(fields: dict[str, Any], stored: tuple[list[str], list[Any]] | None,
           default_events: list[str] | None = None) -> None:
    """Turn a request's ``event_name`` / ``events`` / ``filters`` into validated ``events`` and
    ``filters`` in place.  ``stored``: the subscriber's current sets (an update), so that a
    change to one is checked against the other."""
    events = resolve_events(fields.pop("events", None), fields.pop("event_name", None))
    filters = fields.pop("filters", None)
    if stored is not None:
        if events is None and filters is None:
            return
        events = stored[0] if events is None else events
        filters = stored[1] if filters is None else filters
    elif events is None:
        if default_events is None:
            raise SubscriptionError("events (or event_name) is required", ["events"])
        events = default_events
    fields["events"], fields["filters"] = check(events, filters or [])


def sent_nulls(model: Any) -> list[str]:
    """The subscription fields a request sent explicitly as null (a pydantic model)."""
    return sorted(k for k in ("event_name", "events", "filters")
                  if k in model.model_fields_set and getattr(model, k) is None)
