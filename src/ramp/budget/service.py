"""Run budget operations through the journal: plan under the write lock, commit, answer.

A refusal by the law (`Refused` from a planner) writes nothing. A refusal by the ledger
itself (the last line of defence: a budget account that would go negative, an id reused
with another body) fails the whole linked chain, so it writes nothing either; it is
reported as `Refused` with the engine's code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future

from ramp.budget.operations import plan, plan_many
from ramp.budget.requests import Operation
from ramp.budget.view import View
from ramp.journal import Journal
from ramp.ledger import Result
from ramp.ledger.results import LINKED_EVENT_FAILED, SUCCESS_CODES
from ramp.refusal import Kind, Refused


def check_results(results: Sequence[Result]) -> list[Result]:
    """The results of an operation's chain, or `Refused` with the code that failed it."""
    for r in results:
        if r.result not in SUCCESS_CODES and r.result != LINKED_EVENT_FAILED:
            raise Refused(Kind.CONFLICT, r.result, f"the ledger refused {r.id}: {r.result}")
    if any(r.result not in SUCCESS_CODES for r in results):  # pragma: no cover - a chain fails at one command
        raise Refused(Kind.CONFLICT, LINKED_EVENT_FAILED, "the chain failed")
    return list(results)


class BudgetService:
    """Budget operations over one journal (the Python API; the HTTP routes use the planners
    through the group committer instead)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def execute(self, op: Operation, *, at_ns: int | None = None, actor: str = "") -> list[Result]:
        """Apply one operation durably; its results once committed, or `Refused`."""
        at = time.time_ns() if at_ns is None else at_ns
        future = self.journal.submit_planned_async(lambda engine: plan(View(engine), op, at, actor), at)
        return check_results(future.result())

    def execute_many_async(self, ops: Sequence[Operation], *, at_ns: int, actor: str = "") -> Future[list[Result]]:
        """Plan several operations into one batch (each sees the ones before it) and queue it.
        A refusal of any of them raises here and nothing of the batch is written."""
        return self.journal.submit_planned_async(lambda engine: plan_many(View(engine), list(ops), at_ns, actor), at_ns)
