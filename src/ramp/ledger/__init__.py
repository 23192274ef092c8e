"""The ledger layer: a pure double-entry engine, its commands, events and result codes."""

from ramp.ledger.engine import BatchTooLarge, LedgerEngine, Outcome, ReplayError
from ramp.ledger.events import Event, RecordAppended, decode_event, encode_event
from ramp.ledger.model import (
    BATCH_MAX_EVENTS,
    AccountBalance,
    AppendRecord,
    BalanceRow,
    ChangeAccountFlags,
    Command,
    CreateAccount,
    CreateTransfer,
    Result,
)

__all__ = [
    "BATCH_MAX_EVENTS",
    "AccountBalance",
    "AppendRecord",
    "BalanceRow",
    "BatchTooLarge",
    "ChangeAccountFlags",
    "Command",
    "CreateAccount",
    "CreateTransfer",
    "Event",
    "LedgerEngine",
    "Outcome",
    "RecordAppended",
    "ReplayError",
    "Result",
    "decode_event",
    "encode_event",
]
