"""What an approval request asks for, as data, and the ledger commands that carry it out.

Each action is checked twice against live state: when the request is made (so a request that
could never execute is refused at once) and when its quorum is reached (the state may have
changed meanwhile). Both checks are the same function: `Action.plan(...)`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from ramp.approvals.model import MEMO_MAX_CHARS
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.budget.operations import plan as plan_budget
from ramp.budget.view import View
from ramp.contracts import requests as contract_requests
from ramp.contracts.desk import ContractDesk, owed_yen
from ramp.contracts.state import load as load_contract
from ramp.ledger import AppendRecord, ChangeAccountFlags, Command, CreateTransfer, LedgerEngine
from ramp.ledger.model import ACCOUNT_ID_MAX_CHARS, ACCOUNT_ID_RE
from ramp.policy import identities as identity_records
from ramp.policy.active import policy_changed
from ramp.policy.engine import POLICY_MAX_BYTES, Policy, PolicyInvalid, parse_rules
from ramp.refusal import Kind, Refused, refuse

AccountId = Annotated[str, msgspec.Meta(pattern=f"^{ACCOUNT_ID_RE.pattern}$", max_length=ACCOUNT_ID_MAX_CHARS)]
IdentityId = Annotated[str, msgspec.Meta(pattern=f"^{identity_records.IDENTITY_ID_RE.pattern}$", max_length=48)]
Reason = Annotated[str, msgspec.Meta(max_length=MEMO_MAX_CHARS)]
Role = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,32}$")]
Roles = Annotated[tuple[Role, ...], msgspec.Meta(min_length=1, max_length=16)]
PublicKey = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{43}=$")]  # base64 of 32 bytes

# Budget movements that need approval, by the code of the transfer that carries them.
BUDGET_KINDS = {budget_model.Code.TRANSFER_RYUYO: "ryuyo", budget_model.Code.TRANSFER_IYO: "iyo", budget_model.Code.CARRY_OVER: "carry_over",
                 budget_model.Code.RESERVE_RELEASE: "reserve_release", budget_model.Code.OBLIGATE: "obligation"}  # fmt: skip


class _Action(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    pass


class BudgetAction(_Action, frozen=True, tag="budget"):
    """A budget operation the law puts under approval: 流用, 移用, carry-over, reserve release,
    an obligation above the policy's threshold."""

    operation: budget_requests.Operation


class ContractAction(_Action, frozen=True, tag="contract"):
    """A contract operation put under approval: a change order, a hold or its release (what
    software may only propose), or a signing whose obligation is above the threshold."""

    operation: contract_requests.ApprovedOperation


class FreezeAction(_Action, frozen=True, tag="freeze"):
    account: AccountId
    reason: Reason = ""


class UnfreezeAction(_Action, frozen=True, tag="unfreeze"):
    account: AccountId
    reason: Reason = ""


class PolicyChangeAction(_Action, frozen=True, tag="policy_change"):
    cedar: Annotated[str, msgspec.Meta(max_length=POLICY_MAX_BYTES)]
    rules: dict[str, Any]


class IdentityAddAction(_Action, frozen=True, tag="identity_add"):
    identity: IdentityId
    organisation: Annotated[str, msgspec.Meta(max_length=32)]
    roles: Roles
    public_key: PublicKey


class IdentityRolesAction(_Action, frozen=True, tag="identity_roles"):
    identity: IdentityId
    roles: Roles


class IdentityKeyAction(_Action, frozen=True, tag="identity_key"):
    """Give an identity a new key (after a revocation, or a key lost)."""

    identity: IdentityId
    public_key: PublicKey


Action = (BudgetAction | ContractAction | FreezeAction | UnfreezeAction | PolicyChangeAction | IdentityAddAction
          | IdentityRolesAction | IdentityKeyAction)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Facts:
    """What policies and the quorum see of an action, and the commands that carry it out."""

    kind: str
    amount_yen: int
    accounts: tuple[str, ...]
    commands: list[Command]


