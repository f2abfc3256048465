"""The ``hs`` fixture: the shared test server with the signaling suite's extra helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import ServerThread, SuiteHarness, suite_harness


@pytest.fixture
async def hs(server: ServerThread) -> AsyncIterator[SuiteHarness]:
    async with suite_harness(server) as value:
        yield value
