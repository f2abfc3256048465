"""Commands into the room state machine and effects out of it.

A connection is named by an opaque ``ConnId`` that the adapter assigns; the
machine never sees sockets. Effects are instructions for the adapter, carried
out in order: send these messages, close that connection, persist this record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from server import protocol as p

ConnId = int

# Close codes of PROTOCOL.md, plus the additions documented in docs/protocol.md.
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_TOO_LARGE = 1009
CLOSE_TRY_LATER = 1013  # addition: too many sockets from one address; back off and retry
CLOSE_UNAUTHORIZED = 4401
CLOSE_REMOVED = 4403
CLOSE_NO_HELLO = 4408
CLOSE_REPLACED = 4409  # addition: the same participant connected again elsewhere
CLOSE_LOCKED = 4423  # addition: a locked room turned away someone never admitted
CLOSE_FLOODING = 4429
# addition: the room runs on another node; the error before the close says where (ws_url).
# 4000 + 307, HTTP's "temporary redirect": same request, another address.
CLOSE_MOVED = 4307


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a connection is, as proven by its signed token."""

    room_id: str
    participant_id: str
    name: str
    role: p.Role
    # A hash of the browser's device cookie, so a ban can keep the browser out.
    device: str | None = None


@dataclass(frozen=True, slots=True)
class Screening:
    """What the risk screen decided about a text (``server/safeguarding/risk.py``)."""

    severity: Literal["none", "concern", "urgent"] = "none"
    categories: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # which rules matched, so an alert can say why
    # The trained model's signal when it raised or confirmed the severity: which version,
    # the category it saw and its score (server/safeguarding/assess.py).
    model: p.ModelSignal | None = None


NOTHING_FOUND = Screening()


def no_screen(text: str) -> Screening:
    """For rooms built without a screen (unit tests of other rules)."""
    return NOTHING_FOUND


