"""Listening, microphone and camera in a real browser (issue 3, the web client's part).

Debian's headless Chromium with a fake microphone (a beeping tone) and camera, against
the real server and its mixer. The facilitator is a protocol client (tests/harness.py)
unless the test is about what a facilitator sees. A small recorder, added before any
page script runs, notes every RTCPeerConnection and device track the page makes, so the
tests read them without the page exposing anything of its own.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import WebSocketRoute, expect

from tests.harness import Client, Harness, ServerThread
from tests.web.conftest import PHONE, OpenTab, Tab, words
from tests.web.test_browser import chat_line, facilitate, join, person, say, wait_in_lobby

pytestmark = pytest.mark.browser

# Test-only: runs before the page's scripts (the CSP does not apply to it).
_RECORDER = """
(() => {
  const seen = { pcs: [], tracks: [] };
  Object.defineProperty(window, "__hearthTest", { value: seen });
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); seen.pcs.push(this); }
  };
  const devices = navigator.mediaDevices;
  const ask = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    seen.asked = [...(seen.asked ?? []), constraints];
    const stream = await ask(constraints);
    seen.tracks.push(...stream.getTracks());
    return stream;
  };
})();
"""

# The person says no to the microphone (the browser's prompt, or its settings).
_REFUSE_MICROPHONE = """
(() => {
  const devices = navigator.mediaDevices;
  const ask = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints) => constraints.audio
    ? Promise.reject(new DOMException("Permission denied", "NotAllowedError"))
    : ask(constraints);
})();
"""

INBOUND_AUDIO_BYTES = """
async () => {
  const pc = window.__hearthTest.pcs[0];
  let bytes = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") bytes += r.bytesReceived;
  });
  return bytes;
}
"""


# ---- steps ------------------------------------------------------------------------------

async def media_tab(tabs: OpenTab, *scripts: str) -> Tab:
    tab = await tabs(viewport=PHONE)
    for script in (_RECORDER, *scripts):
        await tab.context.add_init_script(script)
    return tab


async def admitted_page(h: Harness, tabs: OpenTab, name: str, *scripts: str
                        ) -> tuple[str, Client, Tab, str]:
    """A live room (a protocol-client facilitator) and a parent let in from the page.

    Returns (room id, facilitator, tab, the parent's participant id)."""
    room_id, invite = await h.room(name="Evening circle")
    fac = await h.facilitator(room_id, name="Fran")
    tab = await media_tab(tabs, *scripts)
    await join(tab, invite, name)
    await wait_in_lobby(tab)
    knock = await fac.expect("lobby.knock")
    participant = knock["participant"]["id"]
    await fac.send("lobby.admit", participant=participant)
    await expect(tab.page.locator("#chat-text")).to_be_visible()
    return room_id, fac, tab, participant


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str,
                     timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.1)


async def growing(read: Callable[[], Awaitable[int] | int], what: str,
                  timeout: float = 8.0) -> None:
    """``read()`` is above zero and then rises again: the stream flows, not a one-off."""
    async def value() -> int:
        got = read()
        return got if isinstance(got, int) else await got

    first = 0

    async def started() -> bool:
        nonlocal first
        first = await value()
        return first > 0

    await eventually(started, f"{what} above zero", timeout)
    await eventually(lambda: _above(value, first), f"{what} growing past {first}", timeout)


async def _above(value: Callable[[], Awaitable[int]], floor: int) -> bool:
    return await value() > floor


async def updated(fac: Client, participant: str, **fields: Any) -> dict[str, Any]:
    """The facilitator is told that ``participant`` now has ``fields``."""
    deadline = time.monotonic() + 5
    while True:
        message = await fac.expect("participant.updated", timeout=deadline - time.monotonic())
        about: dict[str, Any] = message["participant"]
        if about["id"] == participant and all(about[k] == v for k, v in fields.items()):
            return about


