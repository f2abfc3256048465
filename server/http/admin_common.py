"""What the admin and coordinator pages share: the gate, a form's fields and their dates,
times and numbers, a refusal that re-shows a page, assigning a facilitator to a group
(from either admin page), the redirect after a change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date, time

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.auth import manage
from server.http.common import services
from server.http.pages import staff_in_role
from server.i18n import N_, Words
from server.store.db import RoomRecord, Staff

FORM_EXPIRED = N_("That form had expired. Please try again.")
NOT_SAVED = N_("Not saved: please see below.")
NO_SUCH_ACTION = N_("There is no such action.")
ONLY_FACILITATORS = N_("Only facilitators are assigned to groups: a safeguarding lead or an "
                       "admin may enter every group already.")
# Why a facilitator's connections to a group are closed (logged, never shown as typed).
UNASSIGNED_REASON = "you are no longer a facilitator of this group"


@dataclass(frozen=True, slots=True)
class Refusal:
    """What a form's action answers instead of its ``done`` word: re-show the page with
    ``status``, the words at the top, what was typed (where the page does not keep it
    itself) and each field's problem."""

    status: int
    message: Words
    typed: Mapping[str, str] = default(default_factory=dict)
    errors: Mapping[str, Words] = default(default_factory=dict)


# One of /admin/rooms' actions on a group (server/http/admin_rooms.py, admin_schedule.py):
# the admin, the group and the form in; the ``done`` word, or a Refusal, out.
RoomAction = Callable[[Request, Staff, RoomRecord, FormData], Awaitable["str | Refusal"]]


async def admin_page(request: Request) -> Staff | Response:
    """The admin for an admin page or form, or where to send anyone else (a kind 403)."""
    return await staff_in_role(request, "admin", N_("This page is for admins."))


def field(form: FormData, name: str, limit: int) -> str:
    """A text field as typed (a file or a missing field is empty), cut at ``limit``: a
    page re-shown after a mistake gives back what was typed, never more than fits."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def parse_day(text: str) -> date | None:
    """A date field ("2026-03-03", as <input type="date"> sends it); None if empty or not a
    date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_clock(text: str) -> time | None:
    """A time field ("10:00"), to the minute; None if empty or not a time."""
    try:
        return time.fromisoformat(text).replace(second=0, microsecond=0) if text else None
    except ValueError:
        return None


def parse_number(text: str) -> int | None:
    """A whole number field ("90"); None if empty or anything else (isdecimal, not
    isdigit: int() refuses a "²")."""
    return int(text) if text.strip().isdecimal() else None


def done_words(request: Request, table: dict[str, str]) -> dict[str, str]:
    """The page's confirmation for ``?done=...`` from ``table``, as ``render``'s ``done``;
    none (so ``render`` shows any ``?notice=...``, such as the password just changed on
    the admin's landing page) when the page was not asked for one of its own."""
    words = table.get(request.query_params.get("done", ""))
    return {"done": words} if words else {}


def done(path: str, what: str, anchor: str = "") -> Response:
    """After a change: back to the page (303), which shows the fixed words for ``what``
    (never anything typed) and scrolls to ``anchor``."""
    return RedirectResponse(f"{path}?done={what}{'#' + anchor if anchor else ''}",
                            status_code=303)


async def set_assigned(request: Request, admin: Staff, room: RoomRecord, member: Staff,
                       assigned: bool) -> str | None:
    """Assign ``member`` to ``room``, or take them off it and close their connections to
    it on this node at once. None when done; else the fixed words saying why not (only
    facilitators are assigned), never anything typed."""
    svc = services(request)
    if not assigned:
        await manage.unassign(svc.store, admin.username, room, member)
        svc.hub.close_staff(member.id, UNASSIGNED_REASON, room_id=room.id)
        return None
    if member.role != "facilitator":
        return ONLY_FACILITATORS
    await manage.assign(svc.store, admin.username, room, member)
    return None
