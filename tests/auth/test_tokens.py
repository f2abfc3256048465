from __future__ import annotations

import time

import pytest

from server.auth.passwords import hash_password, verify_password
from server.auth.ratelimit import KeyedLimiter, TokenBucket
from server.auth.tokens import BadToken, Signer
from server.rooms.types import Identity

WHO = Identity(room_id="r_1", participant_id="p_1", name="Ann", role="participant", device="d")


def test_join_token_round_trip() -> None:
    signer = Signer("k" * 40)
    assert signer.read_join_token(signer.join_token(WHO), max_age=60) == WHO


def test_join_token_rejects_tampering_other_keys_and_other_purposes() -> None:
    signer = Signer("k" * 40)
    token = signer.join_token(WHO)
    with pytest.raises(BadToken):
        Signer("other" * 10).read_join_token(token, max_age=60)
    with pytest.raises(BadToken):
        signer.read_join_token(token[:-2] + ("A" if token[-1] != "A" else "B") + token[-1], 60)
    with pytest.raises(BadToken):
        signer.read_join_token("garbage", 60)
    # A session cookie is signed with another salt: it is not a join token.
    with pytest.raises(BadToken):
        signer.read_join_token(signer.session_cookie("secret"), 60)


def test_join_token_expires() -> None:
    signer = Signer("k" * 40)
    token = signer.join_token(WHO)
    time.sleep(2.1)
    with pytest.raises(BadToken):
        signer.read_join_token(token, max_age=1)


def test_csrf_token_must_match_its_cookie() -> None:
    signer = Signer("k" * 40)
    token = signer.csrf_token("nonce-1")
    assert signer.csrf_matches(token, "nonce-1", 60)
    assert not signer.csrf_matches(token, "nonce-2", 60)
    assert not signer.csrf_matches("forged", "nonce-1", 60)


def test_device_hash_is_keyed() -> None:
    assert Signer("a" * 40).device_hash("dev") != Signer("b" * 40).device_hash("dev")
    assert "dev" not in Signer("a" * 40).device_hash("dev")


def test_passwords() -> None:
    stored = hash_password("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long passphrase")
    assert not verify_password(stored, "a long passphrasE")
    assert not verify_password(None, "a long passphrase")  # unknown user
    assert not verify_password("not-a-hash", "x")
    with pytest.raises(ValueError):
        hash_password("short")


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(capacity=5, rate=1.0, now=0.0)
    assert all(bucket.take(0.0) for _ in range(5))
    assert not bucket.take(0.0)
    assert bucket.take(1.0)
    assert not bucket.take(1.5)
    assert bucket.take(10.0)


def test_keyed_limiter_is_per_key_and_bounded() -> None:
    limiter = KeyedLimiter(capacity=2, per_minute=60, max_keys=3)
    assert limiter.allow("a", 0) and limiter.allow("a", 0) and not limiter.allow("a", 0)
    assert limiter.allow("b", 0)
    for key in ("c", "d", "e"):
        limiter.allow(key, 0)
    assert len(limiter._buckets) == 3


@pytest.mark.parametrize("key", ["", "short", "k" * 31])
def test_a_short_key_cannot_sign(key: str) -> None:
    # An empty key once let anyone forge a safeguarding lead's session.
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Signer(key)
