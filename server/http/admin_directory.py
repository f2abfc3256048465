"""The admin's signposting directory, ``/admin/directory``: a form for each entry (add
one, remove one), and the whole directory as JSON for the rare edit the form does not
cover.

One validator: the form is turned into the directory's JSON shape and given to
``directory.parse`` (through ``directory.problems``, which marks every entry's first
problem), exactly as the JSON editor and ``PUT /api/directory`` are, with the same limits
(``directory.MAX_ENTRIES``, ``NOTE_MAX``, ``MAX_BYTES``): nothing is cut to fit. A problem
is put into plain words next to its field (the JSON editor's, next to the editor), and the
form comes back as it was typed.
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
from server.i18n import N_, Phrase, Words
from server.safeguarding.directory import (
    AUDIENCES,
    CATEGORIES,
    MAX_BYTES,
    MAX_ENTRIES,
    NOTE_MAX,
    DirectoryData,
    EntryData,
    InvalidDirectory,
    parse,
    problems,
)
from server.safeguarding.words import CATEGORY_WORDS
from server.store.db import Staff

# What the form reads of a field: past every limit of the schema (the longest is a web
# address's 308 characters; the note's is NOTE_MAX), so whatever is cut here was too long
# already and is refused in words, and a mistake is shown as typed.
FIELD_LIMIT = 400
NOTE_LIMIT = NOTE_MAX + 500
TEXT_FIELDS = ("id", "name", "contact", "hours", "url", "tel", "sms", "sms_body", "languages")
OPTIONAL = ("hours", "url", "tel", "sms", "sms_body")
# The most fields the entries' form has (Starlette's form parser stops at 1,000 unless
# told): each entry's text fields, every tick and two checkboxes, for one entry past the
# limit, and the form's own few.
FORM_FIELDS = (MAX_ENTRIES + 1) * (len(TEXT_FIELDS) + len(CATEGORIES) + len(AUDIENCES) + 2) + 16

CATEGORY_CHOICES = {"help": N_("asking for help"), **{c: CATEGORY_WORDS[c] for c in CATEGORIES
                                                       if c != "help"}}
AUDIENCE_CHOICES = {"*": N_("every group"), "mothers": N_("mums' groups"),
                    "fathers_partners": N_("dads' and partners' groups"),
                    "everyone": N_("groups open to all parents")}
# What each field needs, in words, shown next to it when parse refuses it.
FIELD_PROBLEMS: dict[str, Words] = {
    "checked": N_("Please give the date you checked the directory as year-month-day, "
                  "for example 2026-12-06."),
    "note": Phrase(N_("Please keep the note to %(max)s characters or fewer."),
                   {"max": NOTE_MAX}),
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
# What only the whole directory shows, in words (``InvalidDirectory.field``).
NO_HELP: dict[str, str] = {
    "mothers": N_("People in mums' groups would be shown no crisis contact when they ask "
                  "for help or a message of theirs is held. Please keep at least one entry "
                  "for \"asking for help\", shown in mums' groups or every group, that is not "
                  "a gap to fill."),
    "fathers_partners": N_("People in dads' and partners' groups would be shown no crisis "
                           "contact when they ask for help or a message of theirs is held. "
                           "Please keep at least one entry for \"asking for help\", shown in "
                           "dads' and partners' groups or every group, that is not a gap to "
                           "fill."),
    "everyone": N_("People in groups open to all parents would be shown no crisis contact "
                   "when they ask for help or a message of theirs is held. Please keep at "
                   "least one entry for \"asking for help\", shown in groups open to all "
                   "parents or every group, that is not a gap to fill."),
}
TOO_MANY = Phrase(N_("The directory can hold up to %(max)s entries. Please remove some."),
                  {"max": MAX_ENTRIES})
TOO_LARGE = N_("The directory is too long to save. Please shorten some entries or remove "
               "some.")
NOT_READ = N_("This is not JSON in the shape Hearth reads. Please check the brackets, commas, "
              "quotation marks and the fields' names.")
DONE = {"saved": N_("Saved. Rooms starting from now use the new directory.")}
NOT_SAVED = N_("Not saved: please see the marked fields below.")
NOT_SAVED_ENTRY = N_("Not saved: entry number %(number)s in the JSON below (counting from the "
                     "top) needs a change.")
NOT_SAVED_JSON = N_("Not saved: the JSON below needs a change.")


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
    """The directory's fields and the entries, as typed (one entry past the limit at
    most: enough for ``parse`` to refuse too many in words)."""
    top = {"checked": field(form, "checked", 20).strip(),
           "note": field(form, "note", NOTE_LIMIT).strip()}
    try:
        count = max(0, min(int(field(form, "entries", 4)), MAX_ENTRIES + 1))
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


def _whole_words(problem: InvalidDirectory) -> Words:
    """A problem of the whole directory (not of one of its fields) in words."""
    if problem.field == "help" and problem.audience in NO_HELP:
        return NO_HELP[problem.audience]
    if problem.field == "resources":
        return TOO_MANY
    return TOO_LARGE if problem.field == "size" else NOT_READ


def _field_words(problem: InvalidDirectory) -> Words:
    """What is wrong, in the words of the field (or the whole) ``problem`` is about."""
    if problem.entry is not None:
        return FIELD_PROBLEMS.get(problem.field or "", ENTRY_PROBLEM)
    if problem.field in ("checked", "note"):
        return FIELD_PROBLEMS[problem.field]
    return _whole_words(problem)


Errors = tuple[dict[str, Words], list[Words], dict[int, dict[str, Words]]]


def _errors(found: list[InvalidDirectory]) -> Errors:
    """``problems`` in words: (the directory's fields, the whole directory's problems,
    each entry's fields)."""
    top: dict[str, Words] = {}
    whole: list[Words] = []
    entries: dict[int, dict[str, Words]] = {}
    for problem in found:
        words = _field_words(problem)
        if problem.entry is not None:
            name = problem.field if problem.field in FIELD_PROBLEMS else "entry"
            entries.setdefault(problem.entry, {})[name] = words
        elif problem.field in ("checked", "note"):
            top[problem.field] = words
        elif words not in whole:
            whole.append(words)
    return top, whole, entries


async def directory_page(request: Request) -> Response:
    """The page; a post here is the JSON editor's (the field ``directory``)."""
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    if request.method == "GET":
        return await _page(request, admin)
    form = await request.form()
    # Past MAX_BYTES (at least as many bytes as characters) parse refuses it in words.
    text = field(form, "directory", MAX_BYTES + 1)
    if not await csrf_ok(request):
        return await _page(request, admin, 403, FORM_EXPIRED, text=text)
    try:
        data = parse(text)
    except InvalidDirectory as exc:
        message = (Phrase(NOT_SAVED_ENTRY, {"number": exc.entry + 1})
                   if exc.entry is not None else NOT_SAVED_JSON)
        return await _page(request, admin, 400, message, text=text,
                           json_error=_field_words(exc))
    await manage.save_directory(services(request).directory_store, admin.username, data)
    return done("/admin/directory", "saved")


async def directory_form(request: Request) -> Response:
    """The form of entries: Save, or Add an entry / Remove (which change the form only,
    until it is saved)."""
    admin = await admin_page(request)
    if isinstance(admin, Response):
        return admin
    form = await request.form(max_fields=FORM_FIELDS)  # kept for csrf_ok's look too
    top, entries = _from_form(form)
    if not await csrf_ok(request):
        return await _page(request, admin, 403, FORM_EXPIRED, typed=(top, entries))
    action = field(form, "action", 20)
    if action == "add" and len(entries) >= MAX_ENTRIES:
        return await _page(request, admin, 400, TOO_MANY, typed=(top, entries))
    if action == "add":
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
        top_errors, whole_errors, entry_errors = _errors(found)
        return await _page(request, admin, 400, NOT_SAVED, typed=(top, entries),
                           top_errors=top_errors, whole_errors=whole_errors,
                           entry_errors=entry_errors)
    await manage.save_directory(services(request).directory_store, admin.username,
                                parse(document))
    return done("/admin/directory", "saved")


async def _page(request: Request, admin: Staff, status: int = 200,
                message: Words | None = None, *, text: str | None = None,
                json_error: Words | None = None,
                typed: tuple[dict[str, str], list[dict[str, Any]]] | None = None,
                top_errors: dict[str, Words] | None = None,
                whole_errors: list[Words] | None = None,
                entry_errors: dict[int, dict[str, Words]] | None = None,
                focus: str = "") -> Response:
    directory = await services(request).directory_store.current()
    data: DirectoryData = directory.data
    top, entries = typed if typed is not None else (
        {"checked": data.checked, "note": data.note}, [_view(e) for e in data.resources])
    return await render(
        request, "admin_directory.html", status=status, staff=admin, message=message,
        directory=directory, top=top, entries=entries, top_errors=top_errors or {},
        whole_errors=whole_errors or [], entry_errors=entry_errors or {}, focus=focus,
        text=text if text is not None else directory.to_json(), json_open=text is not None,
        json_error=json_error,
        category_choices=CATEGORY_CHOICES, audience_choices=AUDIENCE_CHOICES,
        **done_words(request, DONE))


routes = [
    Route("/admin/directory", directory_page, methods=["GET", "POST"]),
    Route("/admin/directory/entries", directory_form, methods=["POST"]),
]
