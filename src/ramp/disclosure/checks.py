"""The public's check of a year's totals and a contractor's check of its payment, over exactly the
JSON the API serves (`GET /v1/disclosure/{fy}/totals` and `/payments/{id}`); the browser's
`static/disclosure.js` runs the same steps in the same order and gives the same codes.

Totals: (1) the group totals add up to the root (`verify_totals`); (2) the checkpoint is signed
by the log's key; (3) the record's leaf is in the log under that checkpoint (RFC 6962); (4) the
leaf is a public `disclosure.sumtree` record whose body is the served root and groups, for the
served year, id and seq. Only then are the totals the ones the log committed. A payment: its
root is the verified totals' root, its opening's private bytes name the payment asked for, and
its proof leads from the opened line to that root (`verify_inclusion`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ramp.disclosure.record import RECORD_TYPE, Published, decode_body
from ramp.tlog import merkle, sumtree_wire
from ramp.tlog.checkpoint import CheckpointError, parse_checkpoint
from ramp.tlog.note import Ed25519Verifier, KeyFormatError, NoteError, open_note
from ramp.tlog.sumtree import GroupKey, SumProofError, verify_inclusion, verify_totals

_TOTALS_KEYS: Final = frozenset({"fiscal_year", "record_id", "seq", "log_size", "root", "groups", "leaf",
                                 "checkpoint", "inclusion"})  # fmt: skip
_INCLUSION_KEYS: Final = frozenset({"index", "size", "leaf_hash", "proof", "root"})
_PAYMENT_KEYS: Final = frozenset({"fiscal_year", "transfer_id", "record_id", "seq", "root", "opening", "proof"})


class CheckCode(StrEnum):
    MALFORMED = "malformed"  # not the served shape
    CHECKPOINT_INVALID = "checkpoint_invalid"  # not signed by the log's key
    RECORD_NOT_IN_LOG = "record_not_in_log"  # the leaf's inclusion proof fails
    RECORD_MISMATCH = "record_mismatch"  # the logged record is not what was served
    ROOT_NOT_PUBLISHED = "root_not_published"  # a payment's proof is against another root
    OPENING_MISMATCH = "opening_mismatch"  # the opening is not of the payment asked for


class DisclosureCheckError(Exception):
    """A check that failed; `code` is a CheckCode or a sum tree's code (`root_mismatch`, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True, slots=True)
class VerifiedTotals:
    record_id: str
    seq: int
    checkpoint_size: int
    published: Published


@dataclass(frozen=True, slots=True)
class VerifiedPayment:
    group: GroupKey
    amount_yen: int
    private: dict[str, Any]  # the opened private body (transfer id, vendor, contract, ...)


def _fail(code: str, message: str) -> DisclosureCheckError:
    return DisclosureCheckError(code, message)


def _object(value: Any, keys: frozenset[str], what: str) -> dict[str, Any]:
    if type(value) is not dict or set(value) != keys:
        raise _fail(CheckCode.MALFORMED, f"{what} must be an object with keys {sorted(keys)}")
    return value


def _b64(value: Any, what: str) -> bytes:
    try:
        if type(value) is not str:
            raise ValueError
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise _fail(CheckCode.MALFORMED, f"{what} is not base64") from None


def logged_record(leaf: bytes) -> dict[str, Any]:
    """The record event a leaf holds: a public envelope's body (`journal/envelope.py`)."""
    try:
        envelope = json.loads(leaf)
    except (ValueError, UnicodeDecodeError):
        raise _fail(CheckCode.RECORD_MISMATCH, "the leaf is not JSON") from None
    if type(envelope) is not dict or envelope.get("class") != "public" or type(envelope.get("body")) is not dict:
        raise _fail(CheckCode.RECORD_MISMATCH, "the leaf is not a public envelope: its body is not in the log")
    event = envelope["body"]
    if event.get("kind") != "record" or event.get("type") != RECORD_TYPE:
        raise _fail(CheckCode.RECORD_MISMATCH, f"the leaf is not a {RECORD_TYPE} record")
    return event


