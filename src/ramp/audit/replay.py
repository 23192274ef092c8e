"""The log rebuilt from its entries alone, for both faces of `ramp verify` (bundle and store).

Every entry is a public envelope (`journal/envelope.py`). With its opening (salt || body), the
body is decoded (canonical bytes only), must open the envelope byte for byte, and is replayed
through a fresh ledger engine (which re-executes its command and must produce the identical
event) and through the approval audit. Without openings (a public bundle) what is public is
checked: every envelope well-formed, seqs in order, time strictly increasing, and every public
body a canonical event of its envelope's kind, seq and time. Either way each entry is appended
to a fresh tree. Nothing here trusts what a store or bundle claims about them.
"""

from __future__ import annotations

from ramp.audit import budget_check
from ramp.audit.approvals import ApprovalAudit, ApprovalInvalid
from ramp.audit.report import VerifyFailure
from ramp.disclosure.classify import Classifier
from ramp.journal.appender import LogAppender, Runs
from ramp.journal.envelope import EnvelopeInvalid, Level, opens, parse, split_opening
from ramp.journal.writer import event_kind
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

    def __init__(self) -> None:
        self.engine = LedgerEngine()
        self.approvals = ApprovalAudit()
        self.tree = LogAppender()
        self.classify = Classifier()  # the rule the writer's envelopes must be at least as strict as
        self.levels: dict[Level, int] = dict.fromkeys(Level, 0)  # events seen per classification
        self._last_ts = -1

    def replay(self, leaves: list[bytes], openings: list[bytes], first_seq: int, where: str,
               touched: set[str] | None = None) -> None:  # fmt: skip
        """Open and replay entries first_seq.. ; with `touched`, collect the accounts they change
        (the accounts whose balances the writer stored for their batch)."""
        engine, approvals = self.engine, self.approvals
        if len(openings) != len(leaves):
            raise VerifyFailure(f"{where}entry {first_seq}", f"{len(openings)} openings for {len(leaves)} entries")
        for k, (leaf, opening) in enumerate(zip(leaves, openings, strict=True)):
            try:
                salt, body = split_opening(opening)
                event = decode_event(body)
                if event.seq != first_seq + k:
                    raise EnvelopeInvalid(f"the opening is of seq {event.seq}")
                level = opens(leaf, salt, body, kind=event_kind(event), seq=event.seq, timestamp=event.timestamp)
                self.levels[level] += 1
                engine.replay(event)
                floor = self.classify(event, engine)
                if level.rank < floor.rank:  # a writer may seal more than the rule asks, never less
                    raise EnvelopeInvalid(f"{level.value} in the log, but the classification rule says {floor.value}")
                approvals.feed(event)
                budget_check.feed(self, event, where)
            except (EventDecodeError, ReplayError, EnvelopeInvalid) as exc:
                raise VerifyFailure(f"{where}entry {first_seq + k}", str(exc)) from exc
            except ApprovalInvalid as exc:
                raise VerifyFailure(f"{where}entry {exc.seq}", exc.reason) from exc
            if touched is not None:
                _add_touched(event, engine, touched)

    def check_public(self, leaves: list[bytes], first_seq: int, where: str) -> None:
        """Check entries first_seq.. without their openings: what anyone can."""
        for k, leaf in enumerate(leaves):
            seq = first_seq + k
            try:
                envelope = parse(leaf)
                if envelope.seq != seq:
                    raise EnvelopeInvalid(f"the envelope says seq {envelope.seq}")
                if envelope.timestamp <= self._last_ts:
                    raise EnvelopeInvalid("its time is not after the previous entry's")
                if envelope.body is not None:
                    event = decode_event(envelope.body)
                    if (event_kind(event), event.seq, int(event.timestamp)) != (envelope.kind, seq, envelope.timestamp):
                        raise EnvelopeInvalid("its public body is not the event its envelope names")
            except (EnvelopeInvalid, EventDecodeError) as exc:
                raise VerifyFailure(f"{where}entry {seq}", str(exc)) from exc
            self._last_ts = envelope.timestamp
            self.levels[envelope.level] += 1

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
