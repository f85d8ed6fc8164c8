"""Title and body of a notification: Jinja2 templates rendered in the sandbox (pure).

A template sees the event's envelope only: ``id`` (also as ``event_id``),
``event_name``, ``version``, ``timestamp`` and ``data``.  Unknown names fail
(``StrictUndefined``), so :func:`check_templates` refuses at save time a
template that would not render against each subscribed event's catalog
example; at send time a template that still fails falls back to the event's
default text rather than losing the notification.

Beyond Jinja2's sandbox (no attribute access to internals), the work one
render can do is bounded: short templates, no large numeric literals, no
macros or includes, at most two nested loops, ``range`` up to
:data:`MAX_RANGE`, ``*``/``**`` results capped, and the output clipped.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any, Mapping, Sequence

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from sublarr.events import subscription
from sublarr.events.catalog import CATALOG

MAX_TITLE_TEMPLATE = 500
MAX_BODY_TEMPLATE = 4000
MAX_TITLE = 250
MAX_BODY = 4000
MAX_RANGE = 1000
MAX_LITERAL = 10_000
MAX_PRODUCT = 10_000      # characters / items a "*" may build, magnitude of a number it makes
MAX_EXPONENT = 64
MAX_LOOP_DEPTH = 2
_LONG_DIGITS = re.compile(r"\d{5,}")  # e.g. a format width of 99999 in '%99999d'

_EP = ("{% if data.season is not none and data.episode is not none %} "
       "S{{ '%02d' % data.season }}E{{ '%02d' % data.episode }}"
       "{% elif data.episode is not none %} E{{ data.episode }}{% endif %}")
# (title, body) per catalog event; FALLBACK for an event without one.
DEFAULTS: dict[str, tuple[str, str]] = {
    "subtitle_downloaded": (
        "Subtitle downloaded: {{ data.title }}" + _EP,
        "{{ data.language }} · {{ data.provider }} · score {{ data.score }} · "
        "{{ data.format }}\n{{ data.subtitle_path }}"),
    "upgrade_complete": (
        "Subtitle upgraded: {{ data.title }}" + _EP,
        "{{ data.language }}: score {{ data.old_score }} → {{ data.new_score }} "
        "({{ data.provider }})\n{{ data.subtitle_path }}"),
    "provider_search_complete": (
        "Search finished: {{ data.query }}",
        "{{ data.results_count }} result(s) from {{ data.providers | join(', ') }} "
        "in {{ data.duration_ms }} ms"),
    "provider_failed": ("Provider failed: {{ data.provider }}", "{{ data.error }}"),
    "translation_complete": (
        "Translation complete ({{ data.source_language }} → {{ data.target_language }})",
        "{{ data.lines }} lines with {{ data.backend }}\n{{ data.subtitle_path }}"),
    "translation_failed": (
        "Translation failed ({{ data.source_language }} → {{ data.target_language }})",
        "{{ data.backend }}: {{ data.error }}\n{{ data.subtitle_path }}"),
    "batch_complete": (
        "Batch complete: {{ data.batch_type }}",
        "{{ data.succeeded }} of {{ data.total }} succeeded, {{ data.failed }} failed"),
    "wanted_scan_complete": (
        "Wanted scan complete",
        "{{ data.scanned }} scanned, {{ data.added }} added, {{ data.removed }} removed"),
    "wanted_item_processed": (
        "Wanted: {{ data.title }} ({{ data.language }})",
        "Status: {{ data.status }}{% if data.subtitle_path %}\n{{ data.subtitle_path }}"
        "{% endif %}"),
    "webhook_received": (
        "{{ data.source | capitalize }}: {{ data.event_type }}",
        "{{ data.title or '' }}{% if data.media_path %}\n{{ data.media_path }}{% endif %}"),
    "config_updated": ("Settings changed", "Changed: {{ data.updated_keys | join(', ') }}"),
    "whisper_complete": (
        "Transcription complete",
        "{{ data.language }} with {{ data.backend }}\n{{ data.subtitle_path }}"),
    "whisper_failed": (
        "Transcription {{ 'cancelled' if data.cancelled else 'failed' }}",
        "{{ data.error }}\n{{ data.media_path }}"),
    "standalone_scan_complete": (
        "Folder scan complete",
        "{{ data.new_files }} new of {{ data.files_found }} files in "
        "{{ data.folders | join(', ') }}"),
    "standalone_file_detected": ("New file: {{ data.title }}" + _EP, "{{ data.media_path }}"),
    "hook_executed": (
        "{{ data.hook_name }} {{ 'succeeded' if data.success else 'failed' }}",
        "{{ data.hook_type }} for {{ data.event_name }} ({{ data.attempts }} attempt(s), "
        "{{ data.duration_ms }} ms)"),
    "webhook_disabled": ("Webhook disabled: {{ data.name }}", "{{ data.reason }}"),
    "notification_disabled": ("Notification channel disabled: {{ data.name }}",
                              "{{ data.reason }}"),
    "test": ("Sublarr test", "{{ data.message }}"),
}
FALLBACK = ("Sublarr: {{ event_name }}", "{{ data | tojson }}")


class TemplateProblem(ValueError):
    """A template that cannot compile or render; ``field`` is title_template or
    body_template."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class _Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox with bounded arithmetic (``*`` and ``**`` on big operands)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent larger than {MAX_EXPONENT}")
            result = operator.pow(left, right)
        else:
            sizes = [len(v) for v in (left, right) if isinstance(v, (str, list, tuple))]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_PRODUCT:
                raise SecurityError(f"a repetition longer than {MAX_PRODUCT}")
            result = operator.mul(left, right)
        if isinstance(result, (int, float)) and abs(result) > MAX_PRODUCT ** 2:
            raise SecurityError("a number too large for a notification")
        return result


