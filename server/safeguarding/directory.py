"""The signposting directory: crisis and support contacts kept as data.

Resources are chosen by category (``help`` for a plain help request, or a risk
category) and by the room's audience. A dads and partners' group is offered both
domestic-abuse lines: a female partner needs the National Domestic Abuse Helpline
as a mum does, and a man experiencing abuse the Men's Advice Line. Each entry
may carry the number to ring (``tel``) or text (``sms`` and ``sms_body``), so the
page can make them one tap on a phone, and the languages its service speaks. An
entry marked ``pending`` is a gap an admin has yet to fill with a verified
service (a dads' mental-health line, a service in Polish or Urdu): it is listed
for admins and never shown to a parent, because a made-up number is worse than
none. The shipped defaults are
``directory.json`` beside this module; an admin's edited copy is kept in the
database and wins over them. Either way it is dated, so whoever looks can see
when it was last checked.

``parse`` is the one validator, whichever way a directory comes (the admin's form,
the JSON editor, ``PUT /api/directory``, the stored copy, the shipped file), and the
limits below are the only ones: past them a directory is refused in words, never cut.
Besides each entry's fields it refuses two entries with one id, and a directory that
would leave the people of some kind of group with no crisis contact: a parent asking
for help, or whose message is held for their safety, is always shown the live (not
pending) entries for ``help`` of their group's audience, so every audience needs one.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from server.protocol import Resource

if TYPE_CHECKING:
    from server.store.records import SafeguardingRecords

log = logging.getLogger("hearth.directory")

CATEGORIES = ("help", "suicide", "self_harm", "harm_to_baby", "psychosis", "domestic_abuse",
              "immediate_danger", "substance_misuse")
# The groups' audiences (the rooms' own, server/store/db.py AUDIENCES); "*" is every group.
ROOM_AUDIENCES = ("mothers", "fathers_partners", "everyone")
AUDIENCES = ("*", *ROOM_AUDIENCES)

# The directory's limits, the same for the form, the JSON editor and the API. The shipped
# file has about twenty entries in under 5 kB; these leave room for a service's whole
# region of local teams and still make a page a phone shows at once.
MAX_ENTRIES = 200
NOTE_MAX = 4000
# The directory as JSON text in UTF-8, both as it is sent and as Hearth writes it (the
# JSON editor's text, indented): so whatever was saved can be saved again from the editor.
MAX_BYTES = 100_000

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Digits only (a leading + for an international number): what a tel: or sms: link dials.
Number = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{3,15}$")]
Language = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class EntryData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_-]{1,40}$")]
    name: Text
    contact: Text
    categories: list[str]
    audiences: list[str] = msgspec.field(default_factory=lambda: ["*"])
    hours: Text | None = None
    url: Annotated[str, msgspec.Meta(pattern=r"^https://\S{1,300}$")] | None = None
    tel: Number | None = None
    sms: Number | None = None
    sms_body: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9 ]{1,40}$")] | None = None
    languages: list[Language] = msgspec.field(default_factory=lambda: ["en"])
    interpreting: bool = False
    pending: bool = False


class DirectoryData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    checked: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    resources: Annotated[list[EntryData], msgspec.Meta(max_length=MAX_ENTRIES)]
    note: Annotated[str, msgspec.Meta(max_length=NOTE_MAX)] = ""


class InvalidDirectory(ValueError):
    """The directory data does not fit the schema; the message (English, for the API and
    the command line) says where. ``entry`` (the index in ``resources``) and ``field`` say
    it for a form to put into words: ``field`` alone is a field of the whole directory
    (``checked``, ``note``, ``resources`` for too many entries, ``size`` for too long a
    text, ``help`` for an ``audience`` left with no crisis contact); neither, somewhere
    unknown (not JSON, or a field the schema does not have)."""

    def __init__(self, message: str, *, entry: int | None = None,
                 field: str | None = None, audience: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        self.field = field
        self.audience = audience


# Where msgspec says a problem is: "... - at `$.resources[2].tel`" (or `$.checked`), or a
# missing field named in the message itself.
_AT = re.compile(r"at `\$(?:\.resources\[(\d+)\])?(?:\.(\w+))?")
_MISSING = re.compile(r"missing required field `(\w+)`")


def _located(exc: msgspec.ValidationError | msgspec.DecodeError) -> InvalidDirectory:
    message = str(exc)
    at = _AT.search(message)
    missing = _MISSING.search(message)
    entry = int(at.group(1)) if at and at.group(1) else None
    field = missing.group(1) if missing else at.group(2) if at else None
    return InvalidDirectory(message, entry=entry, field=field)


def directory_json(data: DirectoryData) -> str:
    """The directory as Hearth writes it for people to read and edit (the JSON editor)."""
    return json.dumps(msgspec.to_builtins(data), indent=1, ensure_ascii=False)


def _too_large(size: int) -> InvalidDirectory:
    return InvalidDirectory(f"the directory is {size} bytes of JSON; at most {MAX_BYTES}",
                            field="size")


def _decode(raw: bytes | str | dict[str, Any]) -> DirectoryData:
    """The schema alone: the fields' types, patterns and lengths."""
    if not isinstance(raw, dict):
        size = len(raw.encode() if isinstance(raw, str) else raw)
        if size > MAX_BYTES:
            raise _too_large(size)
    try:
        if isinstance(raw, dict):
            return msgspec.convert(raw, DirectoryData)
        return msgspec.json.decode(raw, type=DirectoryData)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _located(exc) from None


