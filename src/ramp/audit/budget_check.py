"""`ramp verify`'s budget check: every movement inside the ring fence is one of the law's operations,
and every movement the law puts under approval was carried by an executed approval request.

Pure: it reads the replayed event stream and nothing else. An operation is one linked chain (the
planners of ramp.budget, ramp.contracts and ramp.approvals write each as one); a chain is checked
once it closes. A transfer touching the fence (`ramp.policy.ring_fence`, the policy in force) must
have the shape its code has when a planner writes it — its accounts, the record the operation
writes beside it, its references — and a 流用, 移用, carry-over, reserve release or an obligation above
the policy's threshold must share its chain with the `approval.executed` record of a request of the
matching kind (whose quorum `ramp.audit.approvals` checks). A raw ledger write — a MINT from the
issuer, a DISBURSE to a vendor with no contract, a 流用 with no approval — fails here.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from typing import Final

from ramp.audit.report import VerifyFailure
from ramp.budget import model as budget_model
from ramp.ledger.events import (
    AccountCreated,
    Event,
    PendingExpired,
    RecordAppended,
    TransferApplied,
)
from ramp.policy import active as active_policy
from ramp.policy.engine import default_policy

Code = budget_model.Code
# The movement codes the law puts under approval, and the request kinds that may carry them.
APPROVED_BY: Final[dict[str, tuple[str, ...]]] = {
    Code.TRANSFER_RYUYO: ("ryuyo",), Code.TRANSFER_IYO: ("iyo",), Code.CARRY_OVER: ("carry_over",),
    Code.RESERVE_RELEASE: ("reserve_release",),
}  # fmt: skip
OBLIGATION_KINDS: Final = ("obligation", "change_order")  # a large obligation: signing or amending by request
_TRANSFER_RECORD: Final = {Code.REALLOT: "budget.transferred", Code.TRANSFER_RYUYO: "budget.transferred",
                           Code.TRANSFER_IYO: "budget.transferred"}  # fmt: skip


class BudgetAudit:
    """The check over one event stream, fed in log order; `feed` returns the failures of the
    chain an event closes (empty while a chain is open, or when it holds)."""

    def __init__(self) -> None:
        self.policy = default_policy()
        self.policy_changes = 0
        self.metadata: dict[str, dict[str, str]] = {}  # fenced accounts' definitions (escrows name vendor and project)
        self.request_kinds: dict[str, str] = {}  # request id -> kind, from approval.requested
        # request id -> (amount, accounts) it asked for: what its execution may move
        self.request_scope: dict[str, tuple[int, frozenset[str]]] = {}
        self.movements_checked = 0
        self._chain: list[Event] = []

    def feed(self, event: Event) -> list[str]:
        kind = type(event)
        if kind is RecordAppended:
            self._note_record(event)  # type: ignore[arg-type]
        elif kind is AccountCreated and self.policy.rules.ring_fence.covers(event.id):  # type: ignore[union-attr]
            self.metadata[event.id] = dict(event.metadata)  # type: ignore[union-attr]
        if kind is PendingExpired:
            return []  # never inside a chain; its pending transfer was checked when it was made
        self._chain.append(event)
        if "linked" in event.flags:  # type: ignore[union-attr]
            return []
        chain, self._chain = self._chain, []
        return list(self._check_chain(chain))

    def _note_record(self, record: RecordAppended) -> None:
        if record.type == active_policy.POLICY_CHANGED:
            self.policy, self.policy_changes = active_policy.fold(self.policy, self.policy_changes, record)
        elif record.type == "approval.requested" and record.id.count(":") == 1:
            rid = record.id.split(":", 1)[1]
            self.request_kinds[rid] = str(record.body.get("kind", ""))
            amount, accounts = record.body.get("amount_yen", 0), record.body.get("accounts", [])
            self.request_scope[rid] = (amount if isinstance(amount, int) else 0,
                                       frozenset(a for a in accounts if isinstance(a, str)) if isinstance(accounts, list) else frozenset())  # fmt: skip

    def _check_chain(self, chain: list[Event]) -> Iterator[str]:
        fence = self.policy.rules.ring_fence
        records = [e for e in chain if type(e) is RecordAppended]
        executed = {self.request_kinds.get(r.id.split(":")[1], "") for r in records
                    if r.type == "approval.executed" and r.id.endswith(":x")}  # fmt: skip
        transfers = [e for e in chain if type(e) is TransferApplied]
        yield from self._within_requests(records, transfers)
        for t in transfers:
            if not (fence.covers(t.debit_account) or fence.covers(t.credit_account)):
                continue
            self.movements_checked += 1
            reason = self._shape(t, records, transfers) or self._approval(t, executed, records)
            if reason:
                yield f"entry {t.seq}: {t.code} {t.id} ({t.debit_account} -> {t.credit_account}): {reason}"

    # --- what each code is, as the planners write it ---------------------------------------
    def _shape(self, t: TransferApplied, records: list[RecordAppended], transfers: list[TransferApplied]) -> str:
        if t.pending_id is not None or {"pending", "post_pending", "void_pending", "balancing"} & set(t.flags):
            return "a two-phase transfer: no budget operation makes one"
        code, debit, credit, amount = t.code, t.debit_account, t.credit_account, int(t.amount)
        if code == Code.ENACT:
            act = t.references.get("act")
            ok = (debit == budget_model.DIET_AUTHORITY and _segment(credit, 1) == "authority"
                  and _has(records, "budget.enacted", act=act, fiscal_year=_year(credit)))  # fmt: skip
            return "" if ok else "not the grant of an enacted act"
        if code in (Code.MINT, Code.ISSUE):
            item = t.references.get("item", "")
            year = _year(credit)
            # One MINT and one ISSUE per item in the chain, and this transfer one of them: a second
            # MINT beside a matched pair would create money no authority backs.
            mints = [x for x in transfers if x.code == Code.MINT and x.references.get("item") == item]
            issues = [x for x in transfers if x.code == Code.ISSUE and x.references.get("item") == item]
            mint, issue = (mints[0], issues[0]) if len(mints) == len(issues) == 1 else (None, None)
            ok = (year is not None and mint is not None and issue is not None and t in (mint, issue)
                  and int(mint.amount) == int(issue.amount)
                  and mint.debit_account == budget_model.TREASURY_ISSUER
                  and mint.credit_account in (budget_model.node_account(year, item), budget_model.reserve_account(year))
                  and issue.debit_account == budget_model.authority_account(year, item)
                  and issue.credit_account == budget_model.authority_issued_account(year))  # fmt: skip
            return "" if ok else "not an issuance against enacted authority (MINT with its ISSUE)"
        if code == Code.ALLOT:
            ok = _year(debit) is not None and _year(debit) == _year(credit) and credit.rpartition(":")[0] == debit
            return "" if ok else "not an allotment from a node to its child"
        if code in _TRANSFER_RECORD:
            fy = _year(debit)
            ok = fy is not None and fy == _year(credit) and _has(
                records, _TRANSFER_RECORD[code], **{"class": code, "source": _path(debit), "target": _path(credit),
                                                    "amount_yen": amount, "fiscal_year": fy})  # fmt: skip
            return "" if ok else "no budget.transferred record of this transfer"
        if code == Code.RESERVE_RELEASE:
            fy = _year(debit)
            ok = (fy is not None and debit == budget_model.reserve_account(fy) and _year(credit) == fy
                  and _has(records, "budget.reserve_released", target=_path(credit), amount_yen=amount))  # fmt: skip
            return "" if ok else "not a reserve-fund release"
        if code == Code.OBLIGATE:
            escrow = self.metadata.get(credit, {})
            ok = (escrow.get("kind") == "escrow" and t.references.get("contract") == escrow.get("contract")
                  and debit == budget_model.node_account(int(escrow.get("fiscal_year", "0")), escrow.get("project", "")))  # fmt: skip
            return "" if ok else "not an obligation of a contract's project into its escrow"
        if code in (Code.DISBURSE, Code.PENALTY, Code.DEOBLIGATE):
            escrow = self.metadata.get(debit, {})
            if escrow.get("kind") != "escrow" or (code != Code.DEOBLIGATE and t.references.get("contract") != escrow.get("contract")):
                return "not paid from a contract's escrow"
            if code == Code.DISBURSE:
                return "" if credit == budget_model.vendor_account(escrow.get("vendor", "")) else "paid to another than the contract's vendor"
            if code == Code.PENALTY:
                return "" if _segment(credit, 1) == "revenue" and debit.startswith("contract:") else "a penalty not to revenue"
            ok = _path(credit) == escrow.get("project") and any(r.id.startswith("contract.") for r in records)
            return "" if ok else "a de-obligation not back to the contract's project by a contract record"
        if code == Code.CARRY_OVER:
            ok = _has(records, "budget.carried_over", amount_yen=amount)
            return "" if ok else "no budget.carried_over record of this carry-over"
        if code == Code.LAPSE:
            fy = int(self.metadata.get(credit, {}).get("fiscal_year", "0"))
            ok = credit == budget_model.lapsed_account(fy) and _has(records, "budget.year_closed", fiscal_year=fy)
            return "" if ok else "not a lapse of a year's close"
        return f"code {code!r} is no budget operation"

    def _within_requests(self, records: list[RecordAppended], transfers: list[TransferApplied]) -> Iterator[str]:
        """An execution moves no more than its request asked for, and only between the accounts it
        names: a quorum for ¥1 never carries a ¥1 bn 流用 beside it."""
        executing = [r.id.split(":")[1] for r in records if r.type == "approval.executed" and r.id.endswith(":x")]
        if not executing:
            return
        amount = sum(self.request_scope.get(rid, (0, frozenset()))[0] for rid in executing)
        accounts = frozenset().union(*(self.request_scope.get(rid, (0, frozenset()))[1] for rid in executing))
        moved = [t for t in transfers if t.code in APPROVED_BY or t.code == Code.OBLIGATE]
        if sum(int(t.amount) for t in moved) > amount:
            yield (f"entry {moved[0].seq}: the chain moves {sum(int(t.amount) for t in moved):,} yen under approval, "
                   f"its request{'s' if len(executing) > 1 else ''} asked for {amount:,}")  # fmt: skip
        for t in moved:
            if accounts and not ({t.debit_account, t.credit_account} & accounts):
                yield f"entry {t.seq}: {t.code} {t.id} touches none of the accounts its request names"

    def _approval(self, t: TransferApplied, executed: set[str], records: list[RecordAppended]) -> str:
        kinds = APPROVED_BY.get(t.code)
        if t.code == Code.OBLIGATE and int(t.amount) > self.policy.rules.obligation_threshold_yen:
            kinds = OBLIGATION_KINDS
        if kinds is None:
            return ""
        if not executed & set(kinds):
            return f"needs an executed {' or '.join(kinds)} approval request in its chain; it has none"
        named = [r for r in records if r.id.endswith(".rec") and "approvals_verified" in r.body]
        if named and not all(r.body.get("approvals_verified") is True for r in named):
            return "its record does not say its approvals were verified"
        return ""


def check_budget_movements(events: Iterable[Event]) -> list[str]:
    """Every failure of the budget check over a whole event stream, in log order (empty: it holds)."""
    audit = BudgetAudit()
    failures: list[str] = []
    for event in events:
        failures += audit.feed(event)
    return failures


_AUDITS: weakref.WeakKeyDictionary[object, BudgetAudit] = weakref.WeakKeyDictionary()


def feed(replay: object, event: Event, where: str = "") -> None:
    """The verifier's hook: feed one replayed event to the budget check of `replay` (one per
    verification); the first failure is a `VerifyFailure` naming the entry."""
    audit = _AUDITS.get(replay)
    if audit is None:
        audit = _AUDITS[replay] = BudgetAudit()
    failures = audit.feed(event)
    if failures:
        seq, _, reason = failures[0].partition(": ")
        raise VerifyFailure(f"{where}{seq}", f"budget: {reason}")


# --- addresses ------------------------------------------------------------------------------
def _year(account_id: str) -> int | None:
    head = account_id.split(":", 1)[0]
    if len(head) == 6 and head.startswith("fy") and head[2:].isdigit():
        return int(head[2:])
    return None


def _segment(account_id: str, n: int) -> str:
    parts = account_id.split(":")
    return parts[n] if len(parts) > n else ""


def _path(account_id: str) -> str:
    return account_id.split(":", 1)[1] if ":" in account_id else ""


def _has(records: list[RecordAppended], type_: str, **fields: object) -> bool:
    """A record of `type_` in the chain whose body has every one of `fields`."""
    return any(r.type == type_ and all(r.body.get(k) == v for k, v in fields.items()) for r in records)
