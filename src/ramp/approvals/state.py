"""A request as its records say, read by id from a record lookup (the live engine for planners,
the committed part of it for readers). No projection is needed: every record of a request has
an id derived from the request's, and decisions are numbered from 1 without gaps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ramp.approvals import model as approval_model
from ramp.approvals.quorum import Decision, QuorumRule
from ramp.ledger.events import RecordAppended

Lookup = Callable[[str], RecordAppended | None]


@dataclass(frozen=True, slots=True)
class RequestState:
    id: str
    record: RecordAppended
    decisions: tuple[Decision, ...]
    decision_records: tuple[RecordAppended, ...]
    execution: RecordAppended | None

    @property
    def body(self) -> dict[str, object]:
        return self.record.body

    @property
    def requester(self) -> str:
        return str(self.body["requester"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def rule(self) -> QuorumRule:
        return QuorumRule.of(self.body["quorum"])

    @property
    def expires_ns(self) -> int:
        return int(str(self.body["expires_ns"]))

    @property
    def digest(self) -> str:
        return approval_model.request_digest(self.body)

    @property
    def rejected(self) -> bool:
        return any(d.decision == "reject" for d in self.decisions)

    def status(self, now_ns: int) -> str:
        if self.execution is not None:
            return "executed"
        if self.rejected:
            return "rejected"
        if now_ns >= self.expires_ns:
            return "expired"
        return "open"


def decision_of(record: RecordAppended) -> Decision:
    body = record.body
    return Decision(int(body["n"]), str(body["approver"]), str(body["organisation"]),  # type: ignore[call-overload]
                    approval_model.DECISION_TYPES[record.type], str(body.get("key", "")))  # fmt: skip


def load(lookup: Lookup, request_id: str) -> RequestState | None:
    record = lookup(approval_model.request_record_id(request_id))
    if record is None or record.type != approval_model.REQUESTED:
        return None
    decisions, records = [], []
    for n in range(1, approval_model.DECISIONS_MAX + 1):
        d = lookup(approval_model.decision_record_id(request_id, n))
        if d is None or d.type not in approval_model.DECISION_TYPES:
            break
        records.append(d)
        decisions.append(decision_of(d))
    execution = lookup(approval_model.execution_record_id(request_id))
    if execution is not None and execution.type != approval_model.EXECUTED:
        execution = None
    return RequestState(request_id, record, tuple(decisions), tuple(records), execution)
