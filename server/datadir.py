"""The data folder and the secret key kept in it.

Both are the operator's to fix when something is wrong, so every problem here is a
``SetupError``: one line that says what is wrong and what to do, which the command
line prints instead of a traceback.

The secret key signs every token and cookie. An empty or short key would let anyone
forge a safeguarding lead's session, so a key is never used unless it has at least
``MIN_SECRET_BYTES``, and a new key is written so that a full disk or a crash mid-write
can leave no key at all, but never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from server.auth.tokens import MIN_KEY_BYTES, new_secret
from server.safeguarding.audit import MIN_AUDIT_KEY_BYTES
from server.store.contact import new_contact_key, parse_contact_key

T = TypeVar("T")

# 256 bits: the HMAC key length SHA-256 (itsdangerous's default digest) is built for.
MIN_SECRET_BYTES = MIN_KEY_BYTES
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
# The audit log's key (server/safeguarding/audit.py): outside the database, so whoever
# can write the database cannot rewrite the log unseen. 256 bits at least, as above.
AUDIT_KEY_FILE = "audit_key"
# Parents' contact details are sealed with this key (server/store/contact.py): outside the
# database, so a copy of the database alone cannot read them.
CONTACT_KEY_FILE = "contact.key"
DATABASE_FILE = "hearth.db"
NEW_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


class SetupError(Exception):
    """Something the operator must fix before Hearth can run; ``str()`` is one line."""


def prepare(data_dir: Path) -> None:
    """Create ``data_dir`` (0700: it holds the key and the database) and make sure it
    can be written, as every user of it will need to."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(
            f"cannot create the data folder {data_dir}: {exc.strerror}. "
            "Set HEARTH_DATA_DIR to a folder this user can write.") from None
    if not data_dir.is_dir():
        raise SetupError(f"the data folder {data_dir} is not a folder. "
                         "Set HEARTH_DATA_DIR to a folder this user can write.")
    # A real write, not os.access(): root passes access() on a read-only mount.
    try:
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        raise SetupError(
            f"cannot write to the data folder {data_dir}: {exc.strerror}. "
            "Set HEARTH_DATA_DIR to a folder this user can write.") from None


def create_database_file(data_dir: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask, often
    0644); SQLite gives its -wal and -shm files the database file's permissions."""
    path = data_dir / DATABASE_FILE
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise SetupError(f"cannot create the database {path}: {exc.strerror}") from None


def _size_words(size: int) -> str:
    return "empty" if size == 0 else f"only {size} bytes"


def check_secret(secret: str, source: str) -> str:
    """Return ``secret`` if it is long enough to sign with, else raise SetupError."""
    return _check_key(secret, source, "a secret key", MIN_SECRET_BYTES)


def check_audit_key(key: str, source: str) -> str:
    """Return ``key`` if it is long enough to sign the audit log with, else SetupError."""
    return _check_key(key, source, "an audit key", MIN_AUDIT_KEY_BYTES)


def _check_key(key: str, source: str, kind: str, minimum: int) -> str:
    size = len(key.encode())
    if size >= minimum:
        return key
    raise SetupError(f"{source} is {_size_words(size)}; {kind} needs at least {minimum}. "
                     f"Make one with: {NEW_KEY_HINT}")


def _read_text(path: Path, what: str) -> str | None:
    """The text of the key file ``path``; None if there is no such file."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"cannot read {what} {path}: {exc}") from None


def _read_key(path: Path, what: str, minimum: int, remedy: str) -> str | None:
    """The key kept in ``path``; None if there is no such file. A file cut short (an
    empty one, say, left by a disk that filled up while it was written) is refused
    with ``remedy``, never used."""
    text = _read_text(path, what)
    if text is None:
        return None
    size = len(text.strip().encode())
    if size < minimum:
        raise SetupError(
            f"{what} {path} is {_size_words(size)} (a disk that filled up during the first "
            f"start can do this); a key needs at least {minimum}. {remedy}")
    return text.strip()


def _read_or_create(path: Path, what: str, read: Callable[[Path], T | None],
                       make: Callable[[], str]) -> tuple[T, bool]:
    """The key ``read`` finds in ``path``, made with ``make`` on first use; True when this
    call made it. Of two processes making it at once, one key wins and the other process
    reads it. A damaged file is ``read``'s to refuse: it is never replaced."""
    found = read(path)
    if found is not None:
        return found, False
    made = _create_key(path, make(), what)
    found = read(path)
    if found is None:  # pragma: no cover - deleted between the link and the read
        raise SetupError(f"cannot make {what} {path}")
    return found, made


