"""The admin's signposting directory, ``/admin/directory``: a form for each entry (add
one, remove one), and the whole directory as JSON for the rare edit the form does not
cover.

One validator: the form is turned into the directory's JSON shape and given to
``directory.parse`` (through ``directory.problems``, which marks every entry's first
problem), exactly as the JSON editor and ``PUT /api/directory`` are. A problem is put
into plain words next to its field, and the form comes back as it was typed.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import manage
from server.http.admin_common import FORM_EXPIRED, admin_page, done, done_words, field
from server.http.common import services
from server.http.pages import csrf_ok, render
from server.i18n import N_
from server.safeguarding.directory import (
    AUDIENCES,
    CATEGORIES,
    DirectoryData,
    EntryData,
    InvalidDirectory,
    parse,
    problems,
)
from server.safeguarding.words import CATEGORY_WORDS
from server.store.db import Staff

# The form never holds more than this many entries (the shipped file has about twenty).
MAX_ENTRIES = 200
# A text field is cut here, past every limit of the schema, so a mistake is shown as typed.
FIELD_LIMIT = 400
TEXT_FIELDS = ("id", "name", "contact", "hours", "url", "tel", "sms", "sms_body", "languages")
OPTIONAL = ("hours", "url", "tel", "sms", "sms_body")

CATEGORY_CHOICES = {"help": N_("asking for help"), **{c: CATEGORY_WORDS[c] for c in CATEGORIES
                                                       if c != "help"}}
AUDIENCE_CHOICES = {"*": N_("every group"), "mothers": N_("mums' groups"),
                    "fathers_partners": N_("dads' and partners' groups"),
                    "everyone": N_("groups open to all parents")}
# What each field needs, in words, shown next to it when parse refuses it.
FIELD_PROBLEMS = {
    "checked": N_("Please give the date you checked the directory as year-month-day, "
                  "for example 2026-12-06."),
    "note": N_("Please check this note."),
    "id": N_("Please give a short id of up to 40 lower-case letters, digits, dashes or "
             "underscores, different from every other entry's."),
    "name": N_("Please give the service's name (up to 200 characters)."),
    "contact": N_("Please say how to reach them as people should read it, such as "
                  "\"Call 0800 123 456\" (up to 200 characters)."),
    "categories": N_("Please tick at least one situation it is shown for."),
    "audiences": N_("Please tick at least one kind of group."),
    "hours": N_("Please keep the opening hours under 200 characters."),
    "url": N_("Please give a web address that starts with https:// and has no spaces."),
    "tel": N_("Please give the number to call as 3 to 15 digits (spaces are fine), with a "
              "+ first for an international number."),
    "sms": N_("Please give the number to text as 3 to 15 digits (spaces are fine). A "
              "message to text needs a number to send it to."),
    "sms_body": N_("Please keep the message to text to 40 letters, digits and spaces."),
    "languages": N_("Please give at least one language as a short code, such as en, pl or "
                    "ur, separated by commas."),
}
ENTRY_PROBLEM = N_("Please check this entry: something in it is not right.")
DONE = {"saved": N_("Saved. Rooms starting from now use the new directory.")}
NOT_SAVED = N_("Not saved: please see the marked fields below.")


def _view(entry: EntryData) -> dict[str, Any]:
    """An entry as the form shows it: text fields as strings, the lists as ticks."""
    return {"id": entry.id, "name": entry.name, "contact": entry.contact,
            "hours": entry.hours or "", "url": entry.url or "", "tel": entry.tel or "",
            "sms": entry.sms or "", "sms_body": entry.sms_body or "",
            "languages": ", ".join(entry.languages), "categories": list(entry.categories),
            "audiences": list(entry.audiences), "interpreting": entry.interpreting,
            "pending": entry.pending}


def _blank() -> dict[str, Any]:
    return {**{name: "" for name in TEXT_FIELDS}, "languages": "en", "categories": [],
            "audiences": ["*"], "interpreting": False, "pending": False}


def _from_form(form: FormData) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The directory's fields and the entries, as typed."""
    top = {"checked": field(form, "checked", 20).strip(),
           "note": field(form, "note", 4000).strip()}
    try:
        count = min(int(field(form, "entries", 4)), MAX_ENTRIES)
    except ValueError:
        count = 0
    entries = []
    for n in range(count):
        key = f"e{n}-"
        entry: dict[str, Any] = {name: field(form, key + name, FIELD_LIMIT).strip()
                                 for name in TEXT_FIELDS}
        entry["categories"] = [c for c in form.getlist(key + "categories") if c in CATEGORIES]
        entry["audiences"] = [a for a in form.getlist(key + "audiences") if a in AUDIENCES]
        entry["interpreting"] = bool(form.get(key + "interpreting"))
        entry["pending"] = bool(form.get(key + "pending"))
        entries.append(entry)
    return top, entries


