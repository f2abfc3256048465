"""``hearth data export|erase``: a person's data from the command line (issue 13)::

    hearth data export --staff fran            # prints everything Hearth holds about fran
    hearth data erase --staff fran --yes       # deletes fran's account (a tombstone stays)
    hearth data export --referral rf_0123abcd  # a request for one-to-one support, opened
    hearth data erase --referral rf_0123abcd --yes   # erases its contact details

Which person is a required choice of one: a staff account (``--staff USERNAME``) or a
parent's request for one-to-one support (``--referral ID``, the id on the coordinator's
page). What a staff export holds and what an erasure does is ``server/auth/erasure.py``'s;
a referral's, ``server/programme/referring.py``'s (its contact details are opened with the
contact key; erasing them keeps the row, with nothing personal, for counting). Every one is
audited with actor ``command line``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from server.auth import erasure
from server.cli_common import CommandError
from server.programme import referring
from server.store.contact import ContactUnreadable
from server.store.db import SqlStore, Staff

ACTIONS = ("export", "erase")


def add_parsers(commands: Any) -> None:
    data = commands.add_parser("data", help="a person's data: export it, or erase it"
                               ).add_subparsers(dest="action", required=True)
    export = data.add_parser("export", help="print everything Hearth holds about a person as "
                                            "JSON")
    erase = data.add_parser("erase", help="delete a staff account and its personal data (the "
                                          "audit log keeps a tombstone), or a referral's "
                                          "contact details")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    for command in (export, erase):
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--staff", metavar="USERNAME", help="a staff account")
        who.add_argument("--referral", metavar="ID", help="a request for one-to-one support")


async def run_referral(store: SqlStore, actor: str, referral_id: str,
                       args: argparse.Namespace) -> str:
    """One data command about the request ``referral_id``; the text to print."""
    try:
        if args.action == "export":
            document = await referring.export(store, actor, referral_id)
            if document is None:
                raise CommandError(f"no referral {referral_id!r}")
            return json.dumps(document, ensure_ascii=False, indent=2)
        if not args.yes:
            raise CommandError(f"erasing {referral_id}'s contact details cannot be undone: add "
                               "--yes to confirm")
        erased = await referring.erase(store, actor, referral_id)
    except ContactUnreadable as exc:
        raise CommandError(str(exc)) from None
    if erased is None:
        raise CommandError(f"no referral {referral_id!r}")
    if not erased:
        return f"{referral_id}'s contact details were erased already"
    return (f"erased {referral_id}'s contact details (the request stays, with nothing "
            "personal, for counting)")


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
