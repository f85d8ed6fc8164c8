"""Outgoing webhooks: durable, signed, retried deliveries (SPEC "Outgoing webhooks").

An event a webhook wants is stored before ``emit`` returns, on one path
(``waiting``: the ``journal`` file on SQLite, the ``outbox``'s event table on
PostgreSQL); the ``scheduler`` (its ``fanout``) moves it into per-webhook
delivery rows, leases due ones and hands them to its sender
threads; ``sender`` POSTs (``request`` builds the signed headers, ``signing``
the signatures); ``results`` stores each attempt (``outcomes``, ``policy``:
what it means, when to try again) and hands final ones to the run log.
``subscriptions`` (who wants what), ``maintenance`` (retention), ``repo``
(the webhook_configs table), ``api`` (the ``/webhooks`` blueprint) and
``lifecycle`` (wiring into the app) complete it.
"""
