"""Who sees whose camera, and which of a viewer's fixed video slots shows it. Pure.

Invariant 4: in focus mode (the default) a participant's camera reaches facilitators
only; facilitators' cameras reach everyone in the room. With focus off, a participant's
camera reaches the group once she has said yes to it (``MediaSeat.shared``), and only
the facilitators until then; she sees the others. Nobody in the lobby sees anything,
and a camera counts only while its owner is in the room with video on and the server
is receiving it.

Slots are assigned stably: a camera that stays visible keeps its slot, so switching
one camera on or off never moves the others (and never renegotiates anything).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from server.rooms.types import MediaSeat, MediaView

# slot index -> participant shown there (None: empty)
Slots = tuple[str | None, ...]


def visible_to(view: MediaView, publishing: Collection[str]) -> dict[str, list[str]]:
    """For each viewer in the room, the cameras they may see, in order of priority:
    facilitators first, then in the order people arrived."""
    in_room = [seat for seat in view.seats if seat.place == "room"]
    if not any(seat.staff for seat in in_room):
        return {}  # a paused room (invariant 2): no facilitator, nobody sees anyone
    cameras = sorted((seat for seat in in_room
                      if seat.video and seat.participant_id in publishing),
                     key=lambda seat: not seat.staff)
    result: dict[str, list[str]] = {}
    for viewer in in_room:
        result[viewer.participant_id] = [
            camera.participant_id for camera in cameras
            if camera.participant_id != viewer.participant_id and _may_see(view, viewer, camera)]
    return result


def _may_see(view: MediaView, viewer: MediaSeat, camera: MediaSeat) -> bool:
    return camera.staff or viewer.staff or (not view.focus and camera.shared)


def assign(previous: Slots, wanted: Sequence[str], slots: int) -> Slots:
    """Fill ``slots`` slots with the first ``slots`` of ``wanted``, keeping places stable."""
    shown = list(wanted[:slots])
    keep = set(shown)
    result: list[str | None] = [
        person if person in keep else None
        for person in (list(previous) + [None] * slots)[:slots]]
    placed = {person for person in result if person is not None}
    free = (index for index, person in enumerate(result) if person is None)
    for person in shown:
        if person not in placed:
            result[next(free)] = person
    return tuple(result)


def assign_all(previous: Mapping[str, Slots], view: MediaView, publishing: Collection[str],
               slots: Mapping[str, int]) -> dict[str, Slots]:
    """New slot assignments for every viewer with slots (``slots``: viewer -> how many)."""
    wanted = visible_to(view, publishing)
    return {viewer: assign(previous.get(viewer, ()), wanted.get(viewer, []), count)
            for viewer, count in slots.items()}
