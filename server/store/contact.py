"""Parents' contact details, encrypted at rest (issue 13, part 2).

A referral's personal fields (what to call her, how to reach her, what she'd like help
with, the referring professional's name, role and organisation, and a coordinator's reason
for signposting elsewhere) are the only personal data Hearth keeps about a parent. Each is
sealed with AES-GCM under the *contact key*, which lives outside the database
(``HEARTH_CONTACT_KEY``, else ``contact.key`` in the data folder: ``server/datadir.py``), so
a copy of the database alone (a backup, a dump, a replica) reads as noise.

- A fresh 96-bit nonce per value (random: far below the 2^32 values a key may seal before
  random nonces risk repeating).
- Associated data: the referral's id and the column's name, so a sealed value copied into
  another referral, or into another column of the same one, does not open.
- Stored as text, ``v1.`` then URL-safe base64 of nonce and ciphertext (the ``v1`` names
  this scheme, so a later key rotation can tell old values from new).
- A wrong key, or a value that was altered, fails GCM's check: ``ContactUnreadable``, with
  words saying which, never garbage.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CONTACT_KEY_BYTES", "ContactBox", "ContactUnreadable", "parse_contact_key"]

CONTACT_KEY_BYTES: Final = 32  # AES-256
NONCE_BYTES: Final = 12  # GCM's 96-bit nonce
PREFIX: Final = "v1."


class ContactUnreadable(Exception):
    """A sealed contact detail does not open with this key: the key is not the one it was
    written with (or the stored value was altered). ``str()`` says so in one line."""


def parse_contact_key(text: str, source: str) -> bytes:
    """The 32-byte key written as base64 in ``text``; ValueError naming ``source`` and what
    is wrong (never the key)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{source} is not base64: a contact key is 32 random bytes written "
                         "in base64 (44 characters)") from None
    if len(key) != CONTACT_KEY_BYTES:
        raise ValueError(f"{source} holds {len(key)} bytes; a contact key is exactly "
                         f"{CONTACT_KEY_BYTES} (44 characters of base64)")
    return key


def new_contact_key() -> str:
    """A new key, as base64 text (what ``contact.key`` and ``HEARTH_CONTACT_KEY`` hold)."""
    return base64.b64encode(os.urandom(CONTACT_KEY_BYTES)).decode()


class ContactBox:
    """Seals and opens contact details with one key. Holds no state but the key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != CONTACT_KEY_BYTES:
            raise ValueError(f"a contact key is {CONTACT_KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    @staticmethod
    def _context(referral_id: str, column: str) -> bytes:
        return f"hearth referral {referral_id} {column}".encode()

    def seal(self, referral_id: str, column: str, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode(), self._context(referral_id, column))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, referral_id: str, column: str, stored: str) -> str:
        """The value sealed in ``stored``; ``ContactUnreadable`` if it does not open."""
        if not stored.startswith(PREFIX):
            raise ContactUnreadable(f"referral {referral_id}'s {column} is not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                       self._context(referral_id, column))
        except (InvalidTag, ValueError, binascii.Error):
            raise ContactUnreadable(
                f"referral {referral_id}'s contact details do not open with this contact "
                "key: it is not the key they were written with (HEARTH_CONTACT_KEY, or "
                "contact.key in the data folder), or the database was altered") from None
        return plain.decode()
