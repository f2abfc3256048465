"""Demo data for a first start on an empty database, so a newcomer can try every journey."""

from __future__ import annotations

import secrets

from server.auth.passwords import hash_password
from server.settings import Settings
from server.store.db import SqlStore

DEMO_ROOMS = (
    ("Mums' circle (demo)", "mothers"),
    ("Dads & partners (demo)", "fathers_partners"),
)
DEMO_FACILITATOR = "facilitator"


async def create_demo(settings: Settings) -> list[str]:
    """On an empty database: a demo facilitator and two demo rooms. Returns lines to print."""
    store = SqlStore(settings.resolved_database_url)
    try:
        await store.migrate()
        if await store.count_staff() or await store.rooms():
            return []
        password = secrets.token_urlsafe(12)
        await store.add_staff(DEMO_FACILITATOR, hash_password(password), "facilitator")
        lines = [
            "",
            "Hearth is set up with demo data (shown once; keep it somewhere safe).",
            f"  Facilitator login: {settings.public_url}/login",
            f"    username: {DEMO_FACILITATOR}",
            f"    password: {password}",
        ]
        for name, audience in DEMO_ROOMS:
            room = await store.add_room(name, audience)
            invite = await store.add_invite(room.id)
            lines.append(f"  {name}: {settings.public_url}/join/{invite.code}")
        lines.append("")
        return lines
    finally:
        await store.aclose()
