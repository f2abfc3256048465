"""Admin: the signposting directory (API and page), staff accounts (disable, enable,
reset a password or two-step login) and rooms (assigned facilitators, invite links).

Every change is a CSRF-protected form post and an audit entry (``server/auth/manage.py``);
disabling an account or resetting it closes the member's open room connections here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.auth import manage
from server.http.account import api_staff
from server.http.common import current_staff, error, origin_allowed, services
from server.http.pages import csrf_ok, render, staff_for_page, staff_in_role
from server.i18n import N_
from server.safeguarding.directory import AUDIENCES, CATEGORIES, InvalidDirectory, parse
from server.store.db import Staff

MAX_DIRECTORY = 100_000


async def _admin(request: Request) -> Staff | Response:
    staff = await api_staff(request)
    if isinstance(staff, Response):
        return staff
    if staff.role != "admin":
        return error(403, "forbidden", "only an admin can change the directory")
    return staff


async def get_directory(request: Request) -> Response:
    staff = await current_staff(request)
    if staff is None:
        return error(401, "unauthorized", "please log in")
    directory = await services(request).directory_store.current()
    return JSONResponse(msgspec.to_builtins(directory.data))


async def put_directory(request: Request) -> Response:
    if not origin_allowed(request):
        return error(403, "forbidden", "requests must come from Hearth's own pages")
    admin = await _admin(request)
    if isinstance(admin, Response):
        return admin
    raw = await request.body()
    if len(raw) > MAX_DIRECTORY:
        return error(413, "bad_request", "the directory is too large")
    try:
        data = parse(raw)
    except InvalidDirectory as exc:
        return error(400, "bad_request", str(exc)[:300])
    saved = await services(request).directory_store.replace(data, admin.username,
                                                            datetime.now(UTC))
    return JSONResponse(msgspec.to_builtins(saved.data))


async def directory_page(request: Request) -> Response:
    staff = await staff_for_page(request)
    if isinstance(staff, Response):
        return staff
    if staff.role != "admin":
        return await render(request, "home.html", status=403, staff=staff,
                      message=N_("This page is for admins."))
    store = services(request).directory_store
    status, message = 200, None
    text = None
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("directory") or "")
        if not await csrf_ok(request):
            status, message = 403, "That form had expired. Please try again."
        else:
            try:
                await store.replace(parse(text), staff.username, datetime.now(UTC))
                message, text = N_("Saved. Rooms starting from now use the new directory."), None
            except InvalidDirectory as exc:
                status, message = 400, f"Not saved: {exc}"
    directory = await store.current()
    return await render(request, "admin_directory.html", status=status, staff=staff,
                  message=message, directory=directory,
                  text=text if text is not None else directory.to_json(),
                  categories=CATEGORIES, audiences=AUDIENCES)


async def _admin_page(request: Request) -> Staff | Response:
    return await staff_in_role(request, "admin", N_("This page is for admins."))


# Confirmations after an admin's change (``?done=...``): fixed words, never echoed input.
STAFF_DONE = {
    "disabled": "The account is disabled: its logins and room connections have ended.",
    "enabled": "The account is enabled again. They log in with their password as before.",
    "two-factor-reset": "Two-step login is reset: they'll set it up again at their next login.",
}
ROOM_DONE = {
    "assigned": "The facilitator is assigned to the group.",
    "unassigned": "The facilitator is no longer assigned to the group.",
    "rotated": "The old invite links no longer work. Share the new one with the group.",
    "revoked": "That invite link no longer works.",
}


async def staff_accounts_page(request: Request) -> Response:
    admin = await _admin_page(request)
    if isinstance(admin, Response):
        return admin
    return await _staff_accounts(request, admin)


async def _staff_accounts(request: Request, admin: Staff, status: int = 200,
                          message: str | None = None, reset: dict[str, str] | None = None
                          ) -> Response:
    svc = services(request)
    return await render(request, "admin_staff.html", status=status, staff=admin,
                        accounts=await svc.store.all_staff(), message=message, reset=reset,
                        done=STAFF_DONE.get(request.query_params.get("done", "")))


async def staff_action(request: Request) -> Response:
    admin = await _admin_page(request)
    if isinstance(admin, Response):
        return admin
    svc = services(request)
    if not await csrf_ok(request):
        return await _staff_accounts(request, admin, 403,
                                     "That form had expired. Please try again.")
    member = await svc.store.staff_by_id(request.path_params["staff_id"])
    action = request.path_params["action"]
    if member is None:
        return await _staff_accounts(request, admin, 404, N_("There is no such account."))
    if member.id == admin.id and action in ("disable", "reset-password", "reset-2fa"):
        return await _staff_accounts(request, admin, 400, N_("You can't do that to your own "
                                     "account here: another admin can, or use the command line."))
    if action == "disable":
        await manage.set_disabled(svc.store, admin.username, member, True)
        svc.hub.close_staff(member.id, "this account has been disabled")
        done = "disabled"
    elif action == "enable":
        await manage.set_disabled(svc.store, admin.username, member, False)
        done = "enabled"
    elif action == "reset-password":
        password = await manage.reset_password(svc.store, admin.username, member)
        svc.hub.close_staff(member.id, "this account's password was reset")
        # Shown once, on this response only; never logged, never in a URL.
        response = await _staff_accounts(request, admin, reset={
            "username": member.username, "password": password})
        response.headers["Cache-Control"] = "no-store"
        return response
    elif action == "reset-2fa":
        await manage.reset_two_factor(svc.store, admin.username, member)
        svc.hub.close_staff(member.id, "this account's two-step login was reset")
        done = "two-factor-reset"
    else:
        return await _staff_accounts(request, admin, 404, N_("There is no such action."))
    return RedirectResponse(f"/admin/staff?done={done}", status_code=303)


async def rooms_page(request: Request) -> Response:
    admin = await _admin_page(request)
    if isinstance(admin, Response):
        return admin
    return await _rooms(request, admin)


async def _rooms(request: Request, admin: Staff, status: int = 200,
                 message: str | None = None) -> Response:
    svc = services(request)
    everyone = await svc.store.all_staff()
    rooms = []
    for record in await svc.store.rooms():
        assigned = await svc.store.room_staff(record.id)
        ids = {s.id for s in assigned}
        rooms.append({
            "room": record,
            "facilitators": assigned,
            "assignable": [s for s in everyone if s.role == "facilitator" and s.id not in ids
                           and not s.disabled],
            "invites": [{"code": i.code, "link": f"{svc.settings.public_url}/join/{i.code}"}
                        for i in await svc.store.invites_for(record.id) if not i.revoked],
        })
    return await render(request, "admin_rooms.html", status=status, staff=admin, rooms=rooms,
                        message=message, done=ROOM_DONE.get(request.query_params.get("done", "")))


async def room_action(request: Request) -> Response:
    admin = await _admin_page(request)
    if isinstance(admin, Response):
        return admin
    svc = services(request)
    if not await csrf_ok(request):
        return await _rooms(request, admin, 403, N_("That form had expired. Please try again."))
    room = await svc.store.room(request.path_params["room"])
    if room is None:
        return await _rooms(request, admin, 404, N_("There is no such group."))
    form = await request.form()
    action = request.path_params["action"]
    if action in ("assign", "unassign"):
        member = await svc.store.staff_by_id(str(form.get("staff", "")))
        if member is None:
            return await _rooms(request, admin, 400, N_("Please choose a facilitator."))
        if action == "assign":
            try:
                await manage.assign(svc.store, admin.username, room, member)
            except ValueError as exc:
                return await _rooms(request, admin, 400, f"{exc}.")
            done = "assigned"
        else:
            await manage.unassign(svc.store, admin.username, room, member)
            svc.hub.close_staff(member.id, "you are no longer a facilitator of this group",
                                room_id=room.id)
            done = "unassigned"
    elif action == "rotate":
        await manage.rotate_invite(svc.store, admin.username, room)
        done = "rotated"
    elif action == "revoke":
        invite = await svc.store.invite(str(form.get("code", ""))[:128])
        if invite is None or invite.room_id != room.id:
            return await _rooms(request, admin, 404, N_("There is no such invite link."))
        await manage.revoke_invite(svc.store, admin.username, invite)
        done = "revoked"
    else:
        return await _rooms(request, admin, 404, N_("There is no such action."))
    return RedirectResponse(f"/admin/rooms?done={done}#room-{room.id}", status_code=303)


routes = [
    Route("/api/directory", get_directory, methods=["GET"]),
    Route("/api/directory", put_directory, methods=["PUT"]),
    Route("/admin/directory", directory_page, methods=["GET", "POST"]),
    Route("/admin/staff", staff_accounts_page, methods=["GET"]),
    Route("/admin/staff/{staff_id}/{action}", staff_action, methods=["POST"]),
    Route("/admin/rooms", rooms_page, methods=["GET"]),
    Route("/admin/rooms/{room}/{action}", room_action, methods=["POST"]),
]