def _document(top: dict[str, str], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The directory's JSON shape from the form, for ``parse``: empty optional fields
    left out, spaces taken out of the numbers (people type them so), the languages
    split at commas or spaces."""
    resources = []
    for view in entries:
        entry: dict[str, Any] = {"id": view["id"], "name": view["name"],
                                 "contact": view["contact"],
                                 "categories": view["categories"],
                                 "audiences": view["audiences"],
                                 "languages": [code for code in
                                               re.split(r"[\s,]+", view["languages"]) if code]}
        for name in OPTIONAL:
            value = view[name].replace(" ", "") if name in ("tel", "sms") else view[name]
            if value:
                entry[name] = value
        if view["interpreting"]:
            entry["interpreting"] = True
        if view["pending"]:
            entry["pending"] = True
        resources.append(entry)
    document: dict[str, Any] = {"checked": top["checked"], "resources": resources}
    if top["note"]:
        document["note"] = top["note"]
    return document


def _errors(found: list[InvalidDirectory]) -> tuple[dict[str, str], dict[int, dict[str, str]]]:
    """``problems`` in words: (the directory's fields, each entry's fields)."""
    top: dict[str, str] = {}
    entries: dict[int, dict[str, str]] = {}
    for problem in found:
        if problem.entry is None:
            name = problem.field if problem.field in ("checked", "note") else "note"
            top[name] = FIELD_PROBLEMS[name]
            continue
        name = problem.field if problem.field in FIELD_PROBLEMS else "entry"
        entries.setdefault(problem.entry, {})[name] = FIELD_PROBLEMS.get(name,
                                                                         ENTRY_PROBLEM)
    return top, entries


async def directory_page(request: Request) -> Response:
    """The page; a post here is the JSON editor's (the field ``directory``)."""
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    if request.method == "GET":
        return await _page(request, admin)
    form = await request.form()
    text = field(form, "directory", 200_000)
    if not await csrf_ok(request):
        return await _page(request, admin, 403, FORM_EXPIRED, text=text)
    try:
        data = parse(text)
    except InvalidDirectory as exc:
        return await _page(request, admin, 400, f"Not saved: {exc}", text=text)
    await manage.save_directory(services(request).directory_store, admin.username, data)
    return done("/admin/directory", "saved")


async def directory_form(request: Request) -> Response:
    """The form of entries: Save, or Add an entry / Remove (which change the form only,
    until it is saved)."""
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    form = await request.form()
    top, entries = _from_form(form)
    if not await csrf_ok(request):
        return await _page(request, admin, 403, FORM_EXPIRED, typed=(top, entries))
    action = field(form, "action", 20)
    if action == "add" and len(entries) < MAX_ENTRIES:
        entries.append(_blank())
        return await _page(request, admin, message=N_(
            "A new entry is at the end of the form. Nothing is saved until you press Save."),
            typed=(top, entries), focus=f"e{len(entries) - 1}-name")
    if action.startswith("remove-"):
        index = action.removeprefix("remove-")
        if index.isdigit() and int(index) < len(entries):
            del entries[int(index)]
        return await _page(request, admin, message=N_(
            "The entry is taken out of the form. Nothing is saved until you press Save."),
            typed=(top, entries))
    document = _document(top, entries)
    found = problems(document)
    if found:
        top_errors, entry_errors = _errors(found)
        return await _page(request, admin, 400, NOT_SAVED, typed=(top, entries),
                           top_errors=top_errors, entry_errors=entry_errors)
    await manage.save_directory(services(request).directory_store, admin.username,
                                parse(document))
    return done("/admin/directory", "saved")


async def _page(request: Request, admin: Staff, status: int = 200,
                message: str | None = None, *, text: str | None = None,
                typed: tuple[dict[str, str], list[dict[str, Any]]] | None = None,
                top_errors: dict[str, str] | None = None,
                entry_errors: dict[int, dict[str, str]] | None = None,
                focus: str = "") -> Response:
    directory = await services(request).directory_store.current()
    data: DirectoryData = directory.data
    top, entries = typed if typed is not None else (
        {"checked": data.checked, "note": data.note}, [_view(e) for e in data.resources])
    return await render(
        request, "admin_directory.html", status=status, staff=admin, message=message,
        directory=directory, top=top, entries=entries, top_errors=top_errors or {},
        entry_errors=entry_errors or {}, focus=focus,
        text=text if text is not None else directory.to_json(), json_open=text is not None,
        category_choices=CATEGORY_CHOICES, audience_choices=AUDIENCE_CHOICES,
        **done_words(request, DONE))


routes = [
    Route("/admin/directory", directory_page, methods=["GET", "POST"]),
    Route("/admin/directory/entries", directory_form, methods=["POST"]),
]
