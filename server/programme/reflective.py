"""Who reads and writes a volunteer's time and reflection, and what each step leaves in the
audit log (invariant 8): shared by the volunteer's pages (``server/http/hours.py``) and the
coordinator's (``server/http/supervision.py``).

- *Their hours* are the volunteer's to correct (``correct_hours``). Each correction is an
  audit entry: the session, the figure before and after, and that a reason was given (the
  reason itself is the volunteer's words and stays in the row: the log is kept for ever).
- *Debriefs and supervision notes are private* to the volunteer and their supervisor
  (``may_read``): the coordinator chosen on the volunteer's record (``supervisor``;
  ``server/programme/manage.set_supervisor``). While none is chosen (or the one chosen is
  no longer an enabled coordinator), every coordinator may, so that a charity with one
  coordinator works from the first day and nothing is hidden from everyone; the pages say
  so. An admin who is not a coordinator reads neither, nor does the safeguarding lead: the
  lead reads only a concern the volunteer raised from a debrief, which reaches them as an
  escalation. Every reading or writing by anyone but the volunteer is an audit entry
  naming who, whose and how many, never what they say.
- *A concern* in a debrief goes to the safeguarding lead by the path a facilitator's
  escalation takes in a group, through ``SafeguardingService`` (durable first, committed or
  journalled until it is, and only then announced to the leads' pages, webhook and email;
  invariant 6): an alert of kind ``debrief`` raised without a deadline (nothing is overdue
  in a room that has ended), acknowledged at once by the volunteer (so no group shows it as
  an open alert), then escalated by them with their words as its note. The lead sees the
  group, who it is about (the name they used in the group, when given), what it is about,
  the volunteer's words and who raised it; never the rest of the debrief.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from server.programme.debriefs import Debrief, DebriefForm, SupervisionNote
from server.programme.hours import TimeEntry
from server.programme.profile import Profile
from server.safeguarding.service import SafeguardingService
from server.store.db import Staff, Store
from server.store.impact import DEBRIEF_KIND
from server.store.records import AlertRecord

__all__ = ["NOT_NAMED", "ConcernNotSaved", "NotAllowed", "add_note", "correct_hours",
           "may_read", "may_supervise", "raise_concern", "reflections", "save_debrief",
           "supervisor"]

# What the lead's pages show as who a concern is about when the volunteer named nobody:
# the same in every language (the lead's pages show a name as it was typed).
NOT_NAMED = "—"


class NotAllowed(PermissionError):
    """Only the volunteer and their supervisor (any coordinator while none is chosen) read
    their debriefs and notes; ``supervisor``: who that is, if it is someone (for the page
    that says so)."""

    def __init__(self, message: str, supervisor: Staff | None = None) -> None:
        super().__init__(message)
        self.supervisor = supervisor


class ConcernNotSaved(Exception):
    """The concern reached the lead, but noting that on the debrief failed: the page says
    so, so that nobody raises the concern again."""


def may_supervise(staff: Staff) -> bool:
    """Whether ``staff`` can be (or still counts as) a volunteer's supervisor: an enabled
    coordinator's account. One disabled, erased or given another role supervises nobody
    (their choice stays on the record, and counts again if they are a coordinator again;
    an erasure clears it)."""
    return staff.role == "coordinator" and not staff.disabled and not staff.erased


async def supervisor(store: Store, member: Staff, profile: Profile | None = None
                     ) -> Staff | None:
    """``member``'s supervisor: the coordinator chosen on their record (``profile``, when
    the caller has read it already), while ``may_supervise``; None if none is chosen (then
    every coordinator reads)."""
    chosen = (profile or await store.volunteers.profile(member.id)).supervisor_id
    if chosen is None:
        return None
    found = await store.staff_by_id(chosen)
    return found if found is not None and may_supervise(found) else None


def may_read(actor: Staff, member: Staff, supervising: Staff | None) -> bool:
    """Whether ``actor`` may read ``member``'s debriefs and supervision notes, and write
    the notes, ``supervising`` being their supervisor (``supervisor``): they are the
    volunteer, or an enabled coordinator who is the supervisor, or any such coordinator
    while there is none. Not an admin as such: the admin's pages are about accounts and
    groups, not a volunteer's reflections."""
    if actor.id == member.id:
        return True
    return may_supervise(actor) and (supervising is None or supervising.id == actor.id)


async def correct_hours(store: Store, staff: Staff, entry_id: str, minutes: int,
                        reason: str) -> TimeEntry | None:
    """The volunteer's own figure for a session of theirs (checked by the caller:
    ``hours.correction_problems``); None if they have none by that id. Audited."""
    changed = await store.hours.correct(staff.id, entry_id, minutes, reason.strip(),
                                        staff.id, datetime.now(UTC))
    if changed is None:
        return None
    before, after = changed
    await store.safeguarding.audit(staff.username, "volunteer.hours.correct", target=staff.id,
                                   room_id=after.room_id, detail={
                                       "entry": after.id, "recorded": after.recorded,
                                       "was": before.total, "now": after.total,
                                       "reason": bool(after.correction_reason)})
    return after


