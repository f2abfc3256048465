"""Who reads and writes a volunteer's time and reflection, and what each step leaves in the
audit log (invariant 8): shared by the volunteer's pages (``server/http/hours.py``) and the
coordinator's (``server/http/supervision.py``).

- *Their hours* are the volunteer's to correct (``correct_hours``). Each correction is an
  audit entry: the session, the figure before and after, and that a reason was given (the
  reason itself is the volunteer's words and stays in the row: the log is kept for ever).
- *Debriefs and supervision notes are private* to the volunteer and the coordinators, their
  supervisors (``may_read``). An admin who is not a coordinator reads neither, nor does the
  safeguarding lead: the lead reads only a concern the volunteer raised from a debrief,
  which reaches them as an escalation. Every reading or writing by anyone but the volunteer
  is an audit entry naming who, whose and how many, never what they say.
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
from server.safeguarding.service import SafeguardingService
from server.store.db import Staff, Store
from server.store.impact import DEBRIEF_KIND
from server.store.records import AlertRecord

__all__ = ["NOT_NAMED", "ConcernNotSaved", "NotAllowed", "add_note", "correct_hours",
           "may_read", "raise_concern", "reflections", "save_debrief"]

# What the lead's pages show as who a concern is about when the volunteer named nobody:
# the same in every language (the lead's pages show a name as it was typed).
NOT_NAMED = "—"


class NotAllowed(PermissionError):
    """Only the volunteer and coordinators read or write their debriefs and notes."""


class ConcernNotSaved(Exception):
    """The concern reached the lead, but noting that on the debrief failed: the page says
    so, so that nobody raises the concern again."""


def may_read(actor: Staff, member: Staff) -> bool:
    """Whether ``actor`` may read ``member``'s debriefs and supervision notes: they are the
    volunteer, or a coordinator (the volunteer's supervisor). Not an admin as such: the
    admin's pages are about accounts and groups, not a volunteer's reflections."""
    return actor.id == member.id or (actor.role == "coordinator" and not actor.erased)


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


def _audit_detail(member: Staff, **counts: Any) -> dict[str, Any]:
    return {"username": member.username, **counts}


async def reflections(store: Store, actor: Staff, member: Staff
                      ) -> tuple[list[Debrief], list[SupervisionNote]]:
    """``member``'s debriefs and supervision notes, for ``actor`` to read: ``NotAllowed``
    unless ``may_read``. Read by anyone but the volunteer: one audit entry
    (``volunteer.reflections.read``, with how many of each were shown)."""
    if not may_read(actor, member):
        raise NotAllowed("only the volunteer and coordinators read debriefs and supervision "
                         "notes")
    debriefs = await store.reflections.debriefs(member.id)
    notes = await store.reflections.notes(member.id)
    if actor.id != member.id:
        await store.safeguarding.audit(actor.username, "volunteer.reflections.read",
                                       target=member.id, detail=_audit_detail(
                                           member, debriefs=len(debriefs), notes=len(notes)))
    return debriefs, notes


async def add_note(store: Store, actor: Staff, member: Staff, held_on: date,
                   text: str) -> SupervisionNote:
    """A coordinator's note of ``member``'s supervision (checked by the caller:
    ``debriefs.note_problems``). ``NotAllowed`` for anyone but a coordinator (the volunteer
    writes debriefs, not their own supervision notes). Audited, without the words."""
    if actor.role != "coordinator" or actor.id == member.id or actor.erased:
        raise NotAllowed("only a coordinator writes a volunteer's supervision notes")
    note = await store.reflections.add_note(member.id, held_on, text.strip(), actor.id,
                                            datetime.now(UTC))
    await store.safeguarding.audit(actor.username, "volunteer.supervision_note.add",
                                   target=member.id, detail=_audit_detail(
                                       member, note=note.id, held_on=held_on.isoformat(),
                                       chars=len(note.text)))
    return note
