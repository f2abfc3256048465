"""This machine's own addresses, for the media sockets and for the links and origins a
server listening on every address (0.0.0.0) must know. No aiortc here: the settings
read it too."""

from __future__ import annotations

import ifaddr


def machine_ipv4() -> list[str]:
    """Every IPv4 address of this machine's interfaces but loopback, in interface order."""
    return [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")]
