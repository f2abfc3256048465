"""The durable records. Chat is deliberately absent (ARCHITECTURE.md invariant 7),
and so is anything that could hold a participant's address (invariant 9).

Changing a table means a new Alembic revision in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class StaffRow(Base):
    """A staff account. One erased at its owner's request (``server/auth/erasure.py``)
    stays as the tombstone the audit log's entries point at: its username is then
    "deleted-" and 8 hex digits (a prefix no new account may take), it is disabled, and it
    has no password, no second factor and nothing else about them."""

    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Stored lower-cased so "Sam" and "sam" cannot both exist.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set for a generated password (the demo's): every staff page sends them to
    # /account/password, and the session APIs refuse, until they choose their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # The TOTP second factor's secret, encrypted with a key derived from the server's
    # secret key (server/auth/totp.py); None: not enrolled.
    totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The newest 30-second step a code was accepted for: a code is accepted once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StaffSessionRow(Base):
    __tablename__ = "staff_sessions"

    # SHA-256 of the session secret: a copy of the database logs nobody in.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoomRow(Base):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(32))
    lobby: Mapped[bool] = mapped_column(Boolean, default=True)
    focus: Mapped[bool] = mapped_column(Boolean, default=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when an admin archives the group (migration 0010): its invite links admit
    # nobody, no staff token is issued for it and facilitators no longer see it.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    # The group's own agreement, plain text shown on its join page instead of the
    # default one; None: the default.
    agreement: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # When it meets (migration 0011): its sessions' wall-clock times are in this IANA time
    # zone, and its waiting room opens this many minutes before each one.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London",
                                          server_default="Europe/London")
    opens_before: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # "group", or "one_to_one": a room a coordinator opened for one parent and the volunteer
    # matched with her (migration 0016; server/programme/referring.py). Group lists, the
    # join page's words and the impact report tell the two apart.
    kind: Mapped[str] = mapped_column(String(16), default="group", server_default="group")


class RoomSessionRow(Base):
    """A group's session: once, or weekly from ``first`` until ``until`` (inclusive), at
    ``start`` wall-clock time in the room's time zone (``server/rooms/schedule.py``)."""

    __tablename__ = "room_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    first: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InviteRow(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RoomStaffRow(Base):
    """A facilitator assigned to a room: only they take tokens for it (leads and admins
    may enter every room and are not listed)."""

    __tablename__ = "room_staff"

    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"),
                                         primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BanRow(Base):
    __tablename__ = "bans"
    __table_args__ = (
        Index("ix_bans_room_participant", "room_id", "participant_id"),
        Index("ix_bans_room_device", "room_id", "device"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    # A keyed hash of the browser's device cookie, never the cookie itself.
    device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlaceRow(Base):
    """A participant's place in a room's live session, kept so that a server restart does
    not send them back to the waiting room (server/signaling/places.py). Only the room,
    the participant id (random per join, as in their token) and two times: no name, no
    device, no token, no address, nothing said. Deleted when they leave or are removed and
    when the session ends; never outlives ``expires_at`` (the token's life)."""

    __tablename__ = "room_places"

    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"),
                                         primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set while no server holds the session (from shutdown, or start-up after a crash):
    # the place must be taken back by then, as an emptied room's session ends.
    resume_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                       nullable=True)


class AlertRow(Base):
    """An alert raised in a room. ``excerpt`` is the only chat kept after a session
    (invariant 7) and is cleared on the retention schedule."""

    __tablename__ = "alerts"
    __table_args__ = (
        # What the sweeper asks every second or two: unacknowledged, not escalated, due.
        Index("ix_alerts_waiting", "acked_at", "escalated_at", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    categories: Mapped[str] = mapped_column(String(400))  # JSON list
    rules: Mapped[str] = mapped_column(String(2000), default="[]")  # JSON: which rules matched
    participant_id: Mapped[str] = mapped_column(String(64))
    participant_name: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    excerpt: Mapped[str | None] = mapped_column(String(4200), nullable=True)
    ack_within: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The last time a deadline was recorded as missed (a reminder or a re-route).
    rerouted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The first deadline (created_at + ack_within), so the deadline sweeper
    # (server/safeguarding/sweeper.py) finds overdue alerts with one indexed
    # comparison that reads the same on SQLite and PostgreSQL. Nullable only because
    # SQLite cannot add a NOT NULL column without copying the table (migration 0005).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When the first deadline's reminder was recorded: at most once per alert.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When the alert's escalation was raised (however it was): set in the
    # escalation's own transaction, so "still waiting for the lead" is one column.
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The trained model's signal as JSON, when it fired (migration 0008).
    model: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ScreenFeedbackRow(Base):
    """A facilitator's verdict on the risk screen: right call, false alarm, or missed.
    Deliberately no text, participant, room or staff member: only what fired."""

    __tablename__ = "screen_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(80))
    rules: Mapped[str] = mapped_column(String(2000))  # JSON list of rule ids
    model_category: Mapped[str | None] = mapped_column(String(40), nullable=True)


class EscalationRow(Base):
    __tablename__ = "escalations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Unique: an alert has at most one escalation, whichever path (the room, the
    # sweeper, a replayed journal entry, another node) gets there first.
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"),
                                                 nullable=True, index=True, unique=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    categories: Mapped[str] = mapped_column(String(400))
    participant_name: Mapped[str] = mapped_column(String(64))
    excerpt: Mapped[str | None] = mapped_column(String(4200), nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    raised_by: Mapped[str] = mapped_column(String(64))  # a staff pseudonym, or "system"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class EscalationNoteRow(Base):
    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"),
                                               index=True)
    by: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # the state after this change
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(String(4000), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Append-only and hash-chained (invariant 8): ``hash`` covers this entry's fields
    and the previous entry's hash, so altering or deleting a row breaks the chain."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(String(4000))  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of ``hash`` with the audit key, kept outside the database
    # (server/safeguarding/audit.py). NULL only for an entry written before the key
    # existed and not signed since, which verification reports.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHeadRow(Base):
    """The newest entry's number and hash, updated with every append, so deleting
    the last entries is detected too; its row lock serializes appenders."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of (seq, hash) with the audit key: moving the head back needs the key.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class HealthRow(Base):
    """One row that ``/readyz`` rewrites (server/store/db.py ``ping``): a read says
    nothing about whether the database takes writes."""

    __tablename__ = "health"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryRow(Base):
    """The admin's edited signposting directory (JSON); absent: the shipped defaults."""

    __tablename__ = "directory"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[str] = mapped_column(String(100_000))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64))


class LeaseRow(Base):
    """A named job that one process in the deployment runs at a time (the deadline
    sweeper): whoever holds an unexpired lease runs it; an expired one may be taken."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VolunteerProfileRow(Base):
    """A facilitator's volunteer profile (migration 0012; ``server/programme/profile.py``):
    what a coordinator matches them by, and their next supervision. Lists are stored as
    comma-separated values of fixed vocabularies (none contains a comma)."""

    __tablename__ = "volunteer_profiles"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True)
    languages: Mapped[str] = mapped_column(String(64), default="")
    other_languages: Mapped[str] = mapped_column(String(100), default="")
    audiences: Mapped[str] = mapped_column(String(64), default="")
    availability: Mapped[str] = mapped_column(String(400), default="")
    availability_note: Mapped[str] = mapped_column(String(300), default="")
    # Seen by coordinators and admins only; never written to the audit log.
    lived_experience: Mapped[str] = mapped_column(String(500), default="")
    supervision_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Their supervisor (migration 0017; ``server/programme/reflective.py``): a coordinator's
    # account, who alone reads their debriefs and supervision notes. None: none chosen yet,
    # and every coordinator may. Counted only while that account is an enabled coordinator.
    supervisor_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL",
                   name="fk_volunteer_profiles_supervisor_id_staff"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainingRecordRow(Base):
    """One completion of a training module by a volunteer, as a coordinator recorded it
    (``server/programme/training.py``)."""

    __tablename__ = "training_records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    module: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffErasureRow(Base):
    """A staff member's request to delete their account (migration 0013;
    ``server/auth/erasure.py``): ``pending`` until an admin confirms (``done``) or
    declines it (``declined``, with ``reason``, which the member sees). One row per
    account: asking again after a decline reopens it."""

    __tablename__ = "staff_erasures"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The deciding admin's staff id, or "command line": never a username.
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Once erased: a keyed hash (HMAC with the audit key) of the former username, so the
    # audit entries that name it (written before, kept for ever, never rewritten) are shown
    # with the tombstone, while no table holds the name itself.
    former_name: Mapped[str | None] = mapped_column(String(64), nullable=True)


class HoursRow(Base):
    """One session a volunteer gave time to (migration 0014; ``server/programme/hours.py``):
    a person's presence in one room, from joining to leaving, reconnections merged, plus
    the preparation time set when it was recorded. One row a session, with the room's
    audience as it was then, so the impact report (issue 13, part 5) sums
    ``coalesce(corrected_minutes, minutes + prep_minutes)`` by month of ``started_at`` and
    by ``audience`` in one query, on SQLite and PostgreSQL alike (no date arithmetic).

    A correction keeps the original (``minutes``, ``prep_minutes``) beside it. An erased
    account's rows stay, without the person (``staff_id`` and the reason cleared): the
    programme's totals for past months do not change when a volunteer leaves."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (
        # The volunteer's own list, and the merge's search for their session in a room.
        Index("ix_volunteer_hours_staff_started", "staff_id", "started_at"),
        # The impact report's months.
        Index("ix_volunteer_hours_started", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"),
                                                 nullable=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(32))
    # The role they were in the room as: a facilitator (a volunteer), or the lead.
    role: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Joined to left, to the nearest minute.
    minutes: Mapped[int] = mapped_column(Integer)
    prep_minutes: Mapped[int] = mapped_column(Integer)
    # The volunteer's own figure for the whole session (preparation included), when the
    # recorded one was wrong; who gave it (a staff id) and when, and why in their words.
    corrected_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    corrected_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    correction_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DebriefRow(Base):
    """A volunteer's reflective debrief after a session (migration 0014;
    ``server/programme/debriefs.py``): seen by them and by coordinators only, every
    coordinator's reading audited. A safeguarding concern in it is raised to the lead as
    an escalation (``concern_alert``: the alert it was raised through), and stays there
    whatever happens to the debrief."""

    __tablename__ = "debriefs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # One debrief a session.
    hours_id: Mapped[str] = mapped_column(ForeignKey("volunteer_hours.id", ondelete="CASCADE"),
                                          unique=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    went: Mapped[str] = mapped_column(String(16))
    affected: Mapped[str] = mapped_column(String(2000), default="")
    notes: Mapped[str] = mapped_column(String(2000), default="")
    concern_text: Mapped[str] = mapped_column(String(2000), default="")
    concern_about: Mapped[str] = mapped_column(String(64), default="")
    concern_category: Mapped[str] = mapped_column(String(40), default="")
    concern_alert: Mapped[str | None] = mapped_column(String(64), nullable=True)
    concern_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SupervisionNoteRow(Base):
    """A note of a volunteer's reflective supervision, written by a coordinator (migration
    0014): seen by the volunteer and coordinators only, every coordinator's reading and
    writing audited. ``written_by`` is a staff id, never a name (an export leaves it out)."""

    __tablename__ = "supervision_notes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    held_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(2000))
    written_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HeldSessionRow(Base):
    """A session a group actually held (migration 0015), for the impact report: from when a
    facilitator first opened it until it ended. The audience is the group's at the time, so a
    group that changes audience later does not rewrite last year's figures. No names."""

    __tablename__ = "held_sessions"
    __table_args__ = (Index("ix_held_sessions_room_open", "room_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AttendanceRow(Base):
    """One parent's attendance of one held session (migration 0015): counted once however
    often she reconnects. ``visitor`` is a keyed hash of her browser's (already hashed)
    device key, with a key of its own so it cannot be matched with the bans table; it only
    tells first-time from returning and is cleared after the retention period
    (``reports_visitor_days``). No name, participant id, address or anything said."""

    __tablename__ = "attendances"
    __table_args__ = (Index("ix_attendances_visitor", "visitor"),
                      Index("ux_attendances_once", "held_id", "who", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    held_id: Mapped[str] = mapped_column(ForeignKey("held_sessions.id", ondelete="CASCADE"))
    # Who, for counting once per session: the visitor key, or a hash of the participant id
    # for a browser without a device key (nothing to match across sessions then).
    who: Mapped[str] = mapped_column(String(64))
    visitor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_time: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CheckInRow(Base):
    """The anonymous one-question check-in a parent may answer as she leaves (migration
    0015): only the answer, the session and when. Reported in aggregate only."""

    __tablename__ = "check_ins"
    __table_args__ = (Index("ux_check_ins_once", "held_id", "who", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    held_id: Mapped[str] = mapped_column(ForeignKey("held_sessions.id", ondelete="CASCADE"))
    # A hash of the participant id (random per join): one answer per person per session.
    who: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReferralRow(Base):
    """A request for one-to-one support, from a parent or a professional with her consent
    (migration 0016; ``server/programme/referring.py``). Everything personal is sealed with
    the contact key, which is not in the database (``server/store/contact.py``): the
    ``*_sealed`` columns, cleared (``contact_erased_at``) on request or
    ``HEARTH_REFERRAL_DAYS`` after the referral was closed or signposted. The rest (when,
    from whom, the language, audience, times that suit her, and what became of it) stays
    for counting, with nothing that names her."""

    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "self" or "professional"
    language: Mapped[str] = mapped_column(String(8))
    audience: Mapped[str] = mapped_column(String(32))
    # Parts of the week that suit her (server/programme/referrals.TIMES), comma-separated.
    times: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    matched_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True, index=True)
    room_id: Mapped[str | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"),
                                                nullable=True)
    # The alert the safeguarding lead was asked through (its escalation carries the answer).
    lead_alert: Mapped[str | None] = mapped_column(String(64), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    signposted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    asked_lead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    contact_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    reach_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    need_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    referrer_name_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    referrer_role_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    referrer_org_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The coordinator's reason for signposting elsewhere: coordinators' eyes only.
    reason_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
