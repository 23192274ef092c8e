"""The gate in front of direct budget operations: a movement the law puts under approval
(流用, 移用, carry-over, reserve release, an obligation above the policy's threshold) is applied
only by an executed approval request, never on approval references a caller merely names."""

from __future__ import annotations

from collections.abc import Sequence

from ramp.approvals.actions import BUDGET_KINDS
from ramp.budget import rules as budget_rules
from ramp.ledger import Command, CreateTransfer, LedgerEngine
from ramp.policy.active import ActivePolicy
from ramp.refusal import Kind, Refused


def check_direct(engine: LedgerEngine, commands: Sequence[Command], policy: ActivePolicy) -> list[Command]:
    """`commands` unchanged, or `Refused(approval_required)` (nothing written)."""
    threshold = policy.live(engine)[0].rules.obligation_threshold_yen
    for c in commands:
        if type(c) is not CreateTransfer or c.code not in BUDGET_KINDS or engine.transfer(c.id) is not None:
            continue  # not under approval, or a retry the engine answers `exists`
        kind = BUDGET_KINDS[c.code]
        if kind == "obligation" and (c.amount or 0) <= threshold:
            continue
        raise Refused(Kind.CONFLICT, budget_rules.APPROVAL_REQUIRED, f"a {kind} is applied only by an approved request: POST /v1/approvals "
                        "with the operation as its action")  # fmt: skip
    return list(commands)


def find_policy(projections: Sequence[object]) -> ActivePolicy | None:
    return next((p for p in projections if isinstance(p, ActivePolicy)), None)
