"""Settings, read once from the environment (PROTOCOL.md "Operations").

Every value carries the reason for its default. Tests build ``Settings``
directly with smaller timeouts instead of patching anything.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from server.addresses import machine_ipv4
from server.datadir import (
    DATABASE_FILE,
    SetupError,
    check_audit_key,
    check_contact_key,
    check_secret,
    create_database_file,
    load_audit_key,
    load_or_create_audit_key,
    load_or_create_contact_key,
    load_or_create_secret,
    prepare,
)
from server.programme.training import InvalidModules, load_modules

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("hearth-data")
    database_url: str | None = None  # None: SQLite in data_dir
    redis_url: str | None = None  # None: the in-process bus
    secret_key: str | None = None  # None: generated once and kept in data_dir
    # Signs the audit log (server/safeguarding/audit.py); None: generated once and kept
    # in data_dir. Set it (the same on every node) when several processes share a
    # PostgreSQL database; keep it off the database server and back it up with the
    # database: without it the log cannot be verified.
    audit_key: str | None = None
    # Seals parents' contact details (server/store/contact.py): base64 of 32 bytes; None:
    # generated once and kept in data_dir as contact.key. Back it up apart from the
    # database: without it the contact details cannot be read (that is the point).
    contact_key: str | None = None
    allowed_origins: tuple[str, ...] = ()  # added to the public URL and local addresses
    # Where people reach this server (a proxy's https://hearth.example.org); None:
    # http://host:port, with a wildcard host replaced by this machine's LAN address.
    public_base_url: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed. Empty: no
    # one's, so a client cannot pick the address its rate limits are counted against.
    trusted_proxies: tuple[str, ...] = ()
    # Who may read /metrics: these networks, or anyone with this bearer token. Behind a
    # proxy on this machine, name it in trusted_proxies or keep /metrics off the proxy.
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_token: str | None = None
    # Set behind a TLS proxy so cookies carry Secure (on by itself when serving TLS).
    secure_cookies: bool = False
    # TLS served by Hearth itself (hearth serve --ssl-certfile/--ssl-keyfile): enough for
    # a phone on the same network, whose browser allows the microphone on HTTPS only.
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    # PROTOCOL.md: hello within 10 s.
    hello_timeout: float = 10.0
    # A join token outlives a long evening session with a margin, no more.
    join_token_ttl: float = 12 * 3600
    staff_session_ttl: float = 12 * 3600
    # How often open staff room connections are re-checked (server/signaling/staff_watch.py):
    # an account disabled from the command line or another node loses its room this soon.
    staff_recheck_every: float = 10.0
    # Roles that must log in with a second factor (TOTP): those who see the most (every
    # escalation; every account; volunteers' lived experience, and with referrals parents'
    # contact details). A member of one who has not set it up is sent to set it up before
    # any staff page or API works. HEARTH_REQUIRE_2FA.
    require_2fa: tuple[str, ...] = ("safeguarding_lead", "admin", "coordinator")
    # Only a facilitator whose required training is current may facilitate (the token
    # endpoint refuses the rest: server/programme/training.py). Off unless the operator
    # turns it on (HEARTH_REQUIRE_TRAINING=1): an upgraded deployment has no training
    # records yet, and turning it on by itself would leave every group without its
    # facilitator on the day of the upgrade. The coordinator's pages say which it is.
    require_training: bool = False
    # The training modules (HEARTH_TRAINING_MODULES, a JSON file like the shipped
    # server/programme/training_modules.json); None: the shipped ones.
    training_modules: Path | None = None
    # Minutes of preparation added to each session's time entry (HEARTH_PREP_MINUTES):
    # reading the group's notes, setting up, a moment to settle before parents arrive. A
    # quarter of an hour by default; each service sets its own (0-240).
    prep_minutes: int = 15
    # An empty room keeps its session state (who was admitted, who was removed)
    # this long, so a facilitator's dropped connection does not wipe it.
    empty_room_grace: float = 15 * 60

    # PROTOCOL.md: 60 joins and 20 logins a minute from one shared address must pass.
    join_burst: int = 60
    join_per_minute: int = 120
    login_burst: int = 20
    login_per_minute: int = 30
    # WebSocket: a person chatting (a burst of 5, then 1/s) is never limited; the
    # general bucket leaves room for ICE candidates trickling at connection time.
    ws_burst: int = 40
    ws_per_second: float = 10.0
    chat_burst: int = 8
    chat_per_second: float = 2.0
    # WebSockets one address may hold (a family centre's shared connection, or a proxy
    # without HEARTH_TRUSTED_PROXIES, carries many people), and how many sockets that
    # have not said hello yet one address and everyone together may hold: those cost
    # the server while giving it nothing, so a few are enough for reconnecting tabs.
    ws_per_address: int = 200
    ws_waiting_per_address: int = 20
    ws_waiting_total: int = 500
    # Refused messages within this many seconds before the connection closes 4429.
    flood_strikes: int = 30
    flood_window: float = 10.0
    # A client that stops reading must not grow server memory without bound.
    outbox_limit: int = 512

    ack_within_urgent: int = 60
    ack_within_concern: int = 300

    # Media (ARCHITECTURE.md "Media design"; docs/media.md "Deployment").
    # Addresses the server's media sockets bind and advertise; empty: the machine's.
    media_addresses: tuple[str, ...] = ()
    # Advertised instead of the bound address, behind a 1:1 NAT (a cloud VM's public IP).
    media_public_address: str | None = None
    # Inclusive UDP port range for media, so a firewall opens exactly that; None: any.
    media_ports: tuple[int, int] | None = None
    # Let the server check browsers' private-range candidates (see server/media/offers.py).
    media_allow_private: bool = False
    # Given to clients in welcome; TURN credentials are coturn shared-secret ones.
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str | None = None
    turn_ttl: int = 12 * 3600
    # libopus complexity of the room's full mix (10 is best quality) and of each mixed
    # speaker's own mix-minus, heard only while they talk; see docs/performance.md.
    opus_complexity: int = 10
    personal_opus_complexity: int = 1
    # Voices mixed at once (the loudest): see server/media/mixer.py; None mixes everyone.
    mixed_voices: int | None = 3
    # Receive-only video slots per peer connection (cameras a client can see at once).
    video_slots: int = 4
    # How often each person's connection quality is measured for their room's staff
    # (a ping, and RTCP figures read): server/signaling/quality.py. HEARTH_QUALITY_EVERY.
    quality_every: float = 5.0

    # Outbound notice of a new escalation to the safeguarding lead; each optional.
    webhook_url: str | None = None
    webhook_secret: str | None = None  # signs the body (X-Hearth-Signature, HMAC-SHA256)
    smtp_host: str | None = None
    smtp_port: int = 25
    alert_email_to: str | None = None
    alert_email_from: str = "hearth@localhost"
    # Alert excerpts are the only chat kept (invariant 7): cleared this long after closure.
    retention_days: int = 90
    # A referral's contact details (the only personal data kept about a parent) are erased
    # this many days after it was closed or signposted elsewhere (HEARTH_REFERRAL_DAYS): a
    # year, so a parent who comes back within it is known, and no longer than that.
    referral_days: int = 365
    # Requests for one-to-one support from one address (the forms at /support): a parent
    # sends one, a midwife a few in a clinic; a burst of 5 then one a minute stops a script
    # filling the coordinator's list, and never a person.
    support_burst: int = 5
    support_per_minute: float = 1.0
    # How often the retention sweep runs.
    retention_every: float = 6 * 3600

    # Safeguarding records when the database fails (server/safeguarding/journal.py).
    # A facilitator waits at most this long for the database before the alert is
    # journalled on local disk instead and shown to them: "at once", yet long enough
    # for a busy SQLite writer or a PostgreSQL failover's first second.
    safeguarding_write_wait: float = 1.0
    # Journalled records are retried with backoff up to this pause: a database back
    # from an outage takes them within seconds, without being hammered meanwhile.
    journal_retry_max: float = 5.0
    # /readyz answers 503 while a journal entry has waited longer than this, so an
    # operator sees a database that is not taking safeguarding records.
    journal_stale_after: float = 30.0
    # The deadline sweeper (server/safeguarding/sweeper.py): deadlines are whole
    # seconds, so one sweep a second is precise enough and cheap (one indexed query).
    sweep_every: float = 1.0
    # The sweeper's lease: another process takes over this long after the holder dies.
    sweep_lease_ttl: float = 10.0

    # Placement across nodes (server/cluster/), on when redis_url is set. This node's
    # name in Redis (HEARTH_NODE_ID): generated per process by default, so two processes
    # never share one; set it to keep a drain mark across a restart.
    node_id: str = field(default_factory=lambda: generated_node_id())
    # Where browsers open this node's WebSocket (HEARTH_NODE_WS_URL), e.g.
    # wss://node-2.hearth.example.org/ws; None: the public URL's (ws(s)://.../ws), right
    # for one node, wrong for nodes sharing one public URL behind a proxy.
    node_ws_url: str | None = None
    # Live rooms this node takes at most (HEARTH_NODE_MAX_ROOMS; 0: no limit). About four
    # rooms of twelve with every microphone on fit in a core (docs/performance.md), so
    # five per core keeps a full node short of saturating, with quieter rooms the norm.
    node_max_rooms: int = field(default_factory=lambda: 5 * (os.cpu_count() or 1))
    # Heartbeat (HEARTH_NODE_BEAT_EVERY): a node is dead three beats after its last.
    node_beat_every: float = 2.0
    # A room's lease (HEARTH_NODE_LEASE_TTL), renewed every third of it: a dead node's
    # rooms can be placed again within 10 s (issue 12), and one lost renewal loses nothing.
    lease_ttl: float = 10.0
    # Extra CSP connect-src sources for the nodes' WebSockets (HEARTH_NODE_WS_SOURCES),
    # e.g. wss://*.hearth.example.org: a page from one node may be sent to another's.
    node_ws_sources: tuple[str, ...] = ()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"

    @cached_property
    def public_url(self) -> str:
        """The base of every link Hearth prints or shows (join, invite, login, lead)."""
        if self.public_base_url:
            return self.public_base_url
        host = self.host
        if is_wildcard(host):
            host = (_lan_addresses() or ["127.0.0.1"])[0]
        return f"{self.scheme}://{_url_host(host)}:{self.port}"

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_certfile else "http"

    @property
    def clustered(self) -> bool:
        """Several nodes share the rooms: Redis is configured (server/cluster/)."""
        return bool(self.redis_url and self.redis_url.strip()
                    and not self.redis_url.strip().startswith("memory:"))

    @cached_property
    def own_ws_url(self) -> str:
        """This node's WebSocket URL as other nodes hand it to browsers."""
        if self.node_ws_url:
            return self.node_ws_url
        base = self.public_url
        return ("wss" + base[len("https"):] if base.startswith("https:")
                else "ws" + base[len("http"):]) + "/ws"

    @property
    def connect_sources(self) -> tuple[str, ...]:
        """The page's CSP connect-src: its own origin, this node's WebSocket (in cluster
        mode, where it may be elsewhere) and any listed in HEARTH_NODE_WS_SOURCES."""
        found = ["'self'"]
        if self.clustered:
            parts = urlsplit(self.own_ws_url)
            found.append(f"{parts.scheme}://{parts.netloc}")
        found.extend(self.node_ws_sources)
        return tuple(dict.fromkeys(found))

    @cached_property
    def origins(self) -> frozenset[str]:
        """Origins whose pages may join, log in and open WebSockets: the public URL, any
        listed in HEARTH_ALLOWED_ORIGINS, and the addresses this server listens on."""
        hosts = {self.host}
        if is_wildcard(self.host):
            hosts = {"localhost", "127.0.0.1", *_lan_addresses()}
        elif self.host in ("127.0.0.1", "localhost"):
            hosts = {"localhost", "127.0.0.1"}
        local = {f"{self.scheme}://{_url_host(h)}:{self.port}" for h in hosts}
        listed = {o.rstrip("/") for o in self.allowed_origins}
        return frozenset(local | listed | {self.public_url})

    def with_secret(self) -> Settings:
        """Fill in the secret key, creating and keeping one in data_dir if none is set.
        Raises SetupError for a key too short to sign with, wherever it came from."""
        if self.secret_key is not None:
            check_secret(self.secret_key, "HEARTH_SECRET_KEY")
            return self
        return replace(self, secret_key=load_or_create_secret(self.data_dir))

    def existing_audit_key(self) -> bytes | None:
        """HEARTH_AUDIT_KEY, else the data folder's key; None when neither exists (none
        is made here). Raises SetupError for a key too short, wherever it came from."""
        if self.audit_key is not None:
            return check_audit_key(self.audit_key, "HEARTH_AUDIT_KEY").encode()
        found = load_audit_key(self.data_dir)
        return None if found is None else found.encode()

    def load_or_create_audit_key(self) -> tuple[bytes, bool]:
        """``existing_audit_key``, or a new key made and kept in data_dir: True then."""
        found = self.existing_audit_key()
        if found is not None:
            return found, False
        key, created = load_or_create_audit_key(self.data_dir)
        return key.encode(), created

    def contact_key_bytes(self) -> bytes:
        """HEARTH_CONTACT_KEY, else the data folder's contact.key (made on first use).
        SetupError for a key that is not base64 of 32 bytes, wherever it came from."""
        if self.contact_key is not None:
            return check_contact_key(self.contact_key, "HEARTH_CONTACT_KEY")
        return load_or_create_contact_key(self.data_dir)

    def prepare_storage(self) -> None:
        """Make the data folder (and the SQLite file, 0600) ready, or raise SetupError.
        The folder is needed whatever the database: the safeguarding journal keeps an
        alert there while the database cannot (invariant 6), and the keys live there."""
        prepare(self.data_dir)
        if self.database_url is None:
            create_database_file(self.data_dir)


