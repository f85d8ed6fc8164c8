"""Notification channels on apprise (SPEC "Subscriptions").

A channel is a row of the webhook table of kind 'notification', so the
webhook outbox, scheduler, retries, auto-disable, replay and statistics
carry it unchanged; :mod:`delivery` is where an attempt differs (render the
``templates``, send through the apprise ``channel``), :mod:`api` the
``/notifications`` blueprint.
"""
