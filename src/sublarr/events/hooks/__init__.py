"""Hook scripts: user scripts run on events (SPEC "Hook scripts").

``engine`` (queue, workers, recording), ``runner`` (one script run),
``environment`` (a run's variables, pure), ``repo`` (the hook_configs table),
``api`` (the ``/hooks`` blueprint), ``lifecycle`` (wiring into the app).
"""
