"""The admin's staff accounts page, ``/admin/staff``: make an account (with a generated
password shown once), change a role, the groups a facilitator is assigned to, disable,
enable, and reset a password or two-step login.

Every change is a CSRF-protected form post and an audit entry (``server/auth/manage.py``).
Whatever ends a member's right to be where they are (disabling, a reset, a new role, being
taken off a group) closes their open room connections on this node at once
(``Hub.close_staff``).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import erasure, manage
from server.http.admin_common import (
    FORM_EXPIRED,
    NO_SUCH_ACTION,
    admin_page,
    done,
    done_words,
    field,
    set_assigned,
)
from server.http.common import services
from server.http.pages import csrf_ok, render
from server.i18n import N_
from server.store.db import ROLES, Conflict, Staff

# Confirmations after a change (``?done=...``): fixed words, never echoed input.
STAFF_DONE = {
    "disabled": N_("The account is disabled: its logins and room connections have ended."),
    "enabled": N_("The account is enabled again. They log in with their password as before."),
    "two-factor-reset": N_("Two-step login is reset: they'll set it up again at their next "
                           "login."),
    "role": N_("The role is changed. Their logins and room connections have ended: they log "
               "in again with the same password."),
    "assigned": N_("The facilitator is assigned to the group."),
    "unassigned": N_("The facilitator is no longer assigned to the group."),
    "erased": N_("The account is deleted: its logins have ended and its personal data is "
                 "removed. The audit log shows it by its stand-in name."),
    "erase-declined": N_("The request is declined. They'll see your reason on their Your "
                         "data page."),
}
# Why a deletion cannot be confirmed, in the admin's words (server/auth/erasure.py).
ERASE_REFUSED = {
    "erased": N_("This account has been deleted already."),
    "last_admin": N_("This is the last admin account, so it cannot be deleted: make another "
                     "admin first, or nobody could run Hearth."),
    "open_escalations": N_("This safeguarding lead still holds open escalations, so their "
                           "account cannot be deleted yet: they close them, or hand them "
                           "over to another lead, first."),
    "yourself": N_("You can't confirm the deletion of your own account: another admin can, "
                   "or the command line."),
}
NO_REQUEST = N_("They have not asked for their account to be deleted.")
ERASED_ACCOUNT = N_("This account has been deleted: nothing more can be done with it.")
NOT_YOURSELF = N_("You can't do that to your own account here: another admin can, or use the "
                  "command line.")
BAD_USERNAME = N_("Please give a username of 2 to 64 letters, digits, dots, dashes or "
                  "underscores, with no spaces.")
TAKEN = N_("There is already an account with that username. Please choose another.")
BAD_ROLE = N_("Please choose a role.")


async def staff_accounts_page(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    return await _staff_accounts(request, admin)


async def _staff_accounts(request: Request, admin: Staff, status: int = 200,
                          message: str | None = None, reset: dict[str, str] | None = None,
                          *, typed: dict[str, str] | None = None,
                          errors: dict[str, str] | None = None) -> Response:
    """The page. ``reset``: a generated password to show once (a reset, or a new
    account with ``created`` set); ``typed`` and ``errors``: the new-account form after a
    mistake."""
    svc = services(request)
    rooms = await svc.store.rooms()
    accounts = []
    members = await svc.store.all_staff()
    asked = {r.staff_id: r for r in await svc.store.staff_data.erasures()}
    requests = []
    for member in members:
        if member.id in asked:
            refused = await erasure.problem(svc.store, member, actor_id=admin.id)
            requests.append({"member": member, "request": asked[member.id],
                             "refused": ERASE_REFUSED[refused.code] if refused else None})
    for member in members:
        mine = await svc.store.rooms_for(member.id) if member.role == "facilitator" else []
        ids = {r.id for r in mine}
        accounts.append({"member": member, "rooms": mine,
                         "assignable": [r for r in rooms if r.id not in ids]})
    response = await render(
        request, "admin_staff.html", status=status, staff=admin, accounts=accounts,
        roles=ROLES, message=message, reset=reset, requests=requests,
        create=typed or {"username": "", "role": ""}, create_errors=errors or {},
        **done_words(request, STAFF_DONE))
    if reset is not None:
        # Shown once, on this response only; never logged, never in a URL.
        response.headers["Cache-Control"] = "no-store"
    return response


async def create_account(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    form = await request.form()
    typed = {"username": field(form, "username", 100).strip(),
             "role": field(form, "role", 32)}
    if not await csrf_ok(request):
        return await _staff_accounts(request, admin, 403, FORM_EXPIRED, typed=typed)
    errors = {}
    if manage.username_problem(typed["username"]):
        errors["username"] = BAD_USERNAME
    if typed["role"] not in ROLES:
        errors["role"] = BAD_ROLE
    svc = services(request)
    if not errors:
        try:
            member, password = await manage.create_staff(svc.store, admin.username,
                                                         typed["username"], typed["role"])
        except Conflict:
            errors["username"] = TAKEN
        else:
            return await _staff_accounts(request, admin, reset={
                "username": member.username, "password": password, "created": "1"})
    return await _staff_accounts(request, admin, 400, N_("The account was not made: please "
                                 "see below."), typed=typed, errors=errors)


async def staff_action(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    svc = services(request)
    if not await csrf_ok(request):
        return await _staff_accounts(request, admin, 403, FORM_EXPIRED)
    member = await svc.store.staff_by_id(request.path_params["staff_id"])
    action = request.path_params["action"]
    form = await request.form()
    if member is None:
        return await _staff_accounts(request, admin, 404, N_("There is no such account."))
    if action in ("erase", "decline-erase"):
        return await _erasure_decision(request, admin, member, action, form)
    try:
        return await _change(request, admin, member, action, form)
    except manage.AccountErased:  # every change refuses an erased account (manage.py)
        return await _staff_accounts(request, admin, 400, ERASED_ACCOUNT)


async def _change(request: Request, admin: Staff, member: Staff, action: str,
                  form: FormData) -> Response:
    """One change to ``member``'s account (``manage.AccountErased`` for an erased one)."""
    svc = services(request)
    if member.id == admin.id and action in ("disable", "reset-password", "reset-2fa", "role"):
        return await _staff_accounts(request, admin, 400, NOT_YOURSELF)
    anchor = f"staff-{member.id}"
    if action == "disable":
        await manage.set_disabled(svc.store, admin.username, member, True)
        svc.hub.close_staff(member.id, "this account has been disabled")
        return done("/admin/staff", "disabled", anchor)
    if action == "enable":
        await manage.set_disabled(svc.store, admin.username, member, False)
        return done("/admin/staff", "enabled", anchor)
    if action == "reset-password":
        password = await manage.reset_password(svc.store, admin.username, member)
        svc.hub.close_staff(member.id, "this account's password was reset")
        return await _staff_accounts(request, admin, reset={
            "username": member.username, "password": password})
    if action == "reset-2fa":
        await manage.reset_two_factor(svc.store, admin.username, member)
        svc.hub.close_staff(member.id, "this account's two-step login was reset")
        return done("/admin/staff", "two-factor-reset", anchor)
    if action == "role":
        role = field(form, "role", 32)
        if role not in ROLES:
            return await _staff_accounts(request, admin, 400, BAD_ROLE)
        if role == member.role:
            return await _staff_accounts(request, admin, 400,
                                         N_("That is their role already."))
        await manage.set_role(svc.store, admin.username, member, role)
        svc.hub.close_staff(member.id, "this account's role was changed")
        return done("/admin/staff", "role", anchor)
    if action in ("assign", "unassign"):
        room = await svc.store.room(field(form, "room", 64))
        if room is None:
            return await _staff_accounts(request, admin, 400, N_("Please choose a group."))
        refused = await set_assigned(request, admin, room, member, action == "assign")
        if refused:
            return await _staff_accounts(request, admin, 400, refused)
        return done("/admin/staff", f"{action}ed", anchor)
    return await _staff_accounts(request, admin, 404, NO_SUCH_ACTION)


