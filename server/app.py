"""``create_app(settings)``: routes, lifespan and wiring."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import i18n
from server.auth.ratelimit import Limiter, open_limits_redis
from server.auth.tokens import Signer
from server.cluster.node import ClusterPlacement
from server.cluster.placement import LocalPlacement, Placement
from server.http import (
    account,
    admin,
    api,
    coordinator,
    hours,
    lead,
    pages,
    referrals,
    reports,
    schedule,
    static,
    supervision,
)
from server.http.common import prefixed
from server.http.limits import BodyLimit
from server.metrics import Metrics
from server.programme import referring
from server.programme.attendance import AttendanceCounter
from server.programme.timekeeper import Timekeeper
from server.redis_conn import open_redis
from server.safeguarding.assess import default_assessor
from server.safeguarding.directory import Directory, DirectoryStore
from server.safeguarding.journal import Journal, JournalFile
from server.safeguarding.notify import Notifier
from server.safeguarding.service import SafeguardingService
from server.safeguarding.sweeper import Sweeper
from server.services import Services
from server.settings import Settings
from server.signaling.endpoint import Endpoint
from server.signaling.hub import Hub, utc_now
from server.storage import open_store
from server.store.bus import TimedBus, open_bus
from server.store.db import Store
from server.store.impact import VISITOR_KEPT

log = logging.getLogger("hearth.app")

# Pages load only Hearth's own scripts and styles, cannot be framed, and send
# no Referer (a join link in a Referer would leak the invite code).
def content_security_policy(connect_sources: tuple[str, ...] = ("'self'",)) -> bytes:
    """The pages' CSP. ``connect_sources``: where scripts may connect; besides the page's
    own origin, the nodes' WebSockets in cluster mode (``Settings.connect_sources``)."""
    return (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"connect-src " + " ".join(connect_sources).encode() + b"; media-src 'self' blob:; "
            b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


SECURITY_HEADERS = [
    (b"content-security-policy", content_security_policy()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=()"),
]


# Behind TLS (secure cookies on), browsers are told to use nothing but HTTPS for a year,
# so a parent on café Wi-Fi cannot be sent to a plain-HTTP copy of a page.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool = False,
                 connect_sources: tuple[str, ...] = ("'self'",)) -> None:
        self.app = app
        headers = [(name, content_security_policy(connect_sources))
                   if name == b"content-security-policy" else (name, value)
                   for name, value in SECURITY_HEADERS]
        self.headers = [*headers, HSTS] if https else headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k, v) for k, v in self.headers if k not in names
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _retention_sweeps(safeguarding: SafeguardingService, store: Store,
                            settings: Settings) -> None:
    """Clear alert excerpts past the retention period (invariant 7), the impact report's
    visitor keys past theirs, and the contact details of referrals closed or signposted
    ``referral_days`` ago, at start and then every ``retention_every`` seconds."""
    while True:
        now = datetime.now(UTC)
        try:
            await safeguarding.purge(now, settings.retention_days)
            await store.impact.forget_visitors(now - VISITOR_KEPT)
            await referring.erase_due(store, settings.referral_days, now)
        except Exception:
            log.exception("retention sweep failed; will try again")
        await asyncio.sleep(settings.retention_every)


async def _check_contact_key(store: Store) -> None:
    """Say at start, loudly, when the contact key does not open the contact details already
    stored: found now, not when a coordinator first opens a request. Hearth still starts:
    the groups and their safeguarding need no contact key, and refusing to start would take
    them down for the sake of the one-to-one requests."""
    try:
        opens = await store.referrals.key_opens()
    except Exception:
        log.exception("could not check the contact key against the stored contact details")
        return
    if opens is False:
        log.error("the contact key does not open the contact details already stored: it is "
                  "not the key they were written with. Set HEARTH_CONTACT_KEY (or the data "
                  "folder's contact.key) back to that key; until then coordinators and "
                  "volunteers cannot read any request's contact details")


