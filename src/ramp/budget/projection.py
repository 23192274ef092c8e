"""The budget read model: every node's own figures, folded from the committed journal.

Each transfer is classified by its code into the columns of Japan's settlement accounts
(歳出決算): issued (歳出予算額), reserve released (予備費使用額), carried in (前年度繰越額),
moved (配賦・流用等増減), obligated, disbursed (支出済), carried over (翌年度繰越額), lapsed
(不用額); and the node's account balance is kept from the raw debits and credits. Money in a
contract's escrow is reported on the project it was obligated from, in the escrow's year.

Own figures of a node obey, by conservation, appropriated = obligated + balance + carried
over + lapsed, where appropriated = issued + reserve + carried in + moved; `queries` rolls
them up the tree. A transfer on a budget account with a code this model does not know would
break that identity: the tests check it on every node of the demo data.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

from ramp.budget import model as budget_model
from ramp.budget.multiyear import Contract
from ramp.budget.structure import Node
from ramp.ledger.events import AccountCreated, Event, RecordAppended, TransferApplied
from ramp.text import is_digits

Code = budget_model.Code

# Columns of a node's own figures.
ISSUED, RESERVE, CARRIED_IN, MOVED, OBLIGATED, DISBURSED, CARRIED_OVER, LAPSED, BALANCE = range(9)
COLUMNS = ("issued", "reserve_released", "carried_in", "moved", "obligated", "disbursed", "carried_over", "lapsed",
           "balance")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Alert:
    seq: int
    level: str  # info | warning
    node: str
    operation: str
    kind: str  # allot | obligate
    threshold_bp: int
    utilisation_bp: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A consistent copy of one year's state, for queries (taken under the lock)."""

    fiscal_year: int
    nodes: dict[str, tuple[Node, tuple[int, ...]]]  # path -> (definition, own figures)
    enacted: dict[str, int]  # item -> enacted authority (original + supplementary)
    issued: dict[str, int]  # item -> issued
    reserve: tuple[int, int, int]  # issued, released, balance
    closed: bool


