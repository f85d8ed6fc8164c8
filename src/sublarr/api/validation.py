"""Request parsing at the API edge: bodies and query strings into pydantic models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel

from sublarr.api.errors import ApiError, UnprocessableError, UnsupportedMediaTypeError

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 1024 * 1024


def json_object(any_content_type: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx :class:`ApiError`.

    ``any_content_type``: accept a body that parses as JSON whatever its
    Content-Type (incoming webhooks: Jellyfin's plugin sends ``text/plain``).
    Oversized bodies are refused by Flask (``MAX_CONTENT_LENGTH``) with 413
    before they are read.
    """
    if not any_content_type and not request.is_json:
        raise UnsupportedMediaTypeError("send the body as JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        value = json.loads(raw or b"null")
    except (ValueError, RecursionError) as exc:
        if not request.is_json:  # neither declared nor parseable as JSON
            raise UnsupportedMediaTypeError(
                "the body is not JSON (send JSON; any Content-Type is accepted)") from exc
        raise ApiError("malformed JSON body", {"reason": str(exc)[:200]},
                       code="malformed_json") from exc
    if not isinstance(value, dict):
        raise UnprocessableError("the body must be a JSON object")
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
    return model.model_validate(args)


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