def _sweeper_holder(settings: Settings) -> str:
    """This machine and data folder (hashed: a path can outgrow the lease's column)."""
    folder = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
    return f"{socket.gethostname()[:100]}:{folder}"


def _placement(settings: Settings, hub: Hub, metrics: Metrics) -> Placement:
    """Where rooms run (server/cluster/): across the nodes sharing Redis when it is
    configured, else all here."""
    if not settings.clustered:
        return LocalPlacement()
    assert settings.redis_url is not None
    if settings.node_ws_url is None and settings.public_base_url is not None:
        log.warning("HEARTH_NODE_WS_URL is not set, so this node's WebSocket is taken to be "
                    "at the public URL (%s); nodes behind one proxy must each set their own",
                    settings.own_ws_url)
    log.info("placement across nodes", extra={"node": settings.node_id,
                                              "ws_url": settings.own_ws_url})
    return ClusterPlacement(
        open_redis(settings.redis_url), node_id=settings.node_id, ws_url=settings.own_ws_url,
        max_rooms=settings.node_max_rooms, lease_ttl=settings.lease_ttl,
        beat_every=settings.node_beat_every, holder_memory=settings.empty_room_grace,
        load=lambda: (hub.room_count, hub.connection_count),
        is_live=hub.has_room, evict=hub.evict, on_failover=metrics.failovers.inc,
        running=hub.staff_present)


