"""The HTTP API: one blueprint per resource (registered by :mod:`sublarr.api.registry`)."""
