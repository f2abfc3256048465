"""Concern as a quiet check-in, and facilitators' verdicts on the risk screen (room machine).

A concern raised by the screen has no deadline, is never reminded and never re-routed to the
lead; urgent risk, help requests and reports keep their deadlines. A verdict on a risk alert and
"the screen missed something" become ScreenFeedback effects with what fired, never the text.
"""

from __future__ import annotations

from datetime import timedelta

from server import protocol as p
from server.rooms.types import Effect, RaiseAlert, ScreenFeedback, Screening
from tests.rooms.test_machine import NOW, World, error_of, raised
from tests.rooms.test_machine_properties import flatten

SIGNAL = p.ModelSignal(version="linear-test", category="low_mood", score=0.81)


def screen(text: str) -> Screening:
    if "tonight" in text:
        return Screening(severity="urgent", categories=("suicide",), rules=("suicide.plan",))
    if "flat" in text:
        return Screening(severity="concern", categories=("low_mood",), model=SIGNAL)
    return Screening()


def feedback(effects: list[Effect]) -> list[ScreenFeedback]:
    return [e for e in flatten(effects) if isinstance(e, ScreenFeedback)]


def test_a_concern_is_delivered_and_raised_without_a_deadline() -> None:
    world = World(screen=screen, ack_within_concern=300)
    world.live_room("ann", "bob")
    effects = world.send("ann", p.ChatSend(text="I've felt flat for weeks"))
    assert "chat" in world.types("bob", effects)  # the group still gets it
    (alert,) = raised(effects)
    assert alert.alert.severity == "concern" and alert.alert.ack_within == 0
    assert alert.alert.model == SIGNAL and alert.escalate is False
    # Hours later: no reminder, no re-route, nothing at all.
    for minutes in (5, 10, 60, 600):
        assert world.tick(NOW + timedelta(minutes=minutes)) == []


def test_a_concern_with_no_facilitator_present_is_not_re_routed() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    # The facilitator's alert list is empty: a concern waits quietly for follow-up.
    world.send("ann", p.ChatSend(text="flat again"))
    world.drop("fac")
    assert world.tick(NOW + timedelta(hours=2)) == []


def test_urgent_risk_and_help_keep_their_deadlines() -> None:
    world = World(screen=screen, ack_within_urgent=60, ack_within_concern=300)
    world.live_room("ann")
    (urgent,) = raised(world.send("ann", p.ChatSend(text="it ends tonight")))
    assert urgent.alert.ack_within == 60 and urgent.escalate is True
    (help_alert,) = raised(world.send("ann", p.HelpRequest(text="struggling")))
    assert help_alert.alert.severity == "concern" and help_alert.alert.ack_within == 300
    reminders = world.to("fac", world.tick(NOW + timedelta(seconds=301)))
    assert {m.id for m in reminders if isinstance(m, p.Alert)} == {
        urgent.alert.id, help_alert.alert.id}


def test_a_verdict_on_a_risk_alert_is_counted_with_what_fired() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    (concern,) = raised(world.send("ann", p.ChatSend(text="flat")))
    effects = world.send("fac", p.AlertAck(alert=concern.alert.id, verdict="false_alarm"))
    assert "alert.acked" in world.types("fac", effects)
    assert feedback(effects) == [ScreenFeedback("false_alarm", (), "linear-test", "low_mood")]
    (urgent,) = raised(world.send("ann", p.ChatSend(text="tonight")))
    effects = world.send("fac", p.AlertAck(alert=urgent.alert.id, verdict="right"))
    assert feedback(effects) == [ScreenFeedback("right", ("suicide.plan",), None, None)]
    # Without a verdict, nothing is counted.
    (again,) = raised(world.send("ann", p.ChatSend(text="flat")))
    assert feedback(world.send("fac", p.AlertAck(alert=again.alert.id))) == []


def test_a_verdict_belongs_to_risk_alerts_only() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    (help_alert,) = raised(world.send("ann", p.HelpRequest()))
    error = error_of(world.send("fac", p.AlertAck(alert=help_alert.alert.id, verdict="right")))
    assert error.code == "bad_message"
    # The refused acknowledgement left the alert open: a plain one still works.
    assert "alert.acked" in world.types("fac", world.send("fac", p.AlertAck(
        alert=help_alert.alert.id)))


def test_the_screen_missed_something_is_a_count_without_text() -> None:
    world = World(screen=screen)
    world.live_room("ann")
    world.send("ann", p.ChatSend(text="an ordinary message"))
    effects = world.send("fac", p.ScreenMissed(participant="ann"))
    assert feedback(effects) == [ScreenFeedback("missed", (), None, None)]
    assert not any(isinstance(e, RaiseAlert) for e in flatten(effects))
    # Participants cannot say it, and it is about what a participant wrote.
    assert error_of(world.send("ann", p.ScreenMissed(participant="ann"))).code == "forbidden"
    assert error_of(world.send("fac", p.ScreenMissed(participant="fac"))).code == "invalid_state"
    assert error_of(world.send("fac", p.ScreenMissed(participant="zed"))).code == "not_found"
