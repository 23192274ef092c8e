"""Commands the ledger engine accepts, their flags and the limits on every field.

Commands are frozen msgspec Structs: the API decodes JSON straight into them, the engine
checks their meaning. Amounts are integers in the asset's minor unit; `JPYD` has none.
"""

from __future__ import annotations

import re
from typing import Final

import msgspec

# --- limits (each one is enforced by the engine and reported with a precise result code) ---
BATCH_MAX_EVENTS: Final = 8189  # TigerBeetle's batch size: one message of 1 MiB of 128-byte events.
ACCOUNT_ID_MAX_CHARS: Final = 128  # deep enough for fy:org:program:project:line addresses.
TRANSFER_ID_MAX_CHARS: Final = 64  # room for a UUID or a ULID plus a short prefix.
AMOUNT_MAX: Final = 2**63 - 1  # fits SQLite's and PostgreSQL's signed 64-bit integers.
BALANCE_MAX: Final = 2**63 - 1  # the same bound for every balance counter and their sums.
TIMEOUT_S_MAX: Final = 10 * 366 * 86_400  # ten years: the longest multi-year contract authority.
MEMO_MAX_CHARS: Final = 512
METADATA_MAX_KEYS: Final = 32
METADATA_VALUE_MAX_CHARS: Final = 256
REFERENCES_MAX_KEYS: Final = 8
REFERENCE_VALUE_MAX_CHARS: Final = 128
ASSET_SCALE_MAX: Final = 18

ACCOUNT_ID_RE: Final = re.compile(r"[a-z0-9_-]+(?::[a-z0-9_-]+)*")
TRANSFER_ID_RE: Final = re.compile(r"[A-Za-z0-9_.:-]+")
CODE_RE: Final = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
ASSET_RE: Final = re.compile(r"[A-Z][A-Z0-9_]{0,15}(?:/(?:0|[1-9][0-9]?))?")
KEY_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
RECORD_TYPE_RE: Final = re.compile(
    r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,3}"
)  # e.g. identity.added
RECORD_BODY_MAX_BYTES: Final = 8 * 1024  # an approval with its signature fits many times over
RECORD_BODY_MAX_DEPTH: Final = 8
JSON_SAFE_INT: Final = 2**53 - 1


# --- flags: names on the wire and in the log, bits inside the engine ---
class AccountFlag:
    DEBITS_MUST_NOT_EXCEED_CREDITS: Final = 1
    CREDITS_MUST_NOT_EXCEED_DEBITS: Final = 2
    FROZEN: Final = 4
    CLOSED: Final = 8


class TransferFlag:
    LINKED: Final = 1
    PENDING: Final = 2
    POST_PENDING: Final = 4
    VOID_PENDING: Final = 8
    BALANCING: Final = 16


ACCOUNT_FLAG_BITS: Final[dict[str, int]] = {
    "debits_must_not_exceed_credits": AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    "credits_must_not_exceed_debits": AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS,
    "frozen": AccountFlag.FROZEN,
    "closed": AccountFlag.CLOSED,
}
TRANSFER_FLAG_BITS: Final[dict[str, int]] = {
    "linked": TransferFlag.LINKED,
    "pending": TransferFlag.PENDING,
    "post_pending": TransferFlag.POST_PENDING,
    "void_pending": TransferFlag.VOID_PENDING,
    "balancing": TransferFlag.BALANCING,
}
# `linked` belongs to the batch, not to the account: it is accepted on account commands too.
LINKED_BIT: Final = 1 << 30


def flag_bits(names: tuple[str, ...], table: dict[str, int]) -> int | None:
    """The bit mask of `names`, or None when a name is unknown or repeated."""
    mask = 0
    for name in names:
        bit = table.get(name)
        if bit is None or mask & bit:
            return None
        mask |= bit
    return mask


def flag_names(mask: int, table: dict[str, int]) -> tuple[str, ...]:
    """Canonical (sorted) names of the bits set in `mask`."""
    return tuple(sorted(name for name, bit in table.items() if mask & bit))


