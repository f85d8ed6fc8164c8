"""The library subsystem (start-up wiring in :mod:`sublarr.library.lifecycle`)."""
