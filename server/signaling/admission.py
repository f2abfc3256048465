"""How many WebSockets one address may hold, before and after saying hello.

One address once opened sockets until the server ran out of file descriptors,
and then everyone was refused. Counting per address caps what any one client can
take; counting sockets that have not said hello yet (per address and in all)
caps what a client without a valid token can take, since those sockets cost the
server while giving it nothing. The addresses are kept in memory only, for as long
as a socket from them is open (invariant 9: never stored or logged).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class Admission:
    per_address: int
    waiting_per_address: int
    waiting_total: int
    _open: Counter[str] = field(default_factory=Counter)
    _waiting: Counter[str] = field(default_factory=Counter)

    def enter(self, address: str) -> bool:
        """Count a new socket from ``address``; False (and nothing counted) if over a cap."""
        if (self._open[address] >= self.per_address
                or self._waiting[address] >= self.waiting_per_address
                or self._waiting.total() >= self.waiting_total):
            return False
        self._open[address] += 1
        self._waiting[address] += 1
        return True

    def said_hello(self, address: str) -> None:
        _drop(self._waiting, address)

    def leave(self, address: str, *, waiting: bool) -> None:
        _drop(self._open, address)
        if waiting:
            _drop(self._waiting, address)

    def open_from(self, address: str) -> int:
        return self._open[address]


def _drop(counts: Counter[str], address: str) -> None:
    # Remove zeros so the counter holds only addresses with a socket open now.
    counts[address] -= 1
    if counts[address] <= 0:
        del counts[address]
