"""Result codes of the ledger engine: one per command, never an exception for an expected failure.

The order of `CODES_IN_PRECEDENCE` is the order in which the engine checks: when a command is
wrong in several ways, the code earliest in this list is the one reported. Tests pin it.
"""

from __future__ import annotations

from typing import Final

OK: Final = "ok"
EXISTS: Final = "exists"

# Chain-level outcomes (a linked chain commits all or nothing).
LINKED_EVENT_FAILED: Final = "linked_event_failed"
LINKED_EVENT_CHAIN_OPEN: Final = "linked_event_chain_open"

# Shape of the command itself (no state consulted).
ID_INVALID: Final = "id_invalid"
FLAGS_INVALID: Final = "flags_invalid"
FLAGS_ARE_MUTUALLY_EXCLUSIVE: Final = "flags_are_mutually_exclusive"
ASSET_INVALID: Final = "asset_invalid"
METADATA_INVALID: Final = "metadata_invalid"
PENDING_ID_REQUIRED: Final = "pending_id_required"
PENDING_ID_MUST_BE_EMPTY: Final = "pending_id_must_be_empty"
PENDING_ID_MUST_BE_DIFFERENT: Final = "pending_id_must_be_different"
TIMEOUT_RESERVED_FOR_PENDING_TRANSFER: Final = "timeout_reserved_for_pending_transfer"
TIMEOUT_INVALID: Final = "timeout_invalid"
CODE_INVALID: Final = "code_invalid"
AMOUNT_INVALID: Final = "amount_invalid"
MEMO_INVALID: Final = "memo_invalid"
REFERENCES_INVALID: Final = "references_invalid"
RECORD_TYPE_INVALID: Final = "record_type_invalid"
RECORD_BODY_INVALID: Final = "record_body_invalid"
ACCOUNT_ID_INVALID: Final = "account_id_invalid"
ACCOUNTS_MUST_BE_DIFFERENT: Final = "accounts_must_be_different"

# Idempotency: the id was applied before (checked before any state-dependent rule, so a retry
# of a committed command answers `exists` even if the accounts changed since).
EXISTS_WITH_DIFFERENT_FLAGS: Final = "exists_with_different_flags"
EXISTS_WITH_DIFFERENT_ASSET: Final = "exists_with_different_asset"
EXISTS_WITH_DIFFERENT_METADATA: Final = "exists_with_different_metadata"
EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT: Final = "exists_with_different_debit_account"
EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT: Final = "exists_with_different_credit_account"
EXISTS_WITH_DIFFERENT_AMOUNT: Final = "exists_with_different_amount"
EXISTS_WITH_DIFFERENT_PENDING_ID: Final = "exists_with_different_pending_id"
EXISTS_WITH_DIFFERENT_TIMEOUT: Final = "exists_with_different_timeout"
EXISTS_WITH_DIFFERENT_CODE: Final = "exists_with_different_code"
EXISTS_WITH_DIFFERENT_REFERENCES: Final = "exists_with_different_references"
EXISTS_WITH_DIFFERENT_MEMO: Final = "exists_with_different_memo"
EXISTS_WITH_DIFFERENT_ACCOUNT: Final = "exists_with_different_account"
EXISTS_WITH_DIFFERENT_TYPE: Final = "exists_with_different_type"
EXISTS_WITH_DIFFERENT_BODY: Final = "exists_with_different_body"

