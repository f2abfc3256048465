"""docker-compose.yml, the Dockerfile and .env.example agree with Hearth and each other.

Docker cannot run here, so these read the files: the six services and what each must
have (ports, volumes, healthchecks, start order), the image's non-root user and health
endpoint, and every ``HEARTH_*`` variable against the names ``server/settings.py``
really reads, found by calling ``from_env`` on an environment that records each name
asked for. The nodes' environment, as compose would hand it over with .env.example's
values, must also be accepted by ``from_env`` and make a clustered node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from server.datadir import SetupError, check_audit_key, check_secret
from server.http.api import routes
from server.settings import from_env
from tests.deploy.processes import CADDYFILE, ROOT, TURNSERVER_CONF

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

SERVICES = {"hearth-a", "hearth-b", "caddy", "redis", "postgres", "coturn"}
NODES = ("hearth-a", "hearth-b")
# What a node in this deployment cannot do without (settings.py has no such list: each
# is here for the reason given).
REQUIRED_ON_NODES = {
    "HEARTH_DATABASE_URL": "nodes share PostgreSQL, not a SQLite file each",
    "HEARTH_REDIS_URL": "placement across nodes is on only with Redis",
    "HEARTH_SECRET_KEY": "a token one node makes must be good at the other",
    "HEARTH_AUDIT_KEY": "every node signs the one audit log",
    "HEARTH_PUBLIC_URL": "links, cookies and allowed origins name the proxy's address",
    "HEARTH_SECURE_COOKIES": "TLS ends at Caddy, so Hearth cannot see it",
    "HEARTH_TRUSTED_PROXIES": "rate limits count the parent's address, not Caddy's",
    "HEARTH_NODE_ID": "a fixed name keeps a drain mark across a restart",
    "HEARTH_NODE_WS_URL": "browsers must reach the node that runs their room",
    "HEARTH_MEDIA_PUBLIC_ADDRESS": "the container's own address is not reachable",
    "HEARTH_MEDIA_PORTS": "the published UDP range must be the one the node binds",
    "HEARTH_TURN_URLS": "browsers behind strict firewalls need the relay",
    "HEARTH_TURN_SECRET": "TURN credentials are made with coturn's shared secret",
}


class Recording(dict[str, str]):
    """An environment that notes every name it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


