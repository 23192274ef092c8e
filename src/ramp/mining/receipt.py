"""A filing's receipt: the record's envelope and opening, its inclusion proof, and the signed
checkpoint the proof is against. The operator keeps it and checks it offline with nothing but
the log's verifier key: the checkpoint's signature, the proof to its root, and that the envelope
opens to the record it filed (so the log cannot later show a different filing at that seq).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import msgspec

from ramp.journal import envelope, proofs
from ramp.journal.log import CheckpointInvalid, verify_checkpoint
from ramp.journal.witnessing import cosigned_checkpoint
from ramp.ledger.events import EventDecodeError, RecordAppended, decode_event
from ramp.tlog import merkle

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

RECEIPT_FORMAT: Final = "ramp-receipt/1"
RECEIPT_MAX_BYTES: Final = 64 * 1024  # a record, a proof of at most 64 hashes and a note


class ReceiptInvalid(ValueError):
    """A receipt that does not prove what it says."""


class Receipt(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: str
    origin: str
    record_id: str
    seq: int
    leaf: str  # base64: the log leaf (the public envelope)
    salt: str  # base64: with `body`, what opens the envelope
    body: str  # base64: the record's canonical bytes
    size: int  # the checkpoint's tree size
    hashes: list[str]  # base64: the inclusion proof
    checkpoint: str  # the signed note (with any witnesses' cosignatures)


@dataclass(frozen=True, slots=True)
class Verified:
    record: RecordAppended
    size: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def make(journal: Journal, record_id: str) -> Receipt:
    """The receipt of a committed record, against the latest signed checkpoint."""
    record = journal.engine.record(record_id)
    log = journal.log
    note = cosigned_checkpoint(journal)
    assert record is not None and record.seq < journal.size, record_id
    assert log is not None and note is not None, "receipts need a signing log"
    checkpoint = verify_checkpoint(note, log.verifier_key, log.origin)
    assert checkpoint.size > record.seq
    p = proofs.inclusion(journal, record.seq, checkpoint.size)
    leaf = proofs.entries(journal, record.seq, record.seq + 1)[0]
    ((salt, body),) = journal.openings(record.seq, record.seq + 1)
    return Receipt(RECEIPT_FORMAT, log.origin, record_id, record.seq, _b64(leaf), _b64(salt), _b64(body),
                   checkpoint.size, [_b64(h) for h in p.hashes], note)  # fmt: skip


def _decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ReceiptInvalid(f"{what} is not base64") from exc


def verify(receipt_bytes: bytes, log_key: str) -> Verified:
    """Check a receipt offline against the log's verifier key; `ReceiptInvalid` says what failed."""
    if len(receipt_bytes) > RECEIPT_MAX_BYTES:
        raise ReceiptInvalid(f"a receipt is at most {RECEIPT_MAX_BYTES} bytes")
    try:
        r = msgspec.json.decode(receipt_bytes, type=Receipt)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ReceiptInvalid(f"not a receipt: {exc}") from exc
    if r.format != RECEIPT_FORMAT:
        raise ReceiptInvalid(f"format {r.format!r} is not {RECEIPT_FORMAT}")
    try:
        checkpoint = verify_checkpoint(r.checkpoint, log_key, r.origin)
    except CheckpointInvalid as exc:
        raise ReceiptInvalid(str(exc)) from exc
    if checkpoint.size != r.size or not 0 <= r.seq < r.size:
        raise ReceiptInvalid(f"seq {r.seq} and size {r.size} do not fit the checkpoint of size {checkpoint.size}")
    leaf, salt, body = _decode(r.leaf, "leaf"), _decode(r.salt, "salt"), _decode(r.body, "body")
    hashes = [_decode(h, "a proof hash") for h in r.hashes]
    try:
        merkle.verify_inclusion(hashlib.sha256(b"\x00" + leaf).digest(), r.seq, r.size, hashes, checkpoint.root_hash)
    except (merkle.ProofError, ValueError) as exc:
        raise ReceiptInvalid(f"the inclusion proof does not verify: {exc}") from exc
    try:
        sealed = envelope.parse(leaf)
        envelope.opens(leaf, salt, body, kind=sealed.kind, seq=r.seq, timestamp=str(sealed.timestamp))
        event = decode_event(body)
    except (envelope.EnvelopeInvalid, EventDecodeError) as exc:
        raise ReceiptInvalid(f"the envelope does not open to the record: {exc}") from exc
    if type(event) is not RecordAppended or event.id != r.record_id or event.seq != r.seq:
        raise ReceiptInvalid(f"the leaf at seq {r.seq} is not the record {r.record_id!r}")
    return Verified(event, r.size)


def to_json(receipt: Receipt) -> dict[str, Any]:
    return msgspec.to_builtins(receipt)
