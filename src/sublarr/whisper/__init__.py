"""The whisper subsystem (start-up wiring in :mod:`sublarr.whisper.lifecycle`)."""
