"""Languages: English (UK), Polish and Urdu, for the pages and the browser's words alike.

One source of truth: every word a parent or a member of staff reads is an English message id,
marked where it is written (``_()`` and ``{% trans %}`` in templates, ``_``/``N_`` in Python,
``t()``/``tn()`` in ``web/static``), extracted by Babel into ``server/locale/messages.pot``
(``hearth i18n extract``) and translated in ``server/locale/<lang>/LC_MESSAGES/messages.po``.
The catalogues are read with Babel when the server starts (no compiled files are kept).

Which language: the ``hearth_lang`` cookie the switcher on every page sets, else the browser's
Accept-Language, else English. The cookie lasts for the browser session only: after a Quick
exit nothing on the device says for long that Hearth was open. The browser's words for a page
come from ``/i18n/<lang>.<hash>.json`` (only the messages ``web/static`` uses, cached for a year
under a name that changes with them), which ``web/static/i18n.js`` loads before any page script
draws anything.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Final, Literal

from babel.dates import format_date, format_skeleton
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.datastructures import Headers
from starlette.requests import cookie_parser

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "web" / "static"
COOKIE: Final = "hearth_lang"
DEFAULT: Final = "en"
# The keywords that mark a message, in JavaScript: t("…", {params}) and tn("one", "many", n).
JS_KEYWORDS: Final = {"t": None, "tn": (1, 2)}


@dataclass(frozen=True, slots=True)
class Language:
    code: str        # what the cookie and the catalogues use
    tag: str         # <html lang>
    name: str        # in its own words, for the switcher
    direction: str   # "ltr" or "rtl"


LANGUAGES: Final[Mapping[str, Language]] = {
    "en": Language("en", "en-GB", "English", "ltr"),
    "pl": Language("pl", "pl", "Polski", "ltr"),
    "ur": Language("ur", "ur", "اردو", "rtl"),
}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("hearth_language", default=DEFAULT)


def N_(message: str) -> str:  # the name Babel's extractor looks for
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


@functools.cache
def translations(code: str) -> NullTranslations:
    """The catalogue for ``code`` (English: the message ids themselves)."""
    path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if code == DEFAULT or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def current() -> Language:
    return LANGUAGES[_current.get()]


def use(code: str) -> contextvars.Token[str]:
    """Translate with ``code`` in this context (a request's page, a test)."""
    return _current.set(code if code in LANGUAGES else DEFAULT)


def babel_locale() -> str:
    """The page's language as Babel (CLDR) names it: "en_GB", "pl", "ur". Every date and
    time a page writes goes through ``when_words`` with it, so English is British
    everywhere ("8 Dec 2026", never "Dec 8, 2026")."""
    return current().tag.replace("-", "_")


# What ``when_words`` writes, as CLDR skeletons (each language orders and punctuates them
# its own way): a date, "8 Dec 2026"; a long one, "8 December 2026"; a day of the week,
# "Tuesday"; a month, "December 2026"; a clock time, "10:00"; and an instant with its zone's
# abbreviation: "Tue 8 Dec 10:00 GMT" (a meeting), "8 Dec 10:00 UTC", "8 Dec 2026 10:00 UTC".
WhenStyle = Literal["date", "long_date", "weekday", "month", "clock", "meeting", "day_time",
                    "date_time"]
_SKELETONS: Final[Mapping[str, tuple[str, ...]]] = {
    "date": ("yMMMd",), "long_date": ("yMMMMd",), "weekday": ("EEEE",), "month": ("yMMMM",),
    "clock": ("Hm",),
    "meeting": ("MMMEd", "Hm"), "day_time": ("MMMd", "Hm"), "date_time": ("yMMMd", "Hm"),
}
# A month on its own is named in the nominative ("marzec 2026", not "marca"): LLLL.
_DATE_FORMATS: Final[Mapping[str, str]] = {"date": "medium", "long_date": "long",
                                           "weekday": "EEEE", "month": "LLLL y"}


def when_words(value: date | datetime | time, style: WhenStyle = "date",
               zone: tzinfo | None = None) -> str:
    """A date, a time or an instant in the page's language: the one way pages write them.
    An instant (a ``datetime``; naive ones are UTC, as SQLite hands them back) is written
    on ``zone``'s clock, followed by the zone's abbreviation ("GMT", "PKT")."""
    locale = babel_locale()
    if isinstance(value, datetime):
        value = (value.replace(tzinfo=UTC) if value.tzinfo is None else value)
        value = value.astimezone(zone or UTC)
        words = [format_skeleton(skeleton, value, tzinfo=value.tzinfo, locale=locale)
                 for skeleton in _SKELETONS[style]]
        if style in ("meeting", "day_time", "date_time"):
            words.append(value.tzname() or "")
        return " ".join(word for word in words if word)
    if isinstance(value, date):
        return format_date(value, _DATE_FORMATS.get(style, "medium"), locale=locale)
    return format_skeleton("Hm", value, locale=locale)


def gettext(message: str, **params: Any) -> str:
    text = translations(_current.get()).ugettext(message)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(_current.get()).ungettext(singular, plural, n)
    return text.format(n=n, **params)


_ = gettext


@dataclass(frozen=True, slots=True)
class Phrase:
    """A message marked with ``N_`` and the values of its ``%(name)s`` placeholders, kept
    as they are until shown: ``tr()`` in a template translates the message, then fills it
    in (a field's problem that names a limit, set in Python, shown in the page's language)."""

    message: str
    params: Mapping[str, Any]


# What a page may show in words: a message, or one with its placeholders' values.
Words = str | Phrase


def tr(value: Words) -> str:
    """Templates' ``tr()``: a message held in a variable, translated. A plain message is
    never %-formatted (so a "%" in it is shown as it is); a ``Phrase`` is filled in."""
    if isinstance(value, Phrase):
        return gettext(value.message) % dict(value.params)
    return gettext(value)


OTHER_LANGUAGE: Final = N_("Another language")


def language_name(code: str) -> str:
    """A language as a reader sees it: named in itself (English, Polski, اردو), and a code
    Hearth has no pages in as "Another language" in the page's language (a one-to-one
    request's language, on the coordinator's and the lead's pages)."""
    return LANGUAGES[code].name if code in LANGUAGES else tr(OTHER_LANGUAGE)


def _accepted(header: str) -> list[str]:
    """Accept-Language's language tags, most wanted first ("ur-PK;q=0.9" -> "ur-PK")."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _sep, rest = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", rest)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _q, _i, tag in sorted(weighted)]


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The language for a request: the switcher's cookie, else the browser's first
    supported language (a region such as ``pl-PL`` counts for ``pl``), else English."""
    if cookie in LANGUAGES:
        return str(cookie)
    for tag in _accepted(accept_language or ""):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


# -- the browser's words --------------------------------------------------------------------


@functools.cache
def js_messages() -> tuple[str | tuple[str, ...], ...]:
    """Every message ``web/static`` marks with t() or tn(), in file order."""
    found: dict[str | tuple[str, ...], None] = {}
    for path in sorted(STATIC_DIR.glob("*.js")):
        with path.open("rb") as source:
            for _line, message, _comments, _context in extract(
                    "javascript", source, keywords=JS_KEYWORDS):
                found[message if isinstance(message, str) else tuple(message)] = None
    return tuple(found)


def _browser_catalogue(code: str) -> dict[str, str | list[str]]:
    """msgid -> translation (a list of plural forms for tn), for what the browser shows."""
    table = translations(code)
    words: dict[str, str | list[str]] = {}
    catalog = getattr(table, "_catalog", {})
    for message in js_messages():
        if isinstance(message, str):
            # Present when translated, even where the translation is the same words.
            if catalog.get(message):
                words[message] = str(catalog[message])
        else:
            forms = [catalog.get((message[0], k)) for k in range(_plural_count(table))]
            if all(forms):
                words[message[0]] = [str(form) for form in forms]
    return words


def _plural_count(table: NullTranslations) -> int:
    """How many plural forms the catalogue's own Plural-Forms header gives."""
    header = getattr(table, "_info", {}).get("plural-forms", "")
    found = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(found.group(1)) if found else 2


@functools.cache
def browser_words(code: str) -> tuple[bytes, str]:
    """The JSON of the browser's words in ``code``, and its content hash (for the URL)."""
    body = json.dumps(_browser_catalogue(code), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:10]


def browser_words_url(code: str) -> str | None:
    """Where the page's scripts find their words (None for English: the ids are the words)."""
    if code == DEFAULT:
        return None
    return f"/i18n/{code}.{browser_words(code)[1]}.json"


class LanguageMiddleware:
    """Choose each HTTP request's language before anything else runs (pages, and the words
    Python puts into them), from the switcher's cookie and Accept-Language."""

    def __init__(self, app: Any, cookie: str = COOKIE) -> None:
        self.app = app
        self.cookie = cookie  # its name as set: with the __Host- prefix behind TLS

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            cookie = cookie_parser(headers.get("cookie", "")).get(self.cookie)
            use(choose(cookie, headers.get("accept-language")))
        await self.app(scope, receive, send)
