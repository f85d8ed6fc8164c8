"""Helpers shared by the per-subsystem settings groups.

Each subsystem declares its own settings group (a pydantic model) in
``<subsystem>/settings.py``; :mod:`sublarr.config` combines them.  Fields are
tagged with :func:`secret` or :func:`bootstrap` so the API edge knows which
values are write-only and which can only come from the environment/CLI.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

SECRET_MASK = "***configured***"


def secret(default: Any = "", *, endpoint: str | None = None, **kwargs: Any) -> Any:
    """A write-only setting: the API never returns its value.

    ``endpoint`` names the URL setting the secret is sent to: changing that URL
    through the API forgets the secret unless the same change sends it again.
    """
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["secret"] = True
    if endpoint is not None:
        extra["endpoint"] = endpoint
    return Field(default, json_schema_extra=extra, **kwargs)


def bootstrap(default: Any, **kwargs: Any) -> Any:
    """A setting read only from defaults, the environment or the CLI (never the DB)."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["bootstrap"] = True
    return Field(default, json_schema_extra=extra, **kwargs)
