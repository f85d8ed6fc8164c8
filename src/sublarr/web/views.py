"""The page shell, its static assets and the settings metadata the UI reads.

The UI is a single page (hash routing) that talks to ``/api/v1`` with the key
the user typed; the shell itself holds no data, so it needs no key.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from sublarr import __version__
from sublarr.api.auth import key_from_request, key_matches
from sublarr.api.errors import error_response
from sublarr.services import current_services
from sublarr.web.settings_meta import describe_settings

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/static",
               template_folder="templates")

# Same-origin only: every script, style and socket comes from Sublarr itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@bp.get("/")
def index() -> Response:
    html = render_template("index.html", version=__version__)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def revalidate(response: Response) -> Response:
    """Assets change with every upgrade; ETags keep revalidation cheap."""
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/ui/settings-meta")
def settings_meta():  # noqa: ANN201
    """Names, kinds and flags of every setting (never values); needs the API key."""
    offered = key_from_request(request.headers, request.args)
    if not key_matches(current_services().api_key, offered):
        return error_response(401, "unauthorized", "missing or wrong API key")
    return jsonify({"settings": describe_settings()})
