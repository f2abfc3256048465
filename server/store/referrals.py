"""Requests for one-to-one support in the database (``referrals``, migration 0016), one
short transaction each, their personal fields sealed with the contact key
(``server/store/contact.py``) on the way in and opened only when asked (``contact``).

Which status may follow which, and who may do what, is ``server/programme/``'s
(``referrals.py``, ``referring.py``); a change of status here is a compare-and-set on the
status it was read in, so two coordinators acting at once cannot both move one request.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.programme.referrals import ContactDetails, Referral
from server.store.contact import ContactBox, ContactUnreadable
from server.store.models import EscalationRow, ReferralRow
from server.store.records import aware

__all__ = ["SEALED", "ContactKeyMissing", "ReferralRecords"]

# The sealed columns, by the field of ``ContactDetails`` each keeps.
SEALED = ("name", "reach", "need", "referrer_name", "referrer_role", "referrer_org", "reason")


class ContactKeyMissing(Exception):
    """The store was opened without the contact key: contact details cannot be sealed or
    opened (the app and the command line always give it)."""


def _referral(row: ReferralRow) -> Referral:
    return Referral(
        id=row.id, created_at=aware(row.created_at), source=row.source,
        language=row.language, audience=row.audience,
        times=tuple(t for t in row.times.split(",") if t), status=row.status,
        matched_staff_id=row.matched_staff_id, room_id=row.room_id, lead_alert=row.lead_alert,
        accepted_at=aware(row.accepted_at), signposted_at=aware(row.signposted_at),
        asked_lead_at=aware(row.asked_lead_at), matched_at=aware(row.matched_at),
        closed_at=aware(row.closed_at), contact_erased_at=aware(row.contact_erased_at))


class ReferralRecords:
    """The ``referrals`` rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 box: ContactBox | None) -> None:
        self._session = sessions
        self._box = box

    def _sealer(self) -> ContactBox:
        if self._box is None:
            raise ContactKeyMissing("this store was opened without the contact key")
        return self._box

    async def add(self, *, source: str, language: str, audience: str,
                  times: Sequence[str], details: ContactDetails, at: datetime) -> Referral:
        """A new request (checked by the caller: ``referrals.request_problems``), status
        "new", its details sealed."""
        box = self._sealer()
        referral_id = f"rf_{secrets.token_hex(6)}"
        sealed = {f"{name}_sealed": box.seal(referral_id, name, getattr(details, name).strip())
                  for name in SEALED if getattr(details, name).strip()}
        row = ReferralRow(id=referral_id, created_at=at, updated_at=at, source=source,
                          language=language, audience=audience, times=",".join(times),
                          status="new", **sealed)
        async with self._session.begin() as session:
            session.add(row)
        return _referral(row)

    async def get(self, referral_id: str) -> Referral | None:
        async with self._session() as session:
            row = await session.get(ReferralRow, referral_id[:32])
            return _referral(row) if row is not None else None

    async def all(self) -> list[Referral]:
        """Every request, newest first."""
        async with self._session() as session:
            rows = await session.scalars(select(ReferralRow)
                                         .order_by(ReferralRow.created_at.desc()))
            return [_referral(row) for row in rows]

    async def matched_to(self, staff_id: str) -> list[Referral]:
        """The requests matched with this volunteer and not finished, oldest first."""
        async with self._session() as session:
            rows = await session.scalars(
                select(ReferralRow).where(ReferralRow.matched_staff_id == staff_id,
                                          ReferralRow.status == "matched")
                .order_by(ReferralRow.matched_at))
            return [_referral(row) for row in rows]

    async def for_alert(self, alert_id: str) -> Referral | None:
        """The request the safeguarding lead was asked about through ``alert_id``."""
        async with self._session() as session:
            row = await session.scalar(select(ReferralRow)
                                       .where(ReferralRow.lead_alert == alert_id))
            return _referral(row) if row is not None else None

    async def escalation_of(self, alert_id: str) -> str | None:
        """The id of the escalation raised through ``alert_id`` (the lead's answer)."""
        async with self._session() as session:
            found = await session.scalar(select(EscalationRow.id)
                                         .where(EscalationRow.alert_id == alert_id))
            return None if found is None else str(found)

    async def contact(self, referral_id: str,
                      fields: Sequence[str] = SEALED) -> ContactDetails | None:
        """The request's details, opened (only ``fields``; the rest empty); None for no such
        request or one whose details were erased. ``ContactUnreadable`` when they do not
        open with this key. Auditing a reading is the caller's (``referring.py``)."""
        box = self._sealer()
        async with self._session() as session:
            row = await session.get(ReferralRow, referral_id[:32])
        if row is None or row.contact_erased_at is not None:
            return None
        opened = {}
        for name in fields:
            stored = getattr(row, f"{name}_sealed")
            opened[name] = box.open(row.id, name, stored) if stored else ""
        return ContactDetails(**{"name": "", "reach": "", "need": "", **opened})

    async def key_opens(self) -> bool | None:
        """Whether this store's contact key opens the newest sealed contact detail: None when
        there is none to try. A check for start-up, so that a wrong key (a data folder
        restored without its ``contact.key``, another node's HEARTH_CONTACT_KEY) is found
        then rather than when a coordinator first opens a request."""
        box = self._sealer()
        async with self._session() as session:
            row = await session.scalar(
                select(ReferralRow).where(ReferralRow.name_sealed.is_not(None))
                .order_by(ReferralRow.created_at.desc()).limit(1))
        if row is None or row.name_sealed is None:
            return None
        try:
            box.open(row.id, "name", row.name_sealed)
        except ContactUnreadable:
            return False
        return True

    async def move(self, referral_id: str, allowed_from: Sequence[str], status: str,
                   at: datetime, *, reason: str | None = None, **values: Any
                   ) -> Referral | None:
        """Set the request's status to ``status`` if it is now one of ``allowed_from``
        (compare-and-set), with the time of the step (``{status}_at``) and ``values``
        (``matched_staff_id``, ``room_id``, ``lead_alert``); ``reason`` is sealed. None: no
        such request, or not in one of those statuses any more."""
        changes: dict[str, Any] = {"status": status, "updated_at": at, **values}
        if status in ("accepted", "signposted", "asked_lead", "matched", "closed"):
            changes[f"{status}_at"] = at
        if reason:
            changes["reason_sealed"] = self._sealer().seal(referral_id, "reason", reason.strip())
        async with self._session.begin() as session:
            done = cast(CursorResult[Any], await session.execute(
                update(ReferralRow).where(ReferralRow.id == referral_id,
                                          ReferralRow.status.in_(allowed_from))
                .values(**changes)))
            if not done.rowcount:
                return None
            row = await session.get(ReferralRow, referral_id, populate_existing=True)
            assert row is not None
            return _referral(row)

    async def set_room(self, referral_id: str, room_id: str, at: datetime) -> bool:
        """The one-to-one room opened for a matched request (once)."""
        async with self._session.begin() as session:
            done = cast(CursorResult[Any], await session.execute(
                update(ReferralRow).where(ReferralRow.id == referral_id,
                                          ReferralRow.room_id.is_(None))
                .values(room_id=room_id, updated_at=at)))
            return bool(done.rowcount)

    async def erase_contact(self, referral_id: str, at: datetime) -> bool:
        """Clear every sealed field of the request; False if there is no such request or
        they were erased already. The row stays, with nothing personal, for counting."""
        async with self._session.begin() as session:
            done = cast(CursorResult[Any], await session.execute(
                update(ReferralRow).where(ReferralRow.id == referral_id,
                                          ReferralRow.contact_erased_at.is_(None))
                .values(contact_erased_at=at, updated_at=at,
                        **{f"{name}_sealed": None for name in SEALED})))
            return bool(done.rowcount)

    async def erase_finished(self, before: datetime, at: datetime) -> list[str]:
        """Retention: erase the details of every request closed or signposted before
        ``before``; the ids erased."""
        async with self._session.begin() as session:
            ids = list(await session.scalars(
                select(ReferralRow.id).where(
                    ReferralRow.contact_erased_at.is_(None),
                    or_(ReferralRow.closed_at < before, ReferralRow.signposted_at < before))))
            if ids:
                await session.execute(
                    update(ReferralRow).where(ReferralRow.id.in_(ids))
                    .values(contact_erased_at=at, updated_at=at,
                            **{f"{name}_sealed": None for name in SEALED}))
            return [str(i) for i in ids]