def _check_entry(entry: EntryData, n: int) -> None:
    """What the schema cannot say about one entry."""
    if not entry.categories or set(entry.categories) - set(CATEGORIES):
        raise InvalidDirectory(
            f"{entry.id}: categories must be some of {', '.join(CATEGORIES)}",
            entry=n, field="categories")
    if not entry.audiences or set(entry.audiences) - set(AUDIENCES):
        raise InvalidDirectory(f"{entry.id}: audiences must be some of {', '.join(AUDIENCES)}",
                               entry=n, field="audiences")
    if entry.sms_body and not entry.sms:
        raise InvalidDirectory(f"{entry.id}: sms_body needs the sms number to send it to",
                               entry=n, field="sms")
    if not entry.languages:
        raise InvalidDirectory(f"{entry.id}: languages needs at least one language",
                               entry=n, field="languages")


def _duplicates(ids: Iterable[object]) -> list[InvalidDirectory]:
    """Each entry whose id an earlier entry has already (the later one is marked)."""
    found, seen = [], set()
    for n, entry_id in enumerate(ids):
        if not isinstance(entry_id, str):
            continue
        if entry_id in seen:
            found.append(InvalidDirectory(f"two entries have the id {entry_id!r}", entry=n,
                                          field="id"))
        seen.add(entry_id)
    return found


def _uncovered(entries: Iterable[tuple[object, object, object]]) -> list[InvalidDirectory]:
    """Each kind of group whose people would be shown no crisis contact: no live entry
    for ``help`` is shown in it.
    ``entries``: each entry's (categories, audiences, pending), as typed."""
    covered: set[str] = set()
    for categories, audiences, pending in entries:
        if pending is True or not isinstance(categories, list) or "help" not in categories:
            continue
        if isinstance(audiences, list):
            covered |= {a for a in audiences if isinstance(a, str)}
    return [InvalidDirectory(f"people in {audience} groups would be shown no crisis contact: "
                             "no entry for help that is not pending is shown to them",
                             field="help", audience=audience)
            for audience in ROOM_AUDIENCES if not covered & {"*", audience}]


def parse(raw: bytes | str | dict[str, Any]) -> DirectoryData:
    """Validate directory data (JSON text or a decoded object) or raise ``InvalidDirectory``
    for the first problem: the schema, each entry, two entries with one id, an audience
    with no crisis contact, then the size of the whole as Hearth writes it."""
    data = _decode(raw)
    for n, entry in enumerate(data.resources):
        _check_entry(entry, n)
    whole = (_duplicates(e.id for e in data.resources)
             + _uncovered((e.categories, e.audiences, e.pending) for e in data.resources))
    if whole:
        raise whole[0]
    size = len(directory_json(data).encode())
    if size > MAX_BYTES:
        raise _too_large(size)
    return data


# Good values put in place of a field ``parse`` refused, to ask it about the rest of the
# entry (``problems``); a field not here is left out instead (they are all optional).
_STAND_INS: dict[str, Any] = {"id": "x", "name": "x", "contact": "x", "categories": ["help"],
                              "audiences": ["*"], "languages": ["en"], "sms": "000"}


def _entry_problems(entry: Any, n: int) -> list[InvalidDirectory]:
    """Each field ``parse`` refuses in one entry: after each refusal the field gets a
    good stand-in (or is left out) and the entry is checked again."""
    found: list[InvalidDirectory] = []
    trial = dict(entry) if isinstance(entry, dict) else entry
    for _ in range(len(EntryData.__struct_fields__) + 1):
        try:
            _check_entry(_decode({"checked": "2000-01-01", "resources": [trial]}).resources[0],
                         0)
            break
        except InvalidDirectory as exc:
            found.append(InvalidDirectory(str(exc), entry=n, field=exc.field))
            if not isinstance(trial, dict) or exc.field not in EntryData.__struct_fields__:
                break
            if exc.field in _STAND_INS:
                trial[exc.field] = _STAND_INS[exc.field]
            else:
                trial.pop(exc.field, None)
    return found


