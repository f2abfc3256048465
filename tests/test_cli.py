"""The command line of PROTOCOL.md, run as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.harness import free_port


def hearth(data_dir: Path, *args: str, password: str | None = None, stdin: str | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m server ARGS`` with only the HEARTH_ settings given here."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env = {**base, **(env or {}), "HEARTH_DATA_DIR": str(data_dir)}
    if password is not None:
        env["HEARTH_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "server", *args], env=env, text=True,
                          capture_output=True, timeout=60, input=stdin)


def test_room_add_prints_one_json_line(tmp_path: Path) -> None:
    result = hearth(tmp_path, "room", "add", "Tuesday mums", "--audience", "mothers")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) == {"room", "invite"}
    assert len(data["invite"]) >= 32


def test_room_add_refuses_unknown_audience(tmp_path: Path) -> None:
    result = hearth(tmp_path, "room", "add", "X", "--audience", "babies")
    assert result.returncode != 0 and "audience" in result.stderr


def test_staff_add_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    result = hearth(tmp_path, "staff", "add", "Sam", "--role", "safeguarding_lead",
                    password="a long enough password")
    assert result.returncode == 0, result.stderr
    assert "sam" in result.stdout
    again = hearth(tmp_path, "staff", "add", "sam", "--role", "facilitator",
                   password="a long enough password")
    assert again.returncode == 1 and "already" in again.stderr


def test_staff_add_refuses_short_passwords_and_no_terminal(tmp_path: Path) -> None:
    short = hearth(tmp_path, "staff", "add", "kim", "--role", "facilitator", password="short")
    assert short.returncode == 1 and "at least" in short.stderr
    no_tty = hearth(tmp_path, "staff", "add", "kim", "--role", "facilitator", stdin="")
    assert no_tty.returncode == 1 and "HEARTH_PASSWORD" in no_tty.stderr


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl+C, as a person stops it: a clean exit with code 0 and no traceback."""
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    if process.stdout is not None:
        process.stdout.close()