def settings_names() -> set[str]:
    """Every HEARTH_* name from_env reads (an empty environment: each is asked for)."""
    env = Recording()
    from_env(env)
    names = {name for name in env.asked if name.startswith("HEARTH_")}
    assert len(names) > 20 and "HEARTH_TURN_SECRET" in names
    return names


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def env_example() -> dict[str, str]:
    """.env.example's variables: set ones, and the optional ones shown commented out."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match and not line.startswith("# ---"):
            found[match.group(1)] = match.group(2)
    return found


def env_example_set() -> dict[str, str]:
    return {name: value for line in ENV_EXAMPLE.read_text().splitlines()
            if not line.startswith("#") and "=" in line
            for name, value in [line.split("=", 1)]}


_VARIABLE = re.compile(r"\$(?:\$|\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}|([A-Z0-9_]+))")


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME:?error} and $$, as `docker compose` does."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        value = env.get(name, "")
        if match.group(2) == "-" and not value:
            return match.group(3)
        if match.group(2) == "?" and not value:
            raise AssertionError(f"compose would refuse to start: {name}: {match.group(3)}")
        return value
    return _VARIABLE.sub(one, value)


def referenced(text: str) -> set[str]:
    """The variables compose interpolates in ``text`` (comments left out)."""
    lines = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return {m.group(1) or m.group(4) for m in _VARIABLE.finditer(lines) if m.group(0) != "$$"}


def node_environment(service: str) -> dict[str, str]:
    """What compose hands the node: .env (env_file) overlaid by `environment`, with
    .env.example's values standing in for the operator's."""
    env = env_example_set()
    spec = compose()["services"][service]
    assert spec["env_file"] == ".env"
    handed = dict(env)
    handed.update({name: interpolate(str(value), env)
                   for name, value in spec["environment"].items()})
    return handed


def test_the_six_services_and_their_start_order() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    for node in NODES:
        spec = services[node]
        assert spec["build"] == "."
        assert spec["restart"] == "unless-stopped"
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
    # B starts once A has made the demo data of a first start (docs/deployment.md).
    assert services["hearth-b"]["depends_on"]["hearth-a"]["condition"] == "service_healthy"
    assert {name: dep["condition"] for name, dep in services["caddy"]["depends_on"].items()} \
        == {"hearth-a": "service_healthy", "hearth-b": "service_healthy"}


def test_ports_only_where_the_public_must_reach() -> None:
    services = compose()["services"]
    env = env_example_set()
    assert services["caddy"]["ports"] == ["80:80", "443:443", "443:443/udp"]
    media = []
    for node in NODES:
        (published,) = services[node]["ports"]
        ports = interpolate(services[node]["environment"]["HEARTH_MEDIA_PORTS"], env)
        # One to one: the node advertises the port it bound, so host and container agree.
        assert interpolate(published, env) == f"{ports}:{ports}/udp"
        low, high = map(int, ports.split("-"))
        media.append(range(low, high + 1))
    assert not set(media[0]) & set(media[1]), "the nodes' media ranges overlap"
    # PostgreSQL, Redis and the nodes' HTTP are reached only on the compose network.
    for name in ("redis", "postgres"):
        assert "ports" not in services[name]
    # coturn uses the host's network: its ports are the file's.
    assert services["coturn"]["network_mode"] == "host"
    conf = dict(re.findall(r"^([a-z-]+)=(\S+)$", TURNSERVER_CONF.read_text(), re.M))
    assert conf["listening-port"] == "3478"
    relay = range(int(conf["min-port"]), int(conf["max-port"]) + 1)
    for node_ports in media:
        assert not set(node_ports) & set(relay), "a node's media range overlaps coturn's relay"


def test_volumes_and_healthchecks() -> None:
    data = compose()
    services = data["services"]
    mounts = {name: spec.get("volumes", []) for name, spec in services.items()}
    assert mounts["hearth-a"] == ["hearth-a-data:/var/lib/hearth"]
    assert mounts["hearth-b"] == ["hearth-b-data:/var/lib/hearth"]
    assert "redis-data:/data" in mounts["redis"]
    assert "postgres-data:/var/lib/postgresql/data" in mounts["postgres"]
    assert "caddy-data:/data" in mounts["caddy"]
    # The very files the tests run, mounted read-only.
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in mounts["caddy"]
    assert "./deploy/turnserver.conf:/etc/coturn/hearth.conf:ro" in mounts["coturn"]
    assert (ROOT / "deploy/Caddyfile") == CADDYFILE
    named = {m.split(":")[0] for ms in mounts.values() for m in ms if not m.startswith(".")}
    assert named == set(data["volumes"])
    for name, spec in services.items():
        assert spec["healthcheck"]["test"], f"{name} has no healthcheck"
    for node in NODES:
        assert "/healthz" in " ".join(services[node]["healthcheck"]["test"])
    # Redis keeps the fencing counters across a restart: its append-only file.
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"


def test_the_image_runs_as_a_user_of_its_own_and_checks_its_health() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
    assert len(stages) >= 2, "a build stage and a runtime stage"
    runtime = text[text.rindex("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"useradd .*--uid 10001", runtime)
    (check,) = re.findall(r"^HEALTHCHECK .*(?:\n\s+.*)*", runtime, re.M)
    paths = {route.path for route in routes if hasattr(route, "path")}
    (path,) = re.findall(r"127\.0\.0\.1:8000(/\w+)", check)
    assert path in paths and path in ("/healthz", "/readyz")
    assert re.search(r'^CMD \["hearth", "serve", "--host", "0.0.0.0", "--port", "8000"\]',
                     runtime, re.M)
    assert re.search(r"^EXPOSE 8000$", runtime, re.M)
    # Caddy reaches each node on that port.
    caddy = compose()["services"]["caddy"]["environment"]
    assert caddy["CADDY_NODE_A"] == "hearth-a:8000" and caddy["CADDY_NODE_B"] == "hearth-b:8000"


def test_every_hearth_variable_is_one_settings_reads() -> None:
    names = settings_names()
    in_compose = {n for n in referenced(COMPOSE.read_text()) if n.startswith("HEARTH_")}
    for spec in compose()["services"].values():
        in_compose |= {n for n in spec.get("environment", {}) if n.startswith("HEARTH_")}
    in_example = {n for n in env_example() if n.startswith("HEARTH_")}
    assert in_compose - names == set(), "compose sets what settings never read"
    assert in_example - names == set(), ".env.example lists what settings never read"
    # Every variable compose interpolates is in .env.example, with what it is for.
    assert referenced(COMPOSE.read_text()) - set(env_example()) == set()


def test_the_nodes_environment_makes_a_clustered_node() -> None:
    for node, letter in zip(NODES, "ab", strict=True):
        env = node_environment(node)
        missing = {name for name in REQUIRED_ON_NODES if not env.get(name)}
        assert not missing, f"{node} lacks {missing}"
        settings = from_env(env)
        assert settings.clustered
        assert settings.node_id == letter
        assert settings.node_ws_url == f"wss://hearth.example.org/nodes/{letter}/ws"
        assert settings.public_url == "https://hearth.example.org"
        assert settings.secure_cookies
        assert settings.resolved_database_url.startswith("postgresql://hearth:")
        assert settings.turn_secret and settings.turn_urls
        assert settings.media_ports is not None
        assert str(settings.data_dir) == "/var/lib/hearth"
        # Caddy's fixed address is the one trusted proxy.
        caddy = compose()["services"]["caddy"]["networks"]["hearth"]["ipv4_address"]
        assert settings.trusted_proxies == (caddy,)
    # The Caddyfile routes each node's WebSocket prefix to it.
    caddyfile = CADDYFILE.read_text()
    for letter in "ab":
        assert re.search(rf"handle_path /nodes/{letter}/\* {{\s*reverse_proxy "
                         rf"{{\$CADDY_NODE_{letter.upper()}}}", caddyfile)


def test_the_secret_placeholders_are_refused() -> None:
    env = env_example_set()
    for name, check in (("HEARTH_SECRET_KEY", check_secret),
                        ("HEARTH_AUDIT_KEY", check_audit_key)):
        try:
            check(env[name], name)
        except SetupError:
            continue
        raise AssertionError(f".env.example's {name} would be accepted as a real key")
    assert Path(ROOT / ".gitignore").read_text().splitlines().count(".env") == 1
