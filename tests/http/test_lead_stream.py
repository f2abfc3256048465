"""The lead's live stream holds across a Redis outage: after any gap in the bus, a fresh
snapshot brings whatever was raised meanwhile (an outside review saw the stream miss
escalations raised during an outage and never catch up)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tests.conftest import MakeServer
from tests.harness import harness
from tests.http.test_lead import raise_escalation
from tests.redis_server import RedisServer


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, Any]]:
    import json

    event = ""
    async for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            yield event, json.loads(line[6:])


async def test_a_snapshot_follows_a_redis_outage(make_server: MakeServer) -> None:
    redis = RedisServer()
    redis.start()
    try:
        server = make_server(redis_url=redis.url)
        async with harness(server) as h:
            _, lead = await h.staff("safeguarding_lead")
            async with lead.stream("GET", "/api/escalations/stream", timeout=30) as response:
                lines = response.aiter_lines()
                events = _events(lines)
                first_kind, first = await asyncio.wait_for(anext(events), 10)
                assert first_kind == "snapshot"
                redis.stop()
                # Raised while the bus is down: its announcement cannot reach the stream.
                _, escalation_id = await raise_escalation(h, n=7)
                assert escalation_id not in [e["id"] for e in first["open"]]
                redis.start()
                kind, data = await asyncio.wait_for(anext(events), 20)
                assert kind == "snapshot", (kind, data)
                assert escalation_id in [e["id"] for e in data["open"]]
            await lead.aclose()
    finally:
        redis.close()


async def test_the_stream_tells_the_browser_how_soon_to_reconnect(
        make_server: MakeServer) -> None:
    server = make_server()
    async with harness(server) as h:
        _, lead = await h.staff("safeguarding_lead")
        async with lead.stream("GET", "/api/escalations/stream", timeout=10) as response:
            first = await asyncio.wait_for(anext(response.aiter_lines()), 10)
            assert first.startswith("retry: ")
        await lead.aclose()
