"""The translation subsystem (start-up wiring in :mod:`sublarr.translation.lifecycle`)."""
