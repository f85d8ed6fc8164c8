"""Benchmarks: one module per subsystem, each comparing against a same-run baseline."""
