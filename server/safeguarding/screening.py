"""The shared, compiled risk screen."""

from __future__ import annotations

import functools

from server.safeguarding.risk import RiskScreen


@functools.cache
def default_screen() -> RiskScreen:
    """The shipped rules, compiled once per process: compiling takes about 1.4 s of CPU,
    and the compiled screen is immutable, so every app and room can share it."""
    return RiskScreen.default()
