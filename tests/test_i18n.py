"""Languages (server/i18n.py, server/i18n_catalogue.py, docs/languages.md): the catalogues
match the sources and are complete, the language is chosen as documented, and the switcher
and the browser's words work over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.messages.pofile import read_po

from server import i18n
from server.i18n_catalogue import template
from tests.harness import Harness

LOCALE = Path(i18n.LOCALE_DIR)
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


def catalogue(code: str):  # type: ignore[no-untyped-def]
    with (LOCALE / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_the_catalogues_hold_every_marked_message_and_nothing_else() -> None:
    marked = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    with (LOCALE / "messages.pot").open("rb") as pot:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    assert marked == extracted, "run `hearth i18n extract` and translate what is new"
    assert len(marked) > 200  # the pages, the room and the browser's words are all marked


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_every_message_is_translated_with_the_same_placeholders(code: str) -> None:
    missing, mismatched = [], []
    for message in catalogue(code):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
            continue
        wanted = set().union(*(placeholders(i) for i in ids)) - {"n"}
        for text in strings:
            if placeholders(text) - {"n"} != wanted:
                mismatched.append((ids[0], text))
    assert not missing, f"{len(missing)} untranslated in {code}, e.g. {missing[:5]}"
    assert not mismatched, mismatched[:5]


@pytest.mark.parametrize(("cookie", "header", "chosen"), [
    (None, None, "en"),
    (None, "pl-PL,pl;q=0.9,en;q=0.5", "pl"),
    (None, "en-GB;q=0.4, ur-PK;q=0.9", "ur"),
    (None, "fr-FR, de;q=0.8", "en"),
    (None, "ur;q=0, pl;q=0.5", "pl"),
    ("ur", "pl", "ur"),
    ("xx", "pl", "pl"),
])
def test_the_language_is_the_switchers_then_the_browsers_then_english(
        cookie: str | None, header: str | None, chosen: str) -> None:
    assert i18n.choose(cookie, header) == chosen


@pytest.mark.parametrize(("code", "words"), [
    ("en", ("en_GB", "8 Dec 2026", "8 December 2026", "Tuesday", "09:05",
            "Tue 8 Dec 15:00 PKT", "8 Dec 10:00 UTC", "8 Dec 2026 10:00 UTC")),
    ("pl", ("pl", "8 gru 2026", "8 grudnia 2026", "wtorek", "09:05",
            "wt., 8 gru 15:00 PKT", "8 gru 10:00 UTC", "8 gru 2026 10:00 UTC")),
])
def test_dates_and_times_are_written_one_way_in_the_pages_language(
        code: str, words: tuple[str, ...]) -> None:
    instant = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    token = i18n.use(code)
    try:
        written = (i18n.babel_locale(), i18n.when_words(instant.date()),
                   i18n.when_words(instant.date(), "long_date"),
                   i18n.when_words(instant.date(), "weekday"),
                   i18n.when_words(time(9, 5), "clock"),
                   i18n.when_words(instant, "meeting", ZoneInfo("Asia/Karachi")),
                   # Naive: UTC, as SQLite hands times back.
                   i18n.when_words(instant.replace(tzinfo=None), "day_time"),
                   i18n.when_words(instant, "date_time"))
    finally:
        i18n._current.reset(token)
    assert written == words


def test_translations_follow_the_plural_rules() -> None:
    token = i18n.use("pl")
    try:
        forms = {i18n.ngettext("{n} minute", "{n} minutes", n) for n in (1, 2, 5)}
    finally:
        i18n._current.reset(token)
    assert len(forms) == 3  # Polish: minuta, minuty, minut


async def test_pages_speak_the_chosen_language_right_to_left_for_urdu(h: Harness) -> None:
    async with httpx.AsyncClient(base_url=h.server.http) as browser:
        page = await browser.get("/", headers={"Accept-Language": "ur-PK,ur;q=0.9"})
        assert '<html lang="ur" dir="rtl"' in page.text
        assert 'data-words="/i18n/ur.' in page.text
        english = await browser.get("/", headers={"Accept-Language": "en-GB"})
        assert '<html lang="en-GB" dir="ltr"' in english.text

        # The switcher: a session cookie, and back to the same page (never another site).
        switched = await browser.get("/language", params={"set": "pl", "next": "/login"})
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        cookie = switched.headers["set-cookie"].lower()
        assert "hearth_lang=pl" in cookie and "httponly" in cookie
        assert "max-age" not in cookie and "expires" not in cookie
        polish = await browser.get("/login", headers={"Accept-Language": "ur"})
        assert '<html lang="pl" dir="ltr"' in polish.text
        for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
            away = await browser.get("/language", params={"set": "ur", "next": elsewhere})
            assert away.headers["location"] == "/"

        # The browser's words: under a name that changes with them, cached for a year.
        url = re.search(r'data-words="([^"]+)"', page.text)
        assert url
        words = await browser.get(url.group(1))
        assert words.status_code == 200
        assert "immutable" in words.headers["cache-control"]
        # Every message the browser's modules mark, translated.
        marked = {m if isinstance(m, str) else m[0] for m in i18n.js_messages()}
        assert set(words.json()) == marked and len(marked) > 250
        assert (await browser.get("/i18n/ur.0000000000.json")).status_code == 404


# A button's visible words must be part of its accessible name in every language (WCAG 2.5.3,
# axe's label-content-name-mismatch): speech-input users say what they see.
VISIBLE_IN_NAME = [
    ("Report", "Report {name} to the facilitators"), ("Let in", "Let in {name}"),
    ("Turn away", "Turn away {name}"), ("Options", "Options for {name}"),
    ("Call", "Call {name}"), ("Text", "Text {name}"), ("Call", "Call 999"),
    ("Lower hand", "Lower hand for {name}"), ("Done", "Done: checked in with {name}"),
    ("Check in", "Check in with {name}: why"),
    ("Reset password", "Reset password for %(name)s"), ("Disable", "Disable %(name)s"),
    ("Remove", "Remove %(name)s from %(room)s"), ("Revoke", "Revoke this invite link of %(room)s"),
    ("Reset two-step login", "Reset two-step login of %(name)s"),
]


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_a_buttons_words_are_part_of_its_name_in_every_language(code: str) -> None:
    table = i18n.translations(code)
    marked = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    for visible, name in VISIBLE_IN_NAME:
        assert visible in marked and name in marked, (visible, name)  # still in the code
        assert table.ugettext(visible) in table.ugettext(name), (code, visible, name)
