"""Helpers shared by the benchmarks: timing, percentiles and the printed table."""

from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0..100) by nearest rank."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def time_calls(func: Callable[[], object], count: int, max_seconds: float = 30.0) -> list[float]:
    """Per-call durations in microseconds; stops early after ``max_seconds``."""
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    for _ in range(count):
        start = time.perf_counter_ns()
        func()
        samples.append((time.perf_counter_ns() - start) / 1000)
        if time.perf_counter() > deadline:
            break
    return samples


def summary_us(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50_us": percentile(samples, 50),
        "p99_us": percentile(samples, 99),
        "mean_us": statistics.fmean(samples) if samples else float("nan"),
        "n": len(samples),
    }


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    """A plain aligned table (first row's keys are the columns)."""
    if not rows:
        print(f"\n{title}: no rows")
        return
    columns = list(rows[0])
    cells = [[_fmt(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print(f"\n== {title} ==")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)
