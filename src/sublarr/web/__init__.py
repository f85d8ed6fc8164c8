"""The web UI served at ``/`` (routes in :mod:`sublarr.web.views`, wiring in
:mod:`sublarr.web.lifecycle`).

Plain ES modules and CSS under ``static/``: no build step, no CDN.
"""
