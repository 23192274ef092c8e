"""What every budget planner shares: the context, the lookups that refuse precisely, and the
linked chain that makes an operation all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from ramp.budget import model as budget_model
from ramp.budget import rules as budget_rules
from ramp.budget.multiyear import Contract
from ramp.budget.structure import Node
from ramp.budget.view import Acc, View
from ramp.disclosure.classify import CLASSIFICATION_KEY
from ramp.ledger import AppendRecord, Command, CreateAccount, CreateTransfer


@dataclass(slots=True)
class Ctx:
    """One planner call: the view of the ledger, the operation's instant and who asks."""

    view: View
    at_ns: int
    actor: str = ""
    approval: str = ""  # the approval request that approved this operation, verified by ramp.approvals


def chain(commands: list[Command]) -> list[Command]:
    """Link the commands: the engine applies all of them or none."""
    if len(commands) < 2:
        return commands
    linked = [msgspec.structs.replace(c, flags=(*c.flags, "linked")) for c in commands[:-1]]
    return [*linked, commands[-1]]


def record(id_: str, type_: str, body: dict[str, object], actor: str, concerns: Sequence[Acc | None] = ()) -> AppendRecord:
    """A budget record; about a secret line (any of the accounts it `concerns`) it is secret
    itself: its body's `classification` raises the level the log records (ramp.disclosure)."""
    if actor:
        body = {**body, "by": actor}
    body = {**body, **secrecy(*concerns)}
    return AppendRecord(id=id_, type=type_, body=body)


def secrecy(*accounts: Acc | None) -> dict[str, str]:
    """`{"classification": "secret"}` when any of the accounts is a secret line, else nothing: the
    metadata or body key that carries a secret line's level to what is about it."""
    secret = any(a is not None and a.metadata.get(CLASSIFICATION_KEY) == "secret" for a in accounts)
    return {CLASSIFICATION_KEY: "secret"} if secret else {}


def approvals_body(required: list[str], given: tuple[str, ...], verified: str = "") -> dict[str, object]:
    # Approvals are references unless ramp.approvals executes the operation on a request whose
    # quorum it verified (`verified` is that request's record id, named in `given`).
    return {"approvals_required": required, "approvals": list(given),
            "approvals_verified": bool(verified) and verified in given}  # fmt: skip


def require_approvals(given: tuple[str, ...], what: str, who: str) -> None:
    budget_rules.require(len(given) > 0, budget_rules.APPROVAL_REQUIRED, f"{what} needs the approval of {who}")


def year_open(view: View, fiscal_year: int) -> None:
    """The year was enacted and is not closed."""
    budget_rules.require(view.exists(budget_model.authority_issued_account(fiscal_year)), budget_rules.FISCAL_YEAR_UNKNOWN,
              f"nothing is enacted for FY{fiscal_year}")  # fmt: skip
    budget_rules.require(not view.exists(budget_model.lapsed_account(fiscal_year)), budget_rules.FISCAL_YEAR_CLOSED, f"FY{fiscal_year} is closed")


def node(view: View, fiscal_year: int, path: str) -> tuple[Node, Acc]:
    budget_rules.require(budget_model.split_path(path) is not None, budget_rules.PATH_INVALID, f"{path!r} is not a node path")
    account_id = budget_model.node_account(fiscal_year, path)
    acc = view.get(account_id)
    found = view.memo.get(account_id)
    if found is None and acc is not None:
        found = view.memo[account_id] = Node.of(account_id, acc.metadata)
    budget_rules.require(acc is not None and found is not None, budget_rules.NODE_NOT_FOUND, f"no node {path!r} in FY{fiscal_year}")
    assert isinstance(found, Node) and acc is not None
    return found, acc


def contract(view: View, contract_id: str) -> Contract:
    account_id = budget_model.contract_account(contract_id)
    found = view.memo.get(account_id)
    if found is None:
        acc = view.get(account_id)
        found = None if acc is None else Contract.of(contract_id, acc.metadata)
        budget_rules.require(found is not None, budget_rules.CONTRACT_NOT_FOUND, f"no contract {contract_id!r}")
        view.memo[account_id] = found
    assert isinstance(found, Contract)
    return found


def open_account(view: View, out: list[Command], account_id: str, metadata: dict[str, str],
                 asset: str = budget_model.ASSET, flags: tuple[str, ...] = budget_model.NO_OVERDRAFT) -> Acc:  # fmt: skip
    view.open(account_id, asset, metadata)
    out.append(CreateAccount(id=account_id, asset=asset, flags=flags, metadata=metadata))
    acc = view.get(account_id)
    assert acc is not None
    return acc


def ensure_node_in_year(view: View, out: list[Command], n: Node, fiscal_year: int) -> Acc:
    """The node's account in `fiscal_year`, opening it (and missing ancestors) with the same
    definition: carried-over money keeps its place in the tree."""
    keys = n.path.split(":")
    acc: Acc | None = None
    for depth in range(1, len(keys) + 1):
        path = ":".join(keys[:depth])
        account_id = budget_model.node_account(fiscal_year, path)
        acc = view.get(account_id)
        if acc is None:
            source = view.get(budget_model.node_account(n.fiscal_year, path))
            assert source is not None, path  # ancestors of an existing node exist
            defined = Node.of(source.id, source.metadata)
            assert defined is not None
            acc = open_account(view, out, account_id, defined.in_year(fiscal_year).metadata())
    assert acc is not None
    return acc


def move(view: View, out: list[Command], id_: str, debit: Acc, credit: Acc, amount: int, code: str,
         references: dict[str, str] | None = None, memo: str = "") -> None:  # fmt: skip
    view.move(debit, credit, amount)
    out.append(CreateTransfer(id=id_, debit_account=debit.id, credit_account=credit.id, amount=amount,
                              asset=debit.asset, code=code, references=references or {}, memo=memo))  # fmt: skip
