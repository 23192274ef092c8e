"""The queue that pairs what sources give with what destinations receive, within one `send`.

Sources push (account, amount) in the order they are taken; destinations pull from the
front. Consecutive pushes by the same account merge into one chunk, so an account listed
twice in a row yields one posting per destination, as in the reference implementation.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Chunk:
    account: str
    amount: int


class FundsQueue:
    def __init__(self) -> None:
        self._chunks: deque[_Chunk] = deque()
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    def push(self, account: str, amount: int) -> None:
        assert amount >= 0, amount
        if amount == 0:
            return
        if self._chunks and self._chunks[-1].account == account:
            self._chunks[-1].amount += amount
        else:
            self._chunks.append(_Chunk(account, amount))
        self._total += amount

    def pull(self, amount: int) -> list[tuple[str, int]]:
        """Take `amount` from the front: the (account, amount) pieces it came from, in order."""
        assert 0 <= amount <= self._total, (amount, self._total)
        pieces: list[tuple[str, int]] = []
        left = amount
        while left > 0:
            front = self._chunks[0]
            taken = min(front.amount, left)
            pieces.append((front.account, taken))
            front.amount -= taken
            left -= taken
            if front.amount == 0:
                self._chunks.popleft()
        self._total -= amount
        return pieces
