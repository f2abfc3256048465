"""What an admin does to accounts, groups, room assignments, invites and the signposting
directory, shared by the admin pages (server/http/admin_*.py) and the command line
(server/cli.py).

Every change is written to the audit chain (invariant 8) with the actor, the account's
id as target and no password or secret material. An erased account (a tombstone,
``server/auth/erasure.py``) is given nothing again: every change to an account refuses
it here (``AccountErased``), for the pages and the command line alike. Ending a member's live room
connections is the caller's part: the web admin closes them on its node at once
(``Hub.close_staff``); from the command line their sessions end and the tokens stop
working at the next hello.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from server.auth.passwords import hash_password_async
from server.rooms.schedule import Session
from server.store.db import ROLES, Invite, RoomRecord, Staff, Store
from server.store.staffdata import TOMBSTONE, is_tombstone

if TYPE_CHECKING:
    from server.safeguarding.directory import Directory, DirectoryData, DirectoryStore

# A username: what people type at the login form, so no spaces; letters of any script
# (stored lower-cased, as StaffRow says), digits, dot, dash and underscore.
USERNAME = re.compile(r"^[\w.-]{2,64}$")


class AccountErased(ValueError):
    """The account has been erased: nothing more is done with it."""


def refuse_erased(staff: Staff) -> None:
    """``AccountErased`` if ``staff`` is an erased account's tombstone: no role, room,
    password, second factor, profile or training record is given to it again, and it is
    never enabled again."""
    if staff.erased:
        raise AccountErased(f"{staff.username} has been deleted: nothing more can be done "
                            "with it")


def generated_password() -> str:
    """A password for an admin's reset: 96 random bits, shown once, changed at next login."""
    return secrets.token_urlsafe(12)


def _who(staff: Staff) -> dict[str, str]:
    return {"username": staff.username, "role": staff.role}


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be a new account's name, or None."""
    if not USERNAME.fullmatch(username.strip().lower()):
        return ("a username needs 2 to 64 letters, digits, dots, dashes or underscores, "
                "with no spaces")
    if is_tombstone(username.strip().lower()):
        return f"a username may not start with {TOMBSTONE!r}: those name deleted accounts"
    return None


async def create_staff(store: Store, actor: str, username: str, role: str
                       ) -> tuple[Staff, str]:
    """A new account with a generated password (returned, to be shown once) that must be
    changed at the first login. ValueError for a bad username or role; ``Conflict`` for
    a username that is taken."""
    problem = username_problem(username)
    if problem:
        raise ValueError(problem)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    password = generated_password()
    staff = await store.add_staff(username, await hash_password_async(password), role,
                                  must_change_password=True)
    await store.safeguarding.audit(actor, "staff.add", target=staff.id, detail=_who(staff))
    return staff, password


async def set_role(store: Store, actor: str, staff: Staff, role: str) -> int:
    """Give the account another role: their sessions (and so room tokens) end, and
    leaving the facilitator role drops their room assignments (how many is returned).
    The caller closes their open room connections. ``AccountErased``."""
    refuse_erased(staff)
    dropped = await store.set_role(staff.id, role)
    if dropped is None:
        raise LookupError("no such staff account")
    await store.safeguarding.audit(actor, "staff.role", target=staff.id, detail={
        "username": staff.username, "role": role, "was": staff.role, "unassigned": dropped})
    return dropped


async def set_disabled(store: Store, actor: str, staff: Staff, disabled: bool) -> None:
    """Disable (ending every session, so room tokens die too) or enable an account.
    ``AccountErased``."""
    refuse_erased(staff)
    await store.set_disabled(staff.id, disabled)
    await store.safeguarding.audit(actor, "staff.disable" if disabled else "staff.enable",
                                   target=staff.id, detail=_who(staff))


async def reset_password(store: Store, actor: str, staff: Staff) -> str:
    """A new generated password (returned, to be shown once), to be changed at the next
    login; every session of the member ends. ``AccountErased``."""
    refuse_erased(staff)
    password = generated_password()
    await store.reset_password(staff.id, await hash_password_async(password))
    await store.safeguarding.audit(actor, "staff.password_reset", target=staff.id,
                                   detail=_who(staff))
    return password


async def reset_two_factor(store: Store, actor: str, staff: Staff) -> None:
    """Forget the member's TOTP secret (a lost phone); their sessions end, and where
    their role needs it they set a new one up at their next login. ``AccountErased``."""
    refuse_erased(staff)
    await store.set_totp(staff.id, None)
    await store.safeguarding.audit(actor, "staff.2fa_reset", target=staff.id,
                                   detail=_who(staff))


async def assign(store: Store, actor: str, room: RoomRecord, staff: Staff) -> bool:
    """Assign a facilitator to a room; False if they already were. ``AccountErased``;
    ValueError for another role."""
    refuse_erased(staff)
    if staff.role != "facilitator":
        raise ValueError(f"{staff.username} is a {staff.role.replace('_', ' ')}, who may "
                         "enter every group already; only facilitators are assigned")
    added = await store.assign_staff(room.id, staff.id)
    if added:
        await store.safeguarding.audit(actor, "room.assign", room_id=room.id, target=staff.id,
                                       detail=_who(staff))
    return added


