"""A real Sublarr process for the durability tests (run as a subprocess).

``python webhook_process.py DATA_DIR [--database-url URL] [--webhook URL]
[--emit N --ids-file PATH]``: creates the app (migrations, webhook scheduler), adds a
webhook when asked, emits N ``test`` events writing their ids to the file,
prints READY and keeps dispatching until killed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from sublarr.app import create_app
from sublarr.services import services_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--webhook", default="")
    parser.add_argument("--emit", type=int, default=0)
    parser.add_argument("--ids-file", default="")
    parser.add_argument("--settings", default="{}")
    args = parser.parse_args()
    settings = {"data_dir": args.data_dir, **json.loads(args.settings)}
    if args.database_url:
        settings["database_url"] = args.database_url
    app = create_app(settings, environ={"PATH": "/usr/bin:/bin"})
    services = services_of(app)
    if args.webhook:
        with app.test_client() as client:
            resp = client.post("/api/v1/webhooks", headers={"X-Api-Key": services.api_key},
                               json={"name": "durable", "url": args.webhook,
                                     "event_name": "test", "retry_count": 10})
            assert resp.status_code == 201, resp.json
    ids = [services.bus.emit("test", {"message": f"event {i}"})["id"] for i in range(args.emit)]
    if args.ids_file:
        with open(args.ids_file, "w") as handle:
            json.dump(ids, handle)
    print("READY", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
