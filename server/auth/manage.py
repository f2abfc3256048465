"""What an admin does to accounts, room assignments and invites, shared by the admin
pages (server/http/admin.py) and the command line (server/cli.py).

Every change is written to the audit chain (invariant 8) with the actor, the account's
id as target and no password or secret material. Ending a member's live room
connections is the caller's part: the web admin closes them on its node at once
(``Hub.close_staff``); from the command line their sessions end and the tokens stop
working at the next hello.
"""

from __future__ import annotations

import secrets

from server.auth.passwords import hash_password_async
from server.store.db import Invite, RoomRecord, Staff, Store


def generated_password() -> str:
    """A password for an admin's reset: 96 random bits, shown once, changed at next login."""
    return secrets.token_urlsafe(12)


def _who(staff: Staff) -> dict[str, str]:
    return {"username": staff.username, "role": staff.role}


async def set_disabled(store: Store, actor: str, staff: Staff, disabled: bool) -> None:
    """Disable (ending every session, so room tokens die too) or enable an account."""
    await store.set_disabled(staff.id, disabled)
    await store.safeguarding.audit(actor, "staff.disable" if disabled else "staff.enable",
                                   target=staff.id, detail=_who(staff))


async def reset_password(store: Store, actor: str, staff: Staff) -> str:
    """A new generated password (returned, to be shown once), to be changed at the next
    login; every session of the member ends."""
    password = generated_password()
    await store.reset_password(staff.id, await hash_password_async(password))
    await store.safeguarding.audit(actor, "staff.password_reset", target=staff.id,
                                   detail=_who(staff))
    return password


async def reset_two_factor(store: Store, actor: str, staff: Staff) -> None:
    """Forget the member's TOTP secret (a lost phone); their sessions end, and where
    their role needs it they set a new one up at their next login."""
    await store.set_totp(staff.id, None)
    await store.safeguarding.audit(actor, "staff.2fa_reset", target=staff.id,
                                   detail=_who(staff))


async def assign(store: Store, actor: str, room: RoomRecord, staff: Staff) -> bool:
    """Assign a facilitator to a room; False if they already were."""
    if staff.role != "facilitator":
        raise ValueError(f"{staff.username} is a {staff.role.replace('_', ' ')}, who may "
                         "enter every group already; only facilitators are assigned")
    added = await store.assign_staff(room.id, staff.id)
    if added:
        await store.safeguarding.audit(actor, "room.assign", room_id=room.id, target=staff.id,
                                       detail=_who(staff))
    return added


async def unassign(store: Store, actor: str, room: RoomRecord, staff: Staff) -> bool:
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
