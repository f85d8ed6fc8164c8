"""Hook runs in the per-subscriber Prometheus series (kind "script")."""

from __future__ import annotations

from tests.events.hooks.conftest import wait_for, write_script


def test_hook_runs_are_counted_per_hook(client, services, data_dir):
    ok = write_script(data_dir / "hooks", "ok.sh", "#!/bin/sh\ncat >/dev/null\n")
    bad = write_script(data_dir / "hooks", "bad.sh", "#!/bin/sh\ncat >/dev/null\nexit 3\n")
    good = client.post("/api/v1/hooks", json={"name": "ok", "script_path": str(ok),
                                              "event_name": "test"}).json
    failing = client.post("/api/v1/hooks", json={"name": "bad", "script_path": str(bad),
                                                 "event_name": "test"}).json
    services.bus.emit("test", {"message": "m"})

    def series() -> str:
        return client.raw.get("/metrics").get_data(as_text=True)
    assert wait_for(lambda: f'id="{failing["id"]}",kind="script",outcome="failed"' in series()
                    and f'id="{good["id"]}",kind="script",outcome="delivered"' in series())
    text = series()
    assert (f'sublarr_subscriber_deliveries_total{{id="{good["id"]}",kind="script",'
            f'outcome="delivered"}} 1.0') in text
    assert f'sublarr_subscriber_delivery_seconds_count{{id="{good["id"]}",kind="script"}} 1.0' \
        in text
