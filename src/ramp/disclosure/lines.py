"""The lines of each fiscal year's Merkle-sum tree and the roots published so far: a journal
projection, fed every committed event once. What a line is: `disclosure/payment.py`.

Building a year's tree costs a salt, a commitment and a leaf per line (about a second for a
year of a million events' payments); the last tree built per year is kept, since every
contractor's request asks for the tree of the same published root.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ramp.budget import model as budget_model
from ramp.budget.structure import Node
from ramp.disclosure import record as disclosure_record
from ramp.disclosure.payment import LINE_CODES, Payment, group_of
from ramp.disclosure.tree import YearTree, build_year
from ramp.ledger.events import AccountCreated, Event, RecordAppended, TransferApplied
from ramp.text import is_digits
from ramp.tlog.sumtree import LINES_MAX, GroupKey


@dataclass(frozen=True, slots=True)
class _Escrow:
    fiscal_year: int
    project: str
    contract: str
    vendor: str
    group: GroupKey


class PaymentLines:
    """Fed every committed event once, in order: the year's lines and its published roots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._nodes: dict[str, Node] = {}
            self._escrows: dict[str, _Escrow] = {}
            self._payments: dict[int, list[Payment]] = {}  # fiscal year -> lines, in seq order
            self._by_id: dict[str, Payment] = {}
            self._published: dict[int, list[disclosure_record.Publication]] = {}  # fiscal year -> in seq order
            self._record_ids: set[str] = set()  # every disclosure.sumtree record, well formed or not
            self._trees: dict[int, YearTree] = {}  # fiscal year -> the last tree built
            self._size = 0  # events folded: every line below this log size is known here

    # --- folding (the committer thread: quick, never raising) -----------------------------
    def apply(self, events: list[Event]) -> None:
        if not events:
            return
        with self._lock:
            self._size = events[-1].seq + 1
            for e in events:
                t = type(e)
                if t is TransferApplied:
                    if e.code in LINE_CODES:  # type: ignore[union-attr]
                        self._payment(e)  # type: ignore[arg-type]
                elif t is AccountCreated:
                    self._account(e)  # type: ignore[arg-type]
                elif t is RecordAppended and e.type == disclosure_record.RECORD_TYPE:  # type: ignore[union-attr]
                    self._record_ids.add(e.id)  # type: ignore[union-attr]
                    published = disclosure_record.Publication.of(e)  # type: ignore[arg-type]
                    if published is not None:
                        self._published.setdefault(published.fiscal_year, []).append(published)

    def _account(self, e: AccountCreated) -> None:
        kind = e.metadata.get("kind")
        if kind in budget_model.KINDS:
            node = Node.of(e.id, e.metadata)
            if node is not None:
                self._nodes[e.id] = node
        elif kind == "escrow" and e.id.startswith("contract:"):  # the budget projection's rule, exactly
            fy, project = e.metadata.get("fiscal_year", ""), e.metadata.get("project", "")
            node = self._nodes.get(f"fy{fy}:{project}") if is_digits(fy) else None
            if node is not None:
                self._escrows[e.id] = _Escrow(int(fy), project, e.metadata.get("contract", ""),
                                              e.metadata.get("vendor", ""), group_of(node))  # fmt: skip

    def _payment(self, e: TransferApplied) -> None:
        if e.flags and ("pending" in e.flags or "void_pending" in e.flags):
            return  # as the budget projection: a reservation is not a payment
        escrow = self._escrows.get(e.debit_account)
        if escrow is None:
            return
        year = self._payments.setdefault(escrow.fiscal_year, [])
        if len(year) >= LINES_MAX:  # beyond what one tree holds: publication refuses the year
            return
        p = Payment(escrow.fiscal_year, e.id, e.seq, e.code, int(e.amount), escrow.vendor, escrow.contract,
                    e.references.get("milestone", ""), escrow.project, escrow.group)  # fmt: skip
        year.append(p)
        self._by_id[e.id] = p

    # --- reading (copies, under the lock) -------------------------------------------------
    @property
    def size(self) -> int:
        """The log size folded so far (the journal's read side may be a batch ahead of it)."""
        with self._lock:
            return self._size

    def fiscal_years(self) -> list[int]:
        with self._lock:
            return sorted(set(self._payments) | set(self._published))

    def payments(self, fiscal_year: int, below_seq: int) -> list[Payment]:
        """The year's lines committed before log size `below_seq`, in seq order."""
        with self._lock:
            year = self._payments.get(fiscal_year, [])
            lo, hi = 0, len(year)
            while lo < hi:  # seq order: bisect for the first line at or past below_seq
                mid = (lo + hi) // 2
                if year[mid].seq < below_seq:
                    lo = mid + 1
                else:
                    hi = mid
            return year[:lo]

    def last_payment_seq(self, fiscal_year: int) -> int | None:
        with self._lock:
            year = self._payments.get(fiscal_year)
            return year[-1].seq if year else None

    def payment(self, transfer_id: str) -> Payment | None:
        return self._by_id.get(transfer_id)

    def latest(self, fiscal_year: int) -> disclosure_record.Publication | None:
        """The root published last for the year (highest seq)."""
        with self._lock:
            published = self._published.get(fiscal_year)
            return published[-1] if published else None

    def next_number(self, fiscal_year: int) -> int:
        """n of the year's next record id `disclosure.sumtree.fy<year>.<n>` (one not yet taken)."""
        with self._lock:
            n = len(self._published.get(fiscal_year, ())) + 1
            while disclosure_record.record_id(fiscal_year, n) in self._record_ids:
                n += 1
            return n

    def tree(self, fiscal_year: int, log_size: int, salt_of: Callable[[str], bytes]) -> YearTree:
        """The year's tree over its lines below `log_size` (built once, then kept until another
        size is asked for). Built outside the lock: folding goes on meanwhile."""
        with self._lock:
            cached = self._trees.get(fiscal_year)
        if cached is not None and cached.log_size == log_size:
            return cached
        built = build_year(fiscal_year, log_size, self.payments(fiscal_year, log_size), salt_of)
        with self._lock:
            self._trees[fiscal_year] = built
        return built
