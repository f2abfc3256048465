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
from pathlib import Path

from server.auth.tokens import MIN_KEY_BYTES, new_secret
from server.safeguarding.audit import MIN_AUDIT_KEY_BYTES

# 256 bits: the HMAC key length SHA-256 (itsdangerous's default digest) is built for.
MIN_SECRET_BYTES = MIN_KEY_BYTES
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
# The audit log's key (server/safeguarding/audit.py): outside the database, so whoever
# can write the database cannot rewrite the log unseen. 256 bits at least, as above.
AUDIT_KEY_FILE = "audit_key"
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


def check_secret(secret: str, source: str) -> str:
    """Return ``secret`` if it is long enough to sign with, else raise SetupError."""
    size = len(secret.encode())
    if size >= MIN_SECRET_BYTES:
        return secret
    found = "empty" if size == 0 else f"only {size} bytes"
    raise SetupError(f"{source} is {found}; a secret key needs at least {MIN_SECRET_BYTES}. "
                     f"Make one with: {NEW_KEY_HINT}")


def load_or_create_secret(data_dir: Path) -> str:
    """The key kept in ``data_dir``, made on the first start."""
    path = data_dir / SECRET_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return _create_secret(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"cannot read the secret key {path}: {exc}") from None
    size = len(text.strip().encode())
    if size < MIN_SECRET_BYTES:
        found = "empty" if size == 0 else f"only {size} bytes"
        raise SetupError(
            f"the secret key {path} is {found} (a disk that filled up during the first start "
            f"can do this); a key needs at least {MIN_SECRET_BYTES}. Delete the file to have a "
            "new key made (everyone is logged out and join links made before stop working), "
            "or set HEARTH_SECRET_KEY.")
    return text.strip()


def _create_secret(path: Path) -> str:
    """A new secret key in ``path`` (``_create_key``); another server's if it won."""
    secret = new_secret(48)
    if not _create_key(path, secret, "the secret key"):
        return load_or_create_secret(path.parent)
    return secret


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


def check_audit_key(key: str, source: str) -> str:
    """Return ``key`` if it is long enough to sign the audit log with, else SetupError."""
    size = len(key.encode())
    if size >= MIN_AUDIT_KEY_BYTES:
        return key
    found = "empty" if size == 0 else f"only {size} bytes"
    raise SetupError(f"{source} is {found}; an audit key needs at least {MIN_AUDIT_KEY_BYTES}. "
                     f"Make one with: {NEW_KEY_HINT}")


def load_audit_key(data_dir: Path) -> str | None:
    """The audit key kept in ``data_dir``; None if there is none (never made here)."""
    path = data_dir / AUDIT_KEY_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"cannot read the audit key {path}: {exc}") from None
    size = len(text.strip().encode())
    if size < MIN_AUDIT_KEY_BYTES:
        found = "empty" if size == 0 else f"only {size} bytes"
        raise SetupError(
            f"the audit key {path} is {found} (a disk that filled up during the first start "
            f"can do this); a key needs at least {MIN_AUDIT_KEY_BYTES}. Restore it from the "
            "backup kept with the database: without it the audit log cannot be verified.")
    return text.strip()


def load_or_create_audit_key(data_dir: Path) -> tuple[str, bool]:
    """The audit key kept in ``data_dir``, and True when this call made it (then, and
    only then, the entries already in the database are signed: server/storage.py)."""
    found = load_audit_key(data_dir)
    if found is not None:
        return found, False
    key = new_secret(48)
    if _create_key(data_dir / AUDIT_KEY_FILE, key, "the audit key"):
        return key, True
    found = load_audit_key(data_dir)  # another process made it first
    assert found is not None
    return found, False


def fsync_dir(folder: Path) -> None:
    """Make the new name itself durable, not only the file's bytes."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