class HearthApp(Starlette):
    """Starlette, with ``/ws`` handed straight to the endpoint (with the raw ``send`` it
    uses on the hot path): the only way to it, ahead of the middleware stack and router.

    Every middleware passes WebSockets through untouched, but each still keeps a frame
    (and Starlette's exception layer a wrapped ``send``) alive for the life of every
    connection: at thousands of idle connections that was kilobytes each
    (docs/performance.md). Anything else takes the usual way through the stack and the
    router (which has no WebSocket route: another path, or ``/ws`` before start-up has
    built the endpoint, is refused there)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint: Endpoint | None = getattr(self.state, "endpoint", None)
        if endpoint is not None and scope["type"] == "websocket" and scope["path"] == "/ws":
            await endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> Starlette:
    settings.prepare_storage()
    settings = settings.with_secret()
    assert settings.secret_key is not None
    signer = Signer(settings.secret_key)
    # A short HEARTH_AUDIT_KEY or audit_key file is refused now, in one line; a missing
    # file is made by open_store, which signs what the database holds at that moment.
    settings.existing_audit_key()
    # Likewise the contact key (made now on a first start): a damaged one is one line.
    settings.contact_key_bytes()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await open_store(settings)
        await _check_contact_key(store)
        metrics = Metrics(settings.node_id)
        store.time_statements(metrics.observe_statement)
        bus = TimedBus(open_bus(settings.redis_url), metrics.observe_bus)
        directory = Directory.default()
        notifier = Notifier(
            webhook_url=settings.webhook_url, webhook_secret=settings.webhook_secret,
            smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
            email_to=settings.alert_email_to, email_from=settings.alert_email_from,
        )
        journal = Journal(JournalFile.in_folder(settings.data_dir),
                          retry_max=settings.journal_retry_max)
        safeguarding = SafeguardingService(
            store, bus, notifier, settings.public_url, journal,
            write_wait=settings.safeguarding_write_wait,
            stale_after=settings.journal_stale_after)
        safeguarding.start()  # what an earlier process left is stored first
        metrics.journal_depth.set_function(lambda: safeguarding.journal_depth)
        metrics.journal_age.set_function(safeguarding.journal_age)
        directory_store = DirectoryStore(store.safeguarding)
        hub = Hub(store, settings, directory_store, safeguarding, default_assessor(), metrics)
        # Volunteers' time, from staff joining and leaving rooms (issue 13, part 4).
        hub.timekeeper = timekeeper = Timekeeper(store, settings.prep_minutes)
        # Sessions held and attendances, for the anonymous impact report (part 5).
        hub.programme = counter = AttendanceCounter(store.impact, signer.secret_key, utc_now)
        hub.placement = placement = _placement(settings, hub, metrics)
        hub.start()
        placement.start()
        # The holder is this machine and data folder, which the journal's lock gives to
        # one process at a time: a restarted process takes its own lease back at once.
        sweeper = Sweeper(store.safeguarding, safeguarding, hub.staff_present,
                          every=settings.sweep_every, lease_ttl=settings.sweep_lease_ttl,
                          holder=_sweeper_holder(settings))
        sweeper.start()
        app.state.sweeper = sweeper  # for the tests of one sweeper across nodes
        # Rate limits per address and account, counted in Redis for every node when it
        # is configured (server/auth/ratelimit.py says what happens while it is away).
        limits_redis = (open_limits_redis(settings.redis_url)
                        if settings.clustered and settings.redis_url else None)
        # Everything built so far lives as long as the process: move it out of the
        # collector's way, and collect the young generation less often, so full
        # collections (which walk every connection's objects and pause the event
        # loop) stay rare. Measured in docs/performance.md.
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)
        app.state.services = Services(
            settings=settings, store=store, bus=bus, hub=hub, signer=signer, metrics=metrics,
            directory=directory, safeguarding=safeguarding,
            directory_store=directory_store, timekeeper=timekeeper,
            join_limiter=Limiter("join", settings.join_burst, settings.join_per_minute,
                                 redis=limits_redis, secret=signer.secret_key),
            login_limiter=Limiter("login", settings.login_burst, settings.login_per_minute,
                                  redis=limits_redis, secret=signer.secret_key),
            support_limiter=Limiter("support", settings.support_burst,
                                    settings.support_per_minute, redis=limits_redis,
                                    secret=signer.secret_key),
        )
        endpoint = app.state.endpoint = Endpoint(hub, signer, settings, metrics)
        retention = asyncio.get_running_loop().create_task(
            _retention_sweeps(safeguarding, store, settings))
        try:
            yield
        finally:
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            # First: this node's rooms are free for other nodes from now on.
            await placement.aclose()
            await sweeper.aclose()
            await endpoint.aclose()
            await hub.aclose()
            await timekeeper.aclose()  # the time of those the hub's closing let go
            await counter.aclose()
            await safeguarding.aclose()
            await bus.aclose()
            if limits_redis is not None:
                await limits_redis.aclose()
            await store.aclose()


    # web/static under content-hashed names, read and compressed once (server/http/static.py).
    assets = static.StaticAssets(pages.WEB / "static")
    static.register(pages.templates)
    app = HearthApp(
        routes=[
            *api.routes,
            *account.routes,
            *schedule.routes,
            *pages.routes,
            *lead.routes,
            *admin.routes,
            *coordinator.routes,
            *hours.routes,
            *supervision.routes,
            *reports.routes,
            *referrals.routes,
            Mount(static.PREFIX, assets, name="static"),
        ],
        # Pages, scripts and JSON over ~500 bytes are gzipped when the client takes it.
        # Starlette's middleware leaves a response alone that is already encoded (the
        # static files, the risk endpoints) or is text/event-stream (the lead's live
        # stream stays unbuffered), and WebSockets pass straight through. Level 6, not 9:
        # pages are compressed per request on the event loop, and 9 saves under 1 % on
        # them (the room page: 3,017 bytes against 3,019) for up to twice the CPU.
        middleware=[Middleware(SecurityHeaders, https=settings.secure_cookies,
                               connect_sources=settings.connect_sources),
                    Middleware(i18n.LanguageMiddleware,
                               cookie=prefixed(i18n.COOKIE, settings.secure_cookies)),
                    Middleware(GZipMiddleware, minimum_size=static.MIN_COMPRESS,
                               compresslevel=6),
                    Middleware(BodyLimit)],
        lifespan=lifespan,
    )
    app.state.static_assets = assets  # static_url() in the templates reads it
    return app
