"""What happens to a request for one-to-one support, step by step, and what each step leaves
in the audit log (invariant 8): shared by the pages (``server/http/referrals.py``), the
lead's escalation page, the retention sweep and the command line (``hearth data``).

- *Who reads contact details.* Coordinators, and the volunteer matched with the request,
  for that request only (``may_read_contact``). Nobody else: not an admin, not the
  safeguarding lead (asked about a request, the lead reads what she would like help with,
  her language and audience, never how to reach her: ``read_need``), not another volunteer.
  Every reading by staff is an audit entry (``referral.contact.read``, or
  ``referral.need.read`` for the lead) naming who and which request, never the details.
- *Asking the lead* takes the path a debrief's concern takes (``reflective.py``): an alert
  of kind ``referral`` raised through ``SafeguardingService`` (durable before anyone is
  told: invariant 6), without a deadline, acknowledged at once by the coordinator, then
  escalated with the coordinator's question as its note. An alert belongs to a room, so the
  request's one-to-one room is made then, archived (nobody can enter it) until it is opened
  for her and her volunteer. The lead answers on the escalation (notes, outcome), which the
  coordinator reads on the request's page.
- *The one-to-one room* is an ordinary room of kind ``one_to_one``: the same lobby,
  moderation, risk screen and alerts as a group; the matched volunteer is assigned as its
  facilitator (and must have current training to be matched); the lead can enter it as
  they can every room. It has one invite link, which the coordinator sends her by the
  contact details she gave (Hearth sends no text or email).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from server.programme.referrals import NEXT, ContactDetails, Referral
from server.safeguarding.service import SafeguardingService
from server.store.db import Invite, RoomRecord, Staff, Store
from server.store.impact import REFERRAL_KIND
from server.store.records import AlertRecord

__all__ = ["FORM_ACTOR", "REFERRAL_KIND", "NotAllowed", "NotNow", "accept", "ask_lead",
           "close", "erase", "erase_due", "export", "match", "may_read_contact", "open_room",
           "read_contact", "read_need", "signpost", "submit"]

# The audit log's actor for a request sent through the public forms (nobody's account).
FORM_ACTOR = "support form"


class NotAllowed(PermissionError):
    """Only coordinators, and the volunteer matched with a request, read its details."""


class NotNow(Exception):
    """The step does not follow from the request's status now (someone else moved it, or
    it is finished)."""


def may_read_contact(actor: Staff, referral: Referral) -> bool:
    """Whether ``actor`` may read ``referral``'s contact details: a coordinator, or the
    volunteer matched with it while it is theirs (matched, not closed)."""
    if actor.erased or actor.disabled:
        return False
    if actor.role == "coordinator":
        return True
    return (actor.role == "facilitator" and referral.status == "matched"
            and referral.matched_staff_id == actor.id)


def _now() -> datetime:
    return datetime.now(UTC)


def _room_name(referral: Referral) -> str:
    """The room's name on staff pages: nothing about her, only which request it is."""
    return f"One-to-one {referral.id.removeprefix('rf_')}"


async def submit(store: Store, *, source: str, language: str, audience: str,
                 times: tuple[str, ...], details: ContactDetails) -> Referral:
    """A new request (checked by the caller: ``referrals.request_problems``). Audited
    without its details."""
    referral = await store.referrals.add(source=source, language=language, audience=audience,
                                         times=times, details=details, at=_now())
    await store.safeguarding.audit(FORM_ACTOR, "referral.new", target=referral.id, detail={
        "source": source, "language": language, "audience": audience})
    return referral


