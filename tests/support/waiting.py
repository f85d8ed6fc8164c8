"""Polling for a condition in tests: outcomes are asserted, timing only bounds the wait."""

from __future__ import annotations

import time
from typing import Any, Callable


def wait_until(condition: Callable[[], Any], timeout: float, interval: float = 0.02,
               what: str = "condition") -> Any:
    """Poll ``condition`` until it is truthy and return its value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
