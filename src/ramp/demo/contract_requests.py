"""Contract requests left open in the demo's inboxes, made at the real time through the
approvals desk like any (a request made in the story's FY2025 would have expired long ago):

- a hold of mc25-sm3-handling that software (analytics.bot) proposed: it moves nothing until
  an auditor or a contracting officer approves it;
- a change order on the multi-year mc25-kc46-support (two more spares in the FY2027
  delivery: its FY2027 instalment grows, no money moves this year), asked by ATLA's
  contracting officer, waiting for MoD finance and another ATLA contracting officer.

`seed_contract_requests` is idempotent: a request whose newest copy expired undecided gets a
fresh copy (`<id>-2`, ...); an open, executed or rejected one is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ramp.approvals.actions import ContractAction
from ramp.approvals.desk import Desk
from ramp.budget.service import check_results
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.demo.approvals import next_copy
from ramp.demo.contracts import SIGNER, UNIT_YEN
from ramp.journal import Journal
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry
from ramp.refusal import Kind, Refused

HOLD_PROPOSAL: Final = "hold-mc25-sm3-handling"
CHANGE_REQUEST: Final = "co-mc25-kc46-support"


@dataclass(frozen=True, slots=True)
class _Seed:
    id: str  # the first copy's request id
    requester: str
    memo: str
    operation: Callable[[Journal], contract_requests.ApprovedOperation | None]  # None: the contract has no place for it


def _hold(_journal: Journal) -> contract_requests.ApprovedOperation:
    return contract_requests.Hold("mc25-sm3-handling", "analytics: the invoice for the first article test evaluation exceeds the "
                  "milestone's amount in the terms; hold payments pending review")  # fmt: skip


def _more_spares(journal: Journal) -> contract_requests.ApprovedOperation | None:
    state = contract_state.load(journal.engine.record, "mc25-kc46-support")
    m3 = None if state is None else state.terms.milestone("m3")
    if m3 is None:
        return None
    more = m3.amount_yen * 108 // 100 // UNIT_YEN * UNIT_YEN  # +8 %, whole millions
    return contract_requests.ChangeOrder("mc25-kc46-support", (contract_requests.MilestoneChange("m3", amount_yen=more),),
                         reason="two more spare engine kits in the FY2027 delivery")  # fmt: skip


SEEDS: Final = (
    _Seed(HOLD_PROPOSAL, "analytics.bot", "analytics proposes a hold: invoice above the milestone's amount", _hold),
    _Seed(CHANGE_REQUEST, SIGNER, "change order: two more spare engine kits (FY2027)", _more_spares),
)


def seed_contract_requests(journal: Journal, clock_ns: Callable[[], int] = time.time_ns) -> list[str]:
    """Make each request whose newest copy is missing or expired undecided; returns their ids."""
    desk = Desk(journal.projection(IdentityRegistry), ActivePolicy(), clock_ns=clock_ns)  # policy: read live
    made = []
    for seed in SEEDS:
        request_id = next_copy(journal, seed.id, desk.clock_ns())
        op = None if request_id is None else seed.operation(journal)
        if request_id is None or op is None:
            continue
        try:
            plan = desk.create(seed.requester, request_id, ContractAction(op), seed.memo)
            check_results(journal.submit_planned_async(plan, clock_ns()).result())
        except Refused as exc:
            if exc.kind is not Kind.CONFLICT:  # the contract's state refuses it now (completed, expired, year closed)
                raise
            continue
        made.append(request_id)
    return made
