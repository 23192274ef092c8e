"""Request and response bodies of API v1 (amounts and timestamps are JSON integers here)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ramp.ledger import BATCH_MAX_EVENTS, CreateAccount, CreateTransfer, Result
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import AccountBalance

Batch = Annotated[int, msgspec.Meta(ge=1)]


class AccountsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    accounts: Annotated[list[CreateAccount], msgspec.Meta(min_length=1, max_length=BATCH_MAX_EVENTS)]


class TransfersRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    transfers: Annotated[list[CreateTransfer], msgspec.Meta(min_length=1, max_length=BATCH_MAX_EVENTS)]


class ResultsResponse(msgspec.Struct, frozen=True):
    results: list[Result]


class AccountOut(msgspec.Struct, frozen=True):
    id: str
    asset: str
    flags: tuple[str, ...]
    metadata: dict[str, str]
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    balance: int
    timestamp: int

    @classmethod
    def of(cls, a: AccountBalance) -> AccountOut:
        return cls(a.id, a.asset, a.flags, a.metadata, a.debits_pending, a.debits_posted, a.credits_pending,
                   a.credits_posted, a.balance, a.timestamp)  # fmt: skip


class TransferOut(msgspec.Struct, frozen=True):
    id: str
    seq: int
    timestamp: int
    debit_account: str
    credit_account: str
    amount: int
    asset: str
    code: str
    flags: tuple[str, ...]
    pending_id: str | None
    timeout_s: int
    references: dict[str, str]
    memo: str

    @classmethod
    def of(cls, t: TransferApplied) -> TransferOut:
        return cls(t.id, t.seq, int(t.timestamp), t.debit_account, t.credit_account, int(t.amount), t.asset,
                   t.code, t.flags, t.pending_id, t.timeout_s, t.references, t.memo)  # fmt: skip


class TransfersPage(msgspec.Struct, frozen=True):
    transfers: list[TransferOut]
    next_after_seq: int | None


class EntriesResponse(msgspec.Struct, frozen=True):
    start: int
    end: int
    entries: list[str]  # base64 of each leaf's bytes: the events' public envelopes


class OpeningOut(msgspec.Struct, frozen=True, omit_defaults=True):
    """What opens one envelope: its salt and the event's canonical bytes, or `withheld` when
    the caller is not cleared for the event's classification."""

    seq: int
    level: str  # public, restricted or secret: the envelope's classification
    salt: str | None = None  # hex, 32 bytes
    body: str | None = None  # base64 of the event's canonical JSON
    withheld: bool = False


class OpeningsResponse(msgspec.Struct, frozen=True):
    start: int
    end: int
    openings: list[OpeningOut]


class InclusionProofOut(msgspec.Struct, frozen=True):
    index: int
    size: int
    leaf_hash: str
    proof: list[str]
    root: str


class ConsistencyProofOut(msgspec.Struct, frozen=True):
    old: int
    new: int
    proof: list[str]
    old_root: str
    new_root: str


class ErrorBody(msgspec.Struct, frozen=True):
    code: str
    message: str


class ErrorResponse(msgspec.Struct, frozen=True):
    error: ErrorBody
