"""The data folder, the secret key and the public URL (server/datadir.py, server/settings.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from server.datadir import SetupError, load_or_create_secret, prepare
from server.settings import Settings, from_env


def test_a_fresh_data_folder_is_private_and_its_key_and_database_too(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b"
    settings = Settings(data_dir=data)
    settings.prepare_storage()
    secret = settings.with_secret().secret_key
    assert secret is not None and len(secret) >= 32
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "hearth.db").stat().st_mode) == 0o600
    # No temporary key file is left behind, and the key is kept.
    assert sorted(p.name for p in data.iterdir()) == ["hearth.db", "secret_key"]
    assert load_or_create_secret(data) == secret


@pytest.mark.parametrize("kept", [b"", b"\n", b"0123456789", b"x" * 31 + b"\n"])
def test_a_truncated_key_file_is_refused(tmp_path: Path, kept: bytes) -> None:
    load_or_create_secret(tmp_path)
    (tmp_path / "secret_key").write_bytes(kept)
    with pytest.raises(SetupError, match=r"secret key .* needs at least 32") as raised:
        load_or_create_secret(tmp_path)
    assert "\n" not in str(raised.value)
    # Refused, not replaced: the operator decides (a new key logs everyone out).
    assert (tmp_path / "secret_key").read_bytes() == kept


@pytest.mark.parametrize("value", ["", "too short", "y" * 31])
def test_a_short_secret_key_from_the_environment_is_refused(tmp_path: Path, value: str) -> None:
    settings = from_env({"HEARTH_SECRET_KEY": value, "HEARTH_DATA_DIR": str(tmp_path)})
    with pytest.raises(SetupError, match=r"HEARTH_SECRET_KEY is .*at least 32"):
        settings.with_secret()
    assert not (tmp_path / "secret_key").exists()


def test_a_long_enough_key_from_the_environment_is_used(tmp_path: Path) -> None:
    key = "z" * 32
    settings = from_env({"HEARTH_SECRET_KEY": key, "HEARTH_DATA_DIR": str(tmp_path)})
    assert settings.with_secret().secret_key == key


def test_a_data_folder_under_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SetupError, match=r"cannot create the data folder .*HEARTH_DATA_DIR"):
        prepare(tmp_path / "file" / "data")


@pytest.mark.parametrize("bad", ["not a number", "12.5"])
def test_bad_numbers_in_settings_name_the_variable(bad: str) -> None:
    with pytest.raises(SetupError, match="HEARTH_ACK_WITHIN_URGENT must be a whole number"):
        from_env({"HEARTH_ACK_WITHIN_URGENT": bad})


def test_preparation_minutes_are_a_whole_number_within_bounds() -> None:
    assert from_env({}).prep_minutes == 15
    assert from_env({"HEARTH_PREP_MINUTES": "0"}).prep_minutes == 0
    for bad in ("-5", "241"):
        with pytest.raises(SetupError, match="HEARTH_PREP_MINUTES must be 0 to 240 minutes"):
            from_env({"HEARTH_PREP_MINUTES": bad})


def test_the_public_url_is_used_for_links_and_allowed_as_an_origin() -> None:
    settings = from_env({"HEARTH_PUBLIC_URL": "https://hearth.example.org/"}, port=8000)
    assert settings.public_url == "https://hearth.example.org"
    assert "https://hearth.example.org" in settings.origins
    assert "http://127.0.0.1:8000" in settings.origins
    assert "http://evil.example" not in settings.origins


@pytest.mark.parametrize("bad", ["hearth.example.org", "ftp://x.org", "https://x.org/path",
                                 "https://x.org/?q=1"])
def test_a_bad_public_url_is_refused(bad: str) -> None:
    with pytest.raises(SetupError, match="HEARTH_PUBLIC_URL must look like"):
        from_env({"HEARTH_PUBLIC_URL": bad})


def test_listening_on_every_address_links_and_allows_this_machines_addresses() -> None:
    import ifaddr

    settings = Settings(host="0.0.0.0", port=8123)
    lan = [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
           if isinstance(ip.ip, str) and not ip.ip.startswith(("127.", "169.254."))]
    assert "0.0.0.0" not in settings.public_url
    for address in lan:
        assert f"http://{address}:8123" in settings.origins
    if lan:
        assert settings.public_url == f"http://{_first_private(lan)}:8123"
    assert "http://localhost:8123" in settings.origins


def _first_private(addresses: list[str]) -> str:
    import ipaddress

    return sorted(addresses, key=lambda a: not ipaddress.ip_address(a).is_private)[0]


def test_allowed_origins_add_to_the_servers_own() -> None:
    settings = from_env({"HEARTH_ALLOWED_ORIGINS": "https://a.example, https://b.example/"},
                        port=9000)
    assert {"https://a.example", "https://b.example", "http://127.0.0.1:9000"} <= settings.origins


def test_a_secret_key_that_cannot_be_written_leaves_no_partial_key(tmp_path: Path) -> None:
    """The disk filling during the first start: simulated with a file size limit of 0."""
    import resource
    import signal
    import subprocess
    import sys

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    code = ("from pathlib import Path; from server.datadir import load_or_create_secret; "
            f"load_or_create_secret(Path({str(tmp_path)!r}))")
    result = subprocess.run([sys.executable, "-c", code], preexec_fn=no_room,
                            capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode != 0
    assert "cannot write the secret key" in result.stderr
    assert os.listdir(tmp_path) == []  # neither the key nor its temporary file