# State of the accounts and of the referenced pending transfer.
ACCOUNT_NOT_FOUND: Final = "account_not_found"
DEBIT_ACCOUNT_NOT_FOUND: Final = "debit_account_not_found"
CREDIT_ACCOUNT_NOT_FOUND: Final = "credit_account_not_found"
PENDING_TRANSFER_NOT_FOUND: Final = "pending_transfer_not_found"
PENDING_TRANSFER_NOT_PENDING: Final = "pending_transfer_not_pending"
PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT: Final = "pending_transfer_has_different_debit_account"
PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT: Final = "pending_transfer_has_different_credit_account"
PENDING_TRANSFER_HAS_DIFFERENT_ASSET: Final = "pending_transfer_has_different_asset"
PENDING_TRANSFER_HAS_DIFFERENT_CODE: Final = "pending_transfer_has_different_code"
PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT: Final = "pending_transfer_has_different_amount"
PENDING_TRANSFER_ALREADY_POSTED: Final = "pending_transfer_already_posted"
PENDING_TRANSFER_ALREADY_VOIDED: Final = "pending_transfer_already_voided"
PENDING_TRANSFER_EXPIRED: Final = "pending_transfer_expired"
EXCEEDS_PENDING_TRANSFER_AMOUNT: Final = "exceeds_pending_transfer_amount"
ASSET_MISMATCH: Final = "asset_mismatch"
ACCOUNT_CLOSED: Final = "account_closed"
ACCOUNT_FROZEN: Final = "account_frozen"
ACCOUNT_NOT_EMPTY: Final = "account_not_empty"
OVERFLOW: Final = "overflow"
EXCEEDS_CREDITS: Final = "exceeds_credits"
EXCEEDS_DEBITS: Final = "exceeds_debits"

CODES_IN_PRECEDENCE: Final[tuple[str, ...]] = (
    LINKED_EVENT_FAILED,
    LINKED_EVENT_CHAIN_OPEN,
    ID_INVALID,
    FLAGS_INVALID,
    FLAGS_ARE_MUTUALLY_EXCLUSIVE,
    ASSET_INVALID,
    METADATA_INVALID,
    PENDING_ID_REQUIRED,
    PENDING_ID_MUST_BE_EMPTY,
    PENDING_ID_MUST_BE_DIFFERENT,
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER,
    TIMEOUT_INVALID,
    CODE_INVALID,
    AMOUNT_INVALID,
    MEMO_INVALID,
    REFERENCES_INVALID,
    RECORD_TYPE_INVALID,
    RECORD_BODY_INVALID,
    ACCOUNT_ID_INVALID,
    ACCOUNTS_MUST_BE_DIFFERENT,
    EXISTS_WITH_DIFFERENT_FLAGS,
    EXISTS_WITH_DIFFERENT_ASSET,
    EXISTS_WITH_DIFFERENT_METADATA,
    EXISTS_WITH_DIFFERENT_ACCOUNT,
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT,
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT,
    EXISTS_WITH_DIFFERENT_AMOUNT,
    EXISTS_WITH_DIFFERENT_PENDING_ID,
    EXISTS_WITH_DIFFERENT_TIMEOUT,
    EXISTS_WITH_DIFFERENT_CODE,
    EXISTS_WITH_DIFFERENT_REFERENCES,
    EXISTS_WITH_DIFFERENT_MEMO,
    EXISTS_WITH_DIFFERENT_TYPE,
    EXISTS_WITH_DIFFERENT_BODY,
    EXISTS,
    ACCOUNT_NOT_FOUND,
    DEBIT_ACCOUNT_NOT_FOUND,
    CREDIT_ACCOUNT_NOT_FOUND,
    PENDING_TRANSFER_NOT_FOUND,
    PENDING_TRANSFER_NOT_PENDING,
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT,
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT,
    PENDING_TRANSFER_HAS_DIFFERENT_ASSET,
    PENDING_TRANSFER_HAS_DIFFERENT_CODE,
    PENDING_TRANSFER_ALREADY_POSTED,
    PENDING_TRANSFER_ALREADY_VOIDED,
    PENDING_TRANSFER_EXPIRED,
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT,
    EXCEEDS_PENDING_TRANSFER_AMOUNT,
    ASSET_MISMATCH,
    ACCOUNT_CLOSED,
    ACCOUNT_FROZEN,
    ACCOUNT_NOT_EMPTY,
    OVERFLOW,
    EXCEEDS_CREDITS,
    EXCEEDS_DEBITS,
    OK,
)

# Codes that mean "this command's effect is in the ledger" (a retry is safe to treat as done).
SUCCESS_CODES: Final = frozenset({OK, EXISTS})