async def raise_concern(safeguarding: SafeguardingService, staff: Staff, entry: TimeEntry,
                        form: DebriefForm, at: datetime) -> str:
    """Raise the debrief's concern to the safeguarding lead (see the module's docstring);
    the alert's id. Durable when this returns (committed, or journalled and stored as soon
    as the database takes it); raises only for a fault of ours, never for an outage."""
    alert = AlertRecord(
        id=f"a_{secrets.token_urlsafe(9)}", room_id=entry.room_id, kind=DEBRIEF_KIND,
        severity="concern",
        categories=(form.concern_category,) if form.concern_category else (),
        participant_id="", participant_name=form.concern_about.strip() or NOT_NAMED,
        ack_within=0, created_at=at)
    await safeguarding.raise_alert(alert, escalate=False)
    await safeguarding.ack(alert.id, staff.username, at)
    await safeguarding.escalate(alert.id, staff.username, form.concern_text.strip(), at)
    return alert.id


async def save_debrief(store: Store, safeguarding: SafeguardingService, staff: Staff,
                       entry: TimeEntry, form: DebriefForm) -> tuple[Debrief, bool]:
    """The volunteer's debrief of their session ``entry`` (checked by the caller:
    ``debriefs.debrief_problems``), and whether this raised its concern.

    The debrief is saved first, so a database that fails refuses it before anything is
    raised (nothing is half done); then the concern, if there is one and the debrief has
    none yet, is raised (a concern goes to the lead once: saving again keeps the first) and
    noted on the debrief. ``ConcernNotSaved``: the concern went, but noting it failed."""
    now = datetime.now(UTC)
    saved = await store.reflections.save_debrief(staff.id, entry.id, form, now)
    if not form.concern or saved.concern_raised:
        return saved, False
    alert = await raise_concern(safeguarding, staff, entry, form, now)
    try:
        saved = await store.reflections.save_debrief(staff.id, entry.id, form, now,
                                                     concern_alert=alert)
    except Exception as exc:
        raise ConcernNotSaved(type(exc).__name__) from exc
    return saved, True


def _audit_detail(member: Staff, supervising: Staff | None, **counts: Any) -> dict[str, Any]:
    # "as_supervisor": whether the reader is the volunteer's chosen supervisor (False: none
    # was chosen, so any coordinator could).
    return {"username": member.username, "as_supervisor": supervising is not None, **counts}


async def reflections(store: Store, actor: Staff, member: Staff
                      ) -> tuple[list[Debrief], list[SupervisionNote], Staff | None]:
    """``member``'s debriefs and supervision notes, for ``actor`` to read, and their
    supervisor (None: none chosen): ``NotAllowed`` (naming the supervisor) unless
    ``may_read``. Read by anyone but the volunteer: one audit entry
    (``volunteer.reflections.read``, with how many of each were shown)."""
    supervising = await supervisor(store, member)
    if not may_read(actor, member, supervising):
        raise NotAllowed("only the volunteer and their supervisor read debriefs and "
                         "supervision notes", supervising)
    debriefs = await store.reflections.debriefs(member.id)
    notes = await store.reflections.notes(member.id)
    if actor.id != member.id:
        await store.safeguarding.audit(actor.username, "volunteer.reflections.read",
                                       target=member.id, detail=_audit_detail(
                                           member, supervising, debriefs=len(debriefs),
                                           notes=len(notes)))
    return debriefs, notes, supervising


async def add_note(store: Store, actor: Staff, member: Staff, held_on: date,
                   text: str) -> SupervisionNote:
    """The supervisor's note of ``member``'s supervision (checked by the caller:
    ``debriefs.note_problems``). ``NotAllowed`` (naming the supervisor) for anyone but
    their supervisor, or any coordinator while none is chosen (the volunteer writes
    debriefs, not their own supervision notes). Audited, without the words."""
    supervising = await supervisor(store, member)
    if actor.id == member.id or not may_read(actor, member, supervising):
        raise NotAllowed("only the volunteer's supervisor writes their supervision notes",
                         supervising)
    note = await store.reflections.add_note(member.id, held_on, text.strip(), actor.id,
                                            datetime.now(UTC))
    await store.safeguarding.audit(actor.username, "volunteer.supervision_note.add",
                                   target=member.id, detail=_audit_detail(
                                       member, supervising, note=note.id,
                                       held_on=held_on.isoformat(), chars=len(note.text)))
    return note