def no_signposts(categories: Sequence[str]) -> tuple[p.Resource, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class RoomConfig:
    id: str
    name: str
    audience: p.Audience
    locked: bool = False
    focus: bool = True
    # STUN/TURN servers for a client's welcome; called per welcome because TURN
    # credentials are time-limited (coturn's shared-secret scheme).
    ice_servers: Callable[[], tuple[dict[str, object], ...]] = lambda: ()
    # Receive-only video slots each peer connection carries (media.slots says who is in which).
    video_slots: int = 4
    # Shown to someone who asks for help; the safeguarding directory provides it.
    help_resources: tuple[p.Resource, ...] = ()
    # Seconds a facilitator has to acknowledge an alert (ARCHITECTURE.md invariant 6).
    ack_within_urgent: int = 60
    ack_within_concern: int = 300
    # Invariant 5: every chat message passes this before anyone else receives it.
    screen: Callable[[str], Screening] = no_screen
    # Crisis and support contacts for the room's audience, by risk category.
    signpost: Callable[[Sequence[str]], tuple[p.Resource, ...]] = no_signposts
    # Alerts still unacknowledged from before (a restart): shown and re-routed again.
    open_alerts: tuple[p.Alert, ...] = ()
    # Of those, the ones whose facilitators were reminded already (by the process that ran
    # the session before), and the ones already given to the lead: neither happens twice.
    reminded_alerts: frozenset[str] = frozenset()
    escalated_alerts: frozenset[str] = frozenset()
    # Participants admitted to this session before a restart (server/signaling/places.py):
    # they come straight back into the room, told why in ``welcome.restarted``.
    admitted: tuple[str, ...] = ()
    # The session's node stopped without letting it go and this node took it over
    # (server/cluster/node.py): those coming back are told so in ``welcome.failover``.
    failover: bool = False


# --- commands ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connect:
    conn: ConnId
    identity: Identity
    # For a safeguarding lead: the open escalations, to show on arrival.
    escalations: tuple[p.EscalationInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: alerts not acknowledged in time are re-sent, then escalated."""


@dataclass(frozen=True, slots=True)
class Disconnect:
    conn: ConnId


@dataclass(frozen=True, slots=True)
class Receive:
    conn: ConnId
    message: p.AnyClientMessage


@dataclass(frozen=True, slots=True)
class Speaking:
    """The room's mixer heard someone start or stop speaking (already rate-limited)."""

    participant_id: str
    speaking: bool


Command = Connect | Disconnect | Receive | Tick | Speaking


# --- effects ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """Send one message to every connection in ``to`` (encode it once)."""

    to: tuple[ConnId, ...]
    message: p.ServerMessage


@dataclass(frozen=True, slots=True)
class Close:
    conn: ConnId
    code: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PersistBan:
    room_id: str
    participant_id: str
    device: str | None


@dataclass(frozen=True, slots=True)
class PersistRoomState:
    room_id: str
    locked: bool
    focus: bool


@dataclass(frozen=True, slots=True)
class PersistPlace:
    """A participant's place in the live session: ``kept`` when admitted, not when they
    leave or are removed. Stored so a server restart can give it back (and only then)."""

    room_id: str
    participant_id: str
    kept: bool


@dataclass(frozen=True, slots=True)
class ModerationAction:
    """Something a facilitator did, for the audit log (names are pseudonyms)."""

    room_id: str
    actor: str
    action: str
    target: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RaiseAlert:
    """Store the alert (and escalate it if asked), THEN carry out ``then``.

    Invariant 6: nobody is told of an alert or escalation before it is durable.
    """

    alert: p.Alert
    participant_id: str
    rules: tuple[str, ...]
    escalate: bool
    then: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class AckAlert:
    # The alert acknowledged (its id; its kind and severity label the age's histogram).
    alert: p.Alert
    by: str
    # Seconds from the alert being raised to this acknowledgement
    # (hearth_alert_ack_age_seconds).
    age: float


@dataclass(frozen=True, slots=True)
class ScreenFeedback:
    """A facilitator's word on the risk screen: ``right`` or ``false_alarm`` for an alert it
    raised (with the rules and model that fired), or ``missed`` for risk it let through.
    Counted per rule and model version; never with any text."""

    verdict: Literal["right", "false_alarm", "missed"]
    rules: tuple[str, ...]
    model_version: str | None  # None for "missed": the hub names the model now serving
    model_category: str | None


@dataclass(frozen=True, slots=True)
class AlertOverdue:
    """Not acknowledged in time: record it; with ``escalate``, raise an escalation
    and then carry out ``then``."""

    alert_id: str
    escalate: bool
    then: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class EscalateAlert:
    """A facilitator escalated an alert: store it, then answer ``ack`` (or an error)."""

    alert_id: str
    by: str
    note: str
    conn: ConnId
    ref: str | None
    # Staff to tell (``alert.escalated``) once it is stored.
    staff: tuple[ConnId, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaSignal:
    """A WebRTC offer, answer or candidate for the media service (``server/media/``)."""

    conn: ConnId
    participant_id: str
    message: p.MediaOffer | p.MediaAnswer | p.MediaCandidate


@dataclass(frozen=True, slots=True)
class Attended:
    """A parent admitted into a session, for the anonymous impact report's attendance count
    (``server/programme/attendance.py``): her browser's device hash tells a return from a
    first visit there, keyed again and never stored as it is; no name."""

    room_id: str
    participant_id: str
    device: str | None


Effect = (
    Send | Close | PersistBan | PersistRoomState | PersistPlace | ModerationAction | RaiseAlert
    | AckAlert | AlertOverdue | EscalateAlert | MediaSignal | ScreenFeedback | Attended
)


# --- what the media service needs to know ----------------------------------------


@dataclass(frozen=True, slots=True)
class MediaSeat:
    """One member as the mixer and the video router see them."""

    participant_id: str
    conn: ConnId
    place: Literal["lobby", "room"]
    staff: bool
    audio: bool
    video: bool
    mute_locked: bool
    # The parent said yes to the group seeing her camera while focus mode is off.
    shared: bool = False


@dataclass(frozen=True, slots=True)
class MediaView:
    """The room's media rules at one moment: who is where, who may be heard and seen.

    ``asides`` pairs are (facilitator id, participant id). Derived from the room state
    machine after every command that changes them; the media service enforces them
    (ARCHITECTURE.md invariant 1), whatever the clients send.
    """

    seats: tuple[MediaSeat, ...] = ()
    asides: tuple[tuple[str, str], ...] = ()
    focus: bool = True

IdFactory = Callable[[str], str]
