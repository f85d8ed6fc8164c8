"""The web UI (start-up wiring in :mod:`sublarr.web.lifecycle`)."""