def serving(data_dir: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """``python -m server ARGS`` on ``data_dir``, once it says it is running (it says so
    when its port is open); returns the process and everything it printed until then."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["HEARTH_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen([sys.executable, "-m", "server", *args], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    out = ""
    deadline = time.monotonic() + 30
    while "Hearth is running" not in out:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"the server did not start: {out}")
        out += line
    return process, out


def test_serve_creates_demo_data_once_and_serves(tmp_path: Path) -> None:
    port = free_port()
    process, first = serving(tmp_path, "serve", "--port", str(port))
    try:
        password = re.search(r"password: (\S+)", first)
        links = re.findall(r"(http://127\.0\.0\.1:\d+/join/\S+)", first)
        assert password and len(links) == 2, first
        # The printed join link works and the printed login works.
        page = httpx.get(links[0])
        assert page.status_code == 200 and "group agreement" in page.text
        origin = f"http://127.0.0.1:{port}"
        login = httpx.post(f"{origin}/api/login", headers={"Origin": origin},
                           json={"username": "facilitator", "password": password.group(1)})
        assert login.status_code == 200
    finally:
        stop(process)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600

    process, second = serving(tmp_path, "serve", "--port", str(port))
    try:
        assert "password:" not in second  # shown once only
    finally:
        stop(process)


def test_audit_verify_names_the_first_bad_entry(tmp_path: Path) -> None:
    import sqlite3

    from tests.harness import audit_key_of

    hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers")  # makes the key
    ok = hearth(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "0 entries" in ok.stdout, ok.stderr

    async def fill() -> None:
        from server.store.db import SqlStore

        store = SqlStore(f"sqlite:///{tmp_path / 'hearth.db'}", audit_key=audit_key_of(tmp_path))
        for n in range(3):
            await store.safeguarding.audit("Fran", "room.lock", room_id="r_1", detail={"n": n})
        await store.aclose()

    import asyncio

    asyncio.run(fill())
    assert "3 entries" in hearth(tmp_path, "audit", "verify").stdout
    with sqlite3.connect(tmp_path / "hearth.db") as db:
        db.execute("UPDATE audit SET action = 'room.unlock' WHERE seq = 2")
    broken = hearth(tmp_path, "audit", "verify")
    assert broken.returncode == 1 and "entry 2 (the chain is wrong)" in broken.stdout


def _rechain(database: Path) -> None:
    """Recompute the unkeyed chain and head as someone with the database file can."""
    import sqlite3
    from datetime import datetime

    from server.safeguarding.audit import GENESIS, entry_hash

    with sqlite3.connect(database) as db:
        prev = GENESIS
        rows = db.execute("SELECT seq, at, actor, action, room_id, target, detail FROM audit "
                          "ORDER BY seq").fetchall()
        for seq, at, actor, action, room_id, target, detail in rows:
            digest = entry_hash(prev, seq, datetime.fromisoformat(at), actor, action, room_id,
                                target, detail)
            db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                       (prev, digest, seq))
            prev = digest
        db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (len(rows), prev))


def test_audit_verify_catches_a_rewrite_with_the_chain_recomputed(tmp_path: Path) -> None:
    import sqlite3

    for name in ("sam", "kim"):
        hearth(tmp_path, "staff", "add", name, "--role", "facilitator",
               password="a long enough password")
    for name in ("sam", "kim"):  # audit entries written by the command line
        assert hearth(tmp_path, "staff", "disable", name).returncode == 0
    assert "2 entries" in hearth(tmp_path, "audit", "verify").stdout
    database = tmp_path / "hearth.db"
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit SET action = 'staff.enable' WHERE seq = 1")
    _rechain(database)  # the unkeyed chain is whole again: the check before the key said OK
    broken = hearth(tmp_path, "audit", "verify")
    assert broken.returncode == 1, broken.stdout
    assert "BROKEN at entry 1 (the MAC is wrong)" in broken.stdout, broken.stdout


def test_audit_verify_without_the_key_says_so(tmp_path: Path) -> None:
    fresh = hearth(tmp_path / "fresh", "audit", "verify")
    _one_clear_line(fresh, "no audit key", "HEARTH_AUDIT_KEY", "audit_key")
    assert not (tmp_path / "fresh" / "audit_key").exists()  # verify never makes one
    hearth(tmp_path / "lost", "room", "add", "Mums", "--audience", "mothers")
    (tmp_path / "lost" / "audit_key").unlink()
    _one_clear_line(hearth(tmp_path / "lost", "audit", "verify"), "no audit key")


def test_a_short_audit_key_is_one_clear_line(tmp_path: Path) -> None:
    _one_clear_line(hearth(tmp_path, "audit", "verify", env={"HEARTH_AUDIT_KEY": "short"}),
                    "HEARTH_AUDIT_KEY is only 5 bytes", "at least 32")
    _one_clear_line(hearth(tmp_path, "--port", str(free_port()),
                           env={"HEARTH_AUDIT_KEY": ""}), "HEARTH_AUDIT_KEY is empty")
    hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers")
    key = tmp_path / "audit_key"
    assert key.stat().st_mode & 0o777 == 0o600
    for size in (0, 31):
        os.truncate(key, size)
        for args in (("audit", "verify"), ("--port", str(free_port()))):
            _one_clear_line(hearth(tmp_path, *args), f"the audit key {key} is", "at least 32")


def test_audit_adopt_signs_the_entries_from_before_a_key_given_in_the_environment(
        tmp_path: Path) -> None:
    import sqlite3

    env = {"HEARTH_AUDIT_KEY": "an audit key given to every node, 32 bytes+"}
    hearth(tmp_path, "staff", "add", "sam", "--role", "facilitator",
           password="a long enough password", env=env)
    assert hearth(tmp_path, "staff", "disable", "sam", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "hearth.db") as db:  # as written before the key
        db.execute("UPDATE audit SET mac = NULL")
        db.execute("UPDATE audit_head SET mac = NULL")
    before = hearth(tmp_path, "audit", "verify", env=env)
    assert before.returncode == 1 and "entry 1 (the MAC is wrong)" in before.stdout
    assert "no MAC" in before.stdout
    adopted = hearth(tmp_path, "audit", "adopt", env=env)
    assert adopted.returncode == 0 and "signed 1 audit entries" in adopted.stdout
    assert "1 entries" in hearth(tmp_path, "audit", "verify", env=env).stdout
    again = hearth(tmp_path, "audit", "adopt", env=env)
    assert again.returncode == 0 and "nothing to sign" in again.stdout


def _one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 1 with one line on stderr that says what is wrong, and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for words in expected:
        assert words in lines[0], lines[0]


def test_hearth_alone_prints_help() -> None:
    hearth_bin = Path(sys.executable).parent / "hearth"
    result = subprocess.run([str(hearth_bin)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "usage: hearth" in result.stdout
    for command in ("serve", "staff", "room", "audit"):
        assert command in result.stdout


def test_every_command_works_in_a_fresh_folder(tmp_path: Path) -> None:
    data = tmp_path / "new" / "hearth-data"
    added = hearth(data, "staff", "add", "sam", "--role", "facilitator",
                   password="a long enough password")
    assert added.returncode == 0, added.stderr
    assert (data.stat().st_mode & 0o777) == 0o700
    assert ((data / "hearth.db").stat().st_mode & 0o777) == 0o600
    for fresh, args in ((tmp_path / "r", ("room", "add", "Mums", "--audience", "mothers")),
                        (tmp_path / "a", ("audit", "adopt"))):
        result = hearth(fresh, *args)
        assert result.returncode == 0 and (fresh / "hearth.db").exists(), result.stderr
        assert (fresh / "audit_key").stat().st_mode & 0o777 == 0o600
    # audit verify makes nothing: with no key yet there is nothing it could check with.
    assert hearth(tmp_path / "v", "audit", "verify").returncode == 1


def _read_only(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run hearth on a data folder it cannot write: a read-only bind mount when running
    as root (whom permissions do not stop), else a folder without write permission."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["HEARTH_DATA_DIR"] = str(data)
    env["HEARTH_PASSWORD"] = "a long enough password"
    command = [sys.executable, "-m", "server", *args]
    if os.geteuid() == 0:
        mount = f"mount --bind -o ro {data} {data} && exec \"$@\""
        command = ["unshare", "--mount", "sh", "-c", mount, "sh", *command]
    else:
        data.chmod(0o500)
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        data.chmod(0o700)


def test_a_data_folder_that_cannot_be_written_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for args in (("staff", "add", "kim", "--role", "facilitator"),
                 ("room", "add", "Dads", "--audience", "fathers_partners"),
                 ("audit", "verify"), ("--port", str(free_port()))):
        _one_clear_line(_read_only(data, *args), f"cannot write to the data folder {data}",
                        "HEARTH_DATA_DIR")
    # An existing database in a folder that became read-only: the same, not a traceback.
    assert hearth(data, "room", "add", "Mums", "--audience", "mothers").returncode == 0
    _one_clear_line(_read_only(data, "room", "add", "Dads", "--audience", "everyone"),
                    "cannot write to the data folder")


def test_a_data_folder_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    _one_clear_line(hearth(tmp_path / "file" / "data", "audit", "verify"),
                    "cannot create the data folder")


def test_serve_refuses_a_truncated_or_short_secret_key(tmp_path: Path) -> None:
    from server.datadir import load_or_create_secret

    key = tmp_path / "secret_key"
    load_or_create_secret(tmp_path)
    for size in (0, 10, 31):
        os.truncate(key, size)
        _one_clear_line(hearth(tmp_path, "--port", str(free_port())),
                        f"the secret key {key} is", "at least 32")
    env_key = hearth(tmp_path / "other", "serve", "--port", str(free_port()),
                     env={"HEARTH_SECRET_KEY": "short"})
    _one_clear_line(env_key, "HEARTH_SECRET_KEY is only 5 bytes")


def test_a_database_that_cannot_be_opened_is_one_clear_line(tmp_path: Path) -> None:
    result = hearth(tmp_path, "audit", "verify",
                    env={"HEARTH_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                         "HEARTH_AUDIT_KEY": "an audit key given to every node, 32 bytes+"})
    _one_clear_line(result, "the database", "could not be used")
    result = hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers",
                    env={"HEARTH_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    _one_clear_line(result, "the database", "could not be used")
    # The key is made only once the database is there to sign what it holds.
    assert not (tmp_path / "audit_key").exists()


def test_bad_settings_are_one_clear_line(tmp_path: Path) -> None:
    _one_clear_line(hearth(tmp_path, "--port", str(free_port()),
                           env={"HEARTH_PUBLIC_URL": "hearth.example.org"}),
                    "HEARTH_PUBLIC_URL must look like")
    _one_clear_line(hearth(tmp_path, "room", "add", "X", "--audience", "everyone",
                           env={"HEARTH_RETENTION_DAYS": "ninety"}),
                    "HEARTH_RETENTION_DAYS must be a whole number")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, as README's phone instructions make one."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hearth")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_serve_https_for_a_phones_microphone(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    process, out = serving(tmp_path / "data", "--port", str(port), "--ssl-certfile", str(cert),
                           "--ssl-keyfile", str(key))
    try:
        links = re.findall(rf"(https://127\.0\.0\.1:{port}/join/\S+)", out)
        assert len(links) == 2, out
        origin = f"https://127.0.0.1:{port}"
        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
            page = client.get(links[0])
            assert page.status_code == 200
            assert page.headers["strict-transport-security"] == "max-age=31536000"
            # The HTTPS origin may join, and its cookies are Secure.
            joined = client.post(f"{origin}/api/join", headers={"Origin": origin},
                                 json={"invite": links[0].rsplit("/", 1)[1], "agree": True})
            assert joined.status_code == 201, joined.text
            assert "secure" in joined.headers["set-cookie"].lower()
            assert joined.headers["set-cookie"].startswith("__Host-hearth_device=")
    finally:
        stop(process)


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert, _ = _self_signed(tmp_path)
    _one_clear_line(hearth(tmp_path, "--ssl-certfile", str(cert)), "go together")
    _one_clear_line(hearth(tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile",
                           str(tmp_path / "missing.pem")), "cannot read")


# ---- staff security (issue 9) -------------------------------------------------------------

STRONG = "a long enough password"


def _audit_actions(data: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(data / "hearth.db") as db:
        return [(str(a), str(d)) for a, d in
                db.execute("SELECT action, detail FROM audit ORDER BY seq").fetchall()]


def _assigned(data: Path, room_id: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(data / "hearth.db") as db:
        return sorted(str(u) for (u,) in db.execute(
            "SELECT s.username FROM room_staff r JOIN staff s ON s.id = r.staff_id "
            "WHERE r.room_id = ?", (room_id,)).fetchall())


def test_room_add_with_facilitators_and_assign_unassign(tmp_path: Path) -> None:
    for name in ("fran", "fola"):
        assert hearth(tmp_path, "staff", "add", name, "--role", "facilitator",
                      password=STRONG).returncode == 0
    assert hearth(tmp_path, "staff", "add", "lee", "--role", "safeguarding_lead",
                  password=STRONG).returncode == 0
    made = hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers",
                  "--facilitators", "fran,Fola")
    assert made.returncode == 0, made.stderr
    room = json.loads(made.stdout)["room"]
    assert _assigned(tmp_path, room) == ["fola", "fran"]

    unassigned = hearth(tmp_path, "room", "unassign", room, "fola")
    assert unassigned.returncode == 0 and "unassigned fola" in unassigned.stdout
    assert _assigned(tmp_path, room) == ["fran"]
    assigned = hearth(tmp_path, "room", "assign", room, "fola")
    assert assigned.returncode == 0 and "assigned fola" in assigned.stdout
    assert _assigned(tmp_path, room) == ["fola", "fran"]

    _one_clear_line(hearth(tmp_path, "room", "assign", room, "nobody"), "nobody")
    _one_clear_line(hearth(tmp_path, "room", "assign", "r_missing", "fran"), "r_missing")
    _one_clear_line(hearth(tmp_path, "room", "assign", room, "lee"), "only facilitators")
    actions = [a for a, _ in _audit_actions(tmp_path)]
    assert actions == ["room.assign", "room.assign", "room.unassign", "room.assign"]
    assert "audit log OK: 4 entries" in hearth(tmp_path, "audit", "verify").stdout


def test_room_add_with_an_unknown_facilitator_creates_nothing(tmp_path: Path) -> None:
    assert hearth(tmp_path, "staff", "add", "fran", "--role", "facilitator",
                  password=STRONG).returncode == 0
    refused = hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers",
                     "--facilitators", "fran,frna")
    _one_clear_line(refused, "no staff account called 'frna'")
    import sqlite3

    with sqlite3.connect(tmp_path / "hearth.db") as db:
        assert db.execute("SELECT count(*) FROM rooms").fetchone() == (0,)


def test_staff_disable_enable_reset_and_invite_rotate(tmp_path: Path) -> None:
    from server.auth.passwords import verify_password

    assert hearth(tmp_path, "staff", "add", "fran", "--role", "facilitator",
                  password=STRONG).returncode == 0
    room = json.loads(hearth(tmp_path, "room", "add", "Mums", "--audience", "mothers").stdout)
    assert hearth(tmp_path, "staff", "disable", "fran").stdout.strip() == "disabled fran"
    assert hearth(tmp_path, "staff", "enable", "fran").stdout.strip() == "enabled fran"
    reset = hearth(tmp_path, "staff", "reset-password", "fran")
    assert reset.returncode == 0, reset.stderr
    password = reset.stdout.strip().rsplit(": ", 1)[1]
    import sqlite3

    with sqlite3.connect(tmp_path / "hearth.db") as db:
        stored, must_change = db.execute(
            "SELECT password_hash, must_change_password FROM staff").fetchone()
    assert verify_password(stored, password) and must_change
    assert hearth(tmp_path, "staff", "reset-2fa", "fran").returncode == 0
    _one_clear_line(hearth(tmp_path, "staff", "disable", "nobody"), "nobody")

    rotated = hearth(tmp_path, "invite", "rotate", room["room"])
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)
    assert new["room"] == room["room"] and new["invite"] != room["invite"]
    with sqlite3.connect(tmp_path / "hearth.db") as db:
        live = [c for (c,) in db.execute("SELECT code FROM invites WHERE revoked_at IS NULL")]
    assert live == [new["invite"]]
    assert hearth(tmp_path, "invite", "revoke", new["invite"]).stdout.strip() == "revoked"

    audit = _audit_actions(tmp_path)
    assert [a for a, _ in audit] == ["staff.disable", "staff.enable", "staff.password_reset",
                                     "staff.2fa_reset", "invite.rotate", "invite.revoke"]
    assert not any(password in detail or room["invite"] in detail or new["invite"] in detail
                   for _, detail in audit)
    assert "audit log OK: 6 entries" in hearth(tmp_path, "audit", "verify").stdout


def test_staff_add_refuses_weak_passwords_kindly(tmp_path: Path) -> None:
    for weak in ("aaaaaaaaaa", "password12"):
        result = hearth(tmp_path, "staff", "add", "kim", "--role", "facilitator", password=weak)
        _one_clear_line(result, "too easy to guess")


async def test_the_demo_assigns_its_facilitator_and_says_two_step_login_is_required(
        tmp_path: Path) -> None:
    from server.demo import create_demo
    from server.settings import Settings
    from server.store.db import SqlStore

    settings = Settings(data_dir=tmp_path, host="127.0.0.1", port=8123)
    text = "\n".join(await create_demo(settings))
    assert ("Two-step login is required for the safeguarding lead and the admin" in text
            and "authenticator app" in text), text
    store = SqlStore(settings.resolved_database_url)
    try:
        fac = await store.staff_by_username("facilitator")
        assert fac is not None
        assert [r.id for r in await store.rooms_for(fac.id)] == [r.id for r in await store.rooms()]
    finally:
        await store.aclose()
    relaxed = Settings(data_dir=tmp_path / "relaxed", host="127.0.0.1", port=8123,
                       require_2fa=())
    relaxed.prepare_storage()
    assert "Two-step login" not in "\n".join(await create_demo(relaxed))


def test_a_second_server_on_the_same_data_folder_is_one_clear_line(tmp_path: Path) -> None:
    first, _ = serving(tmp_path, "--port", str(free_port()))
    try:
        _one_clear_line(hearth(tmp_path, "--port", str(free_port())),
                        "another Hearth process is using", "HEARTH_DATA_DIR")
    finally:
        stop(first)


def test_a_coordinator_schedules_a_term_from_the_command_line(tmp_path: Path) -> None:
    room = json.loads(hearth(tmp_path, "room", "add", "Dads", "--audience",
                             "fathers_partners").stdout)["room"]
    zoned = hearth(tmp_path, "room", "zone", room, "Asia/Karachi", "--opens-before", "20")
    assert zoned.returncode == 0 and "opens 20 minutes before" in zoned.stdout
    added = hearth(tmp_path, "room", "schedule", room, "2099-01-06", "19:30", "--minutes",
                   "60", "--weekly", "--until", "2099-03-31")
    assert added.returncode == 0, added.stderr
    made = json.loads(added.stdout)
    assert made["next"] == "2099-01-06T14:30:00+00:00"  # 19:30 in Karachi (UTC+5)
    listed = hearth(tmp_path, "room", "sessions", room).stdout
    assert f"{made['session']}  19:30 for 60 minutes, weekly from 2099-01-06 until " \
           "2099-03-31" in listed
    assert "next: Tue 2099-01-06 19:30 PKT" in listed
    _one_clear_line(hearth(tmp_path, "room", "schedule", room, "2099-02-30", "10:00"),
                    "not a date")
    _one_clear_line(hearth(tmp_path, "room", "schedule", room, "2099-02-03", "10:00",
                           "--minutes", "600"), "15 to 480 minutes")
    _one_clear_line(hearth(tmp_path, "room", "zone", room, "Mars/Base"), "time zone")
    _one_clear_line(hearth(tmp_path, "room", "schedule", "r_nothere", "2099-02-03", "10:00"),
                    "no room")
    _one_clear_line(hearth(tmp_path, "room", "unschedule", room, "s_nothere"), "no session")
    removed = hearth(tmp_path, "room", "unschedule", room, made["session"])
    assert removed.returncode == 0
    assert "no sessions" in hearth(tmp_path, "room", "sessions", room).stdout
    log = hearth(tmp_path, "audit", "list", "--last", "20")
    assert log.returncode == 0, log.stderr
    entries = [json.loads(line) for line in log.stdout.splitlines()]
    assert [(e["action"], e["actor"], e["room"]) for e in entries
            if e["action"].startswith("room.s")] == [
        ("room.schedule", "command line", room), ("room.session.add", "command line", room),
        ("room.session.remove", "command line", room)]
    assert entries[-1]["detail"] == {"session": made["session"]}
    assert entries[-2]["detail"]["session"] == made["session"]


def test_a_mistake_in_the_risk_corpus_is_one_clear_line(tmp_path: Path) -> None:
    """``hearth risk train`` on a corpus with a bad line says which file and line, and
    how it is wrong, without a traceback (and writes no model)."""
    for folder in ("corpus", "legacy", "heldout"):
        (tmp_path / "risk" / folder).mkdir(parents=True)
    line = {"id": "x-1", "text": "tired tonight", "label": "none", "categories": [],
            "audience": "dads", "language": "en"}
    (tmp_path / "risk" / "corpus" / "x.jsonl").write_text(json.dumps(line) + "\n")
    out = tmp_path / "model.json.gz"
    _one_clear_line(hearth(tmp_path, "risk", "train", "--corpus", str(tmp_path / "risk"),
                           "--out", str(out)),
                    "the corpus has a mistake", "x.jsonl:1", "audience 'dads'")
    assert not out.exists()
