"""Issue 11, item 5: a place in the session, kept by the machine's own rules.

Admitting keeps a participant's place (``PersistPlace``, so a restart can give it
back); leaving (the Leave button or Quick exit) and being removed give it up, so the
same token coming back waits in the lobby again. Places restored after a restart
(``RoomConfig.admitted``) take their people straight back into the room, and the
welcome says why, once.
"""

from __future__ import annotations

from server import protocol as p
from server.rooms.types import Effect, PersistPlace
from tests.rooms.test_machine import World
from tests.rooms.test_machine_properties import flatten


def places(effects: list[Effect]) -> list[PersistPlace]:
    return [e for e in flatten(effects) if isinstance(e, PersistPlace)]


def welcome_of(world: World, pid: str, effects: list[Effect]) -> p.Welcome:
    (welcome,) = [m for m in world.to(pid, effects) if isinstance(m, p.Welcome)]
    return welcome


def test_admitting_keeps_the_place_and_leaving_gives_it_up() -> None:
    world = World()
    world.connect("fac", "facilitator", "Fran")
    world.connect("ann")
    assert places(world.send("fac", p.LobbyAdmit(participant="ann"))) == [
        PersistPlace("r1", "ann", kept=True)]
    # A dropped connection keeps it: straight back in.
    assert places(world.drop("ann")) == []
    assert welcome_of(world, "ann", world.connect("ann")).state == "room"
    # Leaving gives it up: the same token waits in the lobby again, as any rejoin does.
    assert places(world.send("ann", p.Leave())) == [PersistPlace("r1", "ann", kept=False)]
    effects = world.connect("ann")
    assert world.types("ann", effects) == ["welcome", "waiting"]
    assert welcome_of(world, "ann", effects).state == "lobby"


def test_leaving_the_lobby_or_as_staff_has_no_place_to_give_up() -> None:
    world = World()
    world.connect("fac", "facilitator", "Fran")
    world.connect("ann")
    assert places(world.send("ann", p.Leave())) == []
    assert places(world.send("fac", p.Leave())) == []


def test_removal_gives_the_place_up() -> None:
    world = World()
    world.live_room("ann", "bob")
    assert places(world.send("fac", p.ParticipantRemove(participant="ann"))) == [
        PersistPlace("r1", "ann", kept=False)]
    assert places(world.send("fac", p.ParticipantRemove(participant="bob", ban=True))) == [
        PersistPlace("r1", "bob", kept=False)]


def test_restored_places_take_their_people_straight_back_in_told_why_once() -> None:
    world = World(admitted=("ann",), locked=True)
    effects = world.connect("ann")  # before any facilitator is back, into a locked room
    welcome = welcome_of(world, "ann", effects)
    assert (welcome.state, welcome.restarted) == ("room", True)
    assert world.types("ann", effects) == ["welcome", "room.paused"]
    assert b'"restarted":true' in p.encode(welcome)
    world.drop("ann")
    again = welcome_of(world, "ann", world.connect("ann"))
    assert (again.state, again.restarted) == ("room", None)
    assert b"restarted" not in p.encode(again)
    # Nobody else's token gets in through them: a stranger waits (and here, the room is
    # locked, so is turned away).
    assert world.types("bob", world.connect("bob")) == ["error"]


def test_a_restored_place_given_up_before_its_person_returns_is_gone() -> None:
    world = World(admitted=("ann",))
    world.connect("fac", "facilitator", "Fran")
    world.connect("ann")
    assert places(world.send("ann", p.Leave())) == [PersistPlace("r1", "ann", kept=False)]
    welcome = welcome_of(world, "ann", world.connect("ann"))
    assert (welcome.state, welcome.restarted) == ("lobby", None)


def test_after_a_failover_those_coming_back_are_told_the_group_moved_once() -> None:
    """A session taken over from a node that stopped (``RoomConfig.failover``): each
    restored participant and each staff member is told so on their first welcome there,
    and nobody new is (they were never in the session that moved)."""
    world = World(admitted=("ann",), failover=True)
    fac = welcome_of(world, "fac", world.connect("fac", "facilitator", "Fran"))
    assert (fac.failover, fac.restarted) == (True, None)
    ann = welcome_of(world, "ann", world.connect("ann"))
    assert (ann.state, ann.restarted, ann.failover) == ("room", True, True)
    assert b'"failover":true' in p.encode(ann)
    newcomer = welcome_of(world, "bob", world.connect("bob"))
    assert (newcomer.state, newcomer.failover) == ("lobby", None)
    for pid, role in (("ann", "participant"), ("fac", "facilitator")):
        world.drop(pid)
        again = welcome_of(world, pid, world.connect(pid, role))  # type: ignore[arg-type]
        assert again.failover is None and b"failover" not in p.encode(again)


def test_a_restart_is_not_a_failover() -> None:
    world = World(admitted=("ann",))
    world.connect("fac", "facilitator", "Fran")
    welcome = welcome_of(world, "ann", world.connect("ann"))
    assert (welcome.restarted, welcome.failover) == (True, None)
