"""Who may read an event's body: the classification the log's envelope records (public,
restricted, secret), decided at write time from live state.

The law's figures are public: the Diet's acts (`budget.enacted`), the appropriation items and
their authority, the money supply (`treasury:issuer`), lapses and the treasury's revenue, and the
published Merkle-sum roots of payments (`disclosure.sumtree`). Everything below an item —
organisations, programs, projects, contracts, vendors' wallets — and every identity, approval,
contract, login and script record is restricted; an account's metadata `classification` may
raise its level (to `secret`), never lower it, and so may a record's body `classification` (the
budget marks each record about a secret line, and a secret project's contracts). A transfer is as secret as its more secret
account; an expiry as its pending transfer; a flag change as its account.
"""

from __future__ import annotations

import re
from typing import Final

from ramp.journal.envelope import Level
from ramp.ledger.engine import LedgerEngine
from ramp.ledger.events import (
    AccountCreated,
    AccountFlagsChanged,
    Event,
    PendingExpired,
    RecordAppended,
    TransferApplied,
)

PUBLIC_RECORD_TYPES: Final = frozenset({"budget.enacted", "disclosure.sumtree"})
CLASSIFICATION_KEY: Final = "classification"  # account metadata: "restricted" or "secret"
# fyN:<item> (an appropriation item, 項), fyN:reserve, fyN:authority:<item|issued>, the issuer,
# the Diet's authority, and the treasury's lapsed and revenue accounts of a year.
_PUBLIC_ACCOUNT: Final = re.compile(
    r"fy[0-9]{4}:[a-z0-9][a-z0-9-]{0,19}|fy[0-9]{4}:authority:[a-z0-9][a-z0-9-]{0,19}"
    r"|treasury:issuer|diet:authority|treasury:(lapsed|revenue):fy[0-9]{4}"
)
_LEVELS: Final = {level.value: level for level in Level}
ACCOUNT_CACHE_MAX: Final = 1 << 20  # accounts' levels never change (metadata is immutable)


class Classifier:
    """`classifier(event, engine) -> Level`, the journal's write-time decision."""

    def __init__(self) -> None:
        self._accounts: dict[str, Level] = {}

    def __call__(self, event: Event, engine: LedgerEngine) -> Level:
        kind = type(event)
        if kind is TransferApplied:
            a = self.account(event.debit_account, engine)  # type: ignore[union-attr]
            b = self.account(event.credit_account, engine)  # type: ignore[union-attr]
            return stricter(a, b)
        if kind is RecordAppended:
            return record_level(event)  # type: ignore[arg-type]
        if kind is AccountCreated:
            return self.account(event.id, engine)  # type: ignore[union-attr]
        if kind is AccountFlagsChanged:
            return self.account(event.account, engine)  # type: ignore[union-attr]
        if kind is PendingExpired:
            pending = engine.transfer(event.pending_id)  # type: ignore[union-attr]
            return Level.SECRET if pending is None else self(pending, engine)
        return Level.SECRET  # an event kind this classifier does not know: the strictest

    def account(self, account_id: str, engine: LedgerEngine) -> Level:
        level = self._accounts.get(account_id)
        if level is None:
            level = account_level(account_id, engine)
            if len(self._accounts) < ACCOUNT_CACHE_MAX:
                self._accounts[account_id] = level
        return level


def record_level(record: RecordAppended) -> Level:
    """Public for the law's public records, else restricted; a body's `classification` (a record
    about a secret line says so) may raise the level, never lower it."""
    floor = Level.PUBLIC if record.type in PUBLIC_RECORD_TYPES else Level.RESTRICTED
    declared = record.body.get(CLASSIFICATION_KEY)
    level = _LEVELS.get(declared) if isinstance(declared, str) else None
    return level if level is not None and level.rank > floor.rank else floor


def stricter(a: Level, b: Level) -> Level:
    return a if a.rank >= b.rank else b


def transfer_level(transfer: TransferApplied, engine: LedgerEngine) -> Level:
    """What the classifier decided for the transfer: as secret as its more secret account."""
    return stricter(account_level(transfer.debit_account, engine), account_level(transfer.credit_account, engine))


def account_level(account_id: str, engine: LedgerEngine) -> Level:
    floor = Level.PUBLIC if _PUBLIC_ACCOUNT.fullmatch(account_id) else Level.RESTRICTED
    account = engine.account(account_id)
    declared = None if account is None else _LEVELS.get(account.metadata.get(CLASSIFICATION_KEY, ""))
    if declared is not None and declared.rank > floor.rank:
        return declared
    return floor
