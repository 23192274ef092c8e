"""HOTP (RFC 4226) and TOTP (RFC 6238): the second factor of a web login.

Pure functions of (secret, time); the caller remembers the last time step a person used so
that a code is accepted once (`verify` returns the step it matched).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import quote, urlencode

STEP_S: Final = 30  # RFC 6238's default time step
DIGITS: Final = 6  # what authenticator apps show
WINDOW_STEPS: Final = 1  # accept one step either side: clocks drift and people type slowly
SECRET_BYTES: Final = 20  # RFC 4226 recommends 160 bits for SHA-1
DIGESTS: Final = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def hotp(secret: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(secret, counter.to_bytes(8, "big"), DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFF_FFFF  # dynamic truncation
    return str(code % 10**digits).zfill(digits)


def totp(secret: bytes, unix_s: int, *, digits: int = DIGITS, digest: str = "sha1", step_s: int = STEP_S) -> str:
    return hotp(secret, unix_s // step_s, digits, digest)


def verify(secret: bytes, code: str, unix_s: int, *, after_step: int = -1, digits: int = DIGITS,
           digest: str = "sha1") -> int | None:  # fmt: skip
    """The time step `code` is valid for (within the window and later than `after_step`, the
    last step this person used), or None."""
    if len(code) != digits or not (code.isascii() and code.isdigit()):
        return None
    now = unix_s // STEP_S
    for step in range(now - WINDOW_STEPS, now + WINDOW_STEPS + 1):
        if step > after_step and hmac.compare_digest(hotp(secret, step, digits, digest), code):
            return step
    return None


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def b32(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def from_b32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def otpauth_uri(identity: str, secret: bytes, issuer: str = "RAMP") -> str:
    """The URI authenticator apps scan (Key Uri Format)."""
    query = urlencode({"secret": b32(secret), "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_S})  # fmt: skip
    return f"otpauth://totp/{quote(issuer)}:{quote(identity)}?{query}"
