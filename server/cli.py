"""The command line of PROTOCOL.md: ``serve``, ``staff add|disable|enable|reset-password|
reset-2fa``, ``room add|assign|unassign|schedule|sessions|unschedule|zone``, ``invite
rotate|revoke``, ``volunteer list|show|train|untrain|supervision|supervisor-of|modules``,
``data export|erase``, ``audit verify|adopt|list``, ``node list|drain|resume``.

Every command works on a fresh folder (it makes the data folder), and anything the
operator must fix (an unwritable folder, a short secret key, a database that cannot
be opened) is one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import socket
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from server import cli_data, cli_schedule, cli_volunteer, logs
from server.auth import erasure, manage
from server.auth.passwords import hash_password, password_problem
from server.cli_common import CLI_ACTOR, CommandError, opened_store
from server.datadir import SetupError
from server.demo import create_demo
from server.safeguarding.journal import JournalFile
from server.settings import DEFAULT_HOST, DEFAULT_PORT, Settings, from_env, is_wildcard
from server.store.db import AUDIENCES, ROLES, Conflict, RoomRecord, SqlStore, Staff

__all__ = ["CLI_ACTOR", "CommandError", "main", "parser", "serve", "uvicorn_config"]

T = TypeVar("T")


def uvicorn_config(app: object, settings: Settings) -> uvicorn.Config:
    # Imported here: the other commands start sooner without the WebSocket stack.
    from server.signaling.wsprotocol import HTTP_PROTOCOL, WebSocketProtocol

    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        # uvicorn's implementation on the websockets library's sans-I/O core (no
        # per-connection reader task), in a subclass that keeps less per connection:
        # idle connections stay small (server/signaling/wsprotocol.py).
        ws=WebSocketProtocol,
        http=HTTP_PROTOCOL,  # httptools, freed at once after an upgrade
        ws_max_size=64 * 1024,  # PROTOCOL.md: a larger frame closes 1009
        ws_per_message_deflate=False,  # PROTOCOL.md: no compression
        access_log=False,  # access lines carry client addresses (invariant 9)
        log_config=None,  # logs.configure() owns logging
        lifespan="on",
        server_header=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; Hearth
        # believes only the proxies it is given (HEARTH_TRUSTED_PROXIES).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
    )


def serve(settings: Settings) -> None:
    logs.configure()
    settings.prepare_storage()
    settings = settings.with_secret()
    settings.existing_audit_key()  # a short audit key is one line now, not mid-start
    # One process a data folder (the safeguarding journal's lock): say so in one line now,
    # rather than as a traceback from the server's start-up.
    JournalFile.in_folder(settings.data_dir).close()
    for line in _with_store(create_demo(settings)):
        print(line, flush=True)
    running = [f"Hearth is running at {settings.public_url}  (Ctrl+C to stop)"]
    if is_wildcard(settings.host) and not settings.public_base_url:
        running.append("  Listening on every address of this machine: a phone on the same "
                       "network can open the links above (its microphone needs HTTPS: see "
                       "the README).")
    # uvicorn shuts down cleanly on Ctrl+C, then raises the signal again for the caller:
    # for a server stopped on purpose, that is a normal exit, not a traceback.
    # The app is imported here, not at the top: every other command (staff, room, audit...)
    # starts about a second sooner without the web and media stack.
    from server.app import create_app

    with contextlib.suppress(KeyboardInterrupt):
        _Announcing(uvicorn_config(create_app(settings), settings), running).run()


class _Announcing(uvicorn.Server):
    """Says Hearth is running once it really is: the app started and the port is open,
    so a link clicked the moment it is printed works (and scripts can wait for the line)."""

    def __init__(self, config: uvicorn.Config, lines: list[str]) -> None:
        super().__init__(config)
        self._lines = lines

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print("\n".join(self._lines), flush=True)


def _with_store(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a database that cannot be used is one clear line."""
    try:
        return asyncio.run(work)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise SetupError(f"the database (HEARTH_DATABASE_URL, or hearth.db in the data "
                         f"folder) could not be used: {reason}") from None


