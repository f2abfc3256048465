"""Prometheus metrics, one registry per app (no module-level mutable state).

What each series is for, and what to alert on, is in the README ("Operate it"). Times are
seconds. ``node`` (HEARTH_NODE_ID) labels the per-node load, so a dashboard summing the
nodes of a deployment still tells them apart when the scrape's own labels do not.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

# Database statements: a healthy local PostgreSQL answers in a millisecond or two; the
# safeguarding write gives up on the database after 1 s (safeguarding_write_wait).
STORE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Redis round trips: well under a millisecond; its socket timeout is 2 s.
BUS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
# A mixer tick is due every 20 ms; a tick 20 ms late is a whole frame late (heard as a
# gap), and past 200 ms the clock restarts (server/media/room.py, MAX_LAG).
MIXER_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
# Alerts: urgent ones are due within 60 s (HEARTH_ACK_WITHIN_URGENT), concerns 300 s.
ALERT_BUCKETS = (5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 1800.0)


STATEMENT_KINDS = ("select", "insert", "update", "delete", "other")


def statement_kind(statement: str) -> str:
    """``select``, ``insert``, ``update``, ``delete`` or ``other``: the store latency's one
    label (a statement's text would be a label per query shape)."""
    word = statement.lstrip()[:6].lower()
    return word if word in STATEMENT_KINDS else "other"


class Metrics:
    def __init__(self, node_id: str = "") -> None:
        self.node_id = node_id
        self.registry = CollectorRegistry()
        # The process itself (CPU seconds, resident memory, open files, start time), the
        # Python version, and garbage collections: prometheus_client registers these on
        # its global registry only, and this one is the app's own.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.connections = Gauge("hearth_ws_connections", "Open WebSocket sessions on this node",
                                 ["node"], registry=self.registry).labels(node_id)
        self.rooms = Gauge("hearth_rooms_active", "Rooms with a session on this node",
                           ["node"], registry=self.registry).labels(node_id)
        self.messages_in = Counter("hearth_ws_messages_in", "Client messages accepted, by type",
                                   ["type"], registry=self.registry)
        self.messages_out = Counter("hearth_ws_messages_out", "Messages queued to clients",
                                    registry=self.registry)
        self.errors = Counter("hearth_ws_errors", "Error answers sent, by code", ["code"],
                              registry=self.registry)
        self.closes = Counter("hearth_ws_closes", "Connections closed by the server, by code",
                              ["code"], registry=self.registry)
        self.http_limited = Counter("hearth_http_rate_limited", "HTTP requests refused 429",
                                    ["route"], registry=self.registry)
        # Safeguarding records the database has not taken yet (server/safeguarding/journal.py).
        self.journal_depth = Gauge("hearth_safeguarding_journal_depth",
                                   "Safeguarding records journalled, not yet in the database",
                                   registry=self.registry)
        self.journal_age = Gauge("hearth_safeguarding_journal_oldest_seconds",
                                 "Seconds the oldest journalled record has waited",
                                 registry=self.registry)
        # Observed when a facilitator acknowledges an alert (server/signaling/hub.py).
        self.alert_ack_age = Histogram(
            "hearth_alert_ack_age_seconds",
            "Seconds from an alert being raised to its acknowledgement, by kind and severity",
            ["kind", "severity"], buckets=ALERT_BUCKETS, registry=self.registry)
        # How late each room's 20 ms mixer tick ran (server/media/room.py). Observed on
        # every tick of every room: measured at about 2 µs, 0.01 % of a tick, so kept.
        self.mixer_lateness = Histogram(
            "hearth_mixer_tick_lateness_seconds",
            "Seconds each audio mixer tick ran after it was due", buckets=MIXER_BUCKETS,
            registry=self.registry)
        # Every database statement, timed at the driver (server/store/db.py).
        self.store_latency = Histogram(
            "hearth_store_statement_seconds",
            "Seconds each database statement took, by kind (select, insert, update, ...)",
            ["statement"], buckets=STORE_BUCKETS, registry=self.registry)
        self._statements = {kind: self.store_latency.labels(kind) for kind in STATEMENT_KINDS}
        # The bus's publish and ping (server/store/bus.py, TimedBus): Redis round trips
        # when it is configured.
        self.bus_latency = Histogram(
            "hearth_bus_seconds", "Seconds each bus operation took, by operation",
            ["op"], buckets=BUS_BUCKETS, registry=self.registry)
        self._bus_ops = {op: self.bus_latency.labels(op) for op in ("publish", "ping")}
        # Each answer placement gives (a join or staff token, and each hello): the room is
        # this node's (local), another node's (remote), or no node can take it now.
        # Counted on every join and hello: each result's child is resolved once here.
        placements = Counter(
            "hearth_placements",
            "Placement answers for joins, staff tokens and hellos, by result",
            ["result"], registry=self.registry)
        self.placed_here = placements.labels("local")
        self.placed_elsewhere = placements.labels("remote")
        self.placement_unavailable = placements.labels("unavailable")
        # Rooms this node took up from a node that stopped without letting them go
        # (server/cluster/node.py, ``on_failover``): hearth_failovers_total.
        self.failovers = Counter(
            "hearth_failovers", "Rooms taken over from a node that had stopped",
            registry=self.registry)

    def observe_statement(self, statement: str, seconds: float) -> None:
        """One database statement's time (``SqlStore.time_statements``)."""
        self._statements[statement_kind(statement)].observe(seconds)

    def observe_bus(self, op: str, seconds: float) -> None:
        """One bus operation's time (``TimedBus``)."""
        self._bus_ops[op].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