class BudgetProjection:
    """Fed every committed event once, in order (a journal projection)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._nodes: dict[str, tuple[Node, list[int]]] = {}  # node account -> (node, own)
            self._escrows: dict[str, list[int]] = {}  # escrow account -> own figures of its project
            self._contracts: dict[str, Contract] = {}
            self._vendors: dict[str, str] = {}
            self._authority: dict[str, list[int]] = {}  # authority account -> [enacted, issued]
            self._reserves: dict[str, list[int]] = {}  # reserve account -> [issued, released, lapsed, balance]
            self._closed: set[int] = set()
            self._alerts: dict[int, list[Alert]] = {}
            self._decisions: dict[int, list[tuple[int, str, dict[str, object]]]] = {}

    # --- folding -------------------------------------------------------------------------
    def apply(self, events: list[Event]) -> None:
        with self._lock:
            for e in events:
                t = type(e)
                if t is TransferApplied:
                    if e.asset == budget_model.ASSET:  # type: ignore[union-attr]
                        self._transfer(e)  # type: ignore[arg-type]
                    else:
                        self._authority_transfer(e)  # type: ignore[arg-type]
                elif t is AccountCreated:
                    self._account(e)  # type: ignore[arg-type]
                elif t is RecordAppended and e.type.startswith("budget."):  # type: ignore[union-attr]
                    self._record(e)  # type: ignore[arg-type]
                elif t is RecordAppended and e.type == "contract.amended":  # type: ignore[union-attr]
                    self._amended(e)  # type: ignore[arg-type]

    def _transfer(self, e: TransferApplied) -> None:
        if e.flags and ("pending" in e.flags or "void_pending" in e.flags):
            return  # budget operations never reserve; nothing posted
        code, amount = e.code, int(e.amount)
        if code == Code.DISBURSE or code == Code.PENALTY:  # the hot path: a million of these in a year
            own = self._escrows.get(e.debit_account)  # a penalty offset is spent too (支出済, with revenue)
            if own is not None:
                own[DISBURSED] += amount
            return
        nodes = self._nodes
        debit = nodes.get(e.debit_account)
        credit = nodes.get(e.credit_account)
        d = None if debit is None else debit[1]
        c = None if credit is None else credit[1]
        if d is not None:
            d[BALANCE] -= amount
        if c is not None:
            c[BALANCE] += amount
        if code in budget_model.MOVE_CODES:
            if d is not None:
                d[MOVED] -= amount
            if c is not None:
                c[MOVED] += amount
        elif code == Code.OBLIGATE:
            escrow = self._escrows.get(e.credit_account)
            if escrow is not None:
                escrow[OBLIGATED] += amount
        elif code == Code.DEOBLIGATE:
            escrow = self._escrows.get(e.debit_account)
            if escrow is not None:
                escrow[OBLIGATED] -= amount
        elif code == Code.MINT:
            if c is not None:
                c[ISSUED] += amount
            elif e.credit_account in self._reserves:
                self._reserve(e.credit_account, 0, amount)
        elif code == Code.RESERVE_RELEASE:
            if c is not None:
                c[RESERVE] += amount
            self._reserve(e.debit_account, 1, amount)
        elif code in (Code.CARRY_OVER, Code.LAPSE):
            column = CARRIED_OVER if code == Code.CARRY_OVER else LAPSED
            source = d if d is not None else self._escrows.get(e.debit_account)
            if source is not None:
                source[column] += amount
                if d is None:  # from an escrow: no longer this year's obligation
                    source[OBLIGATED] -= amount
            elif code == Code.LAPSE and e.debit_account in self._reserves:
                self._reserve(e.debit_account, 2, amount)
            target = c if c is not None else self._escrows.get(e.credit_account)
            if target is not None and code == Code.CARRY_OVER:
                target[CARRIED_IN] += amount
                if c is None:  # into an escrow: it stays obligated, now in the new year
                    target[OBLIGATED] += amount

    def _reserve(self, account: str, column: int, amount: int) -> None:
        r = self._reserves.get(account)
        if r is not None:
            r[column] += amount
            r[3] += amount if column == 0 else -amount

    def _authority_transfer(self, e: TransferApplied) -> None:
        if e.code == Code.ENACT and e.credit_account in self._authority:
            self._authority[e.credit_account][0] += int(e.amount)
        elif e.code == Code.ISSUE and e.debit_account in self._authority:
            self._authority[e.debit_account][1] += int(e.amount)

    def _account(self, e: AccountCreated) -> None:
        kind = e.metadata.get("kind")
        if kind is None:
            return
        # Budget accounts are opened by budget operations; one forged by a raw ledger write
        # with a budget-like `kind` is ignored unless it is well formed (it must never raise).
        if kind in budget_model.KINDS:
            n = Node.of(e.id, e.metadata)
            if n is not None:
                self._nodes[e.id] = (n, [0] * len(COLUMNS))
        elif kind == "escrow":
            fy, project_path = e.metadata.get("fiscal_year", ""), e.metadata.get("project", "")
            project = self._nodes.get(f"fy{fy}:{project_path}") if is_digits(fy) else None
            if project is not None and e.id.startswith("contract:"):
                self._escrows[e.id] = project[1]
        elif kind == "contract":
            contract_id = e.id.split(":", 1)[1]
            contract = Contract.of(contract_id, e.metadata)
            if contract is not None and e.id.count(":") == 1:
                self._contracts[contract_id] = contract
        elif kind == "vendor":
            self._vendors[e.id.split(":", 1)[1]] = e.metadata.get("name", "")
        elif kind == "authority":
            self._authority[e.id] = [0, 0]
        elif kind == "reserve":
            self._reserves[e.id] = [0, 0, 0, 0]
        elif kind == "lapsed" and is_digits(e.metadata.get("fiscal_year", "")):
            self._closed.add(int(e.metadata["fiscal_year"]))

    def _amended(self, e: RecordAppended) -> None:
        """A milestone contract's change order: its schedule by fiscal year as amended (the later
        years' burdens change; the years themselves never do)."""
        contract = self._contracts.get(str(e.body.get("contract")))
        schedule = e.body.get("schedule")
        if contract is None or type(schedule) is not list:
            return
        amended = {int(i["fiscal_year"]): int(i["amount_yen"]) for i in schedule if type(i) is dict}
        self._contracts[contract.id] = dataclasses.replace(contract, schedule=amended)

    def _record(self, e: RecordAppended) -> None:
        body = e.body
        fy = body.get("fiscal_year")
        if not isinstance(fy, int):
            return
        if e.type.startswith("budget.availability_"):
            threshold, utilisation = body.get("threshold_bp"), body.get("utilisation_bp")
            if isinstance(threshold, int) and isinstance(utilisation, int):  # a well-formed one
                self._alerts.setdefault(fy, []).append(Alert(
                    e.seq, e.type.rsplit("_", 1)[1], str(body.get("node")), str(body.get("operation")),
                    str(body.get("kind")), threshold, utilisation,
                ))  # fmt: skip
        else:
            self._decisions.setdefault(fy, []).append((e.seq, e.type, body))

    # --- reading (copies, under the lock) -------------------------------------------------
    def fiscal_years(self) -> list[int]:
        with self._lock:
            return sorted({n.fiscal_year for n, _ in self._nodes.values()})

    def snapshot(self, fiscal_year: int) -> Snapshot | None:
        prefix = f"fy{fiscal_year}:"
        with self._lock:
            nodes = {n.path: (n, tuple(own)) for account, (n, own) in self._nodes.items() if account.startswith(prefix)}
            if not nodes:
                return None
            auth = {a[len(prefix) + len("authority:"):]: v for a, v in self._authority.items() if a.startswith(prefix)}
            r = self._reserves.get(budget_model.reserve_account(fiscal_year), [0, 0, 0, 0])
            return Snapshot(
                fiscal_year, nodes, {k: v[0] for k, v in auth.items() if k != "reserve"},
                {k: v[1] for k, v in auth.items() if k != "reserve"}, (r[0], r[1], r[3]), fiscal_year in self._closed,
            )  # fmt: skip

    def contracts(self) -> list[Contract]:
        with self._lock:
            return list(self._contracts.values())

    def contract(self, contract_id: str) -> Contract | None:
        return self._contracts.get(contract_id)

    def alerts(self, fiscal_year: int) -> list[Alert]:
        with self._lock:
            return list(self._alerts.get(fiscal_year, ()))

    def decisions(self, fiscal_year: int) -> list[tuple[int, str, dict[str, object]]]:
        with self._lock:
            return list(self._decisions.get(fiscal_year, ()))

    def vendors(self) -> dict[str, str]:
        with self._lock:
            return dict(self._vendors)