def generated_node_id() -> str:
    """This machine's name and six random hex digits: unique per process, readable in
    ``hearth node list``."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:40] or "node"
    return f"{host}-{secrets.token_hex(3)}"


def node_id_from(value: str) -> str | None:
    """Check HEARTH_NODE_ID: letters, digits, ``.``, ``_``, ``-`` (it is part of Redis
    keys and of the lease's value), at most 64."""
    value = value.strip()
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value):
        raise SetupError(f"HEARTH_NODE_ID may hold letters, digits, '.', '_' and '-' "
                         f"(at most 64), not {value!r}")
    return value


def ws_url_from(value: str) -> str | None:
    """Check HEARTH_NODE_WS_URL: a ws:// or wss:// URL with a host."""
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.hostname or parts.query or (
            parts.fragment):
        raise SetupError(f"HEARTH_NODE_WS_URL must look like wss://node-1.hearth.example.org"
                         f"/ws, not {value!r}")
    return value


def is_wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")  # noqa: S104 - comparing, not binding


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a phone on the same network can reach (not loopback
    nor link-local), private ranges first."""
    found = [a for a in machine_ipv4() if not a.startswith("169.254.")]
    return sorted(found, key=lambda a: not ipaddress.ip_address(a).is_private)


def public_url_from(value: str) -> str | None:
    """Check HEARTH_PUBLIC_URL: an http(s) origin, with no path, query or fragment."""
    value = value.strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or (
            parts.path or parts.query or parts.fragment):
        raise SetupError(f"HEARTH_PUBLIC_URL must look like https://hearth.example.org "
                         f"(no path), not {value!r}")
    return value


def from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    env = os.environ if env is None else env
    listed = env.get("HEARTH_ALLOWED_ORIGINS", "").split(",")
    origins = tuple(o.strip() for o in listed if o.strip())
    settings = Settings(
        data_dir=Path(env.get("HEARTH_DATA_DIR", "hearth-data")),
        database_url=env.get("HEARTH_DATABASE_URL") or None,
        redis_url=env.get("HEARTH_REDIS_URL") or None,
        # Set but empty is refused, not replaced: a blank deploy variable must not go unseen.
        secret_key=env.get("HEARTH_SECRET_KEY"),
        audit_key=env.get("HEARTH_AUDIT_KEY"),  # set but empty is refused, as above
        contact_key=env.get("HEARTH_CONTACT_KEY"),  # likewise
        allowed_origins=origins,
        public_base_url=public_url_from(env.get("HEARTH_PUBLIC_URL", "")),
        secure_cookies=env.get("HEARTH_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        webhook_url=env.get("HEARTH_WEBHOOK_URL") or None,
        webhook_secret=env.get("HEARTH_WEBHOOK_SECRET") or None,
        smtp_host=env.get("HEARTH_SMTP_HOST") or None,
        smtp_port=_int(env, "HEARTH_SMTP_PORT", 25),
        alert_email_to=env.get("HEARTH_ALERT_EMAIL_TO") or None,
        alert_email_from=env.get("HEARTH_ALERT_EMAIL_FROM", "hearth@localhost"),
        retention_days=_int(env, "HEARTH_RETENTION_DAYS", 90),
        referral_days=_referral_days(env),
        ack_within_urgent=_int(env, "HEARTH_ACK_WITHIN_URGENT", 60),
        ack_within_concern=_int(env, "HEARTH_ACK_WITHIN_CONCERN", 300),
        ws_per_address=_int(env, "HEARTH_WS_PER_ADDRESS", 200),
        trusted_proxies=_listed(env.get("HEARTH_TRUSTED_PROXIES", "")),
        metrics_allow=_networks(env.get("HEARTH_METRICS_ALLOW", "127.0.0.1/32,::1/128")),
        metrics_token=env.get("HEARTH_METRICS_TOKEN") or None,
        media_addresses=_listed(env.get("HEARTH_MEDIA_ADDRESSES", "")),
        media_public_address=env.get("HEARTH_MEDIA_PUBLIC_ADDRESS") or None,
        media_ports=_port_range(env.get("HEARTH_MEDIA_PORTS", "")),
        media_allow_private=env.get("HEARTH_MEDIA_ALLOW_PRIVATE", "").lower() in (
            "1", "true", "yes"),
        stun_urls=_listed(env.get("HEARTH_STUN_URLS", "")),
        turn_urls=_listed(env.get("HEARTH_TURN_URLS", "")),
        turn_secret=env.get("HEARTH_TURN_SECRET") or None,
        turn_ttl=_int(env, "HEARTH_TURN_TTL", 12 * 3600),
        opus_complexity=_int(env, "HEARTH_OPUS_COMPLEXITY", 10),
        personal_opus_complexity=_int(env, "HEARTH_PERSONAL_OPUS_COMPLEXITY", 1),
        safeguarding_write_wait=_float(env, "HEARTH_SAFEGUARDING_WRITE_WAIT", 1.0),
        journal_retry_max=_float(env, "HEARTH_JOURNAL_RETRY_MAX", 5.0),
        journal_stale_after=_float(env, "HEARTH_JOURNAL_STALE_AFTER", 30.0),
        sweep_every=_float(env, "HEARTH_SWEEP_EVERY", 1.0),
        quality_every=_float(env, "HEARTH_QUALITY_EVERY", 5.0),
        sweep_lease_ttl=_float(env, "HEARTH_SWEEP_LEASE_TTL", 10.0),
        require_2fa=_roles_2fa(env.get("HEARTH_REQUIRE_2FA", "")),
        node_ws_url=ws_url_from(env.get("HEARTH_NODE_WS_URL", "")),
        node_beat_every=_float(env, "HEARTH_NODE_BEAT_EVERY", 2.0),
        lease_ttl=_float(env, "HEARTH_NODE_LEASE_TTL", 10.0),
        node_ws_sources=_listed(env.get("HEARTH_NODE_WS_SOURCES", "")),
        require_training=_switch(env, "HEARTH_REQUIRE_TRAINING"),
        training_modules=_training_modules(env.get("HEARTH_TRAINING_MODULES", "")),
        prep_minutes=_prep_minutes(env),
    )
    node_id = node_id_from(env.get("HEARTH_NODE_ID", ""))
    if node_id is not None:
        settings = replace(settings, node_id=node_id)
    if env.get("HEARTH_NODE_MAX_ROOMS", "").strip():
        settings = replace(settings, node_max_rooms=_int(env, "HEARTH_NODE_MAX_ROOMS", 0))
    return replace(settings, **overrides)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SetupError(f"{name} must be a whole number, not {value!r}") from None


def _networks(value: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, each checked now rather than per request."""
    found = _listed(value)
    for item in found:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SetupError(f"HEARTH_METRICS_ALLOW: {item!r} is not an address or network"
                             ) from None
    return found


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SetupError(f"{name} must be a number of seconds, not {value!r}") from None
    if not number > 0:  # also refuses nan
        raise SetupError(f"{name} must be more than 0 seconds, not {value!r}")
    return number


