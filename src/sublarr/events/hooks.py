"""Hook engine: user scripts run on events (see SPEC "Hook scripts")."""

from __future__ import annotations

from flask import Flask

from sublarr.services import Services


def init_hooks(app: Flask, services: Services) -> None:
    """Start the hook engine and subscribe it to the bus."""
