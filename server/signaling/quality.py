"""How each person's connection is doing, for the staff of their room.

A facilitator sees beside each name whether the connection is good, weak or lost, so
she knows why someone went quiet. It is measured here, at the server, where nothing a
client says about itself is needed:

- **the WebSocket round trip**, for everyone whose client answers pings (hello
  ``features: ["ping"]``): ``ping {n}`` every round, ``pong {n}`` back. The oldest
  ping not yet answered ages: late is weak, long overdue is lost; any answer to a
  recent ping ends the wait.
- **RTCP**, for everyone with a peer connection (``LinkStats``: the browser's receiver
  reports on the mix it hears, and what the server receives of the microphone): loss,
  jitter and round trip, and whether the reports have stopped.

``QualityBook`` is pure (``now`` passed in, effects out): the hub calls ``round`` for a
live room every ``quality_every`` seconds from one node-wide task (rooms staggered
across the period), ``pong`` when an answer arrives, and carries out the ``Send``
effects it returns. Nothing is measured in a room with no staff client that asked to
see it, and ``participant.quality`` goes to such staff connections only: a parent never
learns anything about another's network (anonymity).
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server import protocol as p
from server.media.types import LinkStats
from server.rooms.types import ConnId, MediaSeat, Send

# ---- the thresholds, in one place ------------------------------------------------------
# A level gets worse when a measure crosses its WEAK value and better again only once it
# is back under its GOOD value: the gap between the two (hysteresis) keeps a link that
# hovers at a threshold from flickering between words on the facilitator's screen.

# WebSocket round trip (ping to pong). It includes both ends' event loops and TCP's own
# retransmissions, so it runs above the network's RTT; chat that takes over half a
# second to arrive is noticeably laggy, and a phone on a healthy 4G link answers in
# 50-200 ms.
SOCKET_RTT_WEAK = 0.5
SOCKET_RTT_GOOD = 0.35
# Media round trip from RTCP: ITU-T G.114 puts conversation at its best under about
# 150 ms each way; past that people start talking over each other.
MEDIA_RTT_WEAK = 0.3
MEDIA_RTT_GOOD = 0.2
# Packet loss: the mix's Opus carries in-band FEC (tuned for 10 %) and the mixer
# conceals single gaps, so a percent or two goes unheard; from about 3 % the gaps are
# audible as clipped words.
MEDIA_LOSS_WEAK = 0.03
MEDIA_LOSS_GOOD = 0.015
# Jitter: the mixer's jitter buffer holds about 40 ms (docs/media.md); jitter beyond
# 30 ms makes frames arrive too late for it, and they are concealed instead of played.
MEDIA_JITTER_WEAK = 0.03
MEDIA_JITTER_GOOD = 0.02
# Lost: a ping unanswered for two whole rounds (10 s by default). Not a slow network
# (that shows as weak first): a phone in a tunnel, a frozen page, a half-open socket
# that TCP has not given up on yet.
LOST_ROUNDS = 2
# The browser sends receiver reports about once a second; none for this long while the
# peer connection is up means its sound has stopped getting through (weak: chat may
# still work; the socket's pings say whether the person is lost altogether).
MEDIA_SILENT_AFTER = 5.0
# A change of level is published once it has held for this many rounds in a row (two
# rounds: 5-10 s), so a single bad reading never reaches the screen. Going to lost is
# published at once (it has already taken two rounds), and so is a person's first level.
SETTLE_ROUNDS = 2
# Socket round trips remembered; their median is the measure, so one slow answer (a
# garbage collection, a busy moment) does not count as a weak link.
RTT_SAMPLES = 3
# Unanswered pings remembered (one is sent every round): an answer to any of them counts.
PENDING_PINGS = 4



def classify(*, socket_rtt: float | None, waiting: float, media: LinkStats | None,
             lost_after: float, was: p.Quality | None) -> p.Quality | None:
    """The level the measures show now, or None when there is nothing to go by.

    ``socket_rtt``: median recent ping round trip (None: no answer yet); ``waiting``: how
    long the outstanding ping has gone unanswered (0: none outstanding); ``media``: the
    latest RTCP figures (None: no peer connection); ``was``: the level shown now, whose
    GOOD thresholds apply to coming back (hysteresis)."""
    if waiting >= lost_after:
        return "lost"
    recovering = was is not None and was != "good"

    def over(value: float | None, weak: float, good: float) -> bool:
        return value is not None and value >= (good if recovering else weak)

    # An answer still awaited is a round trip at least that long.
    rtt = max(socket_rtt or 0.0, waiting) if socket_rtt is not None or waiting else None
    if rtt is None and media is None:
        return None
    weak = over(rtt, SOCKET_RTT_WEAK, SOCKET_RTT_GOOD)
    if media is not None:
        weak = (weak or over(media.round_trip, MEDIA_RTT_WEAK, MEDIA_RTT_GOOD)
                or over(media.loss, MEDIA_LOSS_WEAK, MEDIA_LOSS_GOOD)
                or over(media.jitter, MEDIA_JITTER_WEAK, MEDIA_JITTER_GOOD)
                or (media.report_age is not None and media.report_age >= MEDIA_SILENT_AFTER))
    return "weak" if weak else "good"


@dataclass(slots=True)
class Meter:
    """One connection's measures and the level staff are shown for it."""

    pings: bool
    rtts: deque[float] = field(default_factory=lambda: deque(maxlen=RTT_SAMPLES))
    # Pings sent and not answered yet (n: sent at), the newest few; and since when the
    # client has answered none.
    pending: dict[int, float] = field(default_factory=dict)
    unanswered_since: float | None = None
    last_ping: float | None = None
    media: LinkStats | None = None
    shown: p.Quality | None = None
    # A different level seen in the rounds just gone, and for how many in a row.
    candidate: p.Quality | None = None
    streak: int = 0

    def waiting(self, now: float) -> float:
        return now - self.unanswered_since if self.unanswered_since is not None else 0.0

    def pinged(self, n: int, now: float) -> None:
        self.pending[n] = now
        if len(self.pending) > PENDING_PINGS:
            del self.pending[min(self.pending)]
        if self.unanswered_since is None:
            self.unanswered_since = now
        self.last_ping = now

    def answered(self, n: int, now: float) -> bool:
        sent = self.pending.get(n)
        if sent is None:
            return False
        self.rtts.append(now - sent)
        self.pending.clear()
        self.unanswered_since = None
        return True

    def settle(self, now: float, lost_after: float) -> bool:
        """Take this round's reading; True when the level shown changed."""
        socket_rtt = statistics.median(self.rtts) if self.rtts else None
        level = classify(socket_rtt=socket_rtt, waiting=self.waiting(now), media=self.media,
                         lost_after=lost_after, was=self.shown)
        if level is None:  # nothing measured any more (no pings, no peer connection)
            changed = self.shown is not None
            self.shown, self.candidate, self.streak = None, None, 0
            return changed
        if level == self.shown:
            self.candidate, self.streak = None, 0
            return False
        if self.shown is None or level == "lost":
            self.shown, self.candidate, self.streak = level, None, 0
            return True
        if level == self.candidate:
            self.streak += 1
        else:
            self.candidate, self.streak = level, 1
        if self.streak >= SETTLE_ROUNDS:
            self.shown, self.candidate, self.streak = level, None, 0
            return True
        return False