async def _erasure_decision(request: Request, admin: Staff, member: Staff, action: str,
                            form: FormData) -> Response:
    """Confirm (``erase``, with its box ticked) or decline (with a reason) a request."""
    svc = services(request)
    pending = await svc.store.staff_data.erasure(member.id)
    if pending is not None and pending.state == "done":  # an erasure leaves its request done
        return await _staff_accounts(request, admin, 400, ERASED_ACCOUNT)
    if pending is None or pending.state != "pending":
        return await _staff_accounts(request, admin, 400, NO_REQUEST)
    if action == "decline-erase":
        await erasure.decline(svc.store, admin.username, admin.id, member,
                              field(form, "reason", 500))
        return done("/admin/staff", "erase-declined")
    if form.get("confirm") != "yes":
        return await _staff_accounts(request, admin, 400, N_(
            "Please tick the box to confirm the deletion, then press the button again."))
    try:
        await erasure.erase(svc.store, admin.username, admin.id, member)
    except erasure.ErasureRefused as refused:
        return await _staff_accounts(request, admin, 400, ERASE_REFUSED[refused.code])
    svc.hub.close_staff(member.id, "this account has been deleted")
    return done("/admin/staff", "erased")


routes = [
    Route("/admin/staff", staff_accounts_page, methods=["GET"]),
    Route("/admin/staff", create_account, methods=["POST"]),
    Route("/admin/staff/{staff_id}/{action}", staff_action, methods=["POST"]),
]
