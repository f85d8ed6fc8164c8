"""Scheduled jobs as the Tasks view shows them (start-up wiring in :mod:`sublarr.tasks.lifecycle`)."""
