"""The template sandbox, default texts and the apprise URL helpers (pure; no app)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from jinja2 import TemplateError

from sublarr.events.catalog import CATALOG
from sublarr.events.notifications import channel, templates


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_event_has_a_default_text_that_renders_its_example(name):
    title, body = templates.defaults_for(name)
    assert (title, body) != templates.FALLBACK
    templates.check_templates([name], title, body)
    rendered = templates.render("", "", templates.example_envelope(name))
    assert all(rendered) and "{{" not in rendered[0] + rendered[1]


def test_templates_see_only_the_envelope():
    envelope = {"id": "evt_1", "event_name": "test", "version": 1,
                "timestamp": "2026-01-01T00:00:00.000000Z", "data": {"message": "hi"}}
    source = "{{ id }} {{ event_id }} {{ event_name }} v{{ version }} {{ timestamp }} " \
             "{{ data.message }}"
    assert templates.render_one(source, envelope, 500) == \
        "evt_1 evt_1 test v1 2026-01-01T00:00:00.000000Z hi"
    for outside in ("{{ config }}", "{{ lipsum() }}", "{{ cycler }}", "{{ x }}"):
        with pytest.raises(TemplateError):
            templates.render_one(outside, envelope, 500)


def test_a_template_failing_at_send_time_falls_back_to_the_default():
    envelope = templates.example_envelope("provider_failed")
    title, body = templates.render("{{ data.missing }}", "{{ 1 // 0 }}", envelope)
    assert title == "Provider failed: opensubtitles"
    assert body == "HTTP 429: download quota reached"


def test_output_is_clipped():
    envelope = templates.example_envelope("test")
    title, body = templates.render("{% for i in range(999) %}abcdefghij{% endfor %}",
                                   "{% for i in range(999) %}abcdefghij{% endfor %}", envelope)
    assert len(title) == templates.MAX_TITLE and len(body) == templates.MAX_BODY


def test_with_timeouts_replaces_the_users_own():
    assert channel.with_timeouts("json://h/p", 10) == "json://h/p?cto=10&rto=10"
    assert channel.with_timeouts("ntfy://h/t?priority=high&cto=99", 2.5) == \
        "ntfy://h/t?priority=high&cto=2.5&rto=2.5"
    assert channel.with_timeouts("json://h/p?rto=1&cto=2", 3) == "json://h/p?cto=3&rto=3"


def test_scrub_hides_the_url_and_its_credential_parts():
    url = "tgram://123456:ABCdefTOKEN@x/-100200300?thread=4455"
    text = f"failed {url} with token ABCdefTOKEN, chat -100200300 and 123456:ABCdefTOKEN"
    scrubbed = channel.scrub(text, url)
    for secret in ("ABCdefTOKEN", "-100200300", url):
        assert secret not in scrubbed


def test_apprise_is_not_imported_until_a_channel_is_used(tmp_path):
    """Idle memory: an app without notification channels never loads apprise's plugins."""
    code = ("import sys\nfrom sublarr.app import create_app\n"
            f"app = create_app({{'data_dir': {str(tmp_path)!r}}}, environ={{}})\n"
            "print('apprise' in sys.modules)\n"
            "from sublarr.services import services_of\nservices_of(app).shutdown()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin",
                                           "PYTHONPATH": ":".join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