@dataclass(frozen=True, slots=True)
class Ctx:
    """One planning of an action: live engine, the policy in force, the registry's live view."""

    engine: LedgerEngine
    policy: Policy
    policy_changes: int
    identities: identity_records.IdentityRegistry
    request_id: str
    requester: str
    at_ns: int


def plan_action(action: Action, ctx: Ctx) -> Facts:
    """The action's facts and commands against live state, or Refused."""
    try:
        return _PLANNERS[type(action)](action, ctx)  # type: ignore[operator]
    except Refused as exc:
        if exc.kind is Kind.NOT_FOUND:  # what the action names is missing: the request is refused
            raise Refused(Kind.CONFLICT, exc.code, exc.message) from exc
        raise
    except identity_records.IdentityError as exc:
        kind = Kind.CONFLICT if exc.code in ("identity_changes_exhausted", "key_reused") else Kind.INVALID
        raise Refused(kind, exc.code, str(exc)) from exc


def _budget(action: BudgetAction, ctx: Ctx) -> Facts:
    op = action.operation
    ref = f"request:{ctx.request_id}"
    if hasattr(op, "approvals"):
        op = msgspec.structs.replace(op, approvals=(ref,))  # type: ignore[type-var]
    op_id = getattr(op, "id", None)
    if op_id is not None and ctx.engine.transfer(op_id) is not None:
        raise refuse(Kind.CONFLICT, "operation_exists", f"operation {op_id!r} was already applied")
    commands = plan_budget(View(ctx.engine), op, ctx.at_ns, ctx.requester, approval=ref)
    return _budget_facts(commands, type(op).__name__, ctx)


def _budget_facts(commands: list[Command], what: str, ctx: Ctx) -> Facts:
    """The kind and amount of the movements under approval that `commands` make."""
    moves = [c for c in commands if type(c) is CreateTransfer and c.code in BUDGET_KINDS]
    if not moves:
        raise refuse(Kind.CONFLICT, "approval_not_needed", f"{what} needs no approval: apply it directly")
    kind = BUDGET_KINDS[moves[0].code]
    amount = sum(c.amount or 0 for c in moves)
    if kind == "obligation" and amount <= ctx.policy.rules.obligation_threshold_yen:
        raise refuse(Kind.CONFLICT, "approval_not_needed", f"obligations up to {ctx.policy.rules.obligation_threshold_yen:,} "
                     "yen need no approval: apply it directly")  # fmt: skip
    return Facts(kind, amount, _accounts(moves), commands)


def _accounts(moves: list[CreateTransfer]) -> tuple[str, ...]:
    return tuple(sorted({a for c in moves for a in (c.debit_account, c.credit_account)}))


CONTRACT_KINDS = {contract_requests.ChangeOrder: "change_order", contract_requests.Hold: "contract_hold", contract_requests.Release: "contract_release"}


def _contract(action: ContractAction, ctx: Ctx) -> Facts:
    op = action.operation
    commands = ContractDesk(ctx.identities).plan_approved(View(ctx.engine), op, ctx.requester,
                                                          f"request:{ctx.request_id}", ctx.at_ns)  # fmt: skip
    if type(op) is contract_requests.Sign:
        if not commands:
            raise refuse(Kind.CONFLICT, "contract_exists", f"contract {op.terms.contract!r} is signed already")
        return _budget_facts(commands, "this signing", ctx)
    state = load_contract(ctx.engine.record, op.contract)
    assert state is not None  # the desk planned it
    moves = [c for c in commands if type(c) is CreateTransfer]
    if type(op) is contract_requests.ChangeOrder:
        amended = [c for c in commands if type(c) is AppendRecord][-1].body["terms"]
        amount = abs(int(amended["total_yen"]) - state.terms.total_yen)  # type: ignore[index, call-overload]
    elif type(op) is contract_requests.Hold:
        amount = state.terms.total_yen - state.released_yen
    else:
        amount = owed_yen(state)
    accounts = _accounts(moves) or (budget_model.contract_account(op.contract),)
    return Facts(CONTRACT_KINDS[type(op)], amount, accounts, commands)


