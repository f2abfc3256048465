"""server/rooms/names.py: cleaning names and chat text, and friendly pseudonyms."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.rooms import names
from server.rooms.names import (
    MAX_NAME,
    InvalidName,
    ReservedName,
    check_not_reserved,
    clean_chat,
    clean_name,
    pseudonym,
)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize(("raw", "clean"), [
    ("Ann", "Ann"),
    ("  Ann  ", "Ann"),
    ("Ann\t\n  Lee", "Ann Lee"),
    ("\u202eAnn\u202c", "Ann"),
    ("A\u200bn\u2060n", "Ann"),  # zero-width space and word joiner
    ("Ann\x00\x07\x1b", "Ann"),
    ("Zoe\u0301", "Zoé"),  # NFC: one character, as it looks
    ("👩\u200d👧", "👩\u200d👧"),  # the zero-width joiner of an emoji sequence stays
    ("<script>", "<script>"),  # text, not HTML: escaping is the page's job
    ("x" * MAX_NAME, "x" * MAX_NAME),
])
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\u202e\u202d", "\x00\x01\x7f", "\u200b\u2060",
                                 "x" * (MAX_NAME + 1), " " + "y" * (MAX_NAME + 1)])
def test_clean_name_refuses_empty_or_long_names(raw: str) -> None:
    with pytest.raises(InvalidName):
        clean_name(raw)


@given(st.text())
def test_a_clean_name_has_no_invisible_or_bidi_characters(raw: str) -> None:
    try:
        name = clean_name(raw)
    except InvalidName:
        return
    assert 1 <= len(name) <= MAX_NAME
    assert name == name.strip()
    assert not set(name) & set(BIDI)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name)
    assert "  " not in name
    assert clean_name(name) == name  # idempotent


def test_clean_chat_keeps_lines_and_drops_controls_and_bidi() -> None:
    assert clean_chat("  hello\r\nthere\rfriend  ") == "hello\nthere\nfriend"
    assert clean_chat("a\u202eb\u2066c\x07d\x1be") == "abcde"
    assert clean_chat("one\n\n\n\n\ntwo") == "one\n\ntwo"
    assert clean_chat("tab\there") == "tab\there"
    assert clean_chat("\u202e\u200b \n ") == ""
    assert clean_chat('<img src=x onerror="alert(1)">') == '<img src=x onerror="alert(1)">'


@given(st.text(max_size=300))
def test_clean_chat_never_grows_and_is_idempotent(raw: str) -> None:
    text = clean_chat(raw)
    assert len(text) <= len(raw)
    assert clean_chat(text) == text
    assert not set(text) & set(BIDI)
    assert "\r" not in text


def test_pseudonyms_are_two_friendly_words() -> None:
    names = {pseudonym() for _ in range(300)}
    assert len(names) > 50  # random, from 400 combinations
    for name in names:
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name), name
        assert clean_name(name) == name


@pytest.mark.parametrize("name", [
    "Facilitator Sam", "F4c1l1tat0r", "faci1itator", "Ｆａｃｉｌｉｔａｔｏｒ", "Мoderator",
    "moderator", "Admin", "Admin!", "Adm!n", "Mod", "Sam (host)", "Hearth Team", "Lead",
    "Safeguarding lead", "Calm Puffin", "calm  puff1n",
])
def test_a_parent_cannot_pass_as_a_facilitator(name: str) -> None:
    with pytest.raises(ReservedName, match="kept for the group's facilitators"):
        check_not_reserved(name, staff_names=["Calm Puffin"])


@pytest.mark.parametrize("name", [
    "Ann", "Modupe", "Leah", "Lola", "Hostess", "Staffy mum", "Zoë", "Ayesha", "Ola",
    "Gentle Otter", "👩\u200d👧",
])
def test_ordinary_names_are_left_alone(name: str) -> None:
    check_not_reserved(name, staff_names=["Calm Puffin"])


def test_a_made_up_name_avoids_the_staff_names() -> None:
    everyone_but_one = [f"{a} {n}" for a in names._ADJECTIVES for n in names._NOUNS][1:]
    assert {pseudonym(avoid=everyone_but_one) for _ in range(20)} == {"Gentle Robin"}
    # Compared as joining compares them: a staff member called "gentle r0bin" counts too.
    others = [*everyone_but_one[:-1], "gentle r0bin"]
    assert {pseudonym(avoid=others) for _ in range(20)} == {everyone_but_one[-1]}
    assert len(set(names.pseudonyms(6))) == 6
