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
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from server.protocol import Resource

if TYPE_CHECKING:
    from server.store.records import SafeguardingRecords

CATEGORIES = ("help", "suicide", "self_harm", "harm_to_baby", "psychosis", "domestic_abuse",
              "immediate_danger", "substance_misuse")
AUDIENCES = ("*", "mothers", "fathers_partners", "everyone")

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
    resources: list[EntryData]
    note: str = ""


class InvalidDirectory(ValueError):
    """The directory data does not fit the schema; the message says where. ``entry`` (the
    index in ``resources``) and ``field`` say it for a form: ``field`` alone is a field
    of the whole directory (``checked``); neither, somewhere unknown."""

    def __init__(self, message: str, *, entry: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        self.field = field


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


def parse(raw: bytes | str | dict[str, Any]) -> DirectoryData:
    """Validate directory data (JSON text or a decoded object) or raise ``InvalidDirectory``."""
    try:
        if isinstance(raw, dict):
            data = msgspec.convert(raw, DirectoryData)
        else:
            data = msgspec.json.decode(raw, type=DirectoryData)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _located(exc) from None
    seen: set[str] = set()
    for n, entry in enumerate(data.resources):
        if entry.id in seen:
            raise InvalidDirectory(f"two entries have the id {entry.id!r}", entry=n,
                                   field="id")
        seen.add(entry.id)
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
    return data


# Good values put in place of a field ``parse`` refused, to ask it about the rest of the
# entry (``problems``); a field not here is left out instead (they are all optional).
_STAND_INS: dict[str, Any] = {"id": "x", "name": "x", "contact": "x", "categories": ["help"],
                              "audiences": ["*"], "languages": ["en"], "sms": "000"}


def _entry_problems(entry: Any, n: int) -> list[InvalidDirectory]:
    """Each field ``parse`` refuses in one entry: after each refusal the field gets a
    good stand-in (or is left out) and the entry is parsed again."""
    found: list[InvalidDirectory] = []
    trial = dict(entry) if isinstance(entry, dict) else entry
    for _ in range(len(EntryData.__struct_fields__) + 1):
        try:
            parse({"checked": "2000-01-01", "resources": [trial]})
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
    the whole directory's fields, each field of each entry, then what only the whole
    shows (two entries with one id). Still ``parse`` deciding every one (see
    ``_entry_problems``). Empty: ``parse(raw)`` succeeds."""
    found: list[InvalidDirectory] = []
    entries = raw.get("resources")
    if isinstance(entries, list):
        try:
            parse({**raw, "resources": []})
        except InvalidDirectory as exc:
            found.append(exc)
        for n, entry in enumerate(entries):
            found += _entry_problems(entry, n)
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
        return json.dumps(msgspec.to_builtins(self.data), indent=1, ensure_ascii=False)


class DirectoryStore:
    """The current directory: the admin's copy from the store, else the shipped file.

    Cached for ``ttl`` seconds, so another node's edit shows within a minute and
    starting a room costs no query.
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
            self._cached = Directory(parse(stored)) if stored else Directory.default()
            self._loaded_at = now
        return self._cached

    async def replace(self, data: DirectoryData, by: str, at: datetime) -> Directory:
        await self._records.save_directory(
            json.dumps(msgspec.to_builtins(data), ensure_ascii=False), by, at)
        self._cached = Directory(data)
        self._loaded_at = time.monotonic()
        return self._cached
