"""A planner's view of the ledger: the live engine plus what this batch has already planned.

Planners run under the journal's write lock against the live engine, so what they read
cannot change before their commands execute. Several operations planned into one batch must
also see each other: the view overlays the balances and accounts this batch will create on
top of the engine's state. Reads are cached per view (one batch), never across batches.
"""

from __future__ import annotations

from ramp.ledger import LedgerEngine


class Acc:
    """One account as the planner sees it: definition and posted counters."""

    __slots__ = ("id", "asset", "metadata", "credits", "debits")

    def __init__(self, id: str, asset: str, metadata: dict[str, str], credits: int, debits: int) -> None:
        self.id = id
        self.asset = asset
        self.metadata = metadata
        self.credits = credits
        self.debits = debits

    @property
    def balance(self) -> int:
        return self.credits - self.debits


class View:
    def __init__(self, engine: LedgerEngine) -> None:
        self.engine = engine
        self._cache: dict[str, Acc | None] = {}
        self.memo: dict[str, object] = {}  # parsed definitions (nodes, contracts) of this batch

    def get(self, account_id: str) -> Acc | None:
        try:
            return self._cache[account_id]
        except KeyError:
            pass
        a = self.engine.account(account_id)
        acc = None if a is None else Acc(a.id, a.asset, a.metadata, a.credits_posted, a.debits_posted)
        self._cache[account_id] = acc
        return acc

    def exists(self, account_id: str) -> bool:
        return self.get(account_id) is not None

    def open(self, account_id: str, asset: str, metadata: dict[str, str]) -> Acc:
        assert self.get(account_id) is None, account_id
        acc = Acc(account_id, asset, metadata, 0, 0)
        self._cache[account_id] = acc
        return acc

    def move(self, debit: Acc, credit: Acc, amount: int) -> None:
        debit.debits += amount
        credit.credits += amount

    def transfer_exists(self, transfer_id: str) -> bool:
        return self.engine.transfer(transfer_id) is not None

    def cached(self) -> dict[str, Acc | None]:
        """Accounts read or planned by this view (their counters include this batch)."""
        return self._cache