async def _move(store: Store, actor: Staff, referral: Referral, status: str,
                detail: dict[str, Any] | None = None, *, reason: str | None = None,
                room_id: str | None = None, **values: Any) -> Referral:
    allowed_from = [s for s, following in NEXT.items() if status in following]
    if status not in NEXT[referral.status]:
        raise NotNow(f"a {referral.status} request cannot be {status}")
    moved = await store.referrals.move(referral.id, allowed_from, status, _now(),
                                       reason=reason, **values)
    if moved is None:
        raise NotNow(f"the request is no longer {referral.status}")
    await store.safeguarding.audit(actor.username, f"referral.{status}", target=referral.id,
                                   room_id=room_id, detail={"from": referral.status,
                                                            **(detail or {})})
    return moved


async def accept(store: Store, actor: Staff, referral: Referral) -> Referral:
    return await _move(store, actor, referral, "accepted")


async def signpost(store: Store, actor: Staff, referral: Referral, reason: str) -> Referral:
    """Signposted elsewhere, with the coordinator's reason (sealed, coordinators only;
    audited by its length)."""
    return await _move(store, actor, referral, "signposted", {"reason_chars": len(reason)},
                       reason=reason)


async def _own_room(store: Store, referral: Referral) -> RoomRecord:
    """The request's one-to-one room, made (archived, with nobody assigned) if it has none."""
    if referral.room_id is not None:
        found = await store.room(referral.room_id, include_archived=True)
        if found is not None:
            return found
    room = await store.add_room(_room_name(referral), referral.audience, kind="one_to_one",
                                archived=True)
    if not await store.referrals.set_room(referral.id, room.id, _now()):
        # Another coordinator made one first: use theirs (this one stays, archived, empty).
        again = await store.referrals.get(referral.id)
        if again is not None and again.room_id is not None:
            theirs = await store.room(again.room_id, include_archived=True)
            if theirs is not None:
                return theirs
    return room


async def ask_lead(store: Store, safeguarding: SafeguardingService, actor: Staff,
                   referral: Referral, question: str) -> Referral:
    """Ask the safeguarding lead about the request (see the module's docstring); the
    question is the coordinator's words and becomes the escalation's note."""
    if "asked_lead" not in NEXT[referral.status]:
        raise NotNow(f"a {referral.status} request cannot be asked about")
    room = await _own_room(store, referral)
    at = _now()
    alert = AlertRecord(
        id=f"a_{secrets.token_urlsafe(9)}", room_id=room.id, kind=REFERRAL_KIND,
        severity="concern", categories=(), participant_id="",
        # Who it is about, as the lead's pages show it: the request, never her name.
        participant_name=referral.id, ack_within=0, created_at=at)
    await safeguarding.raise_alert(alert, escalate=False)
    await safeguarding.ack(alert.id, actor.username, at)
    await safeguarding.escalate(alert.id, actor.username, question.strip(), at)
    return await _move(store, actor, referral, "asked_lead",
                       {"alert": alert.id, "question_chars": len(question.strip())},
                       room_id=room.id, lead_alert=alert.id)


async def match(store: Store, actor: Staff, referral: Referral, volunteer: Staff) -> Referral:
    """Match the accepted request with ``volunteer`` (a facilitator whose training is
    current: the caller checks, from the list it offered)."""
    if volunteer.role != "facilitator" or volunteer.disabled or volunteer.erased:
        raise NotNow("only an enabled facilitator can be matched")
    return await _move(store, actor, referral, "matched",
                       {"volunteer": volunteer.id, "username": volunteer.username},
                       matched_staff_id=volunteer.id)


async def open_room(store: Store, actor: Staff, referral: Referral
                    ) -> tuple[RoomRecord, Invite]:
    """Open the matched request's one-to-one room: its volunteer assigned as facilitator,
    the room no longer archived, and one invite link for her (a new one each time this is
    asked: the coordinator may have lost the first; older ones keep working until the
    request is closed)."""
    if referral.status != "matched" or referral.matched_staff_id is None:
        raise NotNow("a room is opened for a matched request")
    room = await _own_room(store, referral)
    await store.assign_staff(room.id, referral.matched_staff_id)
    await store.set_room_archived(room.id, False)
    invite = await store.add_invite(room.id)
    await store.safeguarding.audit(actor.username, "referral.room", target=referral.id,
                                   room_id=room.id,
                                   detail={"volunteer": referral.matched_staff_id})
    opened = await store.room(room.id)
    assert opened is not None
    return opened, invite


