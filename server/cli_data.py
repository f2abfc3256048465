"""``hearth data export|erase``: a person's data from the command line (issue 13)::

    hearth data export --staff fran            # prints everything Hearth holds about fran
    hearth data erase --staff fran --yes       # deletes fran's account (a tombstone stays)

Only staff accounts for now: parents' contact details (part 2's referrals) do not exist
yet. Which person is a required choice of one (``--staff USERNAME``), so ``--referral ID``
joins it as a second choice without changing the commands. What an export holds and what
an erasure does is ``server/auth/erasure.py``'s; both are audited with actor
``command line``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from server.auth import erasure
from server.cli_common import CommandError
from server.store.db import SqlStore, Staff

ACTIONS = ("export", "erase")


def add_parsers(commands: Any) -> None:
    data = commands.add_parser("data", help="a person's data: export it, or erase it"
                               ).add_subparsers(dest="action", required=True)
    export = data.add_parser("export", help="print everything Hearth holds about a person as "
                                            "JSON")
    erase = data.add_parser("erase", help="delete a staff account and its personal data (the "
                                          "audit log keeps a tombstone)")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    for command in (export, erase):
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--staff", metavar="USERNAME", help="a staff account")


async def run(store: SqlStore, actor: str, member: Staff, args: argparse.Namespace) -> str:
    """One data command about ``member``; the text to print."""
    if args.action == "export":
        document = await erasure.export(store, member, actor)
        return json.dumps(document, ensure_ascii=False, indent=2)
    if not args.yes:
        raise CommandError(f"erasing {member.username} cannot be undone: add --yes to confirm")
    try:
        tombstone = await erasure.erase(store, actor, actor, member)
    except erasure.ErasureRefused as refused:
        raise CommandError(str(refused)) from None
    return (f"erased {member.username}: the account is now {tombstone} (disabled, its "
            "personal data removed; the audit log keeps its entries)")
