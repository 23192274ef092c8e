"""Approval requests waiting in the demo's inboxes, made through the approvals desk like any:

- two 流用 of the open year (the business clock's fiscal year: FY2026 on today's calendar)
  requested by fo.tanaka (MoD Finance and Equipment Bureau) that wait for the Ministry of
  Finance; the first was approved within MoD's accounts already (by fo.kobayashi, signed with
  that person's key), so mof.sato's approval completes its quorum and executes it; the second
  waits for MoD accounts too (fo.kobayashi or fo.yamamoto) and MOF. Every decision is a demo person's: `admin` operates the system and
  decides no budget request;
- a freeze the Board of Audit (boa.auditor.watanabe) asks for, of the account of a vendor with
  suspected split payments (the dataset's answer key), which waits for fo.tanaka.

Requests expire (a freeze after a day, a 流用 after two weeks). `seed_requests` runs on every
`ramp demo` start: a request whose newest copy expired undecided gets a fresh copy (`<id>-2`,
...), so an inbox does not empty itself with age; an executed or rejected one stays decided.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ramp.approvals.actions import Action, BudgetAction, FreezeAction
from ramp.approvals.desk import Desk, Plan
from ramp.approvals.model import statement
from ramp.approvals.state import load
from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import TreeNode, budget_tree
from ramp.budget.requests import Transfer
from ramp.budget.service import check_results
from ramp.client import KeyFileError, load_key_file
from ramp.demo.dataset import Irregularities
from ramp.journal import Journal
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry

MOD_APPROVER: Final = "fo.kobayashi"  # MoD accounts (mod-feb), not the requester: approves the first 流用
COPIES_MAX: Final = 99  # fresh copies of one request over the demo's life; ids stay short
AMOUNT_STEP_YEN: Final = 1_000_000  # requested amounts are round millions


@dataclass(frozen=True, slots=True)
class _Seed:
    id: str  # the first copy's request id (and its operation's id)
    requester: str
    memo: str
    action: Callable[[str], Action | None]  # (request id) -> the action, None when the data has no place for it
    approved_in_mod: bool = False  # MOD_APPROVER approves it at once: MOF's approval in the inbox executes it


def _projects(tree: list[TreeNode], prefix: str) -> list[TreeNode]:
    out = []
    for node in tree:
        if node.kind == "project" and node.path.startswith(prefix):
            out.append(node)
        out += _projects(node.children, prefix)
    return out


def _ryuyo(journal: Journal, fy: int, source_prefix: str, target_prefix: str,
           amount_yen: int) -> Callable[[str], Action | None]:  # fmt: skip
    """A 流用 in FY`fy` of up to `amount_yen` from the source project holding the most to the first target project."""

    def make(request_id: str) -> Action | None:
        projection = journal.projection(BudgetProjection)
        snapshot = projection.snapshot(fy)
        if snapshot is None or snapshot.closed:
            return None  # a database without the open year: nothing to move
        tree = budget_tree(projection, fy).items
        sources = sorted(
            _projects(tree, source_prefix), key=lambda n: (-n.figures.available, n.path)
        )
        targets = sorted(_projects(tree, target_prefix), key=lambda n: n.path)
        if not sources or not targets:
            return None
        amount = min(amount_yen, sources[0].figures.available // 2) // AMOUNT_STEP_YEN * AMOUNT_STEP_YEN
        if amount <= 0:
            return None
        return BudgetAction(Transfer(id=request_id, fiscal_year=fy, source=sources[0].path, target=targets[0].path,
                                     amount_yen=amount))  # fmt: skip

    return make


def _freeze(journal: Journal, suspect: dict[str, object] | None) -> Callable[[str], Action | None]:
    def make(_request_id: str) -> Action | None:
        if suspect is None:
            return None
        account = budget_model.vendor_account(str(suspect["vendor"]))
        if journal.engine.account(account) is None:
            return None
        return FreezeAction(account=account, reason=f"suspected split payments below the ¥10m line on "
                            f"{suspect['contract']} ({suspect['date']}): frozen pending audit")  # fmt: skip

    return make


def _suspect(db: str, irregular: Irregularities | None) -> dict[str, object] | None:
    """The first vendor of the answer key's split payments (from the dataset, or the file the
    loader leaves beside the database)."""
    if irregular is None:
        try:
            with open(f"{db}.irregularities.json", encoding="utf-8") as f:
                irregular = Irregularities(**json.load(f))
        except (OSError, ValueError, TypeError):
            return None
    return irregular.split_payments[0] if irregular.split_payments else None


def seeds(journal: Journal, db: str, irregular: Irregularities | None, fy: int) -> list[_Seed]:
    """The demo's requests; the 流用 are of FY`fy`, the open year."""
    return [
        _Seed("ryuyo-pac3", "fo.tanaka", "PAC-3 MSE: the unit cost rose with the exchange rate; covered from "
              "ammunition savings (流用, 財政法第33条第2項)", _ryuyo(journal, fy, "equipment:ammunition:",
              "equipment:missiles:asdf:pac-3:", 1_200_000_000), approved_in_mod=True),
        _Seed("ryuyo-vessel-upkeep", "fo.tanaka", "Vessel upkeep: dry-dock work brought forward; covered from "
              "aircraft upkeep savings (流用)", _ryuyo(journal, fy, "maintenance:aircraft-upkeep:",
              "maintenance:vessel-upkeep:", 800_000_000)),
        _Seed("freeze-split-payments", "boa.auditor.watanabe", "Board of Audit: freeze pending audit",
              _freeze(journal, _suspect(db, irregular))),
    ]  # fmt: skip