def _flags(action: FreezeAction | UnfreezeAction, ctx: Ctx) -> Facts:
    account = ctx.engine.account(action.account)
    if account is None:
        raise refuse(Kind.CONFLICT, "account_not_found", f"no account {action.account!r}")
    freeze = type(action) is FreezeAction
    if freeze and "frozen" in account.flags:
        raise refuse(Kind.CONFLICT, "account_already_frozen", f"{action.account!r} is frozen")
    if not freeze and "frozen" not in account.flags:
        raise refuse(Kind.CONFLICT, "account_not_frozen", f"{action.account!r} is not frozen")
    change = ChangeAccountFlags(id=f"request:{ctx.request_id}:flags", account=action.account,
                                **{"set" if freeze else "clear": ("frozen",)})  # fmt: skip
    return Facts("freeze" if freeze else "unfreeze", 0, (action.account,), [change])


def _policy_change(action: PolicyChangeAction, ctx: Ctx) -> Facts:
    try:
        policy = Policy(action.cedar, parse_rules(action.rules))
    except PolicyInvalid as exc:
        raise Refused(Kind.INVALID, exc.code, "the proposed policy does not validate",
                      fields={"details": list(exc.errors)}) from exc
    if policy.digest == ctx.policy.digest:
        raise refuse(Kind.CONFLICT, "policy_unchanged", "the proposed policy is the policy in force")
    return Facts("policy_change", 0, (), [policy_changed(ctx.policy_changes + 1, policy, ctx.request_id)])


def _key(text: str) -> bytes:
    return base64.b64decode(text)


def _identity(ctx: Ctx, identity_id: str) -> identity_records.Identity:
    identity = ctx.identities.live(ctx.engine, identity_id)
    if identity is None:
        raise refuse(Kind.CONFLICT, "identity_not_found", f"no identity {identity_id!r}")
    return identity


def _identity_add(action: IdentityAddAction, ctx: Ctx) -> Facts:
    if ctx.identities.live(ctx.engine, action.identity) is not None:
        raise refuse(Kind.CONFLICT, "identity_exists", f"{action.identity!r} exists")
    record = identity_records.identity_added(action.identity, action.organisation, list(action.roles), _key(action.public_key))
    return Facts("identity_change", 0, (), [record])


def _identity_roles(action: IdentityRolesAction, ctx: Ctx) -> Facts:
    record = identity_records.roles_changed(_identity(ctx, action.identity), list(action.roles), f"request:{ctx.request_id}")
    return Facts("identity_change", 0, (), [record])


def _identity_key(action: IdentityKeyAction, ctx: Ctx) -> Facts:
    record = identity_records.key_rotated(_identity(ctx, action.identity), _key(action.public_key), f"request:{ctx.request_id}")
    return Facts("identity_change", 0, (), [record])


_PLANNERS = {
    BudgetAction: _budget, ContractAction: _contract, FreezeAction: _flags, UnfreezeAction: _flags, PolicyChangeAction: _policy_change,
    IdentityAddAction: _identity_add, IdentityRolesAction: _identity_roles, IdentityKeyAction: _identity_key,
}  # fmt: skip


def action_body(action: Action) -> dict[str, object]:
    """The action as JSON values only (lists, not tuples): what a record body holds."""
    return msgspec.json.decode(msgspec.json.encode(action))  # type: ignore[no-any-return]


def action_of(body: object) -> Action:
    return msgspec.convert(body, Action)  # type: ignore[arg-type]


def execution_chain(execution: AppendRecord, commands: list[Command]) -> list[Command]:
    """The execution record and the action's commands as one linked chain."""
    out: list[Command] = [execution, *commands]
    linked = [msgspec.structs.replace(c, flags=tuple(sorted({*c.flags, "linked"}))) for c in out[:-1]]
    last = out[-1]
    return [*linked, msgspec.structs.replace(last, flags=tuple(f for f in last.flags if f != "linked"))]

