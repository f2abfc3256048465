"""What the server accepts from a client's SDP and candidates, before aiortc sees them.

A client's offer costs the server a peer connection, sockets and threads, and aiortc's
handling of m-lines is quadratic; its remote candidates make the server send STUN
checks to whatever addresses they name. So offers are checked the way aiortc will read
them (``str.splitlines``, which also splits on bare CR and other separators), and only
candidates that could be a browser's real address are kept: never loopback, link-local,
multicast or unspecified addresses, nor names (mDNS ``.local`` or any other) that the
server would have to resolve, and no private-range address unless the deployment says
its browsers are on its own network (``HEARTH_MEDIA_ALLOW_PRIVATE``): otherwise a client
could have the server probe the networks around it. A browser whose candidates are all
dropped is still reached: its checks to the server's candidates teach the server its
address (peer reflexive).
"""

from __future__ import annotations

import ipaddress

# One audio m-line, one camera, the slots (the default 4, up to 12), with room to spare.
MAX_MLINES = 16
# Candidates a browser has for one bundled transport, generously.
MAX_CANDIDATES = 20
# Networks that are someone's inside: RFC 1918, carrier-grade NAT, IPv6 unique local.
# (Not ipaddress's is_private, which also counts the documentation ranges.)
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


def offer_problem(sdp: str) -> str | None:
    """Why an offer is refused, in words for the person; None when it may go to aiortc."""
    lines = sdp.splitlines()
    media = [line for line in lines if line.startswith("m=")]
    if not media or not media[0].startswith("m=audio "):
        return "a media offer starts with an audio section"
    if len(media) > MAX_MLINES:
        return "too many media sections in the offer"
    if sum(line.startswith("a=candidate:") for line in lines) > MAX_CANDIDATES:
        return "too many candidates in the offer"
    return None


def usable_address(host: str, *, allow_private: bool = False) -> bool:
    """Whether the server may send connectivity checks to ``host``."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: the server resolves nothing a client names
    if not allow_private and any(address in net for net in PRIVATE_NETWORKS
                                 if net.version == address.version):
        return False
    return not (address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_unspecified)


def candidate_host(line: str) -> str | None:
    """The connection address of an ``a=candidate:`` line (or a trickled candidate)."""
    fields = line.removeprefix("a=").removeprefix("candidate:").split()
    return fields[4] if len(fields) > 7 else None


def keep_usable_candidates(sdp: str, *, allow_private: bool = False) -> str:
    """``sdp`` without the candidates the server must not check (see ``usable_address``)."""
    lines = sdp.splitlines()
    kept = [line for line in lines
            if not line.startswith("a=candidate:")
            or usable_address(candidate_host(line) or "", allow_private=allow_private)]
    if len(kept) < len(lines):
        # With every candidate of a section gone, "a=end-of-candidates" tells aioice there
        # will be none: it drops the component and the answer goes out with no candidates.
        # Without it, the client's own checks still reach us (as peer-reflexive candidates):
        # a browser that offers only an mDNS name, or only a relay we refused, connects.
        kept = [line for line in kept if line != "a=end-of-candidates"]
    return "\r\n".join(kept) + "\r\n"
