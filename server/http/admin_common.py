"""What the admin pages share: the gate, a form's fields, assigning a facilitator to a
group (from either page), the redirect after a change."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.auth import manage
from server.http.common import services
from server.http.pages import staff_in_role
from server.i18n import N_
from server.store.db import RoomRecord, Staff

FORM_EXPIRED = N_("That form had expired. Please try again.")
NO_SUCH_ACTION = N_("There is no such action.")
ONLY_FACILITATORS = N_("Only facilitators are assigned to groups: a safeguarding lead or an "
                       "admin may enter every group already.")
# Why a facilitator's connections to a group are closed (logged, never shown as typed).
UNASSIGNED_REASON = "you are no longer a facilitator of this group"


async def admin_page(request: Request) -> Staff | Response:
    """The admin for an admin page or form, or where to send anyone else (a kind 403)."""
    return await staff_in_role(request, "admin", N_("This page is for admins."))


def field(form: FormData, name: str, limit: int) -> str:
    """A text field as typed (a file or a missing field is empty), cut at ``limit``: a
    page re-shown after a mistake gives back what was typed, never more than fits."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


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
