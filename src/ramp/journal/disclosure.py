"""The writer's secret for hiding commitments: salts derived from the log key.

A log leaf above public holds `SHA-256(tag || salt || body)` instead of the body. The salt is
HMAC-SHA256 under the *disclosure key*, itself derived from the log's private key by a
domain-separated HMAC, so the writer alone can derive it (again, deterministically: replay
reproduces every envelope byte for byte) and nothing outside the writer's key file is needed.
Knowing a salt opens exactly one commitment: a cleared reader gets each body with its salt.
A leaked disclosure key reveals no signing key (HMAC is one-way); a leaked log key already lets
its holder sign a forged log, so deriving one from the other adds no new secret to guard.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from ramp.tlog.note import Ed25519Signer

DISCLOSURE_KEY_INFO: Final = b"ramp-disclosure-key-v1"
SALT_BYTES: Final = 32  # SHA-256's output: a salt as hard to guess as the key itself
DOMAIN_MAX_BYTES: Final = 64
PART_MAX_BYTES: Final = 1 << 16  # a salt is derived from ids and digests, never from bodies


class Disclosure:
    """Derives salts: `salt(domain, *parts)` = HMAC-SHA256(key, domain 0x00 (len part)*)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        assert len(key) == 32, "a disclosure key is 32 bytes"
        self._key = key

    @classmethod
    def of_signer(cls, signer: Ed25519Signer) -> Disclosure:
        return cls(hmac.new(signer.private_key.seed, DISCLOSURE_KEY_INFO, hashlib.sha256).digest())

    def salt(self, domain: bytes, *parts: bytes) -> bytes:
        assert 0 < len(domain) <= DOMAIN_MAX_BYTES and b"\0" not in domain, domain
        mac = hmac.new(self._key, domain + b"\0", hashlib.sha256)
        for part in parts:
            assert len(part) <= PART_MAX_BYTES
            mac.update(len(part).to_bytes(4, "big"))
            mac.update(part)
        return mac.digest()

    def seq_salts(self, domain: bytes, first_seq: int, count: int) -> list[bytes]:
        """`salt(domain, seq as 8 bytes)` for seqs first_seq.., at one HMAC each (the write path)."""
        assert 0 < len(domain) <= DOMAIN_MAX_BYTES and b"\0" not in domain, domain
        prefix = domain + b"\0" + (8).to_bytes(4, "big")
        key, digest = self._key, hmac.digest
        return [digest(key, prefix + (first_seq + k).to_bytes(8, "big"), "sha256") for k in range(count)]

    def __repr__(self) -> str:  # never the key
        return "Disclosure(<secret>)"