def _password_from_user() -> str:
    password = os.environ.get("HEARTH_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("error: set HEARTH_PASSWORD or run in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("error: the passwords did not match")
    return first


async def _staff_add(settings: Settings, username: str, role: str, password: str) -> str:
    async with opened_store(settings) as store:
        staff = await store.add_staff(username, hash_password(password), role)
        return staff.username


async def _member(store: SqlStore, username: str) -> Staff:
    staff = await store.staff_by_username(username)
    if staff is None:
        raise CommandError(f"there is no staff account called {username.strip().lower()!r}")
    return staff


async def _room(store: SqlStore, room_id: str) -> RoomRecord:
    room = await store.room(room_id, include_archived=True)
    if room is None:
        raise CommandError(f"there is no room {room_id!r} (rooms are named by their id, "
                           "as hearth room add printed it)")
    return room


async def _room_add(settings: Settings, name: str, audience: str,
                    facilitators: Sequence[str] = ()) -> dict[str, str]:
    async with opened_store(settings) as store:
        # Every name checked before anything is made: a typo creates nothing.
        members = [await _member(store, username) for username in facilitators]
        for member in members:
            if member.role != "facilitator":
                raise CommandError(f"{member.username} is a {member.role.replace('_', ' ')}, "
                                   "who may enter every group already; only facilitators "
                                   "are assigned")
        room = await store.add_room(name, audience, facilitators=[m.id for m in members])
        invite = await store.add_invite(room.id)
        for member in members:
            await store.safeguarding.audit(CLI_ACTOR, "room.assign", room_id=room.id,
                                           target=member.id,
                                           detail={"username": member.username,
                                                   "role": member.role})
        return {"room": room.id, "invite": invite.code}


async def _schedule(settings: Settings, args: argparse.Namespace) -> str:
    """``hearth room schedule|sessions|unschedule|zone`` (server/cli_schedule.py)."""
    async with opened_store(settings) as store:
        return await cli_schedule.run(store, CLI_ACTOR, await _room(store, args.room), args)


async def _volunteer(settings: Settings, args: argparse.Namespace) -> str:
    """``hearth volunteer ...`` (server/cli_volunteer.py)."""
    from server.programme.training import load_modules

    async with opened_store(settings) as store:
        member = None
        if getattr(args, "username", None) is not None:
            member = await _member(store, args.username)
        return await cli_volunteer.run(store, CLI_ACTOR, member, args,
                                       load_modules(settings.training_modules))


async def _data(settings: Settings, args: argparse.Namespace) -> str:
    """``hearth data export|erase --staff USERNAME|--referral ID`` (server/cli_data.py)."""
    async with opened_store(settings) as store:
        if args.referral is not None:
            return await cli_data.run_referral(store, CLI_ACTOR, args.referral, args)
        return await cli_data.run(store, CLI_ACTOR, await _member(store, args.staff), args)


async def _audit_list(settings: Settings, last: int) -> tuple[bool, str]:
    """The newest audit entries, one JSON line each, erased accounts by their tombstone."""
    async with opened_store(settings) as store:
        shown = await erasure.audit_listing(store, last)
    return True, "\n".join(json.dumps(s, ensure_ascii=False) for s in shown)


async def _manage(settings: Settings, what: str, args: argparse.Namespace) -> str:
    """One admin change from the command line (server/auth/manage.py); returns the line
    to print. Live room connections on a running server end at their next hello. An
    erased account is refused there (``manage.AccountErased``, a ValueError)."""
    async with opened_store(settings) as store:
        try:
            return await _change(store, what, args)
        except ValueError as exc:
            raise CommandError(str(exc)) from None


async def _change(store: SqlStore, what: str, args: argparse.Namespace) -> str:
    if what in ("assign", "unassign"):
        room, member = await _room(store, args.room), await _member(store, args.username)
        if what == "assign":
            added = await manage.assign(store, CLI_ACTOR, room, member)
            return (f"assigned {member.username} to {room.id}" if added
                    else f"{member.username} was already assigned to {room.id}")
        removed = await manage.unassign(store, CLI_ACTOR, room, member)
        return (f"unassigned {member.username} from {room.id}" if removed
                else f"{member.username} was not assigned to {room.id}")
    if what == "rotate":
        invite = await manage.rotate_invite(store, CLI_ACTOR, await _room(store, args.room))
        return json.dumps({"room": invite.room_id, "invite": invite.code})
    if what == "revoke":
        found = await store.invite(args.code)
        if found is None:
            raise CommandError("there is no such invite code")
        revoked = await manage.revoke_invite(store, CLI_ACTOR, found)
        return "revoked" if revoked else "that invite was revoked already"
    member = await _member(store, args.username)
    if what in ("disable", "enable"):
        await manage.set_disabled(store, CLI_ACTOR, member, what == "disable")
        return f"{what}d {member.username}"
    if what == "reset-password":
        password = await manage.reset_password(store, CLI_ACTOR, member)
        return (f"new password for {member.username} (shown once; to be changed at "
                f"their next login): {password}")
    await manage.reset_two_factor(store, CLI_ACTOR, member)
    return f"two-step login reset for {member.username}"


NO_AUDIT_KEY = ("no audit key: HEARTH_AUDIT_KEY is not set and the data folder has no "
                "audit_key file, and the log cannot be verified without the key it was "
                "signed with (restore it from the backup kept with the database)")


async def _audit_verify(settings: Settings) -> tuple[bool, str]:
    """Check every entry's chain hash and MAC with the audit key; never makes a key."""
    key = settings.existing_audit_key()
    if key is None:
        raise CommandError(NO_AUDIT_KEY)
    store = SqlStore(settings.resolved_database_url, audit_key=key)
    try:
        await store.migrate()
        verdict = await store.safeguarding.verify_audit()
    finally:
        await store.aclose()
    if verdict.ok:
        return True, f"audit log OK: {verdict.checked} entries, chain and MACs intact"
    what = "the MAC" if verdict.broken == "mac" else "the chain"
    return False, (f"audit log BROKEN at entry {verdict.first_bad} ({what} is wrong): "
                   f"{verdict.reason}")


async def _audit_adopt(settings: Settings) -> tuple[bool, str]:
    """Sign the entries written before the audit key, once (server/safeguarding/audit.py):
    for a database upgraded with HEARTH_AUDIT_KEY set, or a first start that stopped
    between making the key and signing. The operator's decision, never automatic."""
    async with opened_store(settings) as store:  # makes the key (and signs) if there was none
        plan = await store.safeguarding.sign_existing()
    if plan.refused:
        return False, f"audit log not (wholly) adopted: {plan.refused}"
    if not plan.entries:
        return True, "nothing to sign: every audit entry has its MAC"
    return True, f"signed {len(plan.entries)} audit entries written before the audit key"


async def _node(settings: Settings, action: str, node_id: str | None) -> str:
    """The nodes sharing Redis (server/cluster/): list them, or mark one draining (new
    rooms go elsewhere; its sessions finish where they are) or not."""
    from redis.exceptions import RedisError

    from server.cluster.node import open_redis
    from server.cluster.nodes import NodeRegistry

    if not settings.clustered or settings.redis_url is None:
        raise CommandError("HEARTH_REDIS_URL is not set: one process runs every room, "
                           "and there are no nodes to list or drain")
    redis = open_redis(settings.redis_url)
    try:
        registry = NodeRegistry(redis, settings.node_beat_every)
        if action == "list":
            nodes = await registry.alive()
            if not nodes:
                return "no node is running"
            width = max(len(n.id) for n in nodes)
            lines = [f"{'node':<{width}}  rooms  connections   cpu  state     ws_url"]
            for n in nodes:
                limit = f"{n.rooms}/{n.max_rooms}" if n.max_rooms else str(n.rooms)
                state = "draining" if n.draining else ("full" if n.full else "ready")
                lines.append(f"{n.id:<{width}}  {limit:>5}  {n.connections:>11}  "
                             f"{n.cpu:>4.2f}  {state:<8}  {n.ws_url}")
            return "\n".join(lines)
        assert node_id is not None
        alive = await registry.set_draining(node_id, action == "drain")
        if action == "drain":
            return (f"{node_id} is draining: new rooms go to other nodes, its sessions "
                    "finish where they are" if alive else
                    f"{node_id} is not running now; it will start draining if it comes back "
                    "within a day")
        return f"{node_id} takes new rooms again" + ("" if alive else " (not running now)")
    except (RedisError, OSError) as exc:
        raise CommandError(f"Redis (HEARTH_REDIS_URL) could not be used: {exc}") from None
    finally:
        await redis.aclose()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="hearth", description="Hearth peer-support groups")
    commands = top.add_subparsers(dest="command")
    serve_cmd = commands.add_parser("serve", help="run the server")
    serve_cmd.add_argument("--host", default=DEFAULT_HOST)
    serve_cmd.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve_cmd.add_argument("--ssl-certfile", type=Path, metavar="PEM",
                           help="serve HTTPS with this certificate (with --ssl-keyfile)")
    serve_cmd.add_argument("--ssl-keyfile", type=Path, metavar="PEM",
                           help="the certificate's private key")

    staff = commands.add_parser("staff", help="staff accounts").add_subparsers(dest="action",
                                                                              required=True)
    staff_add = staff.add_parser("add", help="add a staff account")
    staff_add.add_argument("username")
    staff_add.add_argument("--role", required=True, choices=ROLES)
    for action, about in (("disable", "disable an account: its logins and room tokens end"),
                          ("enable", "enable a disabled account again"),
                          ("reset-password", "print a new generated password (changed at "
                                             "the next login); every login of theirs ends"),
                          ("reset-2fa", "forget an account's two-step login (a lost phone)")):
        staff.add_parser(action, help=about).add_argument("username")

    room = commands.add_parser("room", help="rooms").add_subparsers(dest="action", required=True)
    room_add = room.add_parser("add", help="add a room and print its invite")
    room_add.add_argument("name")
    room_add.add_argument("--audience", required=True, choices=AUDIENCES)
    room_add.add_argument("--facilitators", default="", metavar="USER,USER",
                          help="facilitators who may open it (leads and admins may enter any)")
    for action, about in (("assign", "let a facilitator open a room"),
                          ("unassign", "stop a facilitator opening a room")):
        room_cmd = room.add_parser(action, help=about)
        room_cmd.add_argument("room", help="the room's id, as room add printed it")
        room_cmd.add_argument("username")
    cli_schedule.add_parsers(room)

    cli_volunteer.add_parsers(commands)

    invite = commands.add_parser("invite", help="invite links").add_subparsers(
        dest="action", required=True)
    invite.add_parser("rotate", help="revoke a room's invite links and print a new one"
                      ).add_argument("room", help="the room's id")
    invite.add_parser("revoke", help="revoke one invite link").add_argument("code")

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="action",
                                                                             required=True)
    audit.add_parser("verify", help="check the whole chain and every MAC with the audit key; "
                                    "names the first bad entry")
    audit.add_parser("adopt", help="sign, once, the entries written before the audit key "
                                   "(after an upgrade with HEARTH_AUDIT_KEY set)")
    listing = audit.add_parser("list", help="print the newest entries, one JSON line each "
                                            "(deleted accounts by their tombstone)")
    listing.add_argument("--last", type=int, default=100, metavar="N")

    cli_data.add_parsers(commands)

    node = commands.add_parser("node", help="the nodes sharing Redis").add_subparsers(
        dest="action", required=True)
    node.add_parser("list", help="the live nodes: rooms, connections, CPU, draining")
    node.add_parser("drain", help="send new rooms to other nodes; sessions here finish"
                    ).add_argument("node", help="the node's id, as node list shows it")
    node.add_parser("resume", help="let a drained node take new rooms again"
                    ).add_argument("node", help="the node's id")

    risk = commands.add_parser("risk", help="the risk screen's model").add_subparsers(
        dest="action", required=True)
    train = risk.add_parser("train", help="rebuild the risk model from the labelled corpus")
    train.add_argument("--corpus", type=Path, default=Path("data/risk"), metavar="DIR",
                       help="the folder with corpus/, legacy/ and heldout/ (default data/risk)")
    train.add_argument("--out", type=Path, metavar="FILE",
                       help="where to write the model (default: the one in the package; a name "
                            "ending in .gz is gzipped); the browser's model goes beside "
                            "it, as NAME_browser.json")
    train.add_argument("--check", action="store_true",
                       help="write nothing; fail unless retraining gives the shipped file")

    i18n = commands.add_parser("i18n", help="the languages' message catalogues").add_subparsers(
        dest="action", required=True)
    i18n.add_parser("extract", help="gather the marked messages into server/locale (keeps "
                                    "every translation already written)")
    return top


