"""Webhook dispatcher: claims due outbox rows, signs, sends, schedules retries."""

from __future__ import annotations

from flask import Flask

from sublarr.services import Services


def init_webhooks(app: Flask, services: Services) -> None:
    """Subscribe the outbox to the bus and start the dispatcher."""
