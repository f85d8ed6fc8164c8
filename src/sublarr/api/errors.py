"""Typed API errors and the one place that maps every error to the JSON envelope."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from sublarr.db.unavailable import (
    RETRY_AFTER_SECONDS,
    describe_error,
    is_database_unavailable,
)
from sublarr.events.bus import UnknownEventError
from sublarr.settings_store import SettingsError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers with ``{"error": {"code", "message", "details"}}``."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None, *, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class NotFoundError(ApiError):
    status = 404
    code = "not_found"


class ConflictError(ApiError):
    status = 409
    code = "conflict"


class UnprocessableError(ApiError):
    status = 422
    code = "validation_error"


class UnsupportedMediaTypeError(ApiError):
    status = 415
    code = "unsupported_media_type"


def error_response(status: int, code: str, message: str, details: Any = None):  # noqa: ANN201
    body = {"error": {"code": code, "message": message, "details": details}}
    return jsonify(body), status


def database_unavailable_response():  # noqa: ANN201
    """503 + ``Retry-After``: the database is down, restarting or locked by another process."""
    response, status = error_response(
        503, "database_unavailable",
        "the database cannot be reached or is busy right now; try again shortly",
        {"retry_after_seconds": RETRY_AFTER_SECONDS})
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may hold a secret)."""
    return [
        {"loc": [str(p) for p in err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    """Every 4xx/5xx leaves as the JSON envelope; unexpected errors never leak details."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):  # noqa: ANN202
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):  # noqa: ANN202
        return error_response(422, "validation_error", "request validation failed",
                              validation_details(exc))

    @app.errorhandler(SettingsError)
    def _settings(exc: SettingsError):  # noqa: ANN202
        return error_response(422, "invalid_setting", str(exc), exc.details)

    @app.errorhandler(UnknownEventError)
    def _unknown_event(exc: UnknownEventError):  # noqa: ANN202
        return error_response(422, "unknown_event", str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        message = exc.description or exc.name
        if exc.code == 413:
            message = "request body too large (limit 1 MiB)"
        return error_response(exc.code or 500, _http_code(exc), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        if is_database_unavailable(exc):
            # not a bug and it ends by itself: one line, not a traceback per request
            log.warning("%s %s: database unavailable: %s", request.method, request.path,
                        describe_error(exc))
            return database_unavailable_response()
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; see the server log")