def frames_in(server: ServerThread, room_id: str, participant: str) -> int:
    """Frames of this person's microphone handed to the room's mixer so far (decoded, or
    known by their level alone)."""
    media = server.app.state.services.hub.media.room(room_id)
    peer = None if media is None else media.peers.get(participant)
    return 0 if peer is None else int(peer.frames_in)


def server_peer(server: ServerThread, room_id: str, participant: str) -> object | None:
    media = server.app.state.services.hub.media.room(room_id)
    return None if media is None else media.peers.get(participant)


def sent_of(tab: Tab, type_: str) -> list[dict[str, Any]]:
    return [frame for frame in tab.sent if frame.get("type") == type_]


def m_lines(sdp: str) -> list[tuple[str, str]]:
    """(kind, direction) of each media section of an SDP, in order."""
    sections = re.split(r"\r?\nm=", sdp)[1:]
    found = []
    for section in sections:
        kind = section.split(" ", 1)[0]
        direction = next(d for d in ("sendrecv", "sendonly", "recvonly", "inactive")
                         if f"a={d}" in section)
        found.append((kind, direction))
    return found


def track_states(tab: Tab) -> Awaitable[list[list[str]]]:
    """[kind, readyState] of every device track the page was given."""
    return tab.page.evaluate(
        "() => window.__hearthTest.tracks.map((t) => [t.kind, t.readyState])")


def toggle(tab: Tab, name: str) -> Any:
    return tab.page.locator("#media-panel").get_by_role("button", name=name)


# ---- tests ---------------------------------------------------------------------------------

async def test_chat_only_until_they_choose_to_listen_then_the_mix_plays(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    room_id, fac, tab, pid = await admitted_page(h, tabs, "Robin")
    page = tab.page

    # Chat only: nothing pressed, no peer connection, no offer, nothing asked of a device.
    for name in ("Listen to the group", "Microphone", "Camera"):
        await expect(toggle(tab, name)).to_have_attribute("aria-pressed", "false")
    await expect(page.locator("#media-hint")).to_contain_text("taking part by chat")
    await say(tab, "Hello, just reading tonight")
    await fac.expect("chat", text="Hello, just reading tonight")
    assert await page.evaluate("() => window.__hearthTest.pcs.length") == 0
    assert await page.evaluate("() => window.__hearthTest.asked ?? null") is None
    assert not sent_of(tab, "media.offer") and not sent_of(tab, "media.candidate")
    assert server_peer(server, room_id, pid) is None

    # Listen: one peer connection, offered in the order the server relies on.
    await toggle(tab, "Listen to the group").click()
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")
    await eventually(lambda: bool(sent_of(tab, "media.offer")), "a media.offer")
    offer = sent_of(tab, "media.offer")[0]["sdp"]
    slots = server.settings.video_slots
    assert m_lines(offer) == [("audio", "sendrecv"), ("video", "sendonly"),
                              *[("video", "recvonly")] * slots]
    assert await page.evaluate("() => window.__hearthTest.pcs.length") == 1
    # Candidates trickle as the protocol says, and never the end-of-candidates null.
    for candidate in sent_of(tab, "media.candidate"):
        assert candidate["candidate"].startswith("candidate:")
        assert isinstance(candidate["sdpMLineIndex"], int)

    # The room's mix arrives and keeps arriving, into an <audio> element.
    await growing(lambda: page.evaluate(INBOUND_AUDIO_BYTES), "inbound audio bytes")
    assert await page.evaluate(
        "() => document.getElementById('media-audio').srcObject?.getAudioTracks().length") == 1
    await expect(page.locator("#media-status")).to_have_text("You're listening to the group.")
    # Listening asks for no device and tells nobody anything.
    assert await page.evaluate("() => window.__hearthTest.asked ?? null") is None
    assert not sent_of(tab, "media.state")
    assert server_peer(server, room_id, pid) is not None

    # Stop listening: the connection closes, and the server lets go of its side.
    await toggle(tab, "Listen to the group").click()
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "false")
    assert await page.evaluate("() => window.__hearthTest.pcs[0].connectionState") == "closed"
    await eventually(lambda: server_peer(server, room_id, pid) is None, "the server's peer freed")
    await say(tab, "Still here in the chat")
    await fac.expect("chat", text="Still here in the chat")
    tab.assert_clean()


