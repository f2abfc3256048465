"""A facilitator's shortcuts (web/static/room.js): a word to everyone waiting, letting them
all in at once, and muting every parent's microphone, with a real server and Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.harness import Client, Harness
from tests.web.conftest import PHONE, OpenTab
from tests.web.test_browser import join, live_group, wait_in_lobby

pytestmark = pytest.mark.browser


async def test_a_word_to_the_waiting_room_then_everyone_let_in_at_once(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, ann = await tabs(), await tabs(viewport=PHONE)
    _, invite = await live_group(h, fac, facilitator_account, {"Ann": ann})
    waiting = [await tabs(viewport=PHONE), await tabs(viewport=PHONE)]
    for tab, name in zip(waiting, ("Bea", "Cat"), strict=True):
        await join(tab, invite, name)
        await wait_in_lobby(tab)
    await expect(fac.page.locator("#lobby li")).to_have_count(2)

    await fac.page.get_by_label("A word to everyone waiting").fill("We'll start in two minutes")
    await fac.page.get_by_role("button", name="Send to the waiting room").click()
    for tab in waiting:
        await expect(tab.page.locator("#lobby-note")).to_contain_text(
            "From the facilitator: We'll start in two minutes")
    await expect(fac.page.locator("#lobby-said")).to_contain_text("We'll start in two minutes")
    await ann.page.wait_for_timeout(300)
    await expect(ann.page.locator("main")).not_to_contain_text("two minutes")

    await fac.page.get_by_role("button", name="Let everyone in").click()
    for tab in waiting:
        await expect(tab.page.locator("#chat-text")).to_be_visible()
    await expect(fac.page.locator("#lobby li")).to_have_count(0)
    for tab in (fac, ann, *waiting):
        tab.assert_clean()


async def test_mute_everyone_asks_first_then_turns_every_microphone_off(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac = await tabs()
    _, invite = await live_group(h, fac, facilitator_account, {})
    # Two parents with their microphones on (protocol clients: the page only needs to see it).
    talkers = []
    for name in ("Dee", "Eve"):
        client = await h.participant(invite, name)
        await fac.page.get_by_role("button", name=f"Let in {name}").click()
        await client.expect("admitted")
        await client.send("media.state", audio=True, video=False)
        talkers.append(client)
    await expect(fac.page.locator("#people")).to_contain_text("Mic on")

    await fac.page.get_by_role("button", name="Mute everyone").click()
    ask = fac.page.get_by_role("dialog", name="Mute everyone?")
    await ask.get_by_role("button", name="Mute everyone").click()
    for client in talkers:
        muted = await client.expect("muted")
        assert muted["locked"] is False  # each can turn theirs on again
    await expect(fac.page.locator("#people")).not_to_contain_text("Mic on")
    for client in talkers:
        await client.close()
    fac.assert_clean()


async def test_the_facilitator_sees_each_persons_connection_and_parents_see_none(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    fac, ann = await tabs(), await tabs(viewport=PHONE)
    _, invite = await live_group(h, fac, facilitator_account, {"Ann": ann})
    # Ann's page answers the server's pings: good, in words a screen reader reads with
    # her row (the bars alone show it on screen).
    ann_row = fac.page.locator("#people li").filter(has_text="Ann")
    await expect(ann_row).to_contain_text("Good connection")
    await expect(ann_row.locator(".quality-good .visually-hidden")).to_have_text(
        "Good connection")
    assert "pong" in ann.sent_types()
    # A client that said it answers pings and never does (a phone gone into a tunnel):
    # weak once its first answer is overdue, lost after two rounds (the server measures
    # every 5 s), with the words on screen, not colour alone.
    eve = Client(await h.open())
    h.clients.append(eve)
    await eve.send("hello", token=(await h.join(invite, "Eve"))["token"], features=["ping"])
    await eve.expect("welcome")
    await fac.page.get_by_role("button", name="Let in Eve").click()
    await eve.expect("admitted")
    eve_words = fac.page.locator("#people li").filter(has_text="Eve").locator(".quality-words")
    # Weak settles after two rounds, just when lost arrives: on a busy machine a round runs
    # late and lost comes first (tests/signaling/test_quality.py steps through both).
    await expect(eve_words).to_have_text(re.compile("Weak connection|Connection lost"),
                                         timeout=12_000)
    await expect(eve_words).to_have_text("Connection lost", timeout=15_000)
    await expect(ann_row).to_contain_text("Good connection")
    # A parent never sees anyone's connection, nor is told it.
    await expect(ann.page.locator("#people")).to_contain_text("Eve")
    await expect(ann.page.locator("#people .quality")).to_have_count(0)
    assert not [m for m in eve.seen if m["type"] == "participant.quality"]
    await eve.close()
    fac.assert_clean()
    ann.assert_clean()
