"""``hearth data export|erase --staff USERNAME`` and ``hearth audit list`` (issue 13, part 6),
run as real processes on a fresh data folder."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import _one_clear_line, hearth

PASSWORD = "a long enough password for the tests"


def test_an_operator_exports_and_erases_a_staff_account(tmp_path: Path) -> None:
    for name, role in (("fran", "facilitator"), ("ada", "admin")):
        assert hearth(tmp_path, "staff", "add", name, "--role", role,
                      password=PASSWORD).returncode == 0
    room = json.loads(hearth(tmp_path, "room", "add", "Tuesday mums", "--audience", "mothers",
                             "--facilitators", "fran").stdout)["room"]
    assert hearth(tmp_path, "volunteer", "train", "fran", "induction").returncode == 0

    exported = hearth(tmp_path, "data", "export", "--staff", "fran")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["account"]["username"] == "fran" and data["account"]["role"] == "facilitator"
    assert data["groups"][0]["room"] == room
    assert [t["module"] for t in data["volunteer"]["training"]] == ["induction"]
    assert "$argon2" not in exported.stdout

    _one_clear_line(hearth(tmp_path, "data", "erase", "--staff", "fran"), "add --yes")
    _one_clear_line(hearth(tmp_path, "data", "export", "--staff", "nobody"),
                    "no staff account called 'nobody'")
    _one_clear_line(hearth(tmp_path, "data", "erase", "--staff", "ada", "--yes"),
                    "last admin")
    erased = hearth(tmp_path, "data", "erase", "--staff", "fran", "--yes")
    assert erased.returncode == 0, erased.stderr
    tombstone = erased.stdout.split("the account is now ", 1)[1].split(" ", 1)[0]
    assert tombstone.startswith("deleted-")

    _one_clear_line(hearth(tmp_path, "data", "export", "--staff", "fran"),
                    "no staff account called 'fran'")
    again = hearth(tmp_path, "data", "export", "--staff", tombstone)
    assert again.returncode == 0 and "fran" not in again.stdout
    assert json.loads(again.stdout)["account"]["erased"] is True
    _one_clear_line(hearth(tmp_path, "staff", "enable", tombstone), "has been deleted")
    _one_clear_line(hearth(tmp_path, "room", "assign", room, tombstone), "has been deleted")
    _one_clear_line(hearth(tmp_path, "volunteer", "train", tombstone, "induction"),
                    "has been deleted")
    _one_clear_line(hearth(tmp_path, "data", "erase", "--staff", tombstone, "--yes"),
                    "deleted already")
    _one_clear_line(hearth(tmp_path, "staff", "add", tombstone, "--role", "facilitator",
                           password=PASSWORD), "may not start with 'deleted-'")

    # The chain is intact; listed, the erased account's entries carry the tombstone.
    assert hearth(tmp_path, "audit", "verify").returncode == 0
    listed = hearth(tmp_path, "audit", "list", "--last", "50")
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    actions = [e["action"] for e in entries]
    assert actions.count("staff.export") == 2 and actions[-1] == "staff.export"
    assert "staff.erase" in actions
    assigned = [e for e in entries if e["action"] == "room.assign"]
    assert assigned[0]["detail"]["username"] == tombstone
    assert "fran" not in listed.stdout


def test_an_operator_exports_and_erases_a_referral(tmp_path: Path) -> None:
    import asyncio
    import base64
    import os

    from server.programme import referring
    from server.programme.referrals import ContactDetails
    from server.settings import Settings
    from server.storage import open_store

    settings = Settings(data_dir=tmp_path)
    settings.prepare_storage()

    async def made() -> str:
        store = await open_store(settings)  # makes the keys, as any first command does
        try:
            referral = await referring.submit(
                store, source="self", language="pl", audience="mothers", times=(),
                details=ContactDetails(name="Kasia", reach="kasia@example.org",
                                       need="Anxious at night"))
            return referral.id
        finally:
            await store.aclose()

    referral = asyncio.run(made())
    assert oct(os.stat(tmp_path / "contact.key").st_mode & 0o777) == "0o600"
    exported = hearth(tmp_path, "data", "export", "--referral", referral)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["contact"]["name"] == "Kasia" and data["language"] == "pl"
    wrong = base64.b64encode(bytes(32)).decode()
    _one_clear_line(hearth(tmp_path, "data", "export", "--referral", referral,
                           env={"HEARTH_CONTACT_KEY": wrong}),
                    "not the key they were written with")
    _one_clear_line(hearth(tmp_path, "data", "erase", "--referral", referral), "add --yes")
    _one_clear_line(hearth(tmp_path, "data", "export", "--referral", "rf_nosuch"),
                    "no referral 'rf_nosuch'")
    erased = hearth(tmp_path, "data", "erase", "--referral", referral, "--yes")
    assert erased.returncode == 0 and "erased" in erased.stdout
    again = json.loads(hearth(tmp_path, "data", "export", "--referral", referral).stdout)
    assert again["contact"] is None and again["contact_erased_at"]

    async def audited() -> list[tuple[str, str, str]]:
        store = await open_store(settings)
        try:
            return [(e.actor, e.action, json.dumps(e.detail))
                    for e in await store.safeguarding.audit_entries(10)]
        finally:
            await store.aclose()

    entries = asyncio.run(audited())
    actions = [action for actor, action, _ in entries if actor == "command line"]
    assert actions.count("referral.export") == 2 and "referral.erase" in actions
    assert not any("Kasia" in detail or "kasia@" in detail for *_, detail in entries)