def main(argv: Sequence[str] | None = None, *, default_command: str | None = None) -> None:
    """Run one command. ``python -m server`` passes ``default_command="serve"`` so that
    ``python -m server --port P`` serves; ``hearth`` alone prints the help."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if default_command and (not args_in or (args_in[0].startswith("-")
                                            and args_in[0] not in ("-h", "--help"))):
        args_in.insert(0, default_command)
    top = parser()
    args = top.parse_args(args_in)
    if args.command is None:
        top.print_help()
        return
    try:
        _dispatch(args)
    except (SetupError, CommandError) as exc:
        raise SystemExit(f"error: {exc}") from None


def _tls(args: argparse.Namespace) -> dict[str, Any]:
    """TLS settings from ``serve``'s flags: both files or neither, each readable."""
    cert, key = args.ssl_certfile, args.ssl_keyfile
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise SetupError("--ssl-certfile and --ssl-keyfile go together: give both")
    for path in (cert, key):
        if not path.is_file():
            raise SetupError(f"cannot read {path}: no such file")
    return {"ssl_certfile": cert, "ssl_keyfile": key, "secure_cookies": True}


# The OpenBLAS kernel training runs on (server/safeguarding/training.py). OpenBLAS picks one by
# CPU, and the solver's sums come out differently on each: the same corpus trained on an Intel
# with AVX-512 (SkylakeX) and on an AMD EPYC (Haswell) gave models 0.5 points apart on
# validation, and `risk train --check` failed on the machine that had not trained it. Haswell's
# (AVX2) runs on any x86-64 server of the last decade; another architecture gives other weights.
TRAINING_BLAS_KERNEL = "Haswell"
# NumPy chooses its own loops by CPU too (its dispatched targets), and its AVX-512 loops sum in
# another order than its AVX2 ones: on an AMD EPYC with AVX-512 the shipped model, trained where
# there was none, came out different (validation urgent recall 0.7856 against 0.7851) until
# these were turned off. AVX2 (X86_V3) is the most training uses. The names are NumPy 2's (the
# train extra pins it); another NumPy only warns about a name it does not know.
TRAINING_NUMPY_OFF = "X86_V4 AVX512_ICL AVX512_SPR"


