"""/metrics after real use (issue 12, part 6): the process, this node's rooms and
connections, placement answers, database and bus latency, how late the mixer ticks and
how long an alert waited to be acknowledged. Each series is read after doing the thing
that moves it."""

from __future__ import annotations

import asyncio
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import MakeServer
from tests.harness import Harness, harness
from tests.media.peers import MediaClient


def value(text: str, name: str, **labels: str) -> float:
    """The sample ``name`` with ``labels`` (a sub-set of its labels) in a scrape."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v
                                           for k, v in labels.items()):
                return float(sample.value)
    raise AssertionError(f"no {name} {labels} in /metrics")


async def scrape(h: Harness) -> str:
    answer = await h.http.get("/metrics")
    assert answer.status_code == 200
    return answer.text


async def scrape_until(h: Harness, name: str, at_least: float, **labels: str) -> str:
    """Scrape until ``name`` reaches ``at_least`` (things that happen in the background)."""
    deadline = time.monotonic() + 10
    while True:
        text = await scrape(h)
        if value(text, name, **labels) >= at_least:
            return text
        assert time.monotonic() < deadline, f"{name} {labels} stayed under {at_least}"
        await asyncio.sleep(0.1)


async def test_metrics_follow_a_session(make_server: MakeServer) -> None:
    started = time.monotonic()
    server = make_server(node_id="node-m1")
    async with harness(server) as h:
        before = await scrape(h)
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_start_time_seconds"):
            assert value(before, name) > 0, name
        assert value(before, "python_info") == 1
        assert value(before, "hearth_rooms_active", node="node-m1") == 0
        assert value(before, "hearth_failovers_total") == 0

        room_id, invite = await h.room()
        fac = await h.facilitator(room_id, name="Fran")  # a staff token and a hello
        ann = await h.admitted(fac, invite)  # a join and a hello
        await ann.send("chat.send", text="Hello everyone", to="room")
        await fac.expect("chat", text="Hello everyone")
        await ann.send("help.request", text="Could someone talk to me after?")
        alert = await fac.expect("alert", kind="help")
        await fac.send("alert.ack", alert=alert["id"], ref="ack")
        await fac.expect("alert.acked")
        # The facilitator escalates it: stored, then announced to leads on the bus.
        await fac.send("escalate", alert=alert["id"], note="Following up", ref="esc")
        await fac.expect("ack", ref="esc")
        assert (await h.http.get("/readyz")).status_code == 200  # the bus's ping
        # Listening to the room starts its mixer's 20 ms clock.
        listener = MediaClient(fac, listen_only=True)
        try:
            await listener.connect()
            await scrape_until(h, "hearth_mixer_tick_lateness_seconds_count", 25)
        finally:
            await listener.close()
        after = await scrape_until(h, "hearth_bus_seconds_count", 1, op="publish")

        assert value(after, "hearth_rooms_active", node="node-m1") == 1
        assert value(after, "hearth_ws_connections", node="node-m1") == 2
        # One node: every answer is "here".
        assert value(after, "hearth_placements_total", result="local") == 4
        assert value(after, "hearth_placements_total", result="remote") == 0
        assert value(after, "hearth_placements_total", result="unavailable") == 0
        assert value(after, "hearth_failovers_total") == 0
        # The acknowledgement's age: one, no older than this test.
        labels = {"kind": "help", "severity": alert["severity"]}
        assert value(after, "hearth_alert_ack_age_seconds_count", **labels) == 1
        age = value(after, "hearth_alert_ack_age_seconds_sum", **labels)
        assert 0 <= age <= time.monotonic() - started
        assert value(after, "hearth_alert_ack_age_seconds_bucket", le="+Inf", **labels) == 1
        ticks = value(after, "hearth_mixer_tick_lateness_seconds_count")
        assert value(after, "hearth_mixer_tick_lateness_seconds_bucket", le="+Inf") == ticks
        assert value(after, "hearth_mixer_tick_lateness_seconds_sum") >= 0
        # The database: the alert and escalation written, sessions and rooms read.
        for kind in ("select", "insert", "update"):
            moved = (value(after, "hearth_store_statement_seconds_count", statement=kind)
                     - value(before, "hearth_store_statement_seconds_count", statement=kind))
            assert moved > 0, kind
        assert value(after, "hearth_store_statement_seconds_sum", statement="select") > 0
        assert value(after, "hearth_bus_seconds_count", op="ping") >= 1
        assert value(after, "hearth_ws_messages_in_total", type="chat.send") >= 1