def _bounded_range(*args: int) -> range:
    if any(not isinstance(a, int) for a in args):
        raise SecurityError("range takes integers")
    span = range(*args)
    if len(span) > MAX_RANGE:
        raise SecurityError(f"range longer than {MAX_RANGE}")
    return span


@functools.lru_cache(maxsize=1)
def _environment() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False)
    env.globals = {"range": _bounded_range}  # no lipsum, cycler, namespace…
    return env


@functools.lru_cache(maxsize=256)
def _compiled(source: str):  # noqa: ANN202 - jinja2.Template
    env = _environment()
    tree = env.parse(source)
    _check_tree(tree)
    return env.from_string(tree)


# Macros and call blocks could recurse (a loop in a macro calling itself is exponential).
_REFUSED_NODES = (nodes.Macro, nodes.CallBlock, nodes.Extends, nodes.Include, nodes.Import,
                  nodes.FromImport)


def _check_tree(tree: nodes.Template) -> None:
    for node in tree.find_all(_REFUSED_NODES):
        raise SecurityError(f"{type(node).__name__.lower()} is not allowed in a notification "
                            "template")
    for const in tree.find_all(nodes.Const):
        value = const.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and abs(value) > MAX_LITERAL:
            raise SecurityError(f"numbers above {MAX_LITERAL} are not allowed")
        if isinstance(value, str) and _LONG_DIGITS.search(value):
            raise SecurityError("a text constant with a number of 5 or more digits")
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        raise SecurityError(f"more than {MAX_LOOP_DEPTH} nested loops")


def _loop_depth(node: nodes.Node) -> int:
    inner = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return inner + (1 if isinstance(node, nodes.For) else 0)


def context_of(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """What a template may read: the envelope's fields (``event_id`` = ``id``)."""
    return {"id": envelope.get("id"), "event_id": envelope.get("id"),
            "event_name": envelope.get("event_name"), "version": envelope.get("version"),
            "timestamp": envelope.get("timestamp"), "data": envelope.get("data") or {}}


def render_one(source: str, envelope: Mapping[str, Any], limit: int) -> str:
    """Render ``source``; any failure raises (TemplateError, SecurityError, …)."""
    text = _compiled(source).render(context_of(envelope))
    return text.strip()[:limit]


def defaults_for(event_name: str) -> tuple[str, str]:
    return DEFAULTS.get(event_name, FALLBACK)


def render(title_template: str, body_template: str, envelope: Mapping[str, Any]
           ) -> tuple[str, str]:
    """(title, body) of a notification; never raises: a template that fails at send time
    (data the save-time check could not foresee) is replaced by the event's default."""
    default_title, default_body = defaults_for(str(envelope.get("event_name")))
    return (_render_or(title_template or default_title, default_title, envelope, MAX_TITLE),
            _render_or(body_template or default_body, default_body, envelope, MAX_BODY))


def _render_or(source: str, default: str, envelope: Mapping[str, Any], limit: int) -> str:
    for candidate in (source, default, FALLBACK[1]):
        try:
            return render_one(candidate, envelope, limit)
        except Exception:  # noqa: BLE001 - any template failure: try the next text
            continue
    return str(envelope.get("event_name"))


@functools.lru_cache(maxsize=64)
def example_envelope(event_name: str) -> dict[str, Any]:
    """The envelope of a catalog event's example (every payload key present)."""
    spec = CATALOG[event_name]
    data = spec.model.model_validate(spec.example).model_dump(mode="json")
    return {"id": "evt_01JEXAMPLE0000000000000000", "event_name": event_name,
            "version": spec.version, "timestamp": "2026-01-01T12:00:00.000000Z", "data": data}


def check_templates(events: Sequence[str], title_template: str, body_template: str) -> None:
    """Refuse (:class:`TemplateProblem`) a template that cannot compile, or cannot render
    against the example of one of ``events`` (``["*"]``: every catalog event)."""
    for field, source, limit in (("title_template", title_template, MAX_TITLE_TEMPLATE),
                                 ("body_template", body_template, MAX_BODY_TEMPLATE)):
        if not source:
            continue
        if len(source) > limit:
            raise TemplateProblem(f"{field} is longer than {limit} characters", field)
        try:
            _compiled(source)
        except (TemplateError, SecurityError) as exc:
            raise TemplateProblem(f"{field} does not compile: {_describe(exc)}", field) from None
        for name in subscription.expand(list(events)):
            try:
                render_one(source, example_envelope(name), limit)
            except Exception as exc:  # noqa: BLE001 - the reason goes back as the 422
                raise TemplateProblem(f"{field} does not render for {name}: "
                                      f"{_describe(exc)}", field) from None


def _describe(exc: BaseException) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    return f"{type(exc).__name__}: {exc}"[:300] + where