def seed_requests(journal: Journal, db: str, irregular: Irregularities | None = None,
                  clock_ns: Callable[[], int] | None = None) -> list[str]:  # fmt: skip
    """Make each demo request whose newest copy is missing or expired undecided; returns their
    ids. `clock_ns`: the business time (default: the journal's clock, as the service's)."""
    clock_ns = clock_ns or journal.clock_ns
    identities = journal.projection(IdentityRegistry)
    # A fresh ActivePolicy is exact here: the desk plans with `live(engine)`, which reads every
    # policy change from the engine (attaching one to the loader's journal would replay the log).
    desk = Desk(identities, ActivePolicy(), clock_ns=clock_ns)
    made = []
    for seed in seeds(journal, db, irregular, budget_model.fiscal_year_of(clock_ns())):
        request_id = next_copy(journal, seed.id, desk.clock_ns())
        if request_id is None:
            continue
        action = seed.action(request_id)
        if action is None:
            continue
        _run(journal, desk.create(seed.requester, request_id, action, seed.memo), clock_ns())
        if seed.approved_in_mod:
            _approve_in_mod(journal, desk, db, request_id, clock_ns())
        made.append(request_id)
    return made


def next_copy(journal: Journal, first: str, now_ns: int) -> str | None:
    """The id for a new copy of a request, or None while its newest copy is open or decided."""
    newest = None
    for k in range(1, COPIES_MAX + 1):
        request_id = first if k == 1 else f"{first}-{k}"
        state = load(journal.engine.record, request_id)
        if state is None:
            return request_id if newest is None or newest.status(now_ns) == "expired" else None
        newest = state
    return None


def _run(journal: Journal, plan: Plan, now_ns: int) -> None:
    check_results(journal.submit_planned_async(plan, now_ns).result())


def key_path(db: str, identity: str) -> str:
    """A demo person's signing key file."""
    return os.path.join(f"{db}.keys", f"{identity}.json")


def _approve_in_mod(journal: Journal, desk: Desk, db: str, request_id: str, now_ns: int) -> None:
    """MoD accounts' approval, signed with the approver's own key, as a signed API call makes it."""
    try:
        key = load_key_file(key_path(db, MOD_APPROVER))
    except KeyFileError:
        return  # no key beside the database: the request waits for one more approval
    state = load(journal.engine.record, request_id)
    assert state is not None and key.identity == MOD_APPROVER
    signature = key.private_key.sign(statement("approve", request_id, state.digest, MOD_APPROVER))
    _run(journal, desk.decide(MOD_APPROVER, request_id, "approve", signature=signature), now_ns)
