"""The dashboard's read model: what the budget projection does not keep — money moving through
time (obligations and payments by month of each fiscal year) and the latest events, for the
live feed. A journal projection: fed every committed event once, on the committer thread.

A month is a calendar month in JST; a movement counts in the fiscal year of the escrow it
touches (so a FY2024 contract paid in April 2025's 出納整理期間 stays FY2024), in that year's
month of its timestamp, clamped to April..March. Payments include penalties offset against
them (PENALTY). Obligations follow the budget projection's rule exactly: OBLIGATE into an escrow adds, CARRY_OVER, LAPSE or DEOBLIGATE out of one subtracts,
CARRY_OVER into one adds; so the twelve months add up to the tree's figures.
"""

from __future__ import annotations

import bisect
import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from ramp.budget.model import Code
from ramp.ledger.events import AccountCreated, Event, RecordAppended, TransferApplied
from ramp.text import is_digits

MONTHS: Final = 12
FEED_BACKLOG_MAX: Final = 200  # newest events a feed subscriber gets on connecting
FEED_PER_BATCH_MAX: Final = 50  # summaries published per batch; a full batch is 8,189 events
_JST: Final = timezone(timedelta(hours=9))
_NS: Final = 1_000_000_000


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One committed event, as the feed shows it (amount 0 where the event moves no money)."""

    seq: int
    timestamp: int
    kind: str  # transfer | account | record | other
    code: str  # the transfer's code, the record's type, the account's kind
    id: str
    amount: int
    debit: str
    credit: str


@dataclass(frozen=True, slots=True)
class FeedBatch:
    """What one committed batch adds to the feed: its newest items and how many events it held."""

    items: tuple[FeedItem, ...]
    events: int
    size: int  # the log's size after the batch


@dataclass(frozen=True, slots=True)
class Monthly:
    fiscal_year: int
    obligated: tuple[int, ...]  # per month, April first (net of carry-overs and lapses)
    disbursed: tuple[int, ...]


def _month_starts(fiscal_year: int) -> list[int]:
    """ns of 1 April .. 1 March of the fiscal year, JST: bisect a timestamp into its month."""
    out = []
    for k in range(MONTHS):
        year, month = (fiscal_year, 4 + k) if k < 9 else (fiscal_year + 1, k - 8)
        out.append(int(datetime(year, month, 1, tzinfo=_JST).timestamp()) * _NS)
    return out


def summarise(e: Event) -> FeedItem:
    t = type(e)
    if t is TransferApplied:
        return FeedItem(e.seq, int(e.timestamp), "transfer", e.code, e.id, int(e.amount),  # type: ignore[union-attr]
                        e.debit_account, e.credit_account)  # type: ignore[union-attr]  # fmt: skip
    if t is AccountCreated:
        return FeedItem(e.seq, int(e.timestamp), "account", e.metadata.get("kind", ""), e.id, 0, "", "")  # type: ignore[union-attr]
    if t is RecordAppended:
        return FeedItem(e.seq, int(e.timestamp), "record", e.type, e.id, 0, "", "")  # type: ignore[union-attr]
    return FeedItem(e.seq, int(e.timestamp), "other", t.__name__, "", 0, "", "")


class Activity:
    """Monthly obligations and payments per fiscal year, the feed's backlog, event counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Called after each committed batch, on the committer thread (the feed hub's publish):
        # it must be quick and must not raise.
        self.on_batch: Callable[[FeedBatch], None] | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._escrow_fy: dict[str, int] = {}
            self._months: dict[int, tuple[list[int], list[int]]] = {}
            self._starts: dict[int, list[int]] = {}
            self._backlog: collections.deque[FeedItem] = collections.deque(maxlen=FEED_BACKLOG_MAX)
            self._codes: collections.Counter[str] = collections.Counter()
            self._events = 0

    # --- folding -------------------------------------------------------------------------
    def apply(self, events: list[Event]) -> None:
        if not events:
            return
        with self._lock:
            escrow_fy = self._escrow_fy
            codes = self._codes
            for e in events:
                t = type(e)
                if t is TransferApplied:
                    code = e.code  # type: ignore[union-attr]
                    codes[code] += 1
                    if code == Code.DISBURSE or code == Code.PENALTY:  # the hot path: a million a year
                        fy = escrow_fy.get(e.debit_account)  # type: ignore[union-attr]
                        if fy is not None:
                            self._add(fy, 1, int(e.timestamp), int(e.amount))  # type: ignore[union-attr]
                    elif code in (Code.OBLIGATE, Code.CARRY_OVER, Code.LAPSE, Code.DEOBLIGATE):
                        self._obligation(e)  # type: ignore[arg-type]
                elif t is AccountCreated and e.metadata.get("kind") == "escrow":  # type: ignore[union-attr]
                    fy_text = e.metadata.get("fiscal_year", "")  # type: ignore[union-attr]
                    if is_digits(fy_text) and len(fy_text) == 4:
                        escrow_fy[e.id] = int(fy_text)  # type: ignore[union-attr]
            self._events += len(events)
            tail = tuple(summarise(e) for e in events[-FEED_PER_BATCH_MAX:])
            self._backlog.extend(tail)
            size = events[-1].seq + 1
        listener = self.on_batch
        if listener is not None:
            listener(FeedBatch(tail, len(events), size))

    def _obligation(self, e: TransferApplied) -> None:
        if e.flags and ("pending" in e.flags or "void_pending" in e.flags):
            return  # as in the budget projection: budget operations never reserve
        amount, at = int(e.amount), int(e.timestamp)
        credit_fy = self._escrow_fy.get(e.credit_account)
        debit_fy = self._escrow_fy.get(e.debit_account)
        if e.code == Code.OBLIGATE:
            if credit_fy is not None:
                self._add(credit_fy, 0, at, amount)
            return
        if debit_fy is not None:  # carried over or lapsed out of an escrow: no longer this year's
            self._add(debit_fy, 0, at, -amount)
        if e.code == Code.CARRY_OVER and credit_fy is not None:  # into an escrow: obligated there
            self._add(credit_fy, 0, at, amount)

    def _add(self, fiscal_year: int, series: int, at_ns: int, amount: int) -> None:
        starts = self._starts.get(fiscal_year)
        if starts is None:
            starts = self._starts[fiscal_year] = _month_starts(fiscal_year)
            self._months[fiscal_year] = ([0] * MONTHS, [0] * MONTHS)
        month = min(MONTHS - 1, max(0, bisect.bisect_right(starts, at_ns) - 1))
        self._months[fiscal_year][series][month] += amount

    # --- reading (copies, under the lock) -------------------------------------------------
    def monthly(self, fiscal_year: int) -> Monthly:
        with self._lock:
            obligated, disbursed = self._months.get(fiscal_year, ([0] * MONTHS, [0] * MONTHS))
            return Monthly(fiscal_year, tuple(obligated), tuple(disbursed))

    def backlog(self) -> list[FeedItem]:
        with self._lock:
            return list(self._backlog)

    def counts(self) -> tuple[int, dict[str, int]]:
        """Events folded, and transfers by code."""
        with self._lock:
            return self._events, dict(self._codes)