async def unassign(store: Store, actor: str, room: RoomRecord, staff: Staff) -> bool:
    """Take a facilitator off a room; False if they were not on it. ``AccountErased``."""
    refuse_erased(staff)
    removed = await store.unassign_staff(room.id, staff.id)
    if removed:
        await store.safeguarding.audit(actor, "room.unassign", room_id=room.id,
                                       target=staff.id, detail=_who(staff))
    return removed


async def revoke_invite(store: Store, actor: str, invite: Invite) -> bool:
    """Revoke one invite link; False if it was revoked already. The code itself is not
    audited (a log of links is a list of ways in)."""
    revoked = await store.revoke_invite(invite.code)
    if revoked:
        await store.safeguarding.audit(actor, "invite.revoke", room_id=invite.room_id,
                                       detail={"revoked": 1})
    return revoked


async def rotate_invite(store: Store, actor: str, room: RoomRecord) -> Invite:
    """Revoke every invite link of the room and make a new one."""
    invite, revoked = await store.rotate_invite(room.id)
    await store.safeguarding.audit(actor, "invite.rotate", room_id=room.id,
                                   detail={"revoked": revoked})
    return invite


async def add_room(store: Store, actor: str, name: str, audience: str
                   ) -> tuple[RoomRecord, Invite]:
    """A new group and its first invite link (ValueError for a bad name or audience)."""
    room = await store.add_room(name, audience)
    invite = await store.add_invite(room.id)
    await store.safeguarding.audit(actor, "room.add", room_id=room.id,
                                   detail={"name": room.name, "audience": room.audience})
    return room, invite


async def change_room(store: Store, actor: str, room: RoomRecord, name: str,
                      audience: str) -> bool:
    """Rename the group and set its audience; False if neither changed. ValueError for a
    bad name or audience."""
    if name.strip() == room.name and audience == room.audience:
        return False
    await store.set_room_details(room.id, name, audience)
    await store.safeguarding.audit(actor, "room.change", room_id=room.id, detail={
        "name": name.strip(), "audience": audience,
        "was": {"name": room.name, "audience": room.audience}})
    return True


async def set_agreement(store: Store, actor: str, room: RoomRecord,
                        agreement: str | None) -> bool:
    """The group's own agreement, or None (or blank) for the default one; False if it
    is the one the group has already (nothing written, nothing audited). ValueError past
    ``AGREEMENT_MAX``. Its text is not audited, only its length: it is on the join page
    for anyone to read anyway."""
    text = (agreement or "").replace("\r\n", "\n").strip()
    if text == (room.agreement or ""):
        return False
    await store.set_room_agreement(room.id, text or None)
    await store.safeguarding.audit(actor, "room.agreement", room_id=room.id,
                                   detail={"chars": len(text), "default": not text})
    return True


async def set_archived(store: Store, actor: str, room: RoomRecord, archived: bool) -> bool:
    """Archive the group (its links admit nobody, no staff token is issued for it) or
    open it again; False if it already was. Whether people are in it is the caller's
    question: only the server running the room knows."""
    changed = await store.set_room_archived(room.id, archived)
    if changed:
        await store.safeguarding.audit(actor, "room.archive" if archived
                                       else "room.unarchive", room_id=room.id,
                                       detail={"name": room.name})
    return changed


async def add_session(store: Store, actor: str, room: RoomRecord, first: date, start: time,
                      minutes: int, *, weekly: bool = False, until: date | None = None
                      ) -> Session:
    """A session for the group, once or weekly (ValueError saying what is wrong)."""
    added = await store.schedules.add(room.id, first, start, minutes, weekly=weekly,
                                      until=until)
    await store.safeguarding.audit(actor, "room.session.add", room_id=room.id, detail={
        "session": added.id, "first": added.first.isoformat(),
        "start": added.start.strftime("%H:%M"), "minutes": added.minutes,
        "weekly": added.weekly, "until": added.until.isoformat() if added.until else None})
    return added


async def remove_session(store: Store, actor: str, room: RoomRecord,
                         session_id: str) -> bool:
    """Remove one of the group's sessions (a whole weekly series); False if it has none by
    that id."""
    removed = await store.schedules.remove(room.id, session_id)
    if removed is not None:
        await store.safeguarding.audit(actor, "room.session.remove", room_id=room.id,
                                       detail={"session": session_id})
    return removed is not None


async def set_schedule_settings(store: Store, actor: str, room: RoomRecord, zone: str,
                                opens_before: int) -> bool:
    """The group's time zone and how early its waiting room opens; False if neither changed
    (or the group is not there: nothing is audited). ValueError saying what is wrong."""
    if zone == room.timezone and opens_before == room.opens_before:
        return False
    if not await store.schedules.set_settings(room.id, zone, opens_before):
        return False
    await store.safeguarding.audit(actor, "room.schedule", room_id=room.id, detail={
        "timezone": zone, "opens_before": opens_before,
        "was": {"timezone": room.timezone, "opens_before": room.opens_before}})
    return True


async def save_directory(directories: DirectoryStore, actor: str,
                         data: DirectoryData) -> Directory:
    """Replace the signposting directory, and return it as saved; the save and its audit
    entry (``directory.changed``) are one transaction (``SafeguardingRecords.save_directory``)."""
    return await directories.replace(data, actor, datetime.now(UTC))
