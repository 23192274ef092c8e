"""TOTP against RFC 6238 Appendix B (SHA-1, SHA-256, SHA-512, 8 digits) and HOTP against
RFC 4226 Appendix D; the verification window and single use of a step."""

from __future__ import annotations

import pytest

from ramp.auth import totp

SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
# RFC 6238 Appendix B: time (s) -> (SHA1, SHA256, SHA512)
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("t", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_appendix_b(t, sha1, sha256, sha512):
    for digest, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert totp.totp(SEEDS[digest], t, digits=8, digest=digest) == expected
        assert totp.verify(SEEDS[digest], expected, t, digits=8, digest=digest) == t // 30


def test_rfc4226_appendix_d():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(SEEDS["sha1"], c) for c in range(10)] == expected


def test_window_and_single_use():
    secret = totp.new_secret()
    now = 1_700_000_000
    step = now // 30
    for delta in (-1, 0, 1):
        assert totp.verify(secret, totp.totp(secret, now + 30 * delta), now) == step + delta
    assert totp.verify(secret, totp.totp(secret, now - 60), now) is None  # two steps old
    assert totp.verify(secret, totp.totp(secret, now + 60), now) is None
    assert totp.verify(secret, totp.totp(secret, now), now, after_step=step) is None  # used already
    assert totp.verify(secret, totp.totp(secret, now + 30), now, after_step=step) == step + 1
    for bad in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert totp.verify(secret, bad, now) is None


def test_secrets_round_trip_and_uri():
    secret = totp.new_secret()
    assert len(secret) == 20 and totp.from_b32(totp.b32(secret)) == secret
    uri = totp.otpauth_uri("mof.sato", secret)
    assert uri.startswith("otpauth://totp/RAMP:mof.sato?") and f"secret={totp.b32(secret)}" in uri
