"""The mutable state of one account inside the ledger engine.

Its own module so that the engine and its rule mixins (`_account_rules`, `_transfer_rules`)
share it without importing each other. Never leaves the engine: readers get an
`AccountBalance` (ledger/model.py) copied from it.
"""

from __future__ import annotations


class AccountState:
    """One account's identity, flags and four balances; slots keep the hot path cheap."""

    __slots__ = ("id", "asset", "flags", "metadata", "timestamp", "seq", "dp", "dpo", "cp", "cpo")

    def __init__(self, id: str, asset: str, flags: int, metadata: dict[str, str], ts: int, seq: int) -> None:
        self.id = id
        self.asset = asset
        self.flags = flags
        self.metadata = metadata
        self.timestamp = ts
        self.seq = seq
        self.dp = 0  # debits pending
        self.dpo = 0  # debits posted
        self.cp = 0  # credits pending
        self.cpo = 0  # credits posted
