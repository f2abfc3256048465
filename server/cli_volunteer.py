"""``hearth volunteer list|show|train|untrain|supervision|supervisor-of|modules``: volunteers'
training and supervision from the command line, for an operator importing a term's
certificates::

    hearth volunteer modules
    hearth volunteer train fran safeguarding_1 --on 2026-03-03
    hearth volunteer supervision fran 2027-01-15
    hearth volunteer supervisor-of fran cora
    hearth volunteer show fran
    hearth volunteer list

Every change goes through ``server/programme/manage.py`` (one audit entry each, actor
``command line``), and every command naming an account asks it whether that is a
volunteer's (``require_volunteer``). ``show`` never prints a lived-experience note, only
whether there is one: a terminal's scrollback is no place for it; it gives the hours they
have given in all (their debriefs and supervision notes are never printed).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from server.cli_common import CommandError
from server.programme import manage, reflective, training
from server.programme.hours import summarise
from server.programme.profile import supervision_state
from server.store.db import SqlStore, Staff

ACTIONS = ("list", "show", "train", "untrain", "supervision", "supervisor-of", "modules")


def add_parsers(commands: Any) -> None:
    """``hearth volunteer ...``."""
    volunteer = commands.add_parser(
        "volunteer", help="volunteers' training and supervision").add_subparsers(
        dest="action", required=True)
    volunteer.add_parser("list", help="every facilitator: training state and supervision")
    show = volunteer.add_parser("show", help="a facilitator's profile, training and supervision")
    show.add_argument("username")
    train = volunteer.add_parser("train", help="record a completed training module")
    train.add_argument("username")
    train.add_argument("module", help="the module's id, as volunteer modules lists it")
    train.add_argument("--on", metavar="YYYY-MM-DD", help="the day it was completed "
                                                          "(default today)")
    untrain = volunteer.add_parser("untrain", help="remove a training record entered by "
                                                   "mistake")
    untrain.add_argument("username")
    untrain.add_argument("record", help="the record's id, as volunteer show lists it")
    supervise = volunteer.add_parser("supervision", help="set the next supervision's date")
    supervise.add_argument("username")
    supervise.add_argument("due", metavar="YYYY-MM-DD|none")
    supervisor = volunteer.add_parser(
        "supervisor-of", help="choose the coordinator who supervises them (and alone reads "
                              "their debriefs and supervision notes)")
    supervisor.add_argument("username")
    supervisor.add_argument("coordinator", metavar="COORDINATOR|none")
    volunteer.add_parser("modules", help="the training modules (required ones marked)")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what} {text!r} is not a date like 2026-03-03") from None


async def run(store: SqlStore, actor: str, member: Staff | None, args: argparse.Namespace,
              modules: tuple[training.Module, ...]) -> str:
    """One volunteer command (``member``: the account named, for those that name one);
    the line(s) to print."""
    if args.action == "modules":
        return "\n".join(
            f"{m.id}  {m.name()}  ({'required' if m.required else 'optional'}; "
            + (f"valid {m.valid_months} months" if m.valid_months else "does not expire") + ")"
            for m in modules)
    if args.action == "list":
        return await _listing(store, modules)
    assert member is not None
    try:
        manage.require_volunteer(member)
        if args.action == "train":
            on = _day(args.on, "--on") if args.on else training.today()
            record = await manage.record_training(store, actor, member, modules, args.module,
                                                  on)
            return (f"recorded {record.module} for {member.username}, completed "
                    f"{record.completed_on.isoformat()} ({record.id})")
        if args.action == "untrain":
            removed = await manage.remove_training(store, actor, member, args.record)
            if removed is None:
                raise CommandError(f"{member.username} has no training record "
                                     f"{args.record!r}")
            return f"removed {removed.id} ({removed.module}) from {member.username}"
        if args.action == "supervision":
            due = None if args.due.strip().lower() == "none" else _day(args.due, "date")
            changed = await manage.set_supervision(store, actor, member, due)
            said = due.isoformat() if due else "none"
            return (f"{member.username}'s next supervision: {said}"
                    + ("" if changed else " (unchanged)"))
        if args.action == "supervisor-of":
            return await _supervisor_of(store, actor, member, args.coordinator)
        return await _show(store, member, modules)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


async def _supervisor_of(store: SqlStore, actor: str, member: Staff, name: str) -> str:
    coordinator = None
    if name.strip().lower() != "none":
        coordinator = await store.staff_by_username(name)
        if coordinator is None:
            raise CommandError(f"there is no staff account called {name.strip().lower()!r}")
    changed = await manage.set_supervisor(store, actor, member, coordinator)
    said = coordinator.username if coordinator else "none (every coordinator reads)"
    return f"{member.username}'s supervisor: {said}" + ("" if changed else " (unchanged)")


async def _show(store: SqlStore, member: Staff, modules: tuple[training.Module, ...]) -> str:
    on = training.today()
    profile = await store.volunteers.profile(member.id)
    records = await store.volunteers.training(member.id)
    status = training.assess(modules, records, on)
    lines = [f"{member.username}: training {status.state}"
             + (" (can facilitate)" if status.ok else " (cannot facilitate while "
                                                       "HEARTH_REQUIRE_TRAINING is on)")]
    lines += [f"  {training.describe(m)}" for m in status.modules]
    lines.append("records:" if records else "records: none")
    lines += [f"  {r.id}  {r.module}  completed {r.completed_on.isoformat()}  "
              f"(recorded by {r.entered_by})" for r in records]
    due = profile.supervision_due
    lines.append(f"supervision: {due.isoformat() if due else 'not set'} "
                 f"({supervision_state(due, on)})")
    supervising = await reflective.supervisor(store, member, profile)
    lines.append(f"supervisor: {supervising.username}" if supervising
                 else "supervisor: none chosen (every coordinator reads their debriefs and "
                      "supervision notes)")
    lines.append(f"languages: {', '.join(profile.languages) or '-'}"
                 + (f"; other: {profile.other_languages}" if profile.other_languages else ""))
    lines.append(f"audiences: {', '.join(profile.audiences) or '-'}")
    lines.append(f"availability: {', '.join(profile.availability) or '-'}"
                 + (f"; {profile.availability_note}" if profile.availability_note else ""))
    lines.append("lived experience: "
                 + ("recorded (shown on the coordinator's page only)"
                    if profile.lived_experience else "none recorded"))
    given = summarise(await store.hours.entries(member.id))
    lines.append(f"hours given: {given.minutes // 60} h {given.minutes % 60:02d} min over "
                 f"{given.sessions} session(s)" if given.sessions else "hours given: none yet")
    return "\n".join(lines)


async def _listing(store: SqlStore, modules: tuple[training.Module, ...]) -> str:
    members = [m for m in await store.all_staff() if m.role == "facilitator"]
    if not members:
        return "no facilitators"
    ids = [m.id for m in members]
    records = await store.volunteers.training_for(ids)
    profiles = await store.volunteers.profiles(ids)
    on = training.today()
    width = max(len(m.username) for m in members)
    lines = [f"{'username':<{width}}  training  supervision  needs"]
    for member in members:
        status = training.assess(modules, records[member.id], on)
        due = profiles[member.id].supervision_due
        needs = "; ".join(training.describe(m) for m in status.required
                          if m.state != "current")
        lines.append(f"{member.username:<{width}}  {status.state:<8}  "
                     f"{(due.isoformat() if due else '-'):<11}  {needs or '-'}"
                     + ("  (disabled)" if member.disabled else ""))
    return "\n".join(lines)