def _read_or_create_key(path: Path, what: str, minimum: int,
                        remedy: str) -> tuple[str, bool]:
    """A signing key kept in ``path`` (:func:`_read_or_create`)."""
    return _read_or_create(path, what, lambda p: _read_key(p, what, minimum, remedy),
                           lambda: new_secret(48))


_SIGNING_KEY_ADVICE = ("Delete the file to have a new key made (everyone is logged out and join "
                 "links made before stop working), or set HEARTH_SECRET_KEY.")
_AUDIT_KEY_ADVICE = ("Restore it from the backup kept with the database: without it the "
                    "audit log cannot be verified.")


def load_or_create_secret(data_dir: Path) -> str:
    """The key kept in ``data_dir``, made on the first start."""
    return _read_or_create_key(data_dir / SECRET_FILE, "the secret key", MIN_SECRET_BYTES,
                               _SIGNING_KEY_ADVICE)[0]


def load_audit_key(data_dir: Path) -> str | None:
    """The audit key kept in ``data_dir``; None if there is none (never made here)."""
    return _read_key(data_dir / AUDIT_KEY_FILE, "the audit key", MIN_AUDIT_KEY_BYTES,
                     _AUDIT_KEY_ADVICE)


def load_or_create_audit_key(data_dir: Path) -> tuple[str, bool]:
    """The audit key kept in ``data_dir``, and True when this call made it (then, and
    only then, the entries already in the database are signed: server/storage.py)."""
    return _read_or_create_key(data_dir / AUDIT_KEY_FILE, "the audit key",
                               MIN_AUDIT_KEY_BYTES, _AUDIT_KEY_ADVICE)


_CONTACT_KEY_ADVICE = ("Restore it from its backup (kept apart from the database's): without "
                       "it parents' contact details cannot be read.")


def check_contact_key(text: str, source: str) -> bytes:
    """The contact key written (base64) in ``text``, or SetupError saying what is wrong."""
    try:
        return parse_contact_key(text, source)
    except ValueError as exc:
        raise SetupError(f"{exc}. {_CONTACT_KEY_ADVICE}") from None


def load_or_create_contact_key(data_dir: Path) -> bytes:
    """The contact key kept in ``data_dir`` (``contact.key``, 0600), made on the first
    start. A damaged file (cut short, edited) is refused in one line, never replaced: a new
    key would leave every sealed contact detail unreadable."""
    what = "the contact key"

    def read(path: Path) -> bytes | None:
        text = _read_text(path, what)
        return None if text is None else check_contact_key(text, f"{what} {path}")

    return _read_or_create(data_dir / CONTACT_KEY_FILE, what, read, new_contact_key)[0]


def _create_key(path: Path, key: str, what: str) -> bool:
    """Write ``key`` to a temporary file, fsync it, then link it into place. False: a
    file of that name exists already (it was there first, and is left alone).

    ``os.link`` refuses to replace an existing file, so of two servers starting at once
    on the same folder one key wins and the other server reads it.
    """
    prepare(path.parent)
    data = (key + "\n").encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600 by mkstemp
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            raise SetupError(f"cannot write {what} {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_dir(path.parent)
    return True


def fsync_dir(folder: Path) -> None:
    """Make the new name itself durable, not only the file's bytes."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