async def test_microphone_reaches_the_mixer_and_a_locked_mute_turns_it_off(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    room_id, fac, tab, pid = await admitted_page(h, tabs, "Wren")
    page = tab.page

    # Microphone straight away: it starts listening too, and asks for the microphone only.
    await toggle(tab, "Microphone").click()
    await expect(toggle(tab, "Microphone")).to_have_attribute("aria-pressed", "true")
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")
    assert await page.evaluate("() => window.__hearthTest.asked.map((c) => Boolean(c.video))") \
        == [False]
    assert await track_states(tab) == [["audio", "live"]]
    last = sent_of(tab, "media.state")[-1]
    assert (last["audio"], last["video"]) == (True, False)
    await updated(fac, pid, audio=True)
    # The server's mixer receives and decodes the page's microphone, frame after frame.
    await growing(lambda: frames_in(server, room_id, pid), "frames in at the mixer")
    # Chromium puts each packet's level in the RTP audio-level header, which the server
    # negotiated and reads: the mixer decodes only the voices it may mix by it.
    assert "urn:ietf:params:rtp-hdrext:ssrc-audio-level" in await page.evaluate(
        "() => window.__hearthTest.pcs[0].remoteDescription.sdp")
    decoder = getattr(server_peer(server, room_id, pid), "decoder", None)
    assert decoder is not None and decoder.level is not None and decoder.level <= 0
    await expect(person(tab, "Wren")).to_contain_text("Mic on")
    # The fake microphone beeps: the server hears speech, and the list shows it gently.
    await expect(person(tab, "Wren").locator(".badge.speaking")).to_have_text("Speaking")

    # The facilitator mutes and locks: the light goes off, the button waits.
    await fac.send("participant.mute", participant=pid, lock=True)
    await expect(toggle(tab, "Microphone")).to_have_attribute("aria-pressed", "false")
    await expect(toggle(tab, "Microphone")).to_be_disabled()
    await expect(page.locator("#media-hint")).to_contain_text("muted your microphone for now")
    assert await track_states(tab) == [["audio", "ended"]]
    await expect(person(tab, "Wren")).not_to_contain_text("Mic on")
    await updated(fac, pid, audio=False)
    # Nothing more reaches the mixer (a packet or two may still be on its way).
    settled = -1

    async def stopped() -> bool:
        nonlocal settled
        before = frames_in(server, room_id, pid)
        await asyncio.sleep(0.3)
        after = frames_in(server, room_id, pid)
        settled = after
        return after == before

    await eventually(stopped, "the microphone's frames stopping")
    assert settled > 0
    # Still listening through all of it.
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")

    # Allowed again: the button works, with a fresh track.
    await fac.send("participant.allow", participant=pid)
    await expect(toggle(tab, "Microphone")).to_be_enabled()
    await toggle(tab, "Microphone").click()
    await expect(toggle(tab, "Microphone")).to_have_attribute("aria-pressed", "true")
    await growing(lambda: frames_in(server, room_id, pid) - settled, "frames after allow")

    # The camera on its own toggle: asks for the camera only; a picture of themselves.
    await toggle(tab, "Camera").click()
    await expect(toggle(tab, "Camera")).to_have_attribute("aria-pressed", "true")
    assert sent_of(tab, "media.state")[-1]["audio"] is True
    assert sent_of(tab, "media.state")[-1]["video"] is True
    own = page.locator("#media-videos figure.self")
    await expect(own).to_be_visible()
    await expect(own.locator("figcaption")).to_have_text("You")
    await expect(page.locator("#media-hint")).to_contain_text("only the facilitators")
    await toggle(tab, "Camera").click()
    await expect(own).to_have_count(0)
    assert await track_states(tab) == [["audio", "ended"], ["audio", "live"],
                                       ["video", "ended"]]
    assert sent_of(tab, "media.state")[-1]["video"] is False
    tab.assert_clean()


async def test_a_refused_microphone_is_explained_kindly_and_chat_carries_on(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    room_id, fac, tab, pid = await admitted_page(h, tabs, "Hazel", _REFUSE_MICROPHONE)
    page = tab.page
    await toggle(tab, "Microphone").click()
    problem = page.get_by_role("alert").filter(has_text="didn't let Hearth use your microphone")
    await expect(problem).to_be_visible()
    await expect(problem).to_contain_text("you can still listen and chat")
    await expect(toggle(tab, "Microphone")).to_have_attribute("aria-pressed", "false")
    await expect(toggle(tab, "Microphone")).to_be_enabled()
    # Nobody was told the microphone was on; listening and chat carry on.
    assert not sent_of(tab, "media.state")
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")
    await growing(lambda: page.evaluate(INBOUND_AUDIO_BYTES), "inbound audio bytes")
    await expect(problem).to_be_visible()  # still there once the sound has connected
    await say(tab, "My mic won't work but I'm here")
    await fac.expect("chat", text="My mic won't work but I'm here")
    assert frames_in(server, room_id, pid) == 0
    tab.assert_clean()


async def test_quick_exit_turns_devices_off_and_closes_the_connection_first(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    room_id, fac, tab, pid = await admitted_page(h, tabs, "Ivy")
    events: list[str] = []

    def saw(event: str) -> None:
        events.append(event)

    await tab.context.expose_function("__hearthSaw", saw)
    await tab.context.add_init_script("""
      (() => {
        const stop = MediaStreamTrack.prototype.stop;
        MediaStreamTrack.prototype.stop = function () {
          if (this.readyState === "live") window.__hearthSaw(`stop ${this.kind}`);
          return stop.call(this);
        };
        const close = RTCPeerConnection.prototype.close;
        RTCPeerConnection.prototype.close = function () {
          window.__hearthSaw(`close ${this.connectionState}`);
          return close.call(this);
        };
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
          if (String(data).includes('"leave"')) window.__hearthSaw("leave");
          return send.call(this, data);
        };
      })();
    """)
    # The scripts above apply from the next load: a reload brings Ivy straight back in.
    await tab.page.reload()
    await expect(tab.page.locator("#chat-text")).to_be_visible()
    await toggle(tab, "Microphone").click()
    await toggle(tab, "Camera").click()
    await expect(toggle(tab, "Camera")).to_have_attribute("aria-pressed", "true")
    await growing(lambda: frames_in(server, room_id, pid), "frames in at the mixer")

    await tab.page.get_by_role("link", name="Quick exit").click()
    await tab.page.wait_for_url("https://www.bbc.co.uk/weather")
    await eventually(lambda: "leave" in events, "the page saying goodbye")
    # Both lights off and the connection closed, before the goodbye to the server.
    assert events[:4] == ["stop audio", "stop video", "close connected", "leave"], events
    await fac.expect("participant.left", id=pid)
    await eventually(lambda: server_peer(server, room_id, pid) is None, "the server's peer freed")
    tab.assert_clean()


async def test_facilitator_takes_a_parent_aside_and_both_see_it_clearly(
        h: Harness, tabs: OpenTab, facilitator_account: tuple[str, str]) -> None:
    room_id, invite = await h.room(name="Dads' group")
    fac = await tabs()
    await facilitate(fac, facilitator_account, room_id)
    part = await media_tab(tabs)
    await join(part, invite, "Sam")
    await wait_in_lobby(part)
    await fac.page.get_by_role("button", name="Let in Sam").click()
    await expect(part.page.locator("#chat-text")).to_be_visible()

    row = person(fac, "Sam")
    await row.get_by_text("Options").click()
    await row.get_by_role("button", name="Talk privately (aside)").click()
    banner = part.page.locator("#aside-banner")
    await expect(banner).to_be_visible()
    # Sam takes part by chat only, so would hear nothing: he is asked to listen first.
    await expect(banner).to_contain_text("would like to talk with you privately")
    await expect(banner).to_contain_text("The group can't hear either of you")
    await banner.get_by_role("button", name="Start listening").click()
    await expect(part.page.locator("#media-listen")).to_have_attribute("aria-pressed", "true")
    await expect(banner).to_contain_text("is talking with you privately")
    await expect(banner.get_by_role("button", name="Start listening")).to_be_hidden()
    await expect(banner.get_by_role("button", name="End the private talk")
                 ).to_be_hidden()  # only staff end it
    await part.page.get_by_role("button", name="Microphone").click()
    # Under a banner saying the group can't hear: the hint must not say it can.
    await expect(part.page.locator("#media-hint")).to_contain_text(
        re.compile(r"Only .+ can hear you"))
    own = fac.page.locator("#aside-banner")
    await expect(own).to_contain_text("You're talking privately with Sam")
    await expect(row).to_contain_text("Talking privately with you")

    await own.get_by_role("button", name="End the private talk").click()
    await expect(banner).to_be_hidden()
    await expect(own).to_be_hidden()
    await expect(part.page.locator("#media-status")).to_have_text("You're back with the group.")
    await expect(row).not_to_contain_text("Talking privately")
    await say(part, "Thanks for that")
    await expect(chat_line(fac, "Thanks for that")).to_be_visible()
    part.assert_clean()
    fac.assert_clean()


async def test_a_lost_connection_offers_to_reconnect_and_slots_show_cameras_by_name(
        h: Harness, tabs: OpenTab, server: ServerThread) -> None:
    """The server is real; the socket between page and server is routed through the test
    only so that it can tell the page what the video slots show."""
    room_id, invite = await h.room()
    fac = await h.facilitator(room_id, name="Fran")
    tab = await media_tab(tabs)
    page = tab.page
    routes: dict[str, WebSocketRoute] = {}

    def route(ws: WebSocketRoute) -> None:
        routes["server"] = ws.connect_to_server()  # frames pass through unchanged
        routes["page"] = ws

    await page.route_web_socket(re.compile(r"/ws$"), route)
    await join(tab, invite, "Jude")
    await wait_in_lobby(tab)
    knock = await fac.expect("lobby.knock")
    pid = knock["participant"]["id"]
    await fac.send("lobby.admit", participant=pid)
    await expect(page.locator("#chat-text")).to_be_visible()
    await toggle(tab, "Listen to the group").click()
    await growing(lambda: page.evaluate(INBOUND_AUDIO_BYTES), "inbound audio bytes")

    # The server's side of the connection ends (as when it drops a peer): a kind word,
    # the chat still there, and a way back.
    peer = server_peer(server, room_id, pid)
    assert peer is not None
    server.server.servers[0].get_loop().call_soon_threadsafe(peer.close)  # type: ignore[attr-defined]
    problem = page.get_by_role("alert").filter(has_text="The group's sound was cut off")
    await expect(problem).to_be_visible()
    await expect(problem).to_contain_text("The chat still works")
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "false")
    assert await page.evaluate("() => window.__hearthTest.pcs[0].connectionState") == "closed"
    await eventually(lambda: server_peer(server, room_id, pid) is None, "the old peer freed")
    await say(tab, "Lost the sound for a moment")
    await fac.expect("chat", text="Lost the sound for a moment")
    await problem.get_by_role("button", name="Reconnect sound").click()
    await expect(problem).to_be_hidden()
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")
    await growing(lambda: page.evaluate(INBOUND_AUDIO_BYTES.replace("pcs[0]", "pcs[1]")),
                  "inbound audio bytes after reconnecting")

    # media.slots: slot by mid; a filled one is labelled with that person's pseudonym.
    mids: list[str] = await page.evaluate(
        "() => window.__hearthTest.pcs[1].getTransceivers().slice(2).map((t) => t.mid)")
    assert len(mids) >= 2
    routes["page"].send(json.dumps({"type": "media.slots", "slots": [
        {"mid": mids[0], "participant": None},
        {"mid": mids[1], "participant": fac.id},
    ]}))
    shown = page.locator("#media-videos figure:visible")
    await expect(shown).to_have_count(1)
    await expect(shown.locator("figcaption")).to_have_text("Fran")
    await expect(shown.locator("video")).to_have_attribute("aria-label", "Fran's camera")
    assert await page.evaluate("""(mid) => {
        const pc = window.__hearthTest.pcs[1];
        const track = pc.getTransceivers().find((t) => t.mid === mid).receiver.track;
        const video = document.querySelector(`#media-videos figure[data-slot="${mid}"] video`);
        return video.srcObject.getVideoTracks()[0] === track;
    }""", mids[1])
    # Everyone's camera off again: nothing left on screen.
    routes["page"].send(json.dumps({"type": "media.slots", "slots": [
        {"mid": mid, "participant": None} for mid in mids]}))
    await expect(page.locator("#media-videos")).to_be_hidden()

    # The socket drops and the page reconnects: the server's peer connection went with
    # the old socket, so the page offers again by itself, and still listens.
    await routes["server"].close(code=1011)
    await routes["page"].close(code=1011)
    await eventually(lambda: page.evaluate("() => window.__hearthTest.pcs.length === 3"),
                     "a new offer after reconnecting")
    await growing(lambda: page.evaluate(INBOUND_AUDIO_BYTES.replace("pcs[0]", "pcs[2]")),
                  "inbound audio bytes after the socket came back")
    await expect(toggle(tab, "Listen to the group")).to_have_attribute("aria-pressed", "true")
    await expect(toggle(tab, "Microphone")).to_have_attribute("aria-pressed", "false")
    tab.assert_clean()


async def test_a_camera_reaches_another_page_only_when_focus_mode_allows(
        h: Harness, tabs: OpenTab) -> None:
    """Real video through the server: Cal's fake camera, Ann's slot, by pseudonym."""
    room_id, invite = await h.room()
    fac = await h.facilitator(room_id, name="Fran")
    pages: dict[str, Tab] = {}
    for name in ("Ann", "Cal"):
        tab = pages[name] = await media_tab(tabs)
        await join(tab, invite, name)
        await wait_in_lobby(tab)
        knock = await fac.expect("lobby.knock")
        await fac.send("lobby.admit", participant=knock["participant"]["id"])
        await expect(tab.page.locator("#chat-text")).to_be_visible()
    ann, cal = pages["Ann"], pages["Cal"]
    await toggle(ann, "Listen to the group").click()
    await toggle(cal, "Camera").click()
    await expect(toggle(cal, "Camera")).to_have_attribute("aria-pressed", "true")
    await expect(person(ann, "Cal")).to_contain_text("Camera on")

    # Focus mode (the default): a participant's camera is for the facilitators only.
    await expect(ann.page.locator("#media-videos")).to_be_hidden()
    await fac.send("room.focus", on=False)
    # Cal is asked before the group sees her camera; until she says yes, nobody does.
    ask = cal.page.locator("#camera-ask")
    await expect(ask).to_contain_text("Would you like the group to see you too?")
    await expect(cal.page.locator("#media-hint")).to_contain_text(
        "Only the facilitators can see your camera")
    await ann.page.wait_for_timeout(1000)
    await expect(ann.page.locator("#media-videos figure:visible")).to_have_count(0)
    await ask.get_by_role("button", name="Show my camera to the group").click()
    await expect(ask).to_be_hidden()
    tile = ann.page.locator("#media-videos figure:visible")
    await expect(tile).to_have_count(1)
    await expect(tile.locator("figcaption")).to_have_text("Cal")
    # Frames really arrive and decode in Ann's <video>.
    await eventually(lambda: tile.locator("video").evaluate("(v) => v.videoWidth > 0"),
                     "Cal's picture in Ann's slot")
    await fac.send("room.focus", on=True)
    await expect(ann.page.locator("#media-videos")).to_be_hidden()
    # Off again: her yes was for then; she is asked afresh.
    await fac.send("room.focus", on=False)
    await expect(ask).to_be_visible()
    await ann.page.wait_for_timeout(1000)
    await expect(ann.page.locator("#media-videos figure:visible")).to_have_count(0)
    ann.assert_clean()
    cal.assert_clean()


@pytest.mark.parametrize("lang", ["en", "ur"])
async def test_a_one_to_one_room_s_sound_and_camera_speak_of_the_conversation(
        h: Harness, tabs: OpenTab, lang: str) -> None:
    """In a one-to-one room nobody else is there but her volunteer (and a lead who
    enters): what the media panel says of who hears and sees her speaks of this
    conversation, never of a group, and there is no group to ask to show her camera to.
    ``HEARTH_SHOTS`` keeps a phone and a desktop screenshot."""
    from tests.web.test_screenshots import speak
    from tests.web.test_staff_admin import shot

    record = await h.store.add_room("Noor and Vera", "mothers", kind="one_to_one")
    invite = await h.store.add_invite(record.id)
    vera = await h.facilitator(record.id, name="Vera")
    tab = await media_tab(tabs)
    page = tab.page
    await speak(tab, lang)
    await page.goto(f"/join/{invite.code}")
    await page.locator("#name").fill("Noor")
    await page.locator("#agree").check()
    await page.locator("#join-form button[type=submit]").click()
    await page.wait_for_url("**/room")
    knock = await vera.expect("lobby.knock")
    await vera.send("lobby.admit", participant=knock["participant"]["id"])
    await expect(page.locator("#chat-text")).to_be_visible()

    def said(text: str) -> str:
        return words(lang, text)

    listen = page.locator("#media-listen")
    mic = page.locator("#media-panel").get_by_role("button", name=said("Microphone"))
    camera = page.locator("#media-panel").get_by_role("button", name=said("Camera"))
    await expect(listen).to_have_text(said("Listen"))
    await mic.click()
    await expect(mic).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#media-hint")).to_have_text(said(
        "Everyone in this conversation can hear you. Press Microphone again to turn it off."))
    # The status line says the newest of "connected" and "your microphone is on", which
    # come in either order; neither may speak of a group.
    await camera.click()
    await expect(camera).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#media-hint")).to_have_text(said(
        "Everyone in this conversation can see your camera."))
    await expect(page.locator("#camera-ask")).to_be_hidden()
    group = {"en": "group", "ur": "گروپ"}[lang]  # the word itself, as each language writes it
    assert group not in await page.locator("#media-panel").inner_text()
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header where it belongs
    await shot(page, f"one-to-one-media-{lang}")

    # Her volunteer mutes her: said without naming a facilitator.
    await vera.send("participant.mute", participant=knock["participant"]["id"], lock=True)
    await expect(page.locator("#media-hint")).to_have_text(said(
        "Your microphone has been muted for now. You can still listen and chat."))
    await expect(page.locator("#notices")).to_contain_text(said(
        "Your microphone has been muted for now. You can still chat."))
    assert group not in await page.locator("#media-panel").inner_text()
    facilitator = {"en": "facilitator", "ur": "فیسلیٹیٹر"}[lang]
    assert facilitator not in (await page.locator("#notices").inner_text()).lower()
    await page.evaluate("window.scrollTo(0, 0)")
    await shot(page, f"one-to-one-media-muted-{lang}")
    await vera.send("participant.allow", participant=knock["participant"]["id"])
    await expect(page.locator("#notices")).to_contain_text(said(
        "You can use your microphone again."))
    tab.assert_clean()
