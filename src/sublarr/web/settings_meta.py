"""What the Settings page needs to know about each setting (no values)."""

from __future__ import annotations

from typing import Any

from sublarr.config import Settings, bootstrap_keys, secret_keys


def _kind(schema: dict[str, Any]) -> str:
    types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    for kind in ("boolean", "integer", "number", "array", "object"):
        if kind in types:
            return kind
    return "string"


def _group_of(name: str) -> str:
    """The settings group that declares ``name`` (its docstring's first line is the title)."""
    for cls in reversed(Settings.__mro__):
        fields = getattr(cls, "model_fields", None)
        if cls is not Settings and isinstance(fields, dict) and name in fields:
            return cls.__name__.removesuffix("Settings") or "Core"
    return "Core"


def describe_settings() -> list[dict[str, Any]]:
    """Name, kind, description, bounds, secret/read-only flags of every setting."""
    props = Settings.model_json_schema().get("properties", {})
    secrets, pinned = secret_keys(), bootstrap_keys()
    out = []
    for name in Settings.model_fields:
        schema = props.get(name, {})
        out.append({
            "name": name,
            "group": _group_of(name),
            "kind": _kind(schema),
            "description": schema.get("description", ""),
            "minimum": schema.get("minimum"),
            "maximum": schema.get("maximum"),
            "enum": schema.get("enum"),
            "secret": name in secrets,
            "bootstrap": name in pinned,
        })
    return out
