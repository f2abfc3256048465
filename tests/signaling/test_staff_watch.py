"""Open staff room connections are re-checked against the database (staff_watch.py):
an account disabled from the command line (another process, which cannot reach this
server's sockets), or taken off the room, loses its open room within a few seconds."""

from __future__ import annotations

from server.auth import manage
from tests.conftest import MakeServer
from tests.harness import harness


async def test_disabled_elsewhere_closes_the_open_room(make_server: MakeServer) -> None:
    server = make_server(staff_recheck_every=0.3)
    async with harness(server) as h:
        room_id, _ = await h.room()
        fac = await h.facilitator(room_id, "Fran")
        other_room, _ = await h.room()
        other = await h.facilitator(other_room, "Gail")
        staff = await h.store.staff_by_id(fac.id.removeprefix("f_"))
        assert staff is not None
        # What `hearth staff disable` does, through a store of its own.
        await manage.set_disabled(h.store, "command line", staff, True)
        assert await fac.closed(timeout=5) == 4401
        # Nobody else is touched.
        await other.send("chat.send", text="still here", ref="r1")
        await other.expect("ack", ref="r1")


async def test_taken_off_the_room_elsewhere_closes_it(make_server: MakeServer) -> None:
    server = make_server(staff_recheck_every=0.3)
    async with harness(server) as h:
        room_id, _ = await h.room()
        fac = await h.facilitator(room_id, "Fran")
        await h.store.unassign_staff(room_id, fac.id.removeprefix("f_"))
        assert await fac.closed(timeout=5) == 4401
