"""The admin's groups page, ``/admin/rooms``: make a group (with its first invite link),
change its name, audience and own group agreement (one form: whatever changed is saved),
archive it or open it again, assign facilitators, and revoke or replace invite links.

Every change is a CSRF-protected form post and an audit entry (``server/auth/manage.py``),
then a redirect to fixed words; a mistake, or a form that had expired, re-shows the page
with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import manage
from server.http import admin_schedule
from server.http.admin_common import (
    FORM_EXPIRED,
    NO_SUCH_ACTION,
    NOT_SAVED,
    Refusal,
    RoomAction,
    admin_page,
    done,
    done_words,
    field,
    set_assigned,
)
from server.http.common import services
from server.http.pages import csrf_ok, render
from server.http.where import room_in_use, rooms_now
from server.i18n import N_, Phrase, Words
from server.store.db import AGREEMENT_MAX, ROOM_NAME_MAX, RoomRecord, Staff, room_problems

# The audiences as the page offers them (the values are the CLI's: hearth room add).
AUDIENCE_CHOICES = {
    "mothers": N_("Mums"),
    "fathers_partners": N_("Dads and partners"),
    "everyone": N_("Open to all parents"),
}
# Confirmations after a change (``?done=...``): fixed words, never echoed input.
ROOM_DONE = {
    **admin_schedule.DONE,
    "created": N_("The group is ready. Its invite link is below: share it with the parents "
                  "it is for."),
    "changed": N_("The group's name and audience are saved. A session already running "
                  "keeps the old ones until it ends."),
    "agreement": N_("The group agreement is saved. Its join page shows it from now on."),
    "details": N_("The group's name, audience and agreement are saved. A session already "
                  "running keeps its old name and audience until it ends."),
    "unchanged": N_("Nothing had changed, so there was nothing to save."),
    "archived": N_("The group is archived: its invite links no longer let anyone in, and "
                   "facilitators no longer see it."),
    "unarchived": N_("The group is open again. Its invite links work as before."),
    "assigned": N_("The facilitator is assigned to the group."),
    "unassigned": N_("The facilitator is no longer assigned to the group."),
    "rotated": N_("The old invite links no longer work. Share the new one with the group."),
    "revoked": N_("That invite link no longer works."),
}
BAD_NAME = N_("Please give the group a name of up to %(max)s characters.")
BAD_AUDIENCE = N_("Please choose who the group is for.")
LONG_AGREEMENT = N_("The group agreement is too long: please keep it to %(max)s characters "
                    "or fewer.")
# The words for each field the store refuses (``room_problems``).
DETAILS_PROBLEMS: dict[str, Words] = {"name": Phrase(BAD_NAME, {"max": ROOM_NAME_MAX}),
                                       "audience": BAD_AUDIENCE,
                                       "agreement": Phrase(LONG_AGREEMENT, {"max": AGREEMENT_MAX})}
IN_USE = N_("People are in this group now. Please archive it once its session has ended: "
            "archiving never closes a group that is running.")


async def rooms_page(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    return await _rooms(request, admin)


async def _rooms(request: Request, admin: Staff, status: int = 200,
                 message: Words | None = None, *, typed: Mapping[str, str] | None = None,
                 errors: Mapping[str, Words] | None = None, room_id: str = "",
                 form: str = "") -> Response:
    """The page. After a mistake: ``typed`` (what was typed) and ``errors`` (field name ->
    words) belong to the group ``room_id``'s form ``form`` (an action's name, whose part
    of the card is shown open), or with no ``room_id`` to the form that makes a group."""
    svc = services(request)
    everyone = await svc.store.all_staff()
    rooms, archived = [], []
    # Groups only: a one-to-one room is the coordinator's (server/http/referrals.py).
    records = [r for r in await svc.store.rooms(include_archived=True) if not r.one_to_one]
    # Which groups are running now, on any node, and (with several nodes) where.
    now = await rooms_now(svc, [record.id for record in records if not record.archived])
    current = [r for r in records if not r.archived]
    timing = await admin_schedule.schedules(svc.store, current)
    # One query each for every group's facilitators and invite links, not two a group: the
    # page lists them all.
    staffed = await svc.store.staff_of_rooms([r.id for r in current])
    links = await svc.store.live_invites([r.id for r in current])
    facilitators = [s for s in everyone if s.role == "facilitator" and not s.disabled]
    for record in records:
        if record.archived:
            archived.append({"room": record})
            continue
        assigned = staffed[record.id]
        ids = {s.id for s in assigned}
        mine = record.id == room_id and typed is not None
        rooms.append({
            "room": record,
            "live": now[record.id].live,
            "node": now[record.id].node,
            "facilitators": assigned,
            "assignable": [s for s in facilitators if s.id not in ids],
            "invites": [{"code": i.code, "link": f"{svc.settings.public_url}/join/{i.code}"}
                        for i in links[record.id]],
            # What its forms show: as stored, or (after a mistake) as typed into one of them.
            "typed": {"name": record.name, "audience": record.audience,
                      "agreement": record.agreement or "", "timezone": record.timezone,
                      "opens_before": str(record.opens_before), "minutes": "90",
                      **(typed if mine and typed is not None else {})},
            "errors": errors if mine and errors else {},
            "open": form if mine else "",  # the form shown open, as typed
            "schedule": timing.rooms[record.id],
        })
    create = typed if not room_id and typed is not None else {"name": "", "audience": ""}
    return await render(
        request, "admin_rooms.html", status=status, staff=admin, rooms=rooms,
        archived=archived, audiences=AUDIENCE_CHOICES, create=create,
        create_errors=errors if not room_id and errors else {},
        name_max=ROOM_NAME_MAX, agreement_max=AGREEMENT_MAX, message=message,
        zones=admin_schedule.COMMON_ZONES, now=timing.now,
        **done_words(request, ROOM_DONE))


async def create_room(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    form = await request.form()
    typed = {"name": field(form, "name", ROOM_NAME_MAX + 80),
             "audience": field(form, "audience", 32)}
    if not await csrf_ok(request):
        return await _rooms(request, admin, 403, FORM_EXPIRED, typed=typed)
    errors = _details_errors(typed)
    if errors:
        return await _rooms(request, admin, 400, N_("The group was not made: please see "
                            "below."), typed=typed, errors=errors)
    svc = services(request)
    room, _ = await manage.add_room(svc.store, admin.username, typed["name"], typed["audience"])
    return done("/admin/rooms", "created", f"room-{room.id}")


def _details_errors(typed: dict[str, str]) -> dict[str, Words]:
    """The page's words for each of ``typed``'s fields the store would refuse."""
    found = room_problems(name=typed["name"], audience=typed["audience"],
                          agreement=typed.get("agreement"))
    return {name: DETAILS_PROBLEMS[name] for name in found}


def _typed_details(form: FormData) -> dict[str, str]:
    """A group's settings form as typed. The agreement is kept (newlines and all) up to a
    little past its limit, so the admin sees their text again and trims it; plain text,
    shown escaped (join.html)."""
    return {"name": field(form, "name", ROOM_NAME_MAX + 80),
            "audience": field(form, "audience", 32),
            "agreement": field(form, "agreement", AGREEMENT_MAX + 500).replace("\r\n", "\n")}


async def room_action(request: Request) -> Response:
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    svc = services(request)
    form = await request.form()
    room = await svc.store.room(request.path_params["room"], include_archived=True)
    if room is None:
        return await _rooms(request, admin, 404, N_("There is no such group."))
    action = request.path_params["action"]
    handler = _ACTIONS.get(action)
    if handler is None:
        return await _rooms(request, admin, 404, NO_SUCH_ACTION)
    if not await csrf_ok(request):
        # What was typed into one of the group's forms comes back, to press Save again.
        read = _TYPED.get(action)
        if read is not None and not room.archived:
            return await _rooms(request, admin, 403, FORM_EXPIRED, typed=read(form),
                                room_id=room.id, form=action)
        return await _rooms(request, admin, 403, FORM_EXPIRED)
    if room.archived and action != "unarchive":
        return await _rooms(request, admin, 400, N_("This group is archived. Open it again "
                                                    "first to change it."))
    result = await handler(request, admin, room, form)
    if isinstance(result, Refusal):
        return await _rooms(request, admin, result.status, result.message, typed=result.typed,
                            errors=result.errors, room_id=room.id, form=action)
    return done("/admin/rooms", result, f"room-{room.id}")


async def _details(request: Request, admin: Staff, room: RoomRecord, form: FormData
                   ) -> str | Refusal:
    """The group's settings, one form: nothing is saved unless all of it is right, then
    whatever changed is saved (and audited) and nothing else."""
    typed = _typed_details(form)
    errors = _details_errors(typed)
    if errors:
        return Refusal(400, NOT_SAVED, typed, errors)
    store = services(request).store
    renamed = await manage.change_room(store, admin.username, room, typed["name"],
                                       typed["audience"])
    agreed = await manage.set_agreement(store, admin.username, room, typed["agreement"])
    if renamed and agreed:
        return "details"
    return "changed" if renamed else "agreement" if agreed else "unchanged"


async def _archive(request: Request, admin: Staff, room: RoomRecord, form: FormData
                   ) -> str | Refusal:
    # Archiving is tidying up, not an emergency stop: a group is archived once its
    # session is over. Closing a running group would cut a parent off mid-conversation,
    # perhaps mid-disclosure, with no facilitator left to follow up; so while anyone is
    # connected (in the group or its waiting room) it is refused in words, and the
    # facilitator ends the session first. (To remove one person, there are the room's
    # own tools; to stop a facilitator, disabling their account closes their
    # connections.) Once archived, nobody gets in: the join page, /api/join and staff
    # tokens refuse it, and a token from before is refused at hello (store.room leaves
    # archived rooms out). With several nodes the group may be running on another one:
    # while a live node holds its lease (a session there, or one in its grace period after
    # the last person left) it is refused the same way.
    svc = services(request)
    if await room_in_use(svc, room.id):
        return Refusal(409, IN_USE)
    await manage.set_archived(svc.store, admin.username, room, True)
    return "archived"


async def _unarchive(request: Request, admin: Staff, room: RoomRecord, form: FormData
                     ) -> str | Refusal:
    await manage.set_archived(services(request).store, admin.username, room, False)
    return "unarchived"


async def _assign(request: Request, admin: Staff, room: RoomRecord, form: FormData
                  ) -> str | Refusal:
    return await _assignment(request, admin, room, form, True)


async def _unassign(request: Request, admin: Staff, room: RoomRecord, form: FormData
                    ) -> str | Refusal:
    return await _assignment(request, admin, room, form, False)


async def _assignment(request: Request, admin: Staff, room: RoomRecord, form: FormData,
                      assigned: bool) -> str | Refusal:
    member = await services(request).store.staff_by_id(field(form, "staff", 64))
    if member is None:
        return Refusal(400, N_("Please choose a facilitator."))
    refused = await set_assigned(request, admin, room, member, assigned)
    if refused:
        return Refusal(400, refused)
    return "assigned" if assigned else "unassigned"


async def _rotate(request: Request, admin: Staff, room: RoomRecord, form: FormData
                  ) -> str | Refusal:
    await manage.rotate_invite(services(request).store, admin.username, room)
    return "rotated"


async def _revoke(request: Request, admin: Staff, room: RoomRecord, form: FormData
                  ) -> str | Refusal:
    svc = services(request)
    invite = await svc.store.invite(field(form, "code", 128))
    if invite is None or invite.room_id != room.id:
        return Refusal(404, N_("There is no such invite link."))
    await manage.revoke_invite(svc.store, admin.username, invite)
    return "revoked"


# Every action on a group: the schedule's (server/http/admin_schedule.py) are the same kind.
_ACTIONS: dict[str, RoomAction] = {
    "details": _details, "archive": _archive, "unarchive": _unarchive, "assign": _assign,
    "unassign": _unassign, "rotate": _rotate, "revoke": _revoke, **admin_schedule.ACTIONS}
# The forms whose typing comes back when they had expired (nothing typed is lost).
_TYPED: dict[str, Callable[[FormData], dict[str, str]]] = {
    "details": _typed_details, **admin_schedule.TYPED}

routes = [
    Route("/admin/rooms", rooms_page, methods=["GET"]),
    Route("/admin/rooms", create_room, methods=["POST"]),
    Route("/admin/rooms/{room}/{action}", room_action, methods=["POST"]),
]
