"""A private PostgreSQL server for fault tests, so a test can stop it and start it again.

Not the machine's shared server (tests/postgres.py): this one is made with ``initdb`` in
a temporary folder, listens on a free loopback port with its socket in that folder, and
is removed afterwards. PostgreSQL refuses to run as root, so under root the commands run
as the ``postgres`` user (``runuser``), which owns the folder.

Where no PostgreSQL binaries are installed the test skips; under CI
(``HEARTH_TEST_REQUIRE_POSTGRES=1``) it fails instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import pytest

from tests.harness import free_port
from tests.postgres import required


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if initdb is None:
        reason = "PostgreSQL's initdb is not installed (a private server is needed)"
        if required():
            pytest.fail(reason + " (required: HEARTH_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)
    return Path(initdb).parent


class PrivatePostgres:
    def __init__(self) -> None:
        self.bin = _binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def init(self) -> None:
        # Trust on loopback only; no fsync: the test is about an outage, not a power cut.
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-D", str(self.data),
                  "-o", options, "-l", str(self.folder / "server.log"))

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data))

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-m", "immediate",
                          "-D", str(self.data))
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.init()
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
