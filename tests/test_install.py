"""The README's first command works on a fresh machine, on every supported Python.

For Python 3.11, 3.12 and 3.13: a fresh virtualenv, exactly the README's
``pip install -e .`` (no ``dev`` extra: the suite's own venv has it, which once hid
a runtime import of httpx), then ``python -m server`` and the ``hearth`` commands of
the README, each run in an empty folder with no ``HEARTH_*`` settings and outside the
suite's virtualenv. A missing interpreter skips locally and fails under CI.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import free_port

# One worker runs the three installs one after another: each writes the project's
# egg-info while pip builds the editable install, and two at once would race on it.
pytestmark = [pytest.mark.install, pytest.mark.timeout(900), pytest.mark.xdist_group("install")]

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("3.11", "3.12", "3.13")
INSTALL_TIMEOUT = 600
PASSWORD = "a long enough password"


def find_python(version: str) -> str | None:
    """The real executable of Python ``version``: ``pythonX.Y`` on PATH or pyenv's."""
    candidates = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv = shutil.which("pyenv")
    if pyenv:
        prefix = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True,
                                timeout=60)
        if prefix.returncode == 0 and prefix.stdout.strip():
            candidates.append(str(Path(prefix.stdout.split()[0]) / "bin" / f"python{version}"))
    for candidate in candidates:
        # A pyenv shim is on PATH even where that version is not selected: ask it.
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); "
                 "print(sys.executable)"],
                capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        lines = probe.stdout.split("\n")
        if probe.returncode == 0 and lines[0] == version and lines[1]:
            return lines[1]
    return None


def clean_env(**extra: str) -> dict[str, str]:
    """The environment a newcomer has: no Hearth settings and not inside our venv."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HEARTH_")
           and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    outer_bin = os.environ.get("VIRTUAL_ENV")
    if outer_bin:
        outer = str(Path(outer_bin) / "bin")
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if p != outer)
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, *, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=clean_env(**(env or {})), text=True,
                          capture_output=True, timeout=timeout)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return (f"{' '.join(map(str, result.args))} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")


def lines_of(process: subprocess.Popen[str]) -> tuple[queue.Queue[str | None], threading.Thread]:
    """The process's stdout, a line at a time, read (and closed) on a thread; None at its end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


@pytest.fixture(params=VERSIONS)
def python(request: pytest.FixtureRequest) -> str:
    version: str = request.param
    found = find_python(version)
    if found is None:
        reason = (f"Python {version} not found (no working python{version} on PATH, "
                  f"nor `pyenv prefix {version}`)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must check every supported Python")
        pytest.skip(reason)
    return found


@pytest.fixture
def venv(python: str, tmp_path: Path) -> Iterator[Path]:
    """A fresh virtualenv with Hearth installed exactly as the README says."""
    venv = tmp_path / "venv"
    made = run([python, "-m", "venv", str(venv)], cwd=tmp_path)
    assert made.returncode == 0, describe(made)
    started = time.monotonic()
    installed = run([str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q",
                     "-e", str(ROOT)], cwd=tmp_path, timeout=INSTALL_TIMEOUT)
    print(f"pip install -e . with {python}: {time.monotonic() - started:.1f} s")
    assert installed.returncode == 0, describe(installed)
    yield venv


def test_readme_install_serves_and_runs_the_cli(venv: Path, tmp_path: Path) -> None:
    serve_here = tmp_path / "serve"
    serve_here.mkdir()
    check_python_m_server(venv, serve_here)

    cli_here = tmp_path / "cli"
    cli_here.mkdir()
    check_cli(venv, cli_here)


def check_python_m_server(venv: Path, cwd: Path) -> None:
    port = free_port()
    stderr_path = cwd.parent / "server.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [str(venv / "bin" / "python"), "-m", "server", "--port", str(port)],
            cwd=cwd, env=clean_env(), text=True, stdout=subprocess.PIPE, stderr=stderr)
    lines, reader = lines_of(process)
    out: list[str] = []

    def failed(what: str) -> str:
        with contextlib.suppress(queue.Empty):
            while (line := lines.get_nowait()) is not None:
                out.append(line)
        return (f"python -m server --port {port}: {what}\n--- stdout ---\n{''.join(out)}\n"
                f"--- stderr ---\n{stderr_path.read_text()}")

    try:
        # The join links come first; "Hearth is running" only once the port is open, so a
        # link clicked the moment that line is printed works. A slow or busy machine (three
        # of these installs start side by side in the suite) may take a while to get there.
        join = running = None
        deadline = time.monotonic() + 120
        while running is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                process.wait(timeout=20)
                pytest.fail(failed(f"exited {process.returncode} before it was running"))
            out.append(line)
            found = re.search(rf"http://127\.0\.0\.1:{port}/join/\S+", line)
            join = join or (found.group(0) if found else None)
            running = line if line.startswith("Hearth is running at") else None
        assert join, failed("printed no join link")
        assert running, failed("did not say it was running within 120 s")

        origin = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{origin}/healthz", timeout=30)  # answers now, not eventually
        assert health.status_code == 200, failed(f"/healthz answered {health.status_code}")

        page = httpx.get(join, timeout=10)
        assert page.status_code == 200, failed(f"{join} answered {page.status_code}")
        assert page.headers["content-type"].startswith("text/html"), failed(
            f"{join} answered {page.headers['content-type']}")
        assert "<html" in page.text.lower(), failed(f"{join} is not a page: {page.text[:200]}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(failed("did not stop within 20 s of SIGINT"))
        reader.join(timeout=20)
    assert process.returncode == 0, failed(f"exited {process.returncode} on SIGINT")
    assert (cwd / "hearth-data").is_dir(), failed("made no ./hearth-data")


def check_cli(venv: Path, cwd: Path) -> None:
    hearth = str(venv / "bin" / "hearth")

    def ok(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        result = run([hearth, *args], cwd=cwd, env=env)
        assert result.returncode == 0, describe(result)
        assert "Traceback" not in result.stderr, describe(result)
        return result

    added = ok("staff", "add", "sam", "--role", "facilitator", HEARTH_PASSWORD=PASSWORD)
    assert "sam" in added.stdout, describe(added)

    room = ok("room", "add", "Tuesday mums", "--audience", "mothers")
    printed = room.stdout.strip().splitlines()
    assert len(printed) == 1 and re.fullmatch(
        r'\{"room": "[^"]+", "invite": "[^"]+"\}', printed[0]), describe(room)

    verified = ok("audit", "verify")
    assert "OK" in verified.stdout, describe(verified)
    assert (cwd / "hearth-data").is_dir(), f"no hearth-data in {cwd}: {list(cwd.iterdir())}"

    helped = ok()
    assert helped.stdout.startswith("usage: hearth"), describe(helped)