class QualityBook:
    """Every connection's meter on this node, and what each room's staff were last told."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._lost_after = LOST_ROUNDS * every
        self._meters: dict[ConnId, Meter] = {}
        self._watchers: set[ConnId] = set()
        # Per room: the level its staff were last told for each participant.
        self._told: dict[str, dict[str, p.Quality]] = {}
        self._n = 0

    # -- connections ------------------------------------------------------------------

    def join(self, conn: ConnId, features: Iterable[str], *, staff: bool) -> None:
        """A connection entered a room; ``features`` from its hello."""
        wanted = set(features)
        if p.FEATURE_PING in wanted:
            self._meters[conn] = Meter(pings=True)
        if staff and p.FEATURE_QUALITY in wanted:
            self._watchers.add(conn)

    def leave(self, conn: ConnId) -> None:
        self._meters.pop(conn, None)
        self._watchers.discard(conn)

    def forget_room(self, room_id: str) -> None:
        self._told.pop(room_id, None)

    def watchers(self, seats: Sequence[MediaSeat]) -> tuple[ConnId, ...]:
        """The staff connections in these seats that show connection quality."""
        return tuple(s.conn for s in seats if s.staff and s.conn in self._watchers)

    def snapshot(self, room_id: str) -> p.ParticipantQuality | None:
        """Everyone's level now, for a staff connection that just arrived."""
        told = self._told.get(room_id)
        return p.ParticipantQuality(people=dict(told)) if told else None

    # -- measuring --------------------------------------------------------------------

    def pong(self, conn: ConnId, n: int, now: float) -> tuple[bool, bool]:
        """A ``pong {n}``: (it answered the outstanding ping, it was this meter's first)."""
        meter = self._meters.get(conn)
        if meter is None or not meter.answered(n, now):
            return False, False
        return True, meter.shown is None

    def round(self, room_id: str, seats: Sequence[MediaSeat],
              media: Mapping[str, LinkStats] | None, now: float, *,
              only: ConnId | None = None) -> list[Send]:
        """Measure the room once: ping whoever is due, read the levels, and tell the
        staff who watch what changed. ``media``: this round's RTCP figures by participant
        (None: keep the last ones). ``only``: just this connection, between rounds (its
        first ping on arrival, its first level on its first pong)."""
        watchers = self.watchers(seats)
        if not watchers:
            return []
        told = self._told.setdefault(room_id, {})
        changes: dict[str, p.Quality | None] = {}
        to_ping: list[ConnId] = []
        self._n += 1
        present = set()
        for seat in seats:
            person = seat.participant_id
            present.add(person)
            if only is not None and seat.conn != only:
                continue
            meter = self._meters.get(seat.conn)
            stats = media.get(person) if media is not None else None
            if meter is None and stats is not None:
                meter = self._meters[seat.conn] = Meter(pings=False)
            if meter is None:
                continue
            if media is not None:
                meter.media = stats
            if meter.pings and (meter.last_ping is None
                                or now - meter.last_ping >= self.every * 0.9):
                meter.pinged(self._n, now)
                to_ping.append(seat.conn)
            meter.settle(now, self._lost_after)
            shown = meter.shown
            if shown is not None and shown != told.get(person):
                told[person] = changes[person] = shown
            elif shown is None and person in told:
                del told[person]
                changes[person] = None
        for person in [who for who in told if only is None and who not in present]:
            del told[person]  # gone: the people list drops them anyway
        effects: list[Send] = []
        if to_ping:
            effects.append(Send(tuple(to_ping), p.Ping(n=self._n)))
        if changes:
            effects.append(Send(watchers, p.ParticipantQuality(people=changes)))
        return effects
