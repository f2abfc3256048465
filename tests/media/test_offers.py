"""server/media/offers.py: what the server accepts from a client's SDP."""

from __future__ import annotations

from server.media.offers import (
    MAX_CANDIDATES,
    MAX_MLINES,
    keep_usable_candidates,
    offer_problem,
    usable_address,
)

HEAD = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
AUDIO = "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
VIDEO = "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\n"


def candidate(host: str, port: int = 5000) -> str:
    return f"a=candidate:1 1 udp 2122260223 {host} {port} typ host\r\n"


def test_an_offer_starts_with_audio() -> None:
    assert offer_problem(HEAD + AUDIO + VIDEO) is None
    assert offer_problem(HEAD + VIDEO + AUDIO) == "a media offer starts with an audio section"
    assert offer_problem("v=0") == "a media offer starts with an audio section"


def test_media_sections_are_counted_as_aiortc_splits_lines() -> None:
    assert offer_problem(HEAD + AUDIO + VIDEO * (MAX_MLINES - 1)) is None
    assert offer_problem(HEAD + AUDIO + VIDEO * MAX_MLINES) is not None
    # Bare CR after the first section: "\nm=" appears once, but aiortc sees them all.
    sneaky = HEAD + AUDIO + (VIDEO * 40).replace("\r\n", "\r")
    assert offer_problem(sneaky) == "too many media sections in the offer"


def test_too_many_candidates_are_refused() -> None:
    many = "".join(candidate("203.0.113.9", 5000 + n) for n in range(MAX_CANDIDATES + 1))
    assert offer_problem(HEAD + AUDIO + many) == "too many candidates in the offer"


def test_only_addresses_a_browser_could_really_have_are_checked() -> None:
    for host in ("203.0.113.9", "2001:db8::1", "198.51.100.7"):
        assert usable_address(host), host
    for host in ("127.0.0.1", "169.254.169.254", "224.0.0.1", "0.0.0.0", "::1",
                 "fe80::1", "4f1c2a.local", "example.org"):
        assert not usable_address(host), host
        assert not usable_address(host, allow_private=True), host
    sdp = HEAD + AUDIO + candidate("203.0.113.9") + candidate("169.254.169.254") + candidate(
        "abc.local")
    kept = keep_usable_candidates(sdp)
    assert "203.0.113.9" in kept
    assert "169.254.169.254" not in kept and "abc.local" not in kept


def test_end_of_candidates_goes_when_candidates_were_dropped() -> None:
    """A browser with no STUN server offers only its mDNS name, then end-of-candidates:
    kept, that line would tell aioice no candidate is coming and the answer would have none
    (found by tests/deploy/test_turn_relay.py)."""
    done = "a=end-of-candidates\r\n"
    only_mdns = HEAD + AUDIO + candidate("abc.local") + done
    assert "end-of-candidates" not in keep_usable_candidates(only_mdns)
    usable = HEAD + AUDIO + candidate("203.0.113.9") + done
    assert keep_usable_candidates(usable) == usable


def test_private_ranges_are_checked_only_when_the_deployment_allows() -> None:
    private = ("192.168.1.20", "10.0.0.4", "172.20.3.4", "100.64.1.1", "fd12::1")
    for host in private:
        assert not usable_address(host), host
        assert usable_address(host, allow_private=True), host
    sdp = HEAD + AUDIO + candidate("10.0.0.4") + candidate("203.0.113.9")
    assert "10.0.0.4" not in keep_usable_candidates(sdp)
    assert "10.0.0.4" in keep_usable_candidates(sdp, allow_private=True)
    assert "203.0.113.9" in keep_usable_candidates(sdp)
