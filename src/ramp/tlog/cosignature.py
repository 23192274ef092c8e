"""C2SP tlog-cosignature v1 (c2sp.org/tlog-cosignature@v1.0.1): timestamped witness signatures.

A cosignature is a note signature of type 0x04 over

    cosignature/v1\\ntime <POSIX seconds>\\n<checkpoint note text>

whose signature bytes are a big-endian u64 timestamp followed by the 64-byte Ed25519 signature.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.tlog.note import (
    ED25519_SIGNATURE_SIZE,
    SIG_TYPE_ED25519,
    Ed25519KeyVerifier,
    Ed25519Verifier,
    KeyFormatError,
    NoteSignature,
    PrivateKey,
    VerifierKey,
    check_note_text,
    ed25519_public_key,
    generate_private_key,
    parse_private_key,
    parse_verifier_key,
)

SIG_TYPE_COSIGNATURE = 0x04
COSIGNATURE_HEADER = "cosignature/v1"
TIMESTAMP_MAX = (1 << 63) - 1
TIMESTAMPED_SIGNATURE_SIZE = 8 + ED25519_SIGNATURE_SIZE


def cosigned_message(checkpoint_text: str, timestamp_s: int) -> bytes:
    """The bytes a v1 cosignature signs: header line, time line, whole checkpoint body."""
    if not 0 <= timestamp_s <= TIMESTAMP_MAX:
        raise ValueError(f"timestamp {timestamp_s} is outside [0, 2**63-1]")
    body = check_note_text(checkpoint_text)
    return f"{COSIGNATURE_HEADER}\ntime {timestamp_s}\n".encode("ascii") + body


def split_timestamped_signature(signature: bytes) -> tuple[int, bytes]:
    """(timestamp, Ed25519 signature) of a 72-byte timestamped_signature."""
    if len(signature) != TIMESTAMPED_SIGNATURE_SIZE:
        raise ValueError(f"a timestamped signature is {TIMESTAMPED_SIGNATURE_SIZE} bytes")
    (timestamp,) = struct.unpack(">Q", signature[:8])
    return timestamp, signature[8:]


@dataclass(frozen=True, slots=True)
class CosignatureVerifier(Ed25519KeyVerifier):
    """Verifies cosignature/v1 lines by one cosigner; fits note.open_note as a Verifier."""

    KEY_TYPE: ClassVar[int] = SIG_TYPE_COSIGNATURE
    KIND: ClassVar[str] = "a cosignature key"

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self.timestamp(text, signature) is not None

    def timestamp(self, text: bytes, signature: bytes) -> int | None:
        """The cosignature's timestamp if it verifies over note text `text`, else None."""
        if len(signature) != TIMESTAMPED_SIGNATURE_SIZE:
            return None
        timestamp, sig = split_timestamped_signature(signature)
        if timestamp > TIMESTAMP_MAX:
            return None
        message = f"{COSIGNATURE_HEADER}\ntime {timestamp}\n".encode("ascii") + text
        try:
            self._key.verify(sig, message)
        except InvalidSignature:
            return None
        return timestamp


@dataclass(frozen=True, slots=True)
class Cosigner:
    """A witness key producing cosignature/v1 signature lines."""

    private_key: PrivateKey = field(repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    _key: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.private_key.key_type != SIG_TYPE_COSIGNATURE:
            raise KeyFormatError(f"not a cosignature key (type 0x{self.private_key.key_type:02x})")
        object.__setattr__(
            self, "_key", Ed25519PrivateKey.from_private_bytes(self.private_key.seed)
        )

    @classmethod
    def from_skey(cls, skey: str, clock: Callable[[], float] = time.time) -> Cosigner:
        return cls(parse_private_key(skey), clock)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(generate_private_key(name, SIG_TYPE_COSIGNATURE))

    @property
    def name(self) -> str:
        return self.private_key.name

    @property
    def key_id(self) -> int:
        return self.private_key.key_id

    def verifier_key(self) -> VerifierKey:
        public = ed25519_public_key(self.private_key.seed)
        return VerifierKey(self.name, self.key_id, SIG_TYPE_COSIGNATURE, public)

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.key_id, self.verifier_key().public_key)

    def cosign(self, checkpoint_text: str, timestamp_s: int) -> NoteSignature:
        """The cosignature on a checkpoint body at `timestamp_s` (POSIX seconds)."""
        sig = self._key.sign(cosigned_message(checkpoint_text, timestamp_s))
        return NoteSignature(self.name, self.key_id, struct.pack(">Q", timestamp_s) + sig)

    def sign(self, text: bytes) -> bytes:
        """Signer protocol: cosign note text `text` at the clock's current second."""
        timestamp_s = int(self.clock())
        return self.cosign(text.decode("utf-8"), timestamp_s).signature


def verifier_from_vkey(vkey: str) -> Ed25519Verifier | CosignatureVerifier:
    """A note verifier for a vkey of type 0x01 (Ed25519) or 0x04 (cosignature/v1)."""
    key_type = parse_verifier_key(vkey).key_type
    if key_type == SIG_TYPE_ED25519:
        return Ed25519Verifier.from_vkey(vkey)
    if key_type == SIG_TYPE_COSIGNATURE:
        return CosignatureVerifier.from_vkey(vkey)
    raise KeyFormatError(f"unsupported verifier key type 0x{key_type:02x}")
