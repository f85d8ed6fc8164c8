"""Request parsing at the API edge: bodies and query strings into pydantic models."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Annotated, Any, Callable, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from sublarr.api.errors import ApiError, UnprocessableError, UnsupportedMediaTypeError

M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """Base of request and response models: their validators are built on first use,
    not at start (about 1 MiB of the idle worker for the many rarely called routes).
    A subclass's own ``model_config`` is merged with this one."""

    model_config = ConfigDict(defer_build=True)

MAX_BODY_BYTES = 1024 * 1024
# Every id, offset and count fits a signed 64-bit column (SQLite, PostgreSQL bigint);
# a larger number is refused at the edge instead of overflowing in the driver.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = len(str(INT64_MAX))
# Row ids are INTEGER columns: 32 bits on PostgreSQL. A larger id names no row.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]
NUL = "\x00"


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in routes (all of them row ids): a number beyond the id range is a 404
    (no such row), never a 500 from the database driver."""

    def to_python(self, value: str) -> Any:
        # Checked on the text first: int() of thousands of digits is slow, or refused.
        digits = value.lstrip("0")
        if len(digits) > len(str(MAX_ROW_ID)) or int(digits or "0") > MAX_ROW_ID:
            # Not ValidationError: Werkzeug would answer 405 when another method's
            # rule has the same path.
            raise NotFound(f"no such id (ids are at most {MAX_ROW_ID})")
        return super().to_python(value)


def _out_of_range(what: str) -> UnprocessableError:
    return UnprocessableError(f"{what} out of range (a signed 64-bit integer at most)",
                              code="number_out_of_range")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > _INT64_DIGITS or not INT64_MIN <= int(text) <= INT64_MAX:
        raise _out_of_range("a number in the body is")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > INT64_MAX:
        raise _out_of_range("a number in the body is")
    return value


def _json_constant(name: str) -> Any:
    raise ApiError("malformed JSON body", {"reason": f"{name} is not JSON"},
                   code="malformed_json")


def _first_nul(value: Any) -> list[str] | None:
    """The location of the first string (object keys included) holding a NUL, or None."""
    # Locations are linked (parent, key) pairs, unrolled only for the hit: a deep
    # document costs one step per node, not one copy of its path.
    stack: list[tuple[Any, Any]] = [(None, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return _unroll(where)
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    return _unroll((where, key))
                stack.append(((where, key), child))
        elif isinstance(item, list):
            stack.extend(((where, i), child) for i, child in enumerate(item))
    return None


def _unroll(where: Any) -> list[str]:
    loc: list[str] = []
    while where is not None:
        where, key = where
        loc.append(str(key))
    return loc[::-1]


def refuse_nul(value: Any) -> None:
    """422 when a string in ``value`` holds a NUL character: no file name, database text
    or header can carry one."""
    loc = _first_nul(value)
    if loc is not None:
        raise UnprocessableError("text must not contain NUL characters",
                                 [{"loc": loc, "msg": "contains a NUL character"}],
                                 code="nul_character")


def refuse_nul_in_url() -> None:
    """400 when the path or the query string of the request holds a NUL character."""
    if NUL in request.path or any(NUL in key or any(NUL in v for v in request.args.getlist(key))
                                  for key in request.args):
        raise ApiError("the URL must not contain NUL characters (%00)", code="nul_character")


def json_object(any_content_type: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx :class:`ApiError`.

    ``any_content_type``: accept a body that parses as JSON whatever its
    Content-Type (incoming webhooks: Jellyfin's plugin sends ``text/plain``).
    Oversized bodies are refused with 413 (:mod:`sublarr.api.body_limit` for chunked
    ones); numbers beyond 64 bits and strings with NUL characters with 422.
    """
    if not any_content_type and not request.is_json:
        raise UnsupportedMediaTypeError("send the body as JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        value = json.loads(raw or b"null", parse_int=_json_int, parse_float=_json_float,
                           parse_constant=_json_constant)
    except (ValueError, RecursionError) as exc:
        if not request.is_json:  # neither declared nor parseable as JSON
            raise UnsupportedMediaTypeError(
                "the body is not JSON (send JSON; any Content-Type is accepted)") from exc
        raise ApiError("malformed JSON body", {"reason": str(exc)[:200]},
                       code="malformed_json") from exc
    if not isinstance(value, dict):
        raise UnprocessableError("the body must be a JSON object")
    if b"\\u0000" in raw or b"\x00" in raw:  # escaped, or a UTF-16/32 body: walk then only
        refuse_nul(value)
    return value


def parse_body(model: type[M]) -> M:
    """The body validated by ``model`` (422 with field details when it does not fit)."""
    return model.model_validate(json_object())


def parse_query(model: type[M]) -> M:
    """Query-string arguments validated by ``model`` (repeated keys become lists)."""
    args: dict[str, Any] = {}
    for key in request.args:
        if key == "apikey":
            continue
        values = request.args.getlist(key)
        args[key] = values if len(values) > 1 else values[0]
    parsed = model.model_validate(args)
    for name, value in parsed:
        numbers = value if isinstance(value, list) else [value]
        if any(isinstance(n, int) and not INT64_MIN <= n <= INT64_MAX for n in numbers):
            raise _out_of_range(f"query argument {name!r} is")
    return parsed


def page_json(rows: list[Any], total: int, query: Any, key: str = "items") -> Response:
    """One page of a list endpoint: the rows under ``key``, the total and the
    ``limit``/``offset`` the query asked for."""
    return jsonify({key: rows, "total": total, "limit": query.limit, "offset": query.offset})


@dataclass(frozen=True)
class EndpointDoc:
    """What the OpenAPI document says of one view."""

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    public: bool = False
    raw_body: bool = False


def documented(summary: str, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Attach an :class:`EndpointDoc` to a view (read by the OpenAPI builder and auth)."""
    if "tags" in kwargs:
        kwargs["tags"] = tuple(kwargs["tags"])
    doc = EndpointDoc(summary=summary, **kwargs)

    def mark(view: Callable) -> Callable:
        view.endpoint_doc = doc  # type: ignore[attr-defined]
        return view

    return mark


def settle_subscription(fields: dict[str, Any], stored: tuple[list[str], list[Any]] | None,
                        **options: Any) -> None:
    """A subscriber's ``events``/``filters`` settled in ``fields`` (see
    :func:`sublarr.events.subscription.settle`); a 422 naming the filter otherwise."""
    from sublarr.events import subscription

    try:
        subscription.settle(fields, stored, **options)
    except subscription.SubscriptionError as exc:
        raise UnprocessableError(str(exc), [{"loc": exc.loc, "msg": str(exc)}]) from None