async def close(store: Store, actor: Staff, referral: Referral) -> Referral:
    """Close the request; its room (if any) is archived, so its links admit nobody (the
    caller refuses while anyone is connected to it)."""
    closed = await _move(store, actor, referral, "closed", room_id=referral.room_id)
    if referral.room_id is not None:
        await store.set_room_archived(referral.room_id, True)
    return closed


async def read_contact(store: Store, actor: Staff, referral: Referral) -> ContactDetails | None:
    """The request's details for ``actor`` (``NotAllowed`` unless ``may_read_contact``);
    None once erased. One audit entry a reading; a signposting reason only for a
    coordinator."""
    if not may_read_contact(actor, referral):
        raise NotAllowed("only coordinators and her matched volunteer read her contact "
                         "details")
    fields = ["name", "reach", "need", "referrer_name", "referrer_role", "referrer_org"]
    if actor.role == "coordinator":
        fields.append("reason")
    found = await store.referrals.contact(referral.id, fields)
    if found is not None:
        await store.safeguarding.audit(actor.username, "referral.contact.read",
                                       target=referral.id, detail={"role": actor.role})
    return found


async def read_need(store: Store, actor: Staff, referral: Referral) -> str | None:
    """What she would like help with, for the safeguarding lead asked about the request
    (never how to reach her). Audited."""
    if actor.role != "safeguarding_lead" or referral.lead_alert is None:
        raise NotAllowed("the lead reads a request's words only when asked about it")
    found = await store.referrals.contact(referral.id, ["need"])
    if found is None:
        return None
    await store.safeguarding.audit(actor.username, "referral.need.read", target=referral.id,
                                   detail={"role": actor.role})
    return found.need


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


async def export(store: Store, actor: str, referral_id: str) -> dict[str, Any] | None:
    """Everything Hearth holds about a request, its details opened, as JSON-ready data
    (``hearth data export --referral``); None for no such request. Audited (the actor is
    who asked: ``command line``)."""
    referral = await store.referrals.get(referral_id)
    if referral is None:
        return None
    details = await store.referrals.contact(referral.id)
    await store.safeguarding.audit(actor, "referral.export", target=referral.id,
                                   detail={"erased": details is None})
    return {
        "referral": referral.id, "created_at": _when(referral.created_at),
        "source": referral.source, "language": referral.language,
        "audience": referral.audience, "times": list(referral.times),
        "status": referral.status, "matched_volunteer": referral.matched_staff_id,
        "room": referral.room_id,
        "steps": {step: _when(getattr(referral, f"{step}_at")) for step in
                  ("accepted", "signposted", "asked_lead", "matched", "closed")},
        "contact_erased_at": _when(referral.contact_erased_at),
        "contact": asdict(details) if details is not None else None,
    }


async def erase(store: Store, actor: str, referral_id: str) -> bool | None:
    """Erase the request's personal data (``hearth data erase --referral``): False if it was
    erased already, None for no such request. Audited."""
    referral = await store.referrals.get(referral_id)
    if referral is None:
        return None
    erased = await store.referrals.erase_contact(referral.id, _now())
    if erased:
        await store.safeguarding.audit(actor, "referral.erase", target=referral.id,
                                       detail={"status": referral.status})
    return erased


async def erase_due(store: Store, days: int, now: datetime) -> int:
    """Retention: erase the details of requests closed or signposted ``days`` ago or more;
    how many. Audited as one entry with the requests' ids."""
    erased = await store.referrals.erase_finished(now - timedelta(days=days), now)
    if erased:
        await store.safeguarding.audit("retention", "referral.retention", detail={
            "referrals": erased, "days": days})
    return len(erased)
