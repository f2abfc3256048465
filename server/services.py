"""Everything a request handler needs, built once per app in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from server.auth.ratelimit import Limiter
from server.auth.tokens import Signer
from server.metrics import Metrics
from server.programme.timekeeper import Timekeeper
from server.safeguarding.directory import Directory, DirectoryStore
from server.safeguarding.service import SafeguardingService
from server.settings import Settings
from server.signaling.hub import Hub
from server.store.bus import Bus
from server.store.db import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    bus: Bus
    hub: Hub
    signer: Signer
    metrics: Metrics
    directory: Directory
    directory_store: DirectoryStore
    safeguarding: SafeguardingService
    timekeeper: Timekeeper
    join_limiter: Limiter
    login_limiter: Limiter
    # Requests for one-to-one support (/support, /support/refer), per address.
    support_limiter: Limiter
