"""The signposting directory: crisis and support contacts kept as data.

Resources are chosen by category (``help`` for a plain help request) and by
the room's audience: a fathers' group is shown the Men's Advice Line rather
than a helpline for women. The data file is ``directory.json`` beside this
module, dated so an admin can see when it was last checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from server.protocol import Resource


@dataclass(frozen=True, slots=True)
class Entry:
    resource: Resource
    categories: frozenset[str]
    audiences: frozenset[str]

    def fits(self, category: str, audience: str) -> bool:
        return category in self.categories and ("*" in self.audiences or audience in self.audiences)


class Directory:
    def __init__(self, entries: list[Entry], checked: str) -> None:
        self.entries = entries
        self.checked = checked

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Directory:
        entries = [
            Entry(
                resource=Resource(name=item["name"], contact=item["contact"],
                                  hours=item.get("hours"), url=item.get("url")),
                categories=frozenset(item["categories"]),
                audiences=frozenset(item.get("audiences", ["*"])),
            )
            for item in data["resources"]
        ]
        return cls(entries, str(data.get("checked", "")))

    @classmethod
    def default(cls) -> Directory:
        text = resources.files("server.safeguarding").joinpath("directory.json").read_text()
        return cls.from_data(json.loads(text))

    def lookup(self, categories: list[str] | tuple[str, ...], audience: str) -> tuple[Resource, ...]:
        """Resources for any of ``categories``, in file order, each once."""
        return tuple(
            e.resource for e in self.entries if any(e.fits(c, audience) for c in categories)
        )

    def for_help(self, audience: str) -> tuple[Resource, ...]:
        return self.lookup(("help",), audience)
