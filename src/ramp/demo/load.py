"""Load the demo dataset through the real write path: budget planners under the journal's
write lock, full batches, signed checkpoints, so the result verifies like any journal.

Operations of one instant go in batches of at most `BATCH_COMMANDS` ledger commands (a
budget operation plans to a few commands at most; a year close, which may plan thousands, is
always alone). Up to two batches are in flight while the next is planned (the journal's
back-pressure); every result is checked, and any refusal stops the load.
"""

from __future__ import annotations

import collections
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.requests import CloseYear, Disburse, Enact, Operation
from ramp.budget.service import BudgetService, check_results
from ramp.client import write_key_file
from ramp.demo.budget_approvals import BudgetApprovals
from ramp.demo.contract_requests import seed_contract_requests
from ramp.demo.contracts import ContractStory
from ramp.demo.dataset import Dataset
from ramp.demo.people import add_people
from ramp.demo.timeline import batches, cutoff_ns
from ramp.disclosure.classify import Classifier
from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.publish import publish
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.journal.progress import Reporter
from ramp.ledger import BATCH_MAX_EVENTS, AppendRecord, Result
from ramp.policy.identities import SYSTEM_ROLES, IdentityRegistry, identity_added
from ramp.store import SQLiteStore

BATCH_COMMANDS: Final = BATCH_MAX_EVENTS - 200  # headroom: an operation's estimate may be a little low
ORIGIN: Final = "ramp.demo/fy2025"
JST: Final = timezone(timedelta(hours=9))
AS_OF_HOUR: Final = (
    18  # what is made "now" on a past as-of date (people, open requests) is made at 18:00 JST
)


def today_jst() -> date:
    """The business clock's date by default: today in Japan."""
    return datetime.now(JST).date()


def as_of_clock(as_of: date) -> Callable[[], int]:
    """The clock of what the loader makes after the history: the wall clock on today's date,
    18:00 JST of the date otherwise (never after it)."""
    if as_of == today_jst():
        return time.time_ns
    fixed = budget_model.jst_ns(as_of.year, as_of.month, as_of.day, AS_OF_HOUR)
    return lambda: fixed


@dataclass
class Loaded:
    path: str
    events: int
    operations: int
    disbursements: int
    seconds: float
    dataset: Dataset
    as_of: date


def _estimate(op: Operation) -> int:
    """Ledger commands an operation plans to, at most (what a batch must leave room for)."""
    if type(op) is Disburse:
        return 1
    if type(op) is Enact:
        return 6 + 3 * len(op.items)
    if type(op) is CloseYear:
        return BATCH_COMMANDS
    return 8


def _chunks(ops: list[Operation]) -> list[list[Operation]]:
    out: list[list[Operation]] = [[]]
    used = 0
    for op in ops:
        cost = _estimate(op)
        if used + cost > BATCH_COMMANDS and out[-1]:
            out.append([])
            used = 0
        out[-1].append(op)
        used += cost
    return [c for c in out if c]


def _runs(ops: list[Operation], needed: Callable[[Operation], bool]) -> list[list[Operation]]:
    """The operations in order, as runs of direct ones and, alone, each one needing approval."""
    out: list[list[Operation]] = []
    for op in ops:
        if needed(op) or not out or needed(out[-1][0]):
            out.append([op])
        else:
            out[-1].append(op)
    return out


def open_demo_journal(path: str) -> tuple[Journal, BudgetProjection, IdentityRegistry]:
    """A new SQLite journal with a log key (`<db>.log.key`), as `ramp init` would make it."""
    key_file = f"{path}.log.key"
    if not os.path.exists(key_file):
        create_log_key(key_file, ORIGIN)
    store = SQLiteStore(path)
    store.put_meta("log_key_file", os.path.abspath(key_file))
    budget, identities = BudgetProjection(), IdentityRegistry()
    journal = Journal(store, log=LogSigner.from_key_file(key_file, ORIGIN), projections=[identities, budget],
                      classifier=Classifier())
    return journal, budget, identities


def load(path: str, seed: int, size: str, as_of: date | None = None, progress: Reporter | None = None) -> Loaded:
    """Generate the history up to `as_of` (default: today in JST) into a new SQLite database at
    `path`; the journal is closed after. `progress` hears (days done, days in all) of the
    history's calendar as its batches are written."""
    t0 = time.perf_counter()
    as_of = as_of or today_jst()
    dataset = Dataset(seed, size)
    journal, _, _ = open_demo_journal(path)
    journal.clock_ns = as_of_clock(as_of)  # the open requests and logins are made on the as-of date
    try:
        first_at = next(batches(dataset, as_of))[0]
        manifest = AppendRecord(id="demo.dataset", type="demo.dataset", body=dataset.manifest())
        check_results(journal.submit([manifest], first_at - 1_000_000_000))
        svc = BudgetService(journal)
        inflight: collections.deque[Future[list[Result]]] = collections.deque()
        story = ContractStory(
            journal, dataset, cutoff_ns(as_of)
        )  # the milestone contracts, between the budget's batches
        check_results(journal.submit_planned_async(story.cast(), first_at - 500_000_000).result())
        approved = BudgetApprovals(journal, dataset.seed)  # movements under approval: by request
        operations = disbursements = 0
        first_day = date.fromisoformat(budget_model.date_of(first_at))
        days = (as_of - first_day).days + 1
        report = progress or (lambda done, total: None)
        for at_ns, ops in batches(dataset, as_of):
            report(min((date.fromisoformat(budget_model.date_of(at_ns)) - first_day).days, days - 1), days)
            inflight.extend(story.until(at_ns))
            for run in _runs(ops, approved.needed):
                if approved.needed(run[0]):
                    inflight.extend(approved.submit(run[0], at_ns))  # type: ignore[arg-type]
                    operations += 1
                    continue
                for chunk in _chunks(run):
                    inflight.append(svc.execute_many_async(chunk, at_ns=at_ns))
                    operations += len(chunk)
                    disbursements += sum(1 for op in chunk if type(op) is Disburse)
                    while inflight and (inflight[0].done() or len(inflight) > 4):
                        check_results(inflight.popleft().result())
        inflight.extend(story.until(None))
        while inflight:
            check_results(inflight.popleft().result())
        report(days, days)
        # Last, so that everything before it depends on the seed alone: the admin's key is new.
        admin = Ed25519PrivateKey.generate()
        check_results(journal.submit([identity_added("admin", "mod", list(SYSTEM_ROLES),
                                                     admin.public_key().public_bytes_raw())]))  # fmt: skip
        write_key_file(f"{path}.admin.json", "admin", admin)
        seed_contract_requests(
            journal, journal.clock_ns
        )  # open requests are made at the real time: they expire
        add_people(
            journal, path, dataset.irregular
        )  # the demo's logins and the requests in their inboxes
        publish(
            journal, journal.projection(PaymentLines)
        )  # each year's Merkle-sum root (docs/sumtree.md)
        events = journal.size
    finally:
        journal.close()
    with open(f"{path}.irregularities.json", "w") as f:
        json.dump(asdict(dataset.irregular), f, indent=1, ensure_ascii=False)
    return Loaded(path, events, operations, disbursements, time.perf_counter() - t0, dataset, as_of)
