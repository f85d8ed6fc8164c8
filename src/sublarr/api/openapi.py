"""The OpenAPI 3.1 document, generated from the routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from sublarr import __version__
from sublarr.api.validation import EndpointDoc
from sublarr.events.catalog import CATALOG

_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")  # <int:id>, <any(a, b):x>
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
}


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(doc: EndpointDoc | None, endpoint: str, path_params: list[str],
               components: dict[str, Any]) -> dict[str, Any]:
    doc = doc or EndpointDoc(summary=endpoint.replace("_", " ").replace(".", ": "))
    op: dict[str, Any] = {"summary": doc.summary, "operationId": endpoint,
                          "tags": list(doc.tags) or [endpoint.split(".")[0]]}
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in path_params]
    if doc.query is not None:
        params += _query_parameters(doc.query)
    if params:
        op["parameters"] = params
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _schema_ref(doc.body, components)}}}
    ok: dict[str, Any] = {"description": "Success"}
    if doc.response is not None:
        ok["content"] = {"application/json": {"schema": _schema_ref(doc.response, components)}}
    error = {"description": "Error", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = {str(doc.status): ok, "4XX": error}
    if doc.public:
        op["security"] = []
    else:
        op["responses"]["503"] = {**error, "description": (
            "The database is unreachable or locked by another process right now; "
            "retry after the Retry-After header's seconds")}
    return op


def build_openapi(app: Flask) -> dict[str, Any]:
    """Describe every route of ``app`` (those without a doc get a generated summary)."""
    components: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "endpoint_doc", None)
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = _CONVERTER.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                doc, rule.endpoint, params, components)
    for spec in CATALOG.values():
        _schema_ref(spec.model, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sublarr API", "version": __version__},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
                "Basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}, {"Basic": []}],
        "paths": dict(sorted(paths.items())),
    }
