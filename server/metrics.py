"""Prometheus metrics, one registry per app (no module-level mutable state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge("hearth_ws_connections", "Open WebSocket sessions",
                                 registry=self.registry)
        self.rooms = Gauge("hearth_rooms_active", "Rooms with a session on this node",
                           registry=self.registry)
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