def problems(raw: dict[str, Any]) -> list[InvalidDirectory]:
    """Every problem a form can mark at once, not only the first one ``parse`` meets:
    the whole directory's fields, each field of each entry, and what only the whole
    shows (too many entries, two entries with one id, an audience with no crisis
    contact), whatever else is wrong. Still ``parse``'s rules deciding every one (see
    ``_entry_problems``); anything they leave (the size) is ``parse``'s to find last.
    Empty: ``parse(raw)`` succeeds."""
    found: list[InvalidDirectory] = []
    entries = raw.get("resources")
    if isinstance(entries, list):
        try:
            _decode({**raw, "resources": []})
        except InvalidDirectory as exc:
            found.append(exc)
        if len(entries) > MAX_ENTRIES:
            found.append(InvalidDirectory(f"at most {MAX_ENTRIES} entries", field="resources"))
        for n, entry in enumerate(entries):
            found += _entry_problems(entry, n)
        marked = {(p.entry, p.field) for p in found}
        found += [p for p in _duplicates(e.get("id") if isinstance(e, dict) else None
                                         for e in entries)
                  if (p.entry, p.field) not in marked]
        found += _uncovered((e.get("categories"), e.get("audiences", ["*"]),
                             e.get("pending", False))
                            for e in entries if isinstance(e, dict))
    if not found:
        try:
            parse(raw)
        except InvalidDirectory as exc:
            found.append(exc)
    return found


@dataclass(frozen=True, slots=True)
class Entry:
    resource: Resource
    categories: frozenset[str]
    audiences: frozenset[str]

    def fits(self, category: str, audience: str) -> bool:
        return category in self.categories and ("*" in self.audiences or audience in self.audiences)


class Directory:
    def __init__(self, data: DirectoryData) -> None:
        self.data = data
        self.checked = data.checked
        self.entries = [
            Entry(
                resource=Resource(name=e.name, contact=e.contact, hours=e.hours, url=e.url,
                                  tel=e.tel, sms=e.sms, sms_body=e.sms_body,
                                  languages=tuple(e.languages), interpreting=e.interpreting),
                categories=frozenset(e.categories), audiences=frozenset(e.audiences),
            )
            for e in data.resources if not e.pending
        ]
        self.pending = [e for e in data.resources if e.pending]

    @classmethod
    def default_data(cls) -> DirectoryData:
        return parse(resources.files("server.safeguarding").joinpath("directory.json").read_text())

    @classmethod
    def default(cls) -> Directory:
        return cls(cls.default_data())

    def lookup(self, categories: list[str] | tuple[str, ...],
               audience: str) -> tuple[Resource, ...]:
        """Resources for any of ``categories``, in file order, each once."""
        return tuple(
            e.resource for e in self.entries if any(e.fits(c, audience) for c in categories)
        )

    def for_help(self, audience: str) -> tuple[Resource, ...]:
        return self.lookup(("help",), audience)

    def to_json(self) -> str:
        return directory_json(self.data)


class DirectoryStore:
    """The current directory: the admin's copy from the store, else the shipped file.

    Cached for ``ttl`` seconds, so another node's edit shows within a minute and
    starting a room costs no query. A stored copy ``parse`` no longer takes (saved before
    a rule it breaks, such as every audience's crisis contact) gives way to the shipped
    file, with a warning in the log: a parent is never left without signposting.
    """

    def __init__(self, records: SafeguardingRecords, ttl: float = 60.0) -> None:
        self._records = records
        self._ttl = ttl
        self._cached: Directory | None = None
        self._loaded_at = 0.0

    async def current(self) -> Directory:
        now = time.monotonic()
        if self._cached is None or now - self._loaded_at > self._ttl:
            stored = await self._records.directory_data()
            self._cached = Directory.default()
            if stored:
                try:
                    self._cached = Directory(parse(stored))
                except InvalidDirectory as exc:
                    log.warning("the saved directory is refused, so the shipped one is in "
                                "use until an admin saves it again: %s", exc)
            self._loaded_at = now
        return self._cached

    async def replace(self, data: DirectoryData, by: str, at: datetime) -> Directory:
        await self._records.save_directory(
            json.dumps(msgspec.to_builtins(data), ensure_ascii=False), by, at)
        self._cached = Directory(data)
        self._loaded_at = time.monotonic()
        return self._cached