def check_totals(doc: Any, log_key: str) -> VerifiedTotals:
    """The public's check of a totals document against the log's verifier key."""
    doc = _object(doc, _TOTALS_KEYS, "totals")
    try:
        published = decode_body({k: doc[k] for k in ("fiscal_year", "log_size", "root", "groups")})
        verify_totals(published.root, published.groups)
    except SumProofError as exc:
        raise _fail(exc.code, str(exc)) from exc
    seq, record_id, note = doc["seq"], doc["record_id"], doc["checkpoint"]
    if type(seq) is not int or type(record_id) is not str or type(note) is not str:
        raise _fail(CheckCode.MALFORMED, "seq, record_id and checkpoint are an integer and strings")
    try:
        checkpoint = parse_checkpoint(open_note(note, [Ed25519Verifier.from_vkey(log_key)]).text)
    except (NoteError, CheckpointError, KeyFormatError, ValueError) as exc:
        raise _fail(CheckCode.CHECKPOINT_INVALID, f"the checkpoint does not verify with the log's key: {exc}") from exc
    inclusion = _object(doc["inclusion"], _INCLUSION_KEYS, "inclusion")
    if inclusion["index"] != seq or inclusion["size"] != checkpoint.size or type(inclusion["proof"]) is not list:
        raise _fail(CheckCode.RECORD_NOT_IN_LOG, "the inclusion proof is for another leaf or tree size")
    leaf = _b64(doc["leaf"], "leaf")
    hashes = [_b64(h, "inclusion.proof") for h in inclusion["proof"]]
    try:  # the proof's own root and leaf hash are never trusted: only the signed checkpoint's root
        merkle.verify_inclusion(merkle.leaf_hash(leaf), seq, checkpoint.size, hashes, checkpoint.root_hash)
    except merkle.ProofError as exc:
        raise _fail(CheckCode.RECORD_NOT_IN_LOG, f"the record is not leaf {seq} under the checkpoint: {exc}") from exc
    event = logged_record(leaf)
    if event.get("id") != record_id or event.get("seq") != seq:
        raise _fail(CheckCode.RECORD_MISMATCH, f"leaf {seq} is {event.get('id')!r}, not {record_id!r}")
    served = {"fiscal_year": doc["fiscal_year"], "log_size": doc["log_size"], "root": doc["root"],
              "groups": doc["groups"]}  # fmt: skip
    if event.get("body") != served:
        raise _fail(CheckCode.RECORD_MISMATCH, f"the served root or groups differ from the logged {record_id}")
    return VerifiedTotals(record_id, seq, checkpoint.size, published)


def check_payment(totals: VerifiedTotals, doc: Any, transfer_id: str) -> VerifiedPayment:
    """A contractor's check that its payment is counted in the verified totals' root."""
    doc = _object(doc, _PAYMENT_KEYS, "payment")
    try:
        root = sumtree_wire.root_from_wire(doc["root"])
        opening = sumtree_wire.opening_from_wire(doc["opening"])
        proof = sumtree_wire.proof_from_wire(doc["proof"])
    except SumProofError as exc:
        raise _fail(exc.code, str(exc)) from exc
    if root != totals.published.root or doc["record_id"] != totals.record_id or doc["seq"] != totals.seq:
        raise _fail(CheckCode.ROOT_NOT_PUBLISHED, f"the payment's root is not the one {totals.record_id} logged")
    try:
        private = json.loads(opening.private_bytes)
    except (ValueError, UnicodeDecodeError):
        raise _fail(CheckCode.OPENING_MISMATCH, "the opening's private bytes are not JSON") from None
    if type(private) is not dict or private.get("transfer_id") != transfer_id:
        raise _fail(CheckCode.OPENING_MISMATCH, f"the opening is not of payment {transfer_id}")
    try:
        verify_inclusion(root, opening, proof)
    except SumProofError as exc:
        raise _fail(exc.code, str(exc)) from exc
    return VerifiedPayment(proof.group, opening.amount_yen, private)