def _pin_training_kernels() -> None:
    """Make training use ``TRAINING_BLAS_KERNEL`` and NumPy's AVX2 loops at most: both are
    read once, as NumPy loads, so this must run before NumPy is imported (the command line
    imports it for training only)."""
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return
    wanted = {"OPENBLAS_CORETYPE": TRAINING_BLAS_KERNEL,
              "NPY_DISABLE_CPU_FEATURES": TRAINING_NUMPY_OFF}
    if all(os.environ.get(name) == value for name, value in wanted.items()):
        return
    if "numpy" in sys.modules:
        settings = " ".join(f"{name}='{value}'" for name, value in wanted.items())
        raise CommandError("NumPy was loaded before the risk command could choose its "
                           f"kernels: run it with {settings}")
    os.environ.update(wanted)


def _dispatch(args: argparse.Namespace) -> None:
    if args.command == "serve":
        serve(from_env(host=args.host, port=args.port, **_tls(args)))
        return
    if args.command == "risk":
        _pin_training_kernels()
        from server.safeguarding.corpus import CorpusError
        from server.safeguarding.training import build  # scikit-learn only when asked

        try:
            print(build(args.corpus, args.out, check=args.check))
        except CorpusError as exc:  # a mistake in a JSONL file: where it is, in one line
            raise CommandError(f"the corpus has a mistake: {exc}") from None
        return
    if args.command == "i18n":
        from server.i18n_catalogue import extract_all

        for code, (messages, missing) in extract_all().items():
            print(f"{code}: {messages} messages, {missing} still to translate")
        return
    settings = from_env()
    if args.command == "node":  # Redis only: no data folder or database needed
        print(asyncio.run(_node(settings, args.action, getattr(args, "node", None))))
        return
    settings.prepare_storage()
    if args.command == "staff" and args.action == "add":
        password = _password_from_user()
        weak = password_problem(password, (args.username,))
        if weak:
            raise SystemExit(f"error: {weak}")
        try:
            username = _with_store(_staff_add(settings, args.username, args.role, password))
        except (Conflict, ValueError) as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"added {args.role} {username}")
    elif args.command == "staff":
        print(_with_store(_manage(settings, args.action, args)))
    elif args.command == "room" and args.action == "add":
        facilitators = [u.strip() for u in args.facilitators.split(",") if u.strip()]
        try:
            result = _with_store(_room_add(settings, args.name, args.audience, facilitators))
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        print(json.dumps(result))
    elif args.command == "room" and args.action in cli_schedule.ACTIONS:
        print(_with_store(_schedule(settings, args)))
    elif args.command == "volunteer":
        print(_with_store(_volunteer(settings, args)))
    elif args.command in ("room", "invite"):
        print(_with_store(_manage(settings, args.action, args)))
    elif args.command == "data":
        print(_with_store(_data(settings, args)))
    elif args.command == "audit":
        if args.action == "list":
            ok, report = _with_store(_audit_list(settings, max(1, args.last)))
        else:
            run = _audit_verify if args.action == "verify" else _audit_adopt
            ok, report = _with_store(run(settings))
        print(report)
        if not ok:
            raise SystemExit(1)
