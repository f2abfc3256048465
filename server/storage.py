"""Opening the store with its audit key, for the server and the command line alike.

The audit key is found (``HEARTH_AUDIT_KEY``, or the data folder's ``audit_key``)
or made once in the data folder, and handed to the store: nothing reads it from a
global. The moment the key is made is the one moment the entries already in the
database (an upgrade from before the key) are signed, and only if their chain
checks out then; ``server/safeguarding/audit.py`` says why no other moment is safe.
"""

from __future__ import annotations

import logging

from server.settings import Settings
from server.store.db import SqlStore

log = logging.getLogger("hearth.store")


async def open_store(settings: Settings) -> SqlStore:
    """A migrated store signing with the audit key, sealing contact details with the
    contact key (``HEARTH_CONTACT_KEY`` or the data folder's, made on first use); the
    caller closes it.

    On the first start (no key yet) the schema is brought up to date before the key
    is made, so a database that cannot be migrated leaves no key made and nothing
    unsigned behind; the entries found are then signed in the same start. (A crash
    between the two leaves them unsigned: ``hearth audit verify`` says so and
    ``hearth audit adopt`` signs them.)
    """
    url = settings.resolved_database_url
    if settings.existing_audit_key() is None:
        first = SqlStore(url)
        try:
            await first.migrate()
        finally:
            await first.aclose()
    key, created = settings.load_or_create_audit_key()
    store = SqlStore(url, audit_key=key, contact_key=settings.contact_key_bytes())
    try:
        await store.migrate()
        if created:
            plan = await store.safeguarding.sign_existing()
            if plan.refused:
                log.error("the audit key was made, but the entries written before it were "
                          "not signed: %s (hearth audit verify names the entry)", plan.refused)
            elif plan.entries:
                log.warning("the audit key was made: signed the %d audit entries written "
                            "before it", len(plan.entries))
    except BaseException:
        await store.aclose()
        raise
    return store
