"""The whisper subsystem."""

from __future__ import annotations

from flask import Flask

from sublarr.services import Services


def init_whisper(app: Flask, services: Services) -> None:
    """Create the subsystem's long-lived objects and register their shutdown."""
