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

from ramp.budget import model as budget_model
from ramp.budget.model import Code
from ramp.budget.structure import Node
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
class NodeMonthly:
    """A node's subtree by month of its fiscal year, April first: allotted (money handed down to
    its projects, net of carry-overs and lapses), obligated and disbursed, each month's change.
    The twelve months of each add up to the budget tree's figure of the node."""

    fiscal_year: int
    path: str
    allotted: tuple[int, ...]
    obligated: tuple[int, ...]
    disbursed: tuple[int, ...]


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
            # Per node account, what its own figures gain each month: [allotted, obligated,
            # disbursed] x 12, in the budget projection's columns (see `_node_move`).
            self._nodes: dict[str, tuple[int, str, bool]] = {}  # node account -> (fy, path, project?)
            self._node_months: dict[str, list[list[int]]] = {}
            self._escrow_node: dict[str, str] = {}  # escrow account -> the node account it draws on
            self._node_starts: dict[int, list[int]] = {}
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
                            self._node_add(self._escrow_node.get(e.debit_account), 2, e)  # type: ignore[arg-type, union-attr]
                    else:
                        if code in (Code.OBLIGATE, Code.CARRY_OVER, Code.LAPSE, Code.DEOBLIGATE):
                            self._obligation(e)  # type: ignore[arg-type]
                        self._node_move(e)  # type: ignore[arg-type]
                elif t is AccountCreated:
                    self._account(e)  # type: ignore[arg-type]
            self._events += len(events)
            tail = tuple(summarise(e) for e in events[-FEED_PER_BATCH_MAX:])
            self._backlog.extend(tail)
            size = events[-1].seq + 1
        listener = self.on_batch
        if listener is not None:
            listener(FeedBatch(tail, len(events), size))

    def _account(self, e: AccountCreated) -> None:
        kind = e.metadata.get("kind")
        if kind == "escrow":
            fy_text = e.metadata.get("fiscal_year", "")
            if is_digits(fy_text) and len(fy_text) == 4:
                self._escrow_fy[e.id] = int(fy_text)
                node = budget_model.node_account(int(fy_text), e.metadata.get("project", ""))
                if node in self._nodes and e.id.startswith("contract:"):  # as the budget projection maps it
                    self._escrow_node[e.id] = node
        elif kind in budget_model.KINDS:
            n = Node.of(e.id, e.metadata)
            if n is not None:
                self._nodes[e.id] = (n.fiscal_year, n.path, n.kind == "project")

    def _node_add(self, account: str | None, series: int, e: TransferApplied, sign: int = 1) -> None:
        if account is None:
            return
        fy, _path, project = self._nodes[account]
        months = self._node_months.get(account)
        if months is None:
            months = self._node_months[account] = [[0] * MONTHS for _ in range(3)]
        starts = self._node_starts.get(fy)
        if starts is None:
            starts = self._node_starts[fy] = _month_starts(fy)
        month = min(MONTHS - 1, max(0, bisect.bisect_right(starts, int(e.timestamp)) - 1))
        months[series][month] += sign * int(e.amount)
        if series == 1 and not project:  # above the projects, what is allotted is what is obligated
            months[0][month] += sign * int(e.amount)

    def _node_move(self, e: TransferApplied) -> None:
        """A node's allotted and obligated by month, in the budget projection's own terms: a
        project's allotted = issued + reserve + carried in + moved - carried over - lapsed (its
        escrows' carry-overs and lapses included); obligated as `_obligation` counts it."""
        if e.flags and ("pending" in e.flags or "void_pending" in e.flags):
            return
        code = e.code
        debit, credit = e.debit_account, e.credit_account
        d = debit if debit in self._nodes else None
        c = credit if credit in self._nodes else None
        d_escrow, c_escrow = self._escrow_node.get(debit), self._escrow_node.get(credit)
        project = lambda a: a is not None and self._nodes[a][2]  # noqa: E731 - a one-line test
        if code in budget_model.MOVE_CODES or code == Code.MINT or code == Code.RESERVE_RELEASE:
            if code in budget_model.MOVE_CODES and project(d):
                self._node_add(d, 0, e, -1)
            if project(c):
                self._node_add(c, 0, e)
        elif code == Code.OBLIGATE:
            self._node_add(c_escrow, 1, e)
        elif code == Code.DEOBLIGATE:
            self._node_add(d_escrow, 1, e, -1)
        elif code in (Code.CARRY_OVER, Code.LAPSE):
            source = d if d is not None else d_escrow
            if source is not None:
                if project(source):
                    self._node_add(source, 0, e, -1)
                if d is None:
                    self._node_add(source, 1, e, -1)
            target = c if c is not None else c_escrow
            if target is not None and code == Code.CARRY_OVER:
                if project(target):
                    self._node_add(target, 0, e)
                if c is None:
                    self._node_add(target, 1, e)

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

    def node_monthly(self, fiscal_year: int, path: str) -> NodeMonthly:
        """The node's subtree by month (every node under it: one pass over the year's nodes)."""
        prefix = budget_model.node_account(fiscal_year, path)
        series = [[0] * MONTHS for _ in range(3)]
        with self._lock:
            for account, months in self._node_months.items():
                if account == prefix or account.startswith(prefix + ":"):
                    for k in range(3):
                        for m in range(MONTHS):
                            series[k][m] += months[k][m]
        return NodeMonthly(fiscal_year, path, *(tuple(s) for s in series))

    def backlog(self) -> list[FeedItem]:
        with self._lock:
            return list(self._backlog)

    def counts(self) -> tuple[int, dict[str, int]]:
        """Events folded, and transfers by code."""
        with self._lock:
            return self._events, dict(self._codes)
