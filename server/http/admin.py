"""Admin: the signposting directory's JSON API, and the admin pages' routes.

The pages are modules of their own: the groups (``admin_rooms.py``), the staff accounts
(``admin_staff.py``) and the directory (``admin_directory.py``); what they share is in
``admin_common.py``. Every change is a CSRF-protected form post (or, for the API, a
same-origin PUT) and an audit entry (``server/auth/manage.py``).
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import manage
from server.http import admin_directory, admin_rooms, admin_staff
from server.http.account import api_staff
from server.http.common import current_staff, error, origin_allowed, services
from server.safeguarding.directory import MAX_BYTES, InvalidDirectory, parse
from server.store.db import Staff


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
    if len(raw) > MAX_BYTES:  # parse's own limit, answered before the body is decoded
        return error(413, "bad_request", f"the directory is too large: at most {MAX_BYTES} "
                     "bytes of JSON")
    try:
        data = parse(raw)
    except InvalidDirectory as exc:
        return error(400, "bad_request", str(exc)[:300])
    saved = await manage.save_directory(services(request).directory_store, admin.username,
                                        data)
    return JSONResponse(msgspec.to_builtins(saved.data))


routes = [
    Route("/api/directory", get_directory, methods=["GET"]),
    Route("/api/directory", put_directory, methods=["PUT"]),
    *admin_directory.routes,
    *admin_staff.routes,
    *admin_rooms.routes,
]
