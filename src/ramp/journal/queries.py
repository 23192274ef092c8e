"""Read queries over the committed journal: an account's events and its balance at a time.

Both walk the account's own event list (kept in the read model), so their cost grows with
that account's history, not with the ledger's. Pages are bounded by PAGE_MAX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Final

from ramp.ledger.events import Event, PendingExpired, TransferApplied
from ramp.ledger.model import AccountBalance
from ramp.refusal import Kind, Refused

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

PAGE_MAX: Final = 1000
PAGE_DEFAULT: Final = 100
_SCAN_CHUNK: Final = 512  # events decoded per step while filtering by code


@dataclass(frozen=True, slots=True)
class Page:
    events: list[Event]
    next_after_seq: int | None  # pass as `after_seq` for the next page; None when done


def account_events(
    journal: Journal,
    account: str,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    code: str | None = None,
    after_seq: int | None = None,
    limit: int = PAGE_DEFAULT,
    visible: Callable[[Event], bool] | None = None,
) -> Page:
    """Transfers (and expiries) touching `account`, oldest first, in [since_ns, until_ns); only
    those `visible` passes (the reader's clearance: a page holds `limit` it may read)."""
    if not 1 <= limit <= PAGE_MAX:
        raise Refused(Kind.INVALID, "limit_invalid", f"limit must be 1..{PAGE_MAX}")
    read = journal.read
    if account not in read.accounts:
        raise Refused(Kind.NOT_FOUND, "account_not_found", f"no account {account!r}")
    lo, hi = read.seq_range(since_ns, until_ns)
    if after_seq is not None:
        lo = max(lo, after_seq + 1)
    seqs = read.account_seqs(account, lo, hi)

    def matching() -> Iterator[Event]:
        for start in range(0, len(seqs), _SCAN_CHUNK):
            for e in journal.events(list(seqs[start : start + _SCAN_CHUNK])):
                if not isinstance(e, TransferApplied | PendingExpired):
                    continue
                if code is not None and (not isinstance(e, TransferApplied) or e.code != code):
                    continue
                if visible is not None and not visible(e):
                    continue
                yield e

    # One more than a page: a cursor only when there is a next event this reader may see (a
    # cursor into nothing would tell of events withheld from them).
    out = list(islice(matching(), limit + 1))
    more = len(out) > limit
    out = out[:limit]
    return Page(events=out, next_after_seq=out[-1].seq if more else None)


def balance_at(journal: Journal, account: str, at_ns: int) -> AccountBalance:
    """The account as it stood after every event with timestamp <= at_ns."""
    current = journal.read.account(account)
    if current is None:
        raise Refused(Kind.NOT_FOUND, "account_not_found", f"no account {account!r}")
    _, hi = journal.read.seq_range(None, at_ns + 1)
    dp = dpo = cp = cpo = 0
    seqs = journal.read.account_seqs(account, 0, hi)
    for start in range(0, len(seqs), _SCAN_CHUNK):
        for e in journal.events(list(seqs[start : start + _SCAN_CHUNK])):
            if isinstance(e, TransferApplied):
                amount = int(e.amount)
                debit = e.debit_account == account
                if "pending" in e.flags:
                    reserved, posted = amount, 0
                elif "post_pending" in e.flags or "void_pending" in e.flags:
                    pending = journal.engine.transfer(e.pending_id)  # type: ignore[arg-type]
                    assert pending is not None and pending.seq < e.seq
                    reserved = -int(pending.amount)
                    posted = amount if "post_pending" in e.flags else 0
                else:
                    reserved, posted = 0, amount
                if debit:
                    dp += reserved
                    dpo += posted
                else:
                    cp += reserved
                    cpo += posted
            elif isinstance(e, PendingExpired):
                pending = journal.engine.transfer(e.pending_id)
                assert pending is not None
                if pending.debit_account == account:
                    dp -= int(e.amount)
                else:
                    cp -= int(e.amount)
    return AccountBalance(
        id=current.id, asset=current.asset, flags=current.flags, metadata=current.metadata,
        debits_pending=dp, debits_posted=dpo, credits_pending=cp, credits_posted=cpo,
        timestamp=current.timestamp,
    )  # fmt: skip
