"""The quorum rule, one pure function shared by the planners and by `ramp verify`.

A request fixes its quorum when it is made: `approvals` (M), whether counted approvers must
come from distinct organisations, and which organisations must be among them. Approvals count
in the order they were recorded: never the requester's, one per person, one per organisation
where distinct organisations are required, and only while the approver's identity is still
valid (a key revoked since the approval withdraws it). A single rejection closes a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    n: int  # its number on the request (record `request:<id>:d<n>`)
    approver: str
    organisation: str
    decision: str  # approve | reject
    key: str  # base64 of the key that signed it ("" for a session approval)


@dataclass(frozen=True, slots=True)
class QuorumRule:
    approvals: int
    distinct_organisations: bool
    required_organisations: tuple[str, ...]

    @classmethod
    def of(cls, body: object) -> QuorumRule:
        assert isinstance(body, dict)
        return cls(int(body["approvals"]), bool(body["distinct_organisations"]),
                   tuple(str(o) for o in body["required_organisations"]))  # fmt: skip


def counted(rule: QuorumRule, requester: str, decisions: Sequence[Decision],
            valid: Callable[[Decision], bool] = lambda _d: True) -> list[Decision]:  # fmt: skip
    """The approvals that count toward the quorum, in order."""
    people: set[str] = set()
    organisations: set[str] = set()
    out = []
    for d in decisions:
        if d.decision != "approve" or d.approver == requester or d.approver in people or not valid(d):
            continue
        if rule.distinct_organisations and d.organisation in organisations:
            continue
        people.add(d.approver)
        organisations.add(d.organisation)
        out.append(d)
    return out


def met(rule: QuorumRule, approvals: Sequence[Decision]) -> bool:
    """M approvals that count, and every required organisation among them."""
    organisations = {d.organisation for d in approvals}
    return len(approvals) >= rule.approvals and set(rule.required_organisations) <= organisations


def rejected(decisions: Sequence[Decision]) -> bool:
    return any(d.decision == "reject" for d in decisions)
