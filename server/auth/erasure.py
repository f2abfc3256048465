"""A staff member's own data (issue 13, part 6): everything Hearth holds about them as one
JSON document, and the deletion of their account at their request, confirmed by an admin.
Shared by the account and admin pages (``server/http/account.py``, ``admin_staff.py``) and
the command line (``hearth data export|erase --staff USERNAME``).

*The export* is theirs and nobody else's: their account (never the password hash or the
two-step secret), login sessions (times only), groups, volunteer profile, training records
(not who entered them: a coordinator's name is the coordinator's), supervision date and
whether a supervisor is chosen (not who: the same),
the time they gave session by session (with their corrections), their debriefs and the
notes of their supervision (not who wrote them), their deletion request, the escalation
notes they wrote (their words; never the parent's name or excerpt), and the audit entries
where they are the actor or the account acted on.
Of an entry where they acted on someone else's account only the action and time are given.

*An erasure* keeps the staff row as a tombstone (``deleted-<8 hex of its id>``, disabled,
no password, no second factor) and removes the rest (``StaffDataRecords.erase``). The audit
log is not touched: each entry's hash covers its fields and the previous hash, and is
signed with the audit key, so changing the name in one entry would mean re-hashing and
re-signing every entry after it, which is exactly the forgery the chain exists to expose,
and would leave a safeguarding record (kept for ever) no longer provably the one written.
Entries point at accounts by id (``target``); older ones also carry the username in
``actor`` and in ``detail["username"]``. Those stay as written, and are *shown* with the
tombstone (``render``, used by the export and ``hearth audit list``): the erasure row
keeps a keyed hash of the former name (``SafeguardingRecords.pseudonym``), so no table
outside the chain holds the name, yet it can be recognised. New entries about the account
are written with the tombstone, since that is its username now.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from server.programme.debriefs import Debrief
from server.programme.hours import TimeEntry
from server.rooms.names import stable_pseudonym
from server.safeguarding.audit import Entry
from server.store.db import Staff, Store
from server.store.staffdata import TOMBSTONE, Refusal

FORMAT = "hearth.staff-data/1"
# What an audit entry's detail may hold that is a parent's, never a staff member's data.
PARENTS = frozenset({"participant_name", "excerpt", "message", "text", "name_of_parent"})
# Actors that are not people.
NOT_PEOPLE = frozenset({"system", "command line"})
# How many audit entries about one account its export holds: a member with years of entries
# gets the newest ones, and the export says so (``audit_truncated``).
MAX_AUDIT = 5000
# The refusals, in English for the command line (the pages have their own words).
PROBLEMS = {
    "erased": "this account has been deleted already",
    "last_admin": "this is the last admin account: make another admin first, or Hearth "
                  "would have nobody to run it",
    "open_escalations": "this safeguarding lead still holds {n} open escalation(s): close "
                        "them or hand them over first (a parent's safety comes first)",
    "yourself": "an admin cannot confirm the deletion of their own account: another admin "
                "does, or the command line",
}


class ErasureRefused(Exception):
    """The account cannot be erased now: ``code`` (a ``PROBLEMS`` key) and ``count``."""

    def __init__(self, code: str, count: int = 0) -> None:
        super().__init__(PROBLEMS[code].format(n=count))
        self.code = code
        self.count = count


def tombstone_for(staff_id: str) -> str:
    return TOMBSTONE + staff_id.removeprefix("s_")[:8]


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


# -- the audit log, shown with tombstones ----------------------------------------------------

def render(entry: Entry, erased: dict[str, str], pseudonym: Any) -> dict[str, Any]:
    """``entry`` as shown (JSON-ready: ``seq``, ``at``, ``actor``, ``action``, ``room``,
    ``target``, ``detail``), every name of an erased account (the actor,
    ``detail["username"]``) shown as its tombstone. ``erased``: keyed hash -> tombstone;
    ``pseudonym``: the hash."""
    detail = json.loads(entry.detail) if entry.detail else {}
    actor = erased.get(pseudonym(entry.actor), entry.actor) if erased else entry.actor
    name = detail.get("username")
    if erased and isinstance(name, str):
        detail["username"] = erased.get(pseudonym(name), name)
    return {"seq": entry.seq, "at": _when(entry.at), "actor": actor, "action": entry.action,
            "room": entry.room_id, "target": entry.target, "detail": detail}


async def audit_listing(store: Store, last: int = 100) -> list[dict[str, Any]]:
    """The newest ``last`` audit entries, oldest first, with tombstones for erased names."""
    records = store.safeguarding
    erased = await store.staff_data.erased_names()
    return [render(e, erased, records.pseudonym)
            for e in await records.audit_entries(last)]


# -- the export --------------------------------------------------------------------------------

def _theirs(shown: dict[str, Any], staff: Staff) -> dict[str, Any]:
    """An audit entry (as ``render`` shows it) as it goes into ``staff``'s export: about
    them, or done by them."""
    about_them = shown["target"] == staff.id
    item: dict[str, Any] = {"seq": shown["seq"], "at": shown["at"], "action": shown["action"],
                            "as": "subject" if about_them else "actor"}
    detail: dict[str, Any] = shown["detail"]
    if about_them:
        # Who did it is "you", the system or the command line, or another staff member,
        # whose name is theirs.
        actor = shown["actor"]
        item["by"] = ("you" if actor == staff.username else actor
                      if actor in NOT_PEOPLE else "another staff member")
        if shown["action"] == "volunteer.supervisor":
            # Which coordinator (an account id) is left out, as who recorded a training
            # is: whether one is chosen is the member's.
            detail = {"username": detail.get("username"),
                      "supervisor_chosen": detail.get("supervisor") is not None}
        item["detail"] = {k: v for k, v in detail.items() if k not in PARENTS}
        return item
    if shown["room"]:
        item["room"] = shown["room"]
    target = shown["target"]
    if target and target.startswith("s_"):
        # Their action on someone else's account: that account's name, role and changes
        # are that person's data.
        item["about"] = "another staff account"
        return item
    if target:
        item["target"] = target
    item["detail"] = {k: v for k, v in detail.items()
                      if k not in PARENTS and k != "username"}
    return item


async def export(store: Store, staff: Staff, actor: str, *,
                 max_audit: int = MAX_AUDIT) -> dict[str, Any]:
    """Everything Hearth holds about ``staff``, as one JSON-ready document; the export is
    audited (``staff.export``, by ``actor``). Of the audit entries about them, the newest
    ``max_audit``; ``audit_truncated`` (and a line in ``not_included``) says when there
    were more."""
    data = store.staff_data
    records = store.safeguarding
    erased = await data.erased_names()
    names = [staff.username, stable_pseudonym(staff.id)]
    profile = await store.volunteers.profile(staff.id)
    request = await data.erasure(staff.id)
    # One more than is kept, oldest first: if it is there, some were left out.
    about = await records.audit_about(staff.id, [staff.username], max_audit + 1)
    truncated = len(about) > max_audit
    entries = [render(e, erased, records.pseudonym)
               for e in (about[1:] if truncated else about)]
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": _when(datetime.now(UTC)),
        "account": {
            "id": staff.id, "username": staff.username, "role": staff.role,
            "created_at": _when(await data.created_at(staff.id)),
            "two_step_login": staff.two_factor, "disabled": staff.disabled,
            "must_change_password": staff.must_change_password, "erased": staff.erased,
        },
        "sessions": [{"created_at": _when(c), "expires_at": _when(e)}
                     for c, e in await data.sessions(staff.id)],
        "groups": [{"room": r, "name": n, "assigned_at": _when(at)}
                   for r, n, at in await data.assignments(staff.id)],
        "volunteer": {
            "languages": list(profile.languages), "other_languages": profile.other_languages,
            "audiences": list(profile.audiences), "availability": list(profile.availability),
            "availability_note": profile.availability_note,
            "lived_experience": profile.lived_experience,
            "supervision_due": profile.supervision_due.isoformat()
            if profile.supervision_due else None,
            "supervisor_chosen": profile.supervisor_id is not None,
            "training": [{"module": t.module, "completed_on": t.completed_on.isoformat(),
                          "recorded_at": _when(t.entered_at)}
                         for t in await store.volunteers.training(staff.id)],
        },
        "hours": [_hours(entry) for entry in await store.hours.entries(staff.id)],
        "debriefs": [_debrief(d) for d in await store.reflections.debriefs(staff.id)],
        "supervision_notes": [
            {"held_on": n.held_on.isoformat(), "text": n.text, "written_at": _when(n.created_at)}
            for n in await store.reflections.notes(staff.id)],
        "deletion_request": None if request is None else {
            "state": request.state, "requested_at": _when(request.requested_at),
            "decided_at": _when(request.decided_at), "reason": request.reason},
        "escalation_notes": [
            {"escalation": n.escalation_id, "at": _when(n.at), "state": n.state,
             "outcome": n.outcome, "text": n.text}
            for n in await data.notes_by(names)],
        "audit": [_theirs(shown, staff) for shown in entries],
        "audit_truncated": truncated,
        "not_included": [
            "your password's hash and your two-step login secret (secrets, not data about "
            "you)",
            "parents' names and words: an alert's or escalation's excerpt is the parent's",
            "other staff members' names, including who recorded your training, who "
            "wrote your supervision notes and who your supervisor is (your training page "
            "shows them)",
            "what you did inside a group (admitting, muting, ...): the audit log names you "
            "there by a per-session id that is not linked to your account",
        ],
    }
    if truncated:
        document["not_included"].append(
            f"audit entries older than the newest {len(entries)}: only those are shown here "
            "(the audit log keeps every one)")
    await records.audit(actor, "staff.export", target=staff.id,
                        detail={"audit_entries": len(entries)})
    return document


def _hours(entry: TimeEntry) -> dict[str, Any]:
    return {"session": entry.id, "group": entry.room_name, "room": entry.room_id,
            "role": entry.role, "joined_at": _when(entry.started_at),
            "left_at": _when(entry.ended_at), "minutes_in_the_group": entry.minutes,
            "preparation_minutes": entry.prep_minutes,
            "corrected_minutes": entry.corrected_minutes,
            "corrected_at": _when(entry.corrected_at),
            "correction_reason": entry.correction_reason, "counted_minutes": entry.total}


def _debrief(debrief: Debrief) -> dict[str, Any]:
    return {"session": debrief.entry_id, "went": debrief.went, "affected": debrief.affected,
            "notes": debrief.notes, "written_at": _when(debrief.created_at),
            "changed_at": _when(debrief.updated_at),
            "safeguarding_concern": None if not debrief.concern_raised else {
                # Not who it was about: that is a parent's name in the group.
                "text": debrief.concern_text, "category": debrief.concern_category or None,
                "raised_at": _when(debrief.concern_at)}}


# -- deletion ----------------------------------------------------------------------------------

def _refused(refusal: Refusal) -> ErasureRefused:
    return ErasureRefused(refusal.code, refusal.count)


async def problem(store: Store, member: Staff, *,
                  actor_id: str | None = None) -> ErasureRefused | None:
    """Why ``member``'s account cannot be erased now (by the admin ``actor_id``, if one),
    or None: for a page to say before anyone confirms. ``erase`` asks again, in the
    erasure's own transaction."""
    if member.erased:
        return ErasureRefused("erased")
    if actor_id == member.id:
        return ErasureRefused("yourself")
    refusal = await store.staff_data.refusal(member.id)
    return None if refusal is None else _refused(refusal)


