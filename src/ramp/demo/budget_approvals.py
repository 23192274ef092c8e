"""The story's budget movements that the law puts under approval — carry-overs (繰越) and the
obligations above the policy's threshold — made as approval requests through the approvals desk
and approved by the cast (ramp.demo.contracts), at the story's instants, so that `ramp verify`
finds each one carried by an executed request whose quorum it checks. Nothing in the demo is
approved by a reference a caller merely names, and nothing by `admin`.

DEMO KEYS: the cast's keys are derived from the seed (see ramp.demo.contracts); the same seed
gives the same log.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Final

from ramp.approvals import model as approval_model
from ramp.approvals.actions import BudgetAction
from ramp.approvals.desk import Desk
from ramp.approvals.state import load as load_request
from ramp.budget.requests import CarryOver, Obligate, Operation
from ramp.demo.contracts import CAST, demo_key
from ramp.journal import Journal
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry

# Who asks and who decides, as the default policy has it (docs/approvals.md): an obligation is
# asked by the certifying officer and decided by MoD accounts and ATLA; a carry-over is asked by
# the finance officer and decided by MOF and MoD accounts.
REQUESTER: Final = {Obligate: "atla.co.01", CarryOver: "fo.finance.01"}
APPROVERS: Final = {Obligate: ("fo.finance.02", "atla.co.02"), CarryOver: ("mof.examiner.01", "fo.finance.02")}
MEMO: Final = {Obligate: "obligation above the threshold (支出負担行為)", CarryOver: "繰越 into the next year"}


class BudgetApprovals:
    def __init__(self, journal: Journal, seed: int) -> None:
        self.journal = journal
        self.keys = {who: demo_key(seed, who) for who in CAST}
        self._now_ns = 0
        self.policy = ActivePolicy()  # the default: the demo changes no policy
        self.desk = Desk(journal.projection(IdentityRegistry), self.policy, clock_ns=lambda: self._now_ns)

    def needed(self, op: Operation) -> bool:
        if type(op) is CarryOver:
            return True
        return type(op) is Obligate and op.amount_yen > self.policy.current.rules.obligation_threshold_yen

    def submit(self, op: Obligate | CarryOver, at_ns: int) -> list[Future[list[Result]]]:
        """The request (its id the operation's) and its approvals; the last executes it."""
        self._now_ns = at_ns
        request_id = op.id
        futures = [self.journal.submit_planned_async(
            self.desk.create(REQUESTER[type(op)], request_id, BudgetAction(op), MEMO[type(op)]), at_ns)]  # fmt: skip
        for who in APPROVERS[type(op)]:
            futures.append(self.journal.submit_planned_async(self._approve(who, request_id), at_ns))
        return futures

    def _approve(self, who: str, request_id: str):  # noqa: ANN202 - a journal planner
        def planner(engine: LedgerEngine) -> list[Command]:
            state = load_request(engine.record, request_id)
            assert state is not None, request_id
            signature = self.keys[who].sign(approval_model.statement("approve", request_id, state.digest, who))
            return self.desk.decide(who, request_id, "approve", signature=signature)(engine)

        return planner