def asset_scale(asset: str) -> int:
    """Decimal places of an asset: `USD/2` has 2 (cents), `JPYD` has 0."""
    _, _, scale = asset.partition("/")
    return int(scale) if scale else 0


# gc=False: commands hold only strings, ints and string containers, so they cannot be part of
# a reference cycle; untracked, a million queued commands cost the cyclic GC nothing.
class CreateAccount(
    msgspec.Struct,
    frozen=True,
    gc=False,
    forbid_unknown_fields=True,
    tag="create_account",
    tag_field="command",
):
    """Open an account. `id` is an address like `fy2025:msdf:uav-research`."""

    id: str
    asset: str
    flags: tuple[str, ...] = ()
    metadata: dict[str, str] = {}


class CreateTransfer(
    msgspec.Struct,
    frozen=True,
    gc=False,
    forbid_unknown_fields=True,
    tag="create_transfer",
    tag_field="command",
):
    """Move `amount` from `debit_account` to `credit_account`.

    For `post_pending`/`void_pending`, accounts, asset and code may be left empty (they are
    taken from the pending transfer) and `amount` may be None (the whole pending amount).
    """

    id: str
    debit_account: str = ""
    credit_account: str = ""
    amount: int | None = None
    asset: str = ""
    code: str = ""
    flags: tuple[str, ...] = ()
    pending_id: str | None = None
    timeout_s: int = 0
    references: dict[str, str] = {}
    memo: str = ""


class ChangeAccountFlags(
    msgspec.Struct,
    frozen=True,
    gc=False,
    forbid_unknown_fields=True,
    tag="change_account_flags",
    tag_field="command",
):
    """Set or clear `frozen`, or set `closed`. Gated by approvals in the policy layer.

    `id` is the command's own idempotency key (same rules as a transfer id).
    """

    id: str
    account: str
    set: tuple[str, ...] = ()
    clear: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # only `linked`


class AppendRecord(
    msgspec.Struct,
    frozen=True,
    gc=False,
    forbid_unknown_fields=True,
    tag="append_record",
    tag_field="command",
):
    """A domain event (an identity added, a request approved, ...) for the journal.

    The engine does not interpret it: it checks its shape and size, makes it idempotent by
    `id`, gives it a seq and a timestamp, and the domain layer that owns `type` folds it.
    `body` holds JSON objects, arrays, strings, booleans, null and integers within +-(2^53-1)
    (so that the canonical bytes stay exact under RFC 8785); no floats.
    """

    id: str
    type: str
    body: dict[str, object] = {}
    flags: tuple[str, ...] = ()  # only `linked`


Command = CreateAccount | CreateTransfer | ChangeAccountFlags | AppendRecord


class Result(msgspec.Struct, frozen=True, gc=False):
    """The outcome of one command: a result code and, when applied, the event's `seq`."""

    id: str
    result: str
    seq: int | None = None


class AccountBalance(msgspec.Struct, frozen=True):
    """An account as queries return it: definition plus its four balance counters."""

    id: str
    asset: str
    flags: tuple[str, ...]
    metadata: dict[str, str]
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    timestamp: int

    @property
    def balance(self) -> int:
        """Posted credits minus posted debits: what a budget line or a wallet holds."""
        return self.credits_posted - self.debits_posted


class BalanceRow(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """One account's four balance counters after a batch: what a batch records per account
    it touched, the store folds and the read model applies. `array_like`: stored as the JSON
    array `[account, dp, dpo, cp, cpo]`, built as cheaply as the tuple it names (measured)."""

    account: str
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


def valid_map(m: dict[str, str], max_keys: int, max_value_chars: int) -> bool:
    """Metadata and references: few keys, `[a-z][a-z0-9_]*` keys, short string values."""
    if len(m) > max_keys:
        return False
    for k, v in m.items():
        if (
            type(k) is not str
            or type(v) is not str
            or not KEY_RE.fullmatch(k)
            or len(v) > max_value_chars
        ):
            return False
    return True
