"""server/rooms/machine.py: the pure room state machine, command by command.

No server and no clock: commands go in with a fixed ``now`` and the effects
that come out are checked in order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from server import protocol as p
from server.rooms import Connect, Disconnect, Identity, Receive, Room, RoomConfig
from server.rooms.types import (
    CLOSE_LOCKED,
    CLOSE_NORMAL,
    CLOSE_REMOVED,
    CLOSE_REPLACED,
    AckAlert,
    AlertOverdue,
    Close,
    Effect,
    MediaSignal,
    ModerationAction,
    PersistBan,
    PersistRoomState,
    RaiseAlert,
    Screening,
    Send,
    Speaking,
    Tick,
)
from tests.rooms.test_machine_properties import flatten

NOW = datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)
HELPLINE = p.Resource(name="Helpline", contact="Call 0800", hours="24/7")


def make_room(**config: Any) -> Room:
    counter = itertools.count(1)
    return Room(RoomConfig(id="r1", name="Circle", audience="mothers",
                           help_resources=(HELPLINE,), **config),
                new_id=lambda prefix: f"{prefix}{next(counter)}")


class World:
    """A room and the connections the test made, each connection numbered like the hub does."""

    def __init__(self, **config: Any) -> None:
        self.room = make_room(**config)
        self._conns: Iterator[int] = itertools.count(1)
        self.conn_of: dict[str, int] = {}

    def connect(self, pid: str, role: p.Role = "participant", name: str | None = None,
                device: str | None = None) -> list[Effect]:
        conn = next(self._conns)
        self.conn_of[pid] = conn
        who = Identity(room_id="r1", participant_id=pid, name=name or pid.title(), role=role,
                       device=device)
        return self.room.handle(Connect(conn, who), NOW)

    def send(self, pid: str, message: p.AnyClientMessage, now: datetime = NOW) -> list[Effect]:
        return self.room.handle(Receive(self.conn_of[pid], message), now)

    def tick(self, now: datetime) -> list[Effect]:
        return self.room.handle(Tick(), now)

    def drop(self, pid: str) -> list[Effect]:
        return self.room.handle(Disconnect(self.conn_of[pid]), NOW)

    def to(self, pid: str, effects: list[Effect]) -> list[p.ServerMessage]:
        """The messages ``pid`` gets from ``effects``, in order."""
        conn = self.conn_of[pid]
        return [e.message for e in flatten(effects) if isinstance(e, Send) and conn in e.to]

    def types(self, pid: str, effects: list[Effect]) -> list[str]:
        return [str(type(m).__struct_config__.tag) for m in self.to(pid, effects)]

    def live_room(self, *participants: str) -> None:
        """A facilitator "fac" and the named participants, admitted."""
        self.connect("fac", "facilitator", "Fran")
        for pid in participants:
            self.connect(pid)
            self.send("fac", p.LobbyAdmit(participant=pid))


def error_of(effects: list[Effect]) -> p.Error:
    (effect,) = effects
    assert isinstance(effect, Send) and isinstance(effect.message, p.Error), effects
    return effect.message


# -- arriving ------------------------------------------------------------------------------


def test_a_participant_waits_in_the_lobby_without_a_facilitator() -> None:
    world = World()
    effects = world.connect("ann")
    welcome, waiting = world.to("ann", effects)
    assert isinstance(welcome, p.Welcome) and welcome.state == "lobby"
    assert welcome.participants is None and welcome.lobby is None and welcome.alerts is None
    assert welcome.room.live is False
    assert waiting == p.Waiting(reason="no_facilitator")
    assert world.room.live is False


def test_a_facilitator_goes_straight_in_and_the_lobby_hears_the_reason_change() -> None:
    world = World()
    world.connect("ann")
    effects = world.connect("fac", "facilitator", "Fran")
    welcome = world.to("fac", effects)[0]
    assert isinstance(welcome, p.Welcome) and welcome.state == "room"
    assert [m.id for m in welcome.lobby or []] == ["ann"]
    assert [m.id for m in welcome.participants or []] == ["fac"]
    assert world.to("ann", effects) == [p.Waiting(reason="admission")]
    assert world.room.live is True


def test_a_knock_goes_to_staff_only() -> None:
    world = World()
    world.live_room("bob")
    effects = world.connect("ann")
    (knock,) = world.to("fac", effects)
    assert isinstance(knock, p.LobbyKnock) and knock.participant.id == "ann"
    assert world.to("bob", effects) == []
    assert world.types("ann", effects) == ["welcome", "waiting"]


def test_admit_moves_the_participant_and_tells_everyone_who_may_know() -> None:
    world = World()
    world.live_room("bob")
    world.connect("ann")
    effects = world.send("fac", p.LobbyAdmit(participant="ann", ref="r"))
    assert world.types("fac", effects) == ["ack", "lobby.left", "participant.joined"]
    (admitted,) = world.to("ann", effects)
    assert isinstance(admitted, p.Admitted)
    assert {m.id for m in admitted.participants} == {"fac", "bob", "ann"}
    assert world.types("bob", effects) == ["participant.joined"]
    assert ModerationAction("r1", "fac", "lobby.admit", "ann") in effects


def test_deny_closes_4403_and_the_token_stays_out_this_session() -> None:
    world = World()
    world.live_room()
    world.connect("ann")
    effects = world.send("fac", p.LobbyDeny(participant="ann"))
    assert world.types("ann", effects) == ["denied"]
    assert Close(world.conn_of["ann"], CLOSE_REMOVED, "denied") in effects
    assert world.connect("ann") == [Close(world.conn_of["ann"], CLOSE_REMOVED, "removed")]


def test_participants_may_not_admit_deny_or_moderate() -> None:
    world = World()
    world.live_room("bob")
    world.connect("ann")
    for message in (p.LobbyAdmit(participant="ann", ref="x"), p.LobbyDeny(participant="ann"),
                    p.ParticipantMute(participant="fac"), p.ParticipantAllow(participant="bob"),
                    p.ParticipantRemove(participant="bob"), p.RoomLock(), p.RoomUnlock(),
                    p.RoomFocus(on=False), p.RoomEnd(), p.AlertAck(alert="a1"),
                    p.ChatRelease(message="m1"), p.Escalate(alert="a1"),
                    p.AsideStart(participant="bob"), p.AsideEnd(participant="bob"),
                    p.HandLower(participant="fac")):
        error = error_of(world.send("bob", message))
        assert error.code == "forbidden", message
        assert error.ref == message.ref


def test_the_same_person_again_replaces_the_connection_silently() -> None:
    world = World()
    world.live_room("ann", "bob")
    old = world.conn_of["ann"]
    effects = world.connect("ann")
    assert effects[0] == Close(old, CLOSE_REPLACED, "connected elsewhere")
    assert world.types("ann", effects) == ["welcome"]
    assert world.to("bob", effects) == []
    assert world.room.handle(Disconnect(old), NOW) == []  # the old socket going is no news


def test_a_locked_room_turns_away_new_arrivals_but_not_returning_ones_or_staff() -> None:
    world = World(locked=True)
    world.live_room()
    effects = world.connect("ann")
    assert world.types("ann", effects) == ["error"]
    assert isinstance(effects[-1], Close) and effects[-1].code == CLOSE_LOCKED
    world.send("fac", p.RoomUnlock())
    world.connect("bob")
    world.send("fac", p.LobbyAdmit(participant="bob"))
    world.send("fac", p.RoomLock())
    world.drop("bob")
    assert world.types("bob", world.connect("bob"))[0] == "welcome"
    assert world.types("sam", world.connect("sam", "facilitator"))[0] == "welcome"


# -- chat ----------------------------------------------------------------------------------


def test_chat_to_the_room_and_to_facilitators() -> None:
    world = World()
    world.live_room("ann", "bob")
    world.connect("cat")  # waiting
    effects = world.send("ann", p.ChatSend(text="  hi\u202e all  ", ref="c"))
    chat = p.Chat(id="m1", sender=p.Sender(id="ann", name="Ann", role="participant"),
                  text="hi all", to="room", at="2026-03-04T05:06:07.891Z")
    for pid in ("ann", "bob", "fac"):
        assert chat in world.to(pid, effects)
    assert world.to("cat", effects) == []
    assert world.types("ann", effects) == ["ack", "chat"]

    effects = world.send("ann", p.ChatSend(text="private", to="facilitators"))
    assert world.types("ann", effects) == ["chat"] and world.types("fac", effects) == ["chat"]
    assert world.to("bob", effects) == []


def test_a_facilitator_writes_privately_to_one_parent_and_she_replies() -> None:
    world = World()
    world.live_room("ann", "bob")
    world.connect("sue", "facilitator", "Sue")
    effects = world.send("fac", p.ChatSend(text="How are you doing, Ann?", to="participant",
                                           participant="ann"))
    (chat,) = [m for m in world.to("ann", effects) if isinstance(m, p.Chat)]
    assert chat.to == "participant" and chat.recipient == p.Sender(
        id="ann", name="Ann", role="participant")
    assert world.types("sue", effects) == ["chat"]  # the other facilitator sees it too
    assert world.to("bob", effects) == []  # never anyone else
    # Her reply goes to the facilitators only, as any private message does.
    effects = world.send("ann", p.ChatSend(text="Not great, thanks for asking",
                                           to="facilitators"))
    assert world.types("fac", effects) == ["chat"] and world.to("bob", effects) == []


def test_only_facilitators_write_privately_and_only_to_a_parent_in_the_room() -> None:
    world = World()
    world.live_room("ann", "bob")
    world.connect("cat")  # waiting
    def private(participant: str | None = None) -> p.ChatSend:
        return p.ChatSend(to="participant", text="psst", participant=participant)

    assert error_of(world.send("ann", private("bob"))).code == "forbidden"
    assert error_of(world.send("fac", private())).code == "bad_message"
    assert error_of(world.send("fac", private("cat"))).code == "not_found"
    world.connect("sue", "facilitator", "Sue")
    assert error_of(world.send("fac", private("sue"))).code == "bad_message"


def test_chat_is_refused_in_the_lobby_while_paused_and_when_blank() -> None:
    world = World()
    world.connect("ann")
    assert error_of(world.send("ann", p.ChatSend(text="hi"))).code == "forbidden"
    world.live_room("bob")
    world.drop("fac")
    assert error_of(world.send("bob", p.ChatSend(text="hi", ref="p"))) == p.Error(
        code="room_paused", message="the group is paused until a facilitator is back", ref="p")
    world.connect("sam", "facilitator")
    assert error_of(world.send("bob", p.ChatSend(text="\u200b\u202e "))).code == "bad_message"


def test_chat_release_has_nothing_held_yet() -> None:
    world = World()
    world.live_room()
    assert error_of(world.send("fac", p.ChatRelease(message="m9"))).code == "not_found"


# -- no facilitator, no session --------------------------------------------------------------


def test_the_last_facilitator_leaving_pauses_and_the_next_resumes() -> None:
    world = World()
    world.live_room("ann")
    world.connect("cat")
    world.connect("sam", "facilitator")
    effects = world.drop("sam")
    assert world.types("ann", effects) == ["participant.left"]  # Fran is still there
    effects = world.drop("fac")
    assert world.types("ann", effects) == ["participant.left", "room.paused"]
    assert world.to("cat", effects) == [p.Waiting(reason="no_facilitator")]
    assert world.room.live is False

    effects = world.connect("fac", "facilitator")
    assert world.types("ann", effects) == ["participant.joined", "room.resumed"]
    assert world.to("cat", effects) == [p.Waiting(reason="admission")]


def test_a_participant_returning_to_a_paused_room_is_told_it_is_paused() -> None:
    world = World()
    world.live_room("ann")
    world.drop("fac")
    world.drop("ann")
    effects = world.connect("ann")
    assert world.types("ann", effects) == ["welcome", "room.paused"]


# -- hands, media, help, reports, alerts ------------------------------------------------------


def test_hands_and_media_flags_update_the_room_once() -> None:
    world = World()
    world.live_room("ann", "bob")
    assert world.types("bob", world.send("ann", p.HandRaise())) == ["participant.updated"]
    assert world.send("ann", p.HandRaise()) == []  # already up
    assert world.send("ann", p.HandRaise(ref="again")) == [
        Send((world.conn_of["ann"],), p.Ack(ref="again"))]
    effects = world.send("fac", p.HandLower(participant="ann"))
    (update,) = world.to("bob", effects)
    assert isinstance(update, p.ParticipantUpdated) and update.participant.hand is False
    effects = world.send("ann", p.MediaState(audio=True, video=False))
    (update,) = world.to("bob", effects)
    assert isinstance(update, p.ParticipantUpdated) and update.participant.audio is True
    assert world.send("ann", p.MediaState(audio=True, video=False)) == []


def test_help_signposts_the_sender_and_alerts_staff_even_those_who_come_later() -> None:
    world = World()
    world.connect("ann")  # help may be asked for from the lobby, before anyone is there
    effects = world.send("ann", p.HelpRequest(text="struggling\u202e"))
    assert world.to("ann", effects) == [p.HelpReceived(), p.Signpost(resources=[HELPLINE])]
    effects = world.connect("fac", "facilitator", "Fran")
    welcome = world.to("fac", effects)[0]
    assert isinstance(welcome, p.Welcome)
    (alert,) = welcome.alerts or []
    assert (alert.kind, alert.severity, alert.participant, alert.text, alert.ack_within) == (
        "help", "concern", p.PersonRef(id="ann", name="Ann"), "struggling", 300)
    assert alert.at == "2026-03-04T05:06:07.891Z"

    # Acknowledged 42 s after it was raised (its time on the wire is to the millisecond).
    effects = world.send("fac", p.AlertAck(alert=alert.id), NOW + timedelta(seconds=42))
    assert world.to("fac", effects) == [
        p.AlertAcked(alert=alert.id, by=p.PersonRef(id="fac", name="Fran"))]
    (ack,) = [e for e in effects if isinstance(e, AckAlert)]
    assert (ack.alert, ack.by) == (alert, "Fran")
    assert ack.age == pytest.approx(42.000234)  # the wire's 891 ms, not NOW's 891.234
    assert error_of(world.send("fac", p.AlertAck(alert=alert.id))).code == "not_found"
    welcome = world.to("sam", world.connect("sam", "facilitator"))[0]
    assert isinstance(welcome, p.Welcome) and welcome.alerts == []
    assert error_of(world.send("fac", p.HelpRequest())).code == "forbidden"


def test_a_report_alerts_staff_about_the_person_reported() -> None:
    world = World()
    world.live_room("ann", "bob")
    effects = world.send("ann", p.Report(participant="bob", text="rude"))
    (alert,) = world.to("fac", effects)
    assert isinstance(alert, p.Alert)
    assert alert.kind == "report" and alert.participant.id == "bob"
    assert alert.text == "reported by Ann: rude"
    assert world.to("bob", effects) == [] and world.to("ann", effects) == []
    assert error_of(world.send("ann", p.Report(participant="zed"))).code == "not_found"
    assert error_of(world.send("fac", p.Report(participant="ann"))).code == "forbidden"


# -- help and report limits (server/rooms/limits.py) -------------------------------------------

URGENT_SCREEN = Screening(severity="urgent", categories=("suicide",), rules=("suicide.plan",))


def screen(text: str) -> Screening:
    return URGENT_SCREEN if "tonight" in text else Screening()


def raised(effects: list[Effect]) -> list[RaiseAlert]:
    return [e for e in effects if isinstance(e, RaiseAlert)]


def test_a_lobby_flood_of_help_requests_is_one_alert_and_one_escalation() -> None:
    world = World()
    world.connect("zed")  # waiting, never admitted, nobody to admit them
    alerts: list[RaiseAlert] = []
    for n in range(100):
        effects = world.send("zed", p.HelpRequest(text=f"help {n}"),
                             NOW + timedelta(milliseconds=100 * n))
        # Never silenced: every request is answered as the first was.
        assert world.to("zed", effects) == [p.HelpReceived(), p.Signpost(resources=[HELPLINE])]
        alerts.extend(raised(effects))
        alerts.extend(raised(world.tick(NOW + timedelta(milliseconds=100 * n + 50))))
    (alert,) = alerts
    assert alert.escalate and alert.alert.text == "help 0"  # nobody here: to the lead at once
    # A facilitator who arrives sees one alert standing for the hundred requests.
    welcome = world.to("fac", world.connect("fac", "facilitator", "Fran"))[0]
    assert isinstance(welcome, p.Welcome)
    assert [(a.id, a.count) for a in welcome.alerts or []] == [(alert.alert.id, 100)]


def test_facilitators_see_the_count_of_merged_requests_then_a_new_alert_after_ack() -> None:
    world = World()
    world.live_room("ann")
    (first,) = raised(world.send("ann", p.HelpRequest(text="struggling")))
    assert first.alert.count == 1 and not first.escalate
    for n in range(4):
        effects = world.send("ann", p.HelpRequest(), NOW + timedelta(milliseconds=10 * n))
        assert world.types("ann", effects) == ["help.received", "signpost"]
        assert world.to("fac", effects) == []  # no new alert, no escalation
    assert world.room.needs_ticks
    assert world.to("fac", world.tick(NOW + timedelta(milliseconds=500))) == []
    (update,) = world.to("fac", world.tick(NOW + timedelta(seconds=1)))
    assert update == msgspec.structs.replace(first.alert, count=5)
    assert world.to("fac", world.tick(NOW + timedelta(seconds=2))) == []
    # Acknowledged: asking again is a new alert.
    world.send("fac", p.AlertAck(alert=first.alert.id))
    (second,) = raised(world.send("ann", p.HelpRequest(), NOW + timedelta(seconds=3)))
    assert second.alert.id != first.alert.id and second.alert.count == 1


def test_past_the_minutes_limit_a_request_is_raised_late_with_its_count() -> None:
    world = World()
    world.live_room("ann")
    for n in range(3):
        (alert,) = raised(world.send("ann", p.HelpRequest(), NOW + timedelta(seconds=n)))
        world.send("fac", p.AlertAck(alert=alert.alert.id), NOW + timedelta(seconds=n))
    for n in range(2):
        effects = world.send("ann", p.HelpRequest(text="again"), NOW + timedelta(seconds=10 + n))
        assert raised(effects) == [] and world.types("ann", effects) == ["help.received",
                                                                         "signpost"]
    assert world.room.needs_ticks
    assert raised(world.tick(NOW + timedelta(seconds=59))) == []
    effects = world.tick(NOW + timedelta(seconds=60))
    (late,) = raised(effects)
    assert (late.alert.count, late.alert.text) == (2, "again")
    assert late.then and world.to("fac", effects)[0] == late.alert


def test_an_urgent_help_request_is_not_merged_into_a_concern() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    (concern,) = raised(world.send("ann", p.HelpRequest(text="low")))
    (urgent,) = raised(world.send("ann", p.HelpRequest(text="I will do it tonight")))
    assert urgent.escalate and urgent.alert.severity == "urgent"
    assert raised(world.send("ann", p.HelpRequest(text="tonight, tonight"))) == []
    (update,) = world.to("fac", world.tick(NOW + timedelta(seconds=1)))
    assert isinstance(update, p.Alert) and (update.id, update.count) == (urgent.alert.id, 2)
    assert concern.alert.id != urgent.alert.id


def test_an_urgent_chat_message_is_never_limited() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    for n in range(3):  # the minute's alerts spent, and one still open
        (alert,) = raised(world.send("ann", p.HelpRequest()))
        if n < 2:
            world.send("fac", p.AlertAck(alert=alert.alert.id))
    world.send("ann", p.HelpRequest())
    for n in range(5):
        effects = world.send("ann", p.ChatSend(text=f"goodbye everyone, tonight {n}"))
        (held,) = raised(effects)
        assert (held.alert.kind, held.alert.severity, held.escalate) == ("risk", "urgent", True)


def test_repeated_reports_merge_per_person_reported() -> None:
    world = World()
    world.live_room("ann", "bob", "cat")
    (about_bob,) = raised(world.send("ann", p.Report(participant="bob", text="rude")))
    for _ in range(10):
        assert world.send("ann", p.Report(participant="bob", text="rude")) == []
    (about_cat,) = raised(world.send("ann", p.Report(participant="cat")))
    assert about_cat.alert.participant.id == "cat"
    counts = {a.id: a.count for a in world.to("fac", world.tick(NOW + timedelta(seconds=1)))
              if isinstance(a, p.Alert)}
    assert counts == {about_bob.alert.id: 11}
    # Another person reporting Bob is their own alert.
    assert raised(world.send("cat", p.Report(participant="bob")))


def test_an_overdue_reminder_carries_the_count() -> None:
    world = World()
    world.live_room("ann")
    (first,) = raised(world.send("ann", p.HelpRequest()))
    world.send("ann", p.HelpRequest())
    world.tick(NOW + timedelta(seconds=1))
    reminders = [m for m in world.to("fac", world.tick(NOW + timedelta(seconds=300)))
                 if isinstance(m, p.Alert)]
    assert [(a.id, a.count, a.overdue) for a in reminders] == [(first.alert.id, 2, True)]


def _restored_help(at: datetime) -> p.Alert:
    return p.Alert(id="a_old", kind="help", severity="concern",
                   participant=p.PersonRef(id="ann", name="Ann"), categories=[],
                   at=at.isoformat(), ack_within=300)


@pytest.mark.parametrize("reminded", [False, True])
def test_a_restored_alert_is_not_reminded_twice(reminded: bool) -> None:
    """A room taken up again (a restart, or another node after a failover) keeps the
    deadlines the process before it acted on: one reminder, one re-route, in all."""
    world = World(open_alerts=(_restored_help(NOW),),
                  reminded_alerts=frozenset({"a_old"}) if reminded else frozenset())
    # Not with the lead yet: nothing says it is.
    assert not [m for m in world.to("fac", world.connect("fac", "facilitator", "Fran"))
                if isinstance(m, p.AlertEscalated)]

    def overdue(effects: list[Effect]) -> list[tuple[str, bool]]:
        return [(e.alert_id, e.escalate) for e in flatten(effects)
                if isinstance(e, AlertOverdue)]

    first = world.tick(NOW + timedelta(seconds=301))
    reminders = [m for m in world.to("fac", first) if isinstance(m, p.Alert) and m.overdue]
    assert overdue(first) == ([] if reminded else [("a_old", False)])
    assert [a.id for a in reminders] == ([] if reminded else ["a_old"])
    # Twice the limit: re-routed to the lead, once, either way.
    assert overdue(world.tick(NOW + timedelta(seconds=601))) == [("a_old", True)]
    assert overdue(world.tick(NOW + timedelta(seconds=900))) == []


def test_a_restored_alert_already_given_to_the_lead_is_not_given_again() -> None:
    world = World(open_alerts=(_restored_help(NOW),), reminded_alerts=frozenset({"a_old"}),
                  escalated_alerts=frozenset({"a_old"}))
    welcome, told = world.to("fac", world.connect("fac", "facilitator", "Fran"))[:2]
    assert isinstance(welcome, p.Welcome)
    assert [a.id for a in welcome.alerts or []] == ["a_old"]  # still open, still shown
    # ... and right after the welcome, the facilitator learns the lead has it.
    assert told == p.AlertEscalated(alert="a_old", reason="overdue")
    for seconds in (301, 601, 1200):
        assert not [e for e in flatten(world.tick(NOW + timedelta(seconds=seconds)))
                    if isinstance(e, AlertOverdue)]


# -- moderation ----------------------------------------------------------------------------------


def test_mute_with_lock_refuses_the_microphone_until_allowed() -> None:
    world = World()
    world.live_room("ann")
    world.send("ann", p.MediaState(audio=True, video=False))
    effects = world.send("fac", p.ParticipantMute(participant="ann", lock=True))
    assert world.to("ann", effects)[0] == p.Muted(locked=True)
    assert error_of(world.send("ann", p.MediaState(audio=True, video=False))).code == "forbidden"
    assert world.types("fac", world.send("ann", p.MediaState(audio=False, video=True))) == [
        "participant.updated"]
    assert world.to("ann", world.send("fac", p.ParticipantAllow(participant="ann"))) == [
        p.Allowed()]
    assert world.types("fac", world.send("ann", p.MediaState(audio=True, video=True))) == [
        "participant.updated"]


def test_staff_are_not_moderated() -> None:
    world = World()
    world.live_room()
    world.connect("sam", "facilitator")
    for message in (p.ParticipantMute(participant="sam"), p.ParticipantAllow(participant="sam"),
                    p.ParticipantRemove(participant="sam")):
        assert error_of(world.send("fac", message)).code == "forbidden"


@pytest.mark.parametrize("ban", [False, True])
def test_remove_closes_4403_and_a_ban_is_persisted(ban: bool) -> None:
    world = World()
    world.live_room("bob")
    world.connect("ann", device="dev-hash")
    world.send("fac", p.LobbyAdmit(participant="ann"))
    effects = world.send("fac", p.ParticipantRemove(participant="ann", ban=ban))
    assert world.types("ann", effects) == ["removed"]
    assert Close(world.conn_of["ann"], CLOSE_REMOVED, "removed") in effects
    assert world.types("bob", effects) == ["participant.left"]
    assert (PersistBan("r1", "ann", "dev-hash") in effects) is ban
    assert world.connect("ann")[0].code == CLOSE_REMOVED  # type: ignore[union-attr]


def test_removing_someone_in_the_lobby_tells_staff_only() -> None:
    world = World()
    world.live_room("bob")
    world.connect("ann")
    effects = world.send("fac", p.ParticipantRemove(participant="ann"))
    assert world.types("fac", effects) == ["lobby.left"]
    assert world.to("bob", effects) == []


def test_lock_unlock_and_focus_update_the_room_and_are_persisted() -> None:
    world = World()
    world.live_room("ann")
    world.connect("cat")
    effects = world.send("fac", p.RoomLock())
    assert PersistRoomState("r1", locked=True, focus=True) in effects
    (update,) = world.to("ann", effects)
    assert isinstance(update, p.RoomUpdated) and update.room.locked is True
    # The lobby hears it too: the room's settings name nobody inside.
    assert world.to("cat", effects) == [update]
    effects = world.send("fac", p.RoomFocus(on=False))
    assert PersistRoomState("r1", locked=True, focus=False) in effects
    effects = world.send("fac", p.RoomUnlock())
    (update,) = world.to("ann", effects)
    assert isinstance(update, p.RoomUpdated) and update.room == p.RoomInfo(
        id="r1", name="Circle", audience="mothers", locked=False, live=True, focus=False)


def test_end_closes_everyone_and_forgets_the_session() -> None:
    world = World()
    world.live_room("ann")
    world.connect("cat")
    world.send("fac", p.RoomLock())
    effects = world.send("fac", p.RoomEnd(ref="end"))
    for pid in ("fac", "ann", "cat"):
        assert "room.ended" in world.types(pid, effects)
        assert Close(world.conn_of[pid], CLOSE_NORMAL, "room ended") in effects
    assert world.types("fac", effects) == ["ack", "room.ended"]
    assert PersistRoomState("r1", locked=False, focus=True) in effects
    assert world.room.ended and world.room.empty
    effects = world.connect("ann")
    assert world.types("ann", effects) == ["room.ended"]
    assert effects[-1] == Close(world.conn_of["ann"], CLOSE_NORMAL, "room ended")


# -- the envelope ----------------------------------------------------------------------------------


def test_an_ack_comes_first_even_before_a_close() -> None:
    world = World()
    world.live_room("ann")
    effects = world.send("ann", p.Leave(ref="bye"))
    assert effects[0] == Send((world.conn_of["ann"],), p.Ack(ref="bye"))
    assert effects[-1] == Close(world.conn_of["ann"], CLOSE_NORMAL, "left")


def test_a_second_hello_is_invalid_state() -> None:
    world = World()
    world.live_room("ann")
    assert error_of(world.send("fac", p.Hello(token="t"))).code == "invalid_state"
    assert error_of(world.send("fac", p.Escalate(alert="a1", ref="e"))).code == "not_found"


def test_media_signals_go_to_the_media_service_from_the_room_and_the_lobby() -> None:
    world = World()
    world.live_room("ann")
    world.connect("bob")  # waiting in the lobby
    for pid in ("ann", "bob", "fac"):
        for message in (p.MediaOffer(sdp="v=0", ref="o"), p.MediaAnswer(sdp="v=0"),
                        p.MediaCandidate(candidate="c")):
            effects = world.send(pid, message)
            signals = [e for e in effects if isinstance(e, MediaSignal)]
            assert signals == [MediaSignal(world.conn_of[pid], pid, message)]
    # Acknowledged by the media service once applied, not on receipt.
    assert world.send("ann", p.MediaOffer(sdp="v=0", ref="o")) == [
        MediaSignal(world.conn_of["ann"], "ann", p.MediaOffer(sdp="v=0", ref="o"))]


def test_the_media_view_follows_places_microphones_and_locks() -> None:
    world = World()
    world.live_room("ann")
    world.connect("bob")
    version = world.room.media_version
    world.send("ann", p.MediaState(audio=True, video=False))
    assert world.room.media_version > version
    seats = {s.participant_id: s for s in world.room.media_view().seats}
    assert (seats["ann"].place, seats["ann"].audio, seats["ann"].staff) == ("room", True, False)
    assert seats["bob"].place == "lobby" and seats["fac"].staff
    world.send("fac", p.ParticipantMute(participant="ann", lock=True))
    seats = {s.participant_id: s for s in world.room.media_view().seats}
    assert (seats["ann"].audio, seats["ann"].mute_locked) == (False, True)
    version = world.room.media_version
    world.send("ann", p.ChatSend(text="hello"))
    assert world.room.media_version == version  # chat does not touch the media rules


def test_an_aside_pairs_a_facilitator_and_a_participant_until_ended() -> None:
    world = World()
    world.live_room("ann", "bob")
    effects = world.send("fac", p.AsideStart(participant="ann"))
    started = p.AsideStarted(facilitator=p.PersonRef(id="fac", name="Fran"),
                             participant=p.PersonRef(id="ann", name="Ann"))
    assert world.to("ann", effects) == [started]
    assert world.to("fac", effects) == [started]
    assert world.to("bob", effects) == []  # the room is not told who talks privately
    assert ModerationAction("r1", "fac", "aside.start", "ann") in effects
    assert world.room.media_view().asides == (("fac", "ann"),)
    assert error_of(world.send("fac", p.AsideStart(participant="ann"))).code == "invalid_state"
    assert error_of(world.send("fac", p.AsideStart(participant="bob"))).code == "invalid_state"
    assert error_of(world.send("fac", p.AsideStart(participant="fac"))).code == "forbidden"
    assert error_of(world.send("fac", p.AsideEnd(participant="bob"))).code == "not_found"
    effects = world.send("fac", p.AsideEnd(participant="ann"))
    assert world.to("ann", effects) == [p.AsideEnded(facilitator="fac", participant="ann")]
    assert world.room.media_view().asides == ()


def test_an_aside_ends_when_either_of_the_pair_leaves() -> None:
    world = World()
    world.live_room("ann")
    world.connect("fac2", "facilitator", "Gail")
    world.send("fac", p.AsideStart(participant="ann"))
    effects = world.drop("ann")
    assert world.to("fac", effects)[0] == p.AsideEnded(facilitator="fac", participant="ann")
    assert world.room.media_view().asides == ()
    world.connect("cat")
    world.send("fac", p.LobbyAdmit(participant="cat"))
    world.send("fac2", p.AsideStart(participant="cat"))
    effects = world.drop("fac2")
    assert world.to("cat", effects)[0] == p.AsideEnded(facilitator="fac2", participant="cat")


def test_someone_arriving_during_an_aside_is_told_of_it_if_it_concerns_them() -> None:
    world = World()
    world.live_room("ann", "bob")
    world.send("fac", p.AsideStart(participant="ann"))
    pair = p.AsideInfo(facilitator=p.PersonRef(id="fac", name="Fran"),
                       participant=p.PersonRef(id="ann", name="Ann"))
    welcome = world.to("fac2", world.connect("fac2", "facilitator", "Gail"))[0]
    assert isinstance(welcome, p.Welcome) and welcome.asides == [pair]
    welcome = world.to("ann", world.connect("ann"))[0]  # Ann reconnects
    assert isinstance(welcome, p.Welcome) and welcome.asides == [pair]
    welcome = world.to("bob", world.connect("bob"))[0]  # the room is not told
    assert isinstance(welcome, p.Welcome) and welcome.asides is None


def test_lobby_participants_cannot_be_taken_aside() -> None:
    world = World()
    world.live_room()
    world.connect("bob")
    assert error_of(world.send("fac", p.AsideStart(participant="bob"))).code == "not_found"


def test_speaking_changes_reach_the_room_once() -> None:
    world = World()
    world.live_room("ann", "bob")
    world.connect("cat")  # lobby
    effects = world.room.handle(Speaking("ann", True), NOW)
    assert [m.participant.speaking for m in world.to("bob", effects)
            if isinstance(m, p.ParticipantUpdated)] == [True]
    assert world.to("cat", effects) == []
    assert world.room.handle(Speaking("ann", True), NOW) == []
    assert world.room.handle(Speaking("cat", True), NOW) == []
    assert world.room.handle(Speaking("nobody", True), NOW) == []


def test_messages_from_a_connection_that_is_gone_are_ignored() -> None:
    world = World()
    world.live_room("ann")
    world.drop("ann")
    assert world.send("ann", p.ChatSend(text="ghost")) == []
    assert world.drop("ann") == []


def test_with_focus_off_a_camera_reaches_the_group_only_after_her_yes() -> None:
    world = World()
    world.live_room("ann")

    def shared() -> bool:
        (seat,) = [s for s in world.room.media_view().seats if s.participant_id == "ann"]
        return seat.shared

    world.send("fac", p.RoomFocus(on=False))
    world.send("ann", p.MediaState(audio=False, video=True))
    assert not shared()
    # Her yes alone tells nobody anything, but changes the media rules.
    version = world.room.media_version
    assert world.send("ann", p.MediaState(audio=False, video=True, share=True)) == []
    assert shared() and world.room.media_version > version
    world.send("ann", p.MediaState(audio=True, video=True))  # share absent: unchanged
    assert shared()
    # Focus on, then off again: asked afresh.
    world.send("fac", p.RoomFocus(on=True))
    world.send("fac", p.RoomFocus(on=False))
    assert not shared()


def test_a_facilitator_speaks_to_everyone_waiting_and_nobody_else() -> None:
    world = World(screen=lambda text: Screening(severity="urgent") if "die" in text
                  else Screening())
    world.live_room("ann")
    world.connect("cat")
    world.connect("dot")  # both waiting
    effects = world.send("fac", p.LobbySay(text="  We'll start in five minutes  "))
    (note,) = [m for m in world.to("cat", effects) if isinstance(m, p.LobbyNote)]
    # Nobody's name or id reaches the waiting room (invariant 3); staff see who wrote it.
    assert note.text == "We'll start in five minutes" and note.sender is None
    (signed,) = [m for m in world.to("fac", effects) if isinstance(m, p.LobbyNote)]
    assert signed.sender is not None and signed.sender.name == "Fran"
    assert world.types("dot", effects) == ["lobby.note"]
    assert world.types("fac", effects) == ["lobby.note"]  # so they see what was said
    assert world.to("ann", effects) == []  # the room hears nothing of it
    assert error_of(world.send("ann", p.LobbySay(text="hi"))).code == "forbidden"
    assert error_of(world.send("fac", p.LobbySay(text="I want to die"))).code == "bad_message"


def test_a_private_message_is_screened_and_a_held_one_is_released_only_to_its_parent() -> None:
    # Invariant 5 holds for private messages too: screened before the parent receives it.
    world = World(screen=lambda text: Screening(severity="urgent", categories=("suicide",))
                  if "tonight" in text else Screening())
    world.live_room("ann", "bob")
    effects = world.send("fac", p.ChatSend(text="I can't do this any more, tonight",
                                           to="participant", participant="ann"))
    (held,) = raised(effects)
    assert held.alert.severity == "urgent" and held.alert.message is not None
    everything = flatten(effects)
    assert not [m for m in world.to("ann", everything) if isinstance(m, p.Chat)]
    assert world.to("bob", everything) == []
    # Shared after all: to the parent it was written to and the facilitators, never the room.
    effects = world.send("fac", p.ChatRelease(message=held.alert.message.id))
    assert world.types("ann", effects) == ["chat"] and world.to("bob", effects) == []
