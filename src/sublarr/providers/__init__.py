"""The providers subsystem (start-up wiring in :mod:`sublarr.providers.lifecycle`)."""
