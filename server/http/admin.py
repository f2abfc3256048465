"""Admin: the signposting directory (API and page)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.http.account import api_staff
from server.http.common import current_staff, error, origin_allowed, services
from server.http.pages import csrf_ok, render, staff_for_page
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
                      message="This page is for admins.")
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
                message, text = "Saved. Rooms starting from now use the new directory.", None
            except InvalidDirectory as exc:
                status, message = 400, f"Not saved: {exc}"
    directory = await store.current()
    return await render(request, "admin_directory.html", status=status, staff=staff,
                  message=message, directory=directory,
                  text=text if text is not None else directory.to_json(),
                  categories=CATEGORIES, audiences=AUDIENCES)


routes = [
    Route("/api/directory", get_directory, methods=["GET"]),
    Route("/api/directory", put_directory, methods=["PUT"]),
    Route("/admin/directory", directory_page, methods=["GET", "POST"]),
]

