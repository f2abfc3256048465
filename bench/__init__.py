"""Benchmarks: run on purpose, print figures, never timed assertions in the test suite."""
