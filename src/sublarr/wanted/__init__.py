"""The wanted subsystem (start-up wiring in :mod:`sublarr.wanted.lifecycle`)."""