async def request(store: Store, member: Staff) -> bool:
    """``member`` asks for their account to be deleted; False if they asked already."""
    asked = await store.staff_data.request_erasure(member.id, datetime.now(UTC))
    if asked:
        await store.safeguarding.audit(member.username, "staff.erase.request",
                                       target=member.id, detail={"role": member.role})
    return asked


async def decline(store: Store, actor: str, decided_by: str, member: Staff,
                  reason: str) -> bool:
    """Decline ``member``'s pending request with ``reason`` (shown to them; the log keeps
    only that there was one); False if none is pending."""
    declined = await store.staff_data.decline_erasure(member.id, decided_by, reason.strip(),
                                                      datetime.now(UTC))
    if declined:
        await store.safeguarding.audit(actor, "staff.erase.decline", target=member.id,
                                       detail={"reason": bool(reason.strip())})
    return declined


async def erase(store: Store, actor: str, decided_by: str, member: Staff) -> str:
    """Erase ``member``'s account (their request confirmed, or the command line's); the
    tombstone. ``decided_by``: the confirming admin's id, or the command line. Raises
    ``ErasureRefused``: the checks (``problem``'s) are made in the erasure's transaction,
    so two admins confirming each other's deletion at once leave one of them. The caller
    closes their open room connections."""
    if member.erased:
        raise ErasureRefused("erased")
    if decided_by == member.id:
        raise ErasureRefused("yourself")
    tombstone = tombstone_for(member.id)
    former = await store.staff_data.erase(member.id, tombstone,
                                          store.safeguarding.pseudonym(member.username),
                                          decided_by, datetime.now(UTC))
    if isinstance(former, Refusal):
        raise _refused(former)
    await store.safeguarding.audit(actor, "staff.erase", target=member.id,
                                   detail={"tombstone": tombstone, "role": member.role})
    return tombstone
