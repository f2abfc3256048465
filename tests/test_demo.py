"""The demo data of a first start (server/demo.py), against a real SQLite store."""

from __future__ import annotations

import re
from pathlib import Path

from server.auth.passwords import verify_password
from server.demo import create_demo
from server.settings import Settings
from server.store.db import SqlStore


def demo_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, host="127.0.0.1", port=8123)


async def test_demo_makes_one_account_per_role_each_to_be_changed_at_first_login(
        tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    lines = await create_demo(settings)
    text = "\n".join(lines)

    logins = re.findall(r"(\w[\w ]*) login: (\S+)\n\s+username: (\S+)\n\s+password: (\S+)\n"
                        r"\s+role: (\S+)", text)
    assert [(title, user, role) for title, _, user, _, role in logins] == [
        ("Facilitator", "facilitator", "facilitator"),
        ("Safeguarding lead", "lead", "safeguarding_lead"),
        ("Admin", "admin", "admin"),
    ], text
    assert {url for _, url, _, _, _ in logins} == {"http://127.0.0.1:8123/login"}
    passwords = [password for _, _, _, password, _ in logins]
    assert len(set(passwords)) == 3 and all(len(p) >= 16 for p in passwords)
    # The two rooms' join links, as before.
    links = re.findall(r"^  (.+ \(demo\)): (http://127\.0\.0\.1:8123/join/\S+)$", text, re.M)
    assert [name for name, _ in links] == ["Mums' circle (demo)", "Dads & partners (demo)"]

    store = SqlStore(settings.resolved_database_url)
    try:
        assert await store.count_staff() == 3
        for (_, _, username, password, role) in logins:
            staff = await store.staff_by_username(username)
            assert staff is not None and staff.role == role and not staff.disabled
            assert staff.must_change_password is True
            assert verify_password(staff.password_hash, password)
            assert password not in staff.password_hash
        rooms = await store.rooms()
        assert [r.audience for r in rooms] == ["mothers", "fathers_partners"]
        for room, (_, link) in zip(rooms, links, strict=True):
            invites = (await store.live_invites([room.id]))[room.id]
            assert link.endswith(f"/join/{invites[0].code}")
    finally:
        await store.aclose()


async def test_demo_is_made_once_only(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    assert await create_demo(settings)
    assert await create_demo(settings) == []  # not on a database that has anything in it


async def test_no_demo_once_someone_has_added_staff(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    try:
        await store.migrate()
        added = await store.add_staff("sam", "h", "admin")
        assert added.must_change_password is False  # an operator-chosen password
    finally:
        await store.aclose()
    assert await create_demo(settings) == []
