"""The pure room state machine (no sockets, no clock, no storage)."""

from server.rooms.machine import Failure, Member, Room
from server.rooms.types import Command, Connect, Disconnect, Effect, Identity, Receive, RoomConfig

__all__ = [
    "Command", "Connect", "Disconnect", "Effect", "Failure", "Identity", "Member", "Receive",
    "Room", "RoomConfig",
]