STAFF_ROLES = ("facilitator", "safeguarding_lead", "admin", "coordinator")


def _switch(env: Mapping[str, str], name: str) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (unset or blank: off). Anything
    else is refused, so a typo in a safety rule is never read as "off" unseen."""
    value = env.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise SetupError(f"{name} must be 1 (on) or 0 (off), not {value!r}")


def _training_modules(value: str) -> Path | None:
    """HEARTH_TRAINING_MODULES: a modules file, read and checked now (one line if it is not
    usable), not at the first page that needs it."""
    if not value.strip():
        return None
    path = Path(value.strip())
    try:
        load_modules(path)
    except (OSError, InvalidModules) as exc:
        raise SetupError(f"HEARTH_TRAINING_MODULES {value.strip()!r} cannot be used: {exc}"
                         ) from None
    return path


# The most preparation a session can be given: a generous half day. More is a typo (900
# for 90), which would inflate every volunteer's hours unseen.
PREP_MINUTES_MAX = 240


def _prep_minutes(env: Mapping[str, str]) -> int:
    """HEARTH_PREP_MINUTES: whole minutes from 0 to ``PREP_MINUTES_MAX``."""
    minutes = _int(env, "HEARTH_PREP_MINUTES", Settings.prep_minutes)
    if not 0 <= minutes <= PREP_MINUTES_MAX:
        raise SetupError(f"HEARTH_PREP_MINUTES must be 0 to {PREP_MINUTES_MAX} minutes, "
                         f"not {minutes}")
    return minutes


def _referral_days(env: Mapping[str, str]) -> int:
    """HEARTH_REFERRAL_DAYS: whole days from 1 to ten years (0 would erase a referral's
    contact details before anyone could follow it up)."""
    days = _int(env, "HEARTH_REFERRAL_DAYS", Settings.referral_days)
    if not 1 <= days <= 3660:
        raise SetupError(f"HEARTH_REFERRAL_DAYS must be 1 to 3660 days, not {days}")
    return days


def _roles_2fa(value: str) -> tuple[str, ...]:
    """HEARTH_REQUIRE_2FA: comma-separated staff roles, ``none`` for none; unset or
    blank keeps the default (the lead, admins and coordinators), so a blank variable
    weakens nothing."""
    if not value.strip():
        return Settings.require_2fa
    if value.strip().lower() == "none":
        return ()
    roles = _listed(value)
    for role in roles:
        if role not in STAFF_ROLES:
            raise SetupError(f"HEARTH_REQUIRE_2FA: {role!r} is not a staff role "
                             f"({', '.join(STAFF_ROLES)}, or none)")
    return roles


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _port_range(value: str) -> tuple[int, int] | None:
    """``"50000-50999"`` -> (50000, 50999); empty -> None; anything else is refused."""
    if not value.strip():
        return None
    low, sep, high = value.partition("-")
    try:
        ports = (int(low), int(high if sep else low))
    except ValueError:
        raise SetupError(f"HEARTH_MEDIA_PORTS must look like 50000-50999, not {value!r}") from None
    if not 1024 <= ports[0] <= ports[1] <= 65535:
        raise SetupError(f"HEARTH_MEDIA_PORTS {value!r} is not a range within 1024-65535")
    return ports
