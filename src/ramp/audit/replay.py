"""The log rebuilt from its entries alone, for both faces of `ramp verify` (bundle and store).

Every entry is decoded (canonical bytes only), replayed through a fresh ledger engine (which
re-executes its command and must produce the identical event) and through the approval audit,
and appended to a fresh tree. Nothing here trusts what a store or bundle claims about them.
"""

from __future__ import annotations

from ramp.audit.approvals import ApprovalAudit, ApprovalInvalid
from ramp.audit.report import VerifyFailure
from ramp.journal.appender import LogAppender, Runs
from ramp.ledger.engine import LedgerEngine, ReplayError
from ramp.ledger.events import (
    AccountCreated,
    AccountFlagsChanged,
    Event,
    EventDecodeError,
    PendingExpired,
    TransferApplied,
    decode_event,
)


class LogReplay:
    """A fresh engine, approval audit and tree, fed the log's entries in order."""

    def __init__(self, log_key: str) -> None:
        self.engine = LedgerEngine()
        self.approvals = ApprovalAudit(log_key)
        self.tree = LogAppender()

    def replay(self, leaves: list[bytes], first_seq: int, where: str, touched: set[str] | None = None) -> None:
        """Replay entries first_seq.. ; with `touched`, collect the accounts they change (the
        accounts whose balances the writer stored for their batch)."""
        engine, approvals = self.engine, self.approvals
        for k, leaf in enumerate(leaves):
            try:
                event = decode_event(leaf)
                engine.replay(event)
                approvals.feed(event)
            except (EventDecodeError, ReplayError) as exc:
                raise VerifyFailure(f"{where}entry {first_seq + k}", str(exc)) from exc
            except ApprovalInvalid as exc:
                raise VerifyFailure(f"{where}entry {exc.seq}", exc.reason) from exc
            if touched is not None:
                _add_touched(event, engine, touched)

    def append(self, leaves: list[bytes]) -> Runs:
        return self.tree.append(leaves)


def _add_touched(event: Event, engine: LedgerEngine, out: set[str]) -> None:
    """The accounts an applied event changes, as the engine's write path records them."""
    kind = type(event)
    if kind is TransferApplied:
        out.add(event.debit_account)  # type: ignore[union-attr]
        out.add(event.credit_account)  # type: ignore[union-attr]
    elif kind is AccountCreated:
        out.add(event.id)  # type: ignore[union-attr]
    elif kind is AccountFlagsChanged:
        out.add(event.account)  # type: ignore[union-attr]
    elif kind is PendingExpired:
        pending = engine.transfer(event.pending_id)  # type: ignore[union-attr]
        assert pending is not None  # the replay just expired it
        out.add(pending.debit_account)
        out.add(pending.credit_account)
