"""Demo data for a first start on an empty database, so a newcomer can try every journey."""

from __future__ import annotations

import secrets

from server.auth.passwords import hash_password_async
from server.settings import Settings
from server.storage import open_store

DEMO_ROOMS = (
    ("Mums' circle (demo)", "mothers"),
    ("Dads & partners (demo)", "fathers_partners"),
)
# One account per role, so every journey can be tried: a facilitator's urgent
# escalation reaches the safeguarding lead, and the admin edits the directory.
DEMO_STAFF = (
    ("facilitator", "facilitator", "Facilitator"),
    ("lead", "safeguarding_lead", "Safeguarding lead"),
    ("admin", "admin", "Admin"),
)
DEMO_FACILITATOR = DEMO_STAFF[0][0]


async def create_demo(settings: Settings) -> list[str]:
    """On an empty database: a facilitator, a safeguarding lead, an admin and two demo
    rooms. Returns lines to print: each login and each room's join link.

    The passwords are generated, printed once and must be changed at first login. The
    demo facilitator is assigned to both rooms (leads and admins may enter any room).
    Two-step login is not waived for the demo: where HEARTH_REQUIRE_2FA names a role (by
    default the lead and the admin) the demo says so, and they set it up at first login.
    """
    store = await open_store(settings)
    try:
        if await store.count_staff() or await store.rooms(include_archived=True):
            return []
        lines = [
            "",
            "Hearth is set up with demo data (shown once; keep it somewhere safe).",
            "Each staff password is for the first login only: Hearth then asks for a new one.",
        ]
        required = [title.lower() for _, role, title in DEMO_STAFF
                    if role in settings.require_2fa]
        if required:
            lines.append(f"Two-step login is required for the {' and the '.join(required)}: "
                         "after the new password they are asked to set it up with an "
                         "authenticator app on a phone (HEARTH_REQUIRE_2FA).")
        facilitators = []
        for username, role, title in DEMO_STAFF:
            password = secrets.token_urlsafe(12)
            password_hash = await hash_password_async(password)
            added = await store.add_staff(username, password_hash, role,
                                          must_change_password=True)
            if role == "facilitator":
                facilitators.append(added.id)
            lines += [
                f"  {title} login: {settings.public_url}/login",
                f"    username: {username}",
                f"    password: {password}",
                f"    role: {role}",
            ]
        lines.append("Join links for parents:")
        for name, audience in DEMO_ROOMS:
            room = await store.add_room(name, audience, facilitators=facilitators)
            invite = await store.add_invite(room.id)
            lines.append(f"  {name}: {settings.public_url}/join/{invite.code}")
        lines.append("")
        return lines
    finally:
        await store.aclose()
