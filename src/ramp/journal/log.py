"""The log's identity: its origin and Ed25519 key, and the checkpoints it signs.

A checkpoint (C2SP tlog-checkpoint in a C2SP signed note) is signed for every committed batch
and stored in the same transaction as the batch. The origin and the verifier key are recorded
in the store on first use; a journal opened later with another origin or key is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ramp.journal.disclosure import Disclosure
from ramp.tlog.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ramp.tlog.keys import read_private_key_file, write_private_key_file
from ramp.tlog.note import (
    Ed25519Signer,
    Ed25519Verifier,
    NoteError,
    generate_key,
    open_note,
    sign_note,
)


class CheckpointInvalid(ValueError):
    """A stored or served checkpoint that does not verify."""


@dataclass(frozen=True)
class LogSigner:
    origin: str
    signer: Ed25519Signer

    @classmethod
    def from_key_file(cls, path: str, origin: str) -> LogSigner:
        return cls(origin, Ed25519Signer.from_skey(read_private_key_file(path)))

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier_key().encode()

    @property
    def disclosure(self) -> Disclosure:
        """The secret from which hiding commitments' salts are derived (journal/disclosure.py)."""
        return Disclosure.of_signer(self.signer)

    def sign_checkpoint(self, size: int, root: bytes) -> str:
        return sign_note(Checkpoint(self.origin, size, root).format(), [self.signer])


def create_log_key(path: str, origin: str) -> str:
    """A new log key named after the origin, written 0600; returns the verifier key."""
    skey, vkey = generate_key(origin)
    write_private_key_file(path, skey)
    return vkey


def verify_checkpoint(note: str, verifier_key: str, origin: str) -> Checkpoint:
    """Parse a signed checkpoint note and check the log's signature and origin."""
    try:
        verifier = Ed25519Verifier.from_vkey(verifier_key)
        opened = open_note(note, [verifier])
        checkpoint = parse_checkpoint(opened.text)
    except (NoteError, CheckpointError, ValueError) as exc:
        raise CheckpointInvalid(f"checkpoint does not verify: {exc}") from exc
    if checkpoint.origin != origin:
        raise CheckpointInvalid(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint
