"""Budget operations: each one a planner that checks the law against the live ledger and
returns one linked chain of commands (a record of the decision where there is one, the
accounts it opens, its transfers, and any availability event).

`plan(view, op, ...)` dispatches; appropriation-side operations are here, spending in
`spending`, carry-over and year close in `closing`. A retry of an operation already applied
(its first command's id exists) skips the checks that depend on balances and replays the
same commands, which the engine answers `exists` (or `exists_with_different_*` when the id is
reused for another operation).
"""

from __future__ import annotations

from ramp.budget import availability
from ramp.budget import model as budget_model
from ramp.budget import rules as budget_rules
from ramp.budget.closing import plan_carry_over, plan_close_year
from ramp.budget.planning import (
    Ctx,
    approvals_body,
    chain,
    move,
    node,
    open_account,
    record,
    require_approvals,
    year_open,
)
from ramp.budget.requests import (
    Allot,
    CarryOver,
    CloseYear,
    DefineNode,
    Disburse,
    Enact,
    Issue,
    Obligate,
    Operation,
    RegisterContract,
    RegisterVendor,
    ReleaseReserve,
    Transfer,
)
from ramp.budget.spending import (
    plan_disburse,
    plan_obligate,
    plan_register_contract,
    plan_register_vendor,
)
from ramp.budget.structure import Node, iyo_authorised
from ramp.budget.view import View
from ramp.disclosure.classify import CLASSIFICATION_KEY
from ramp.ledger import Command, CreateAccount, CreateTransfer

Code = budget_model.Code


def plan(view: View, op: Operation, at_ns: int, actor: str = "", approval: str = "") -> list[Command]:
    """The commands of one operation, or `Refused` (nothing planned, nothing written).
    `approval` is set only by ramp.approvals, executing a request whose quorum it verified."""
    op_id = getattr(op, "id", None)
    # The API decodes requests against the same constraints; Python callers get them here.
    budget_rules.require(op_id is None or budget_model.OP_ID_RE.fullmatch(op_id) is not None, budget_rules.OPERATION_ID_INVALID,
              f"operation ids are {budget_model.OP_ID_RE.pattern}")  # fmt: skip
    amount = getattr(op, "amount_yen", None)
    budget_rules.require(amount is None or (type(amount) is int and 0 < amount <= budget_model.AMOUNT_MAX_YEN), budget_rules.AMOUNT_INVALID,
              f"amounts are whole yen, 1..{budget_model.AMOUNT_MAX_YEN}")  # fmt: skip
    return _PLANNERS[type(op)](Ctx(view, at_ns, actor, approval), op)


def plan_many(view: View, ops: list[Operation], at_ns: int, actor: str = "") -> list[Command]:
    """Several operations in one batch, each seeing the ones before it."""
    out: list[Command] = []
    for op in ops:
        out += plan(view, op, at_ns, actor)
    return out


# --- the Diet's act and issuance ---------------------------------------------------------
def plan_enact(ctx: Ctx, op: Enact) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    keys = [i.key for i in op.items]
    budget_rules.require(len(set(keys)) == len(keys), budget_rules.ITEM_EXISTS, "an item appears twice in the act")
    budget_rules.require(not set(keys) & budget_model.RESERVED_ITEM_KEYS, budget_rules.PATH_INVALID, "`authority` and `reserve` are not item keys")
    body = {
        "fiscal_year": fy, "act": op.act, "kind": op.kind, "reserve_yen": op.reserve_yen,
        "items": [{"key": i.key, "amount_yen": i.amount_yen} for i in op.items],
        "basis": "財政法 第14条 (歳出予算), 第29条 (補正予算)" if op.kind == "supplementary" else "財政法 第14条",
    }  # fmt: skip
    out: list[Command] = [record(f"{op.id}.rec", "budget.enacted", body, ctx.actor)]
    if view.transfer_exists(f"{op.id}.e0"):  # a retry: the same first grant, answered `exists`
        first = op.items[0]
        out.append(CreateTransfer(id=f"{op.id}.e0", debit_account=budget_model.DIET_AUTHORITY,
                                  credit_account=budget_model.authority_account(fy, first.key), amount=first.amount_yen,
                                  asset=budget_model.AUTHORITY_ASSET, code=Code.ENACT, references={"act": op.act}))  # fmt: skip
        return chain(out)
    known = view.exists(budget_model.authority_issued_account(fy))
    if op.kind == "supplementary":
        budget_rules.require(known, budget_rules.FISCAL_YEAR_UNKNOWN, f"FY{fy} has no original budget to supplement")
    budget_rules.require(not view.exists(budget_model.lapsed_account(fy)), budget_rules.FISCAL_YEAR_CLOSED, f"FY{fy} is closed")
    for setup_id, asset in ((budget_model.TREASURY_ISSUER, budget_model.ASSET), (budget_model.DIET_AUTHORITY, budget_model.AUTHORITY_ASSET)):
        if not view.exists(setup_id):  # issuers: the only accounts that may go negative
            open_account(view, out, setup_id, {"kind": "issuer"}, asset, flags=())
    if not known:
        open_account(view, out, budget_model.authority_issued_account(fy), {"kind": "authority_issued", "fiscal_year": str(fy)},
                     budget_model.AUTHORITY_ASSET)  # fmt: skip
    diet = view.get(budget_model.DIET_AUTHORITY)
    assert diet is not None
    for k, item in enumerate(op.items):
        exists = view.exists(budget_model.node_account(fy, item.key))
        budget_rules.require(op.kind == "supplementary" or not exists, budget_rules.ITEM_EXISTS, f"item {item.key!r} is already enacted")
        if not exists:
            n = Node(fy, item.key, "item", item.name, item.name_ja, tuple(item.tags), item.estimate,
                     carryover_designated=item.carryover_designated, iyo_with=tuple(item.iyo_with))  # fmt: skip
            open_account(view, out, n.account, n.metadata())
            open_account(view, out, budget_model.authority_account(fy, item.key), {"kind": "authority", "fiscal_year": str(fy)},
                         budget_model.AUTHORITY_ASSET)  # fmt: skip
        authority = view.get(budget_model.authority_account(fy, item.key))
        assert authority is not None
        move(view, out, f"{op.id}.e{k}", diet, authority, item.amount_yen, Code.ENACT, {"act": op.act})
    if op.reserve_yen:
        authority = view.get(budget_model.authority_account(fy, "reserve"))
        if authority is None:
            open_account(view, out, budget_model.reserve_account(fy), {"kind": "reserve", "fiscal_year": str(fy)})
            authority = open_account(view, out, budget_model.authority_account(fy, "reserve"),
                                     {"kind": "authority", "fiscal_year": str(fy)}, budget_model.AUTHORITY_ASSET)  # fmt: skip
        move(view, out, f"{op.id}.reserve", diet, authority, op.reserve_yen, Code.ENACT, {"act": op.act})
    return chain(out)


def plan_issue(ctx: Ctx, op: Issue) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    target_id = budget_model.reserve_account(fy) if op.item == "reserve" else budget_model.node_account(fy, op.item)
    mint = CreateTransfer(id=op.id, debit_account=budget_model.TREASURY_ISSUER, credit_account=target_id, amount=op.amount_yen,
                          asset=budget_model.ASSET, code=Code.MINT, references={"item": op.item})  # fmt: skip
    if view.transfer_exists(op.id):
        return [mint]
    year_open(view, fy)
    authority = view.get(budget_model.authority_account(fy, op.item))
    budget_rules.require(authority is not None, budget_rules.APPROPRIATION_NOT_ENACTED, f"no appropriation {op.item!r} in FY{fy}")
    assert authority is not None
    budget_rules.require(op.amount_yen <= authority.balance, budget_rules.EXCEEDS_APPROPRIATION,
              f"{op.item!r} has {authority.balance:,} yen enacted and not issued; {op.amount_yen:,} asked")  # fmt: skip
    issuer, target, issued = view.get(budget_model.TREASURY_ISSUER), view.get(target_id), view.get(budget_model.authority_issued_account(fy))
    # All three are opened by the act; only accounts forged by raw ledger writes could lack them.
    budget_rules.require(issuer is not None and target is not None and issued is not None, budget_rules.APPROPRIATION_NOT_ENACTED,
              f"FY{fy}'s act did not open {op.item!r}")  # fmt: skip
    assert issuer is not None and target is not None and issued is not None
    out: list[Command] = []
    move(view, out, op.id, issuer, target, op.amount_yen, Code.MINT, {"item": op.item})
    move(view, out, f"{op.id}.auth", authority, issued, op.amount_yen, Code.ISSUE, {"item": op.item})
    return chain(out)


# --- the tree and its allotment ----------------------------------------------------------
def plan_define_node(ctx: Ctx, op: DefineNode) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    keys = budget_model.split_path(op.path)
    budget_rules.require(keys is not None and len(keys) >= 2, budget_rules.PATH_INVALID,
              "a defined node is a sub-item, organisation, program or project (items come from the act)")  # fmt: skip
    tolerance = availability.DEFAULT
    if op.tolerance_bp is not None:
        budget_rules.require(availability.valid(op.tolerance_bp), budget_rules.AMOUNT_INVALID, "tolerance: 0 < info <= warning <= reject")
        tolerance = availability.Tolerance(*op.tolerance_bp)
    parent = budget_model.parent_path(op.path)
    assert parent is not None
    parent_acc = view.get(budget_model.node_account(fy, parent))
    classification = op.classification or ""
    if parent_acc is not None and parent_acc.metadata.get(CLASSIFICATION_KEY) == "secret":
        classification = "secret"  # its path names its secret parent: a line below a secret one is secret
    n = Node(fy, op.path, budget_model.kind_of(op.path), op.name, op.name_ja, tuple(op.tags), op.estimate, tolerance,
             classification=classification)  # fmt: skip
    create = CreateAccount(id=n.account, asset=budget_model.ASSET, flags=budget_model.NO_OVERDRAFT, metadata=n.metadata())
    if view.exists(n.account):
        return [create]  # the engine answers `exists`, or `exists_with_different_metadata`
    year_open(view, fy)
    budget_rules.require(parent_acc is not None, budget_rules.PARENT_NOT_FOUND, f"no node {parent!r} in FY{fy}")
    view.open(n.account, budget_model.ASSET, n.metadata())
    return [create]


def plan_allot(ctx: Ctx, op: Allot) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    allot = CreateTransfer(id=op.id, debit_account=budget_model.node_account(fy, op.source),
                           credit_account=budget_model.node_account(fy, op.target), amount=op.amount_yen, asset=budget_model.ASSET,
                           code=Code.ALLOT)  # fmt: skip
    if view.transfer_exists(op.id):
        return [allot]
    year_open(view, fy)
    budget_rules.require(op.source != op.target, budget_rules.SAME_NODE, "source and target are the same node")
    source, source_acc = node(view, fy, op.source)
    _, target_acc = node(view, fy, op.target)
    budget_rules.require(budget_model.parent_path(op.target) == op.source, budget_rules.ALLOTMENT_NOT_DOWNWARD,
              f"{op.target!r} is not a child of {op.source!r}: use a transfer")  # fmt: skip
    crossed = availability.check(source_acc, op.amount_yen, source.tolerance)
    out: list[Command] = []
    if crossed:
        out.append(availability.crossing_record(op.id, "allot", fy, op.source, source_acc, op.amount_yen, crossed))
    move(view, out, op.id, source_acc, target_acc, op.amount_yen, Code.ALLOT)
    return chain(out)


def _transfer_class(source: Node, target: Node) -> str:
    if source.item != target.item:
        return Code.TRANSFER_IYO
    if source.path.count(":") >= 1 and target.path.count(":") >= 1 and source.ancestor(2) == target.ancestor(2):
        return Code.REALLOT
    return Code.TRANSFER_RYUYO  # between sub-items, or to and from the item's own holding


def plan_transfer(ctx: Ctx, op: Transfer) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    retry = view.transfer_exists(op.id)
    if not retry:
        year_open(view, fy)
    budget_rules.require(op.source != op.target, budget_rules.SAME_NODE, "source and target are the same node")
    source, source_acc = node(view, fy, op.source)
    target, target_acc = node(view, fy, op.target)
    code = _transfer_class(source, target)
    required: list[str] = []
    if code == Code.TRANSFER_IYO:
        source_item, _ = node(view, fy, source.item)
        target_item, _ = node(view, fy, target.item)
        budget_rules.require(iyo_authorised(source_item, target_item), budget_rules.IYO_NOT_AUTHORISED,
                  f"the FY{fy} budget does not allow 移用 between {source.item!r} and {target.item!r}")  # fmt: skip
        required = ["mof"]
        require_approvals(op.approvals, "移用 (transfer between items)", "the Minister of Finance")
    elif code == Code.TRANSFER_RYUYO:
        required = ["mof"]
        require_approvals(op.approvals, "流用 (transfer between sub-items)", "the Minister of Finance")
    if not retry:
        budget_rules.require(op.amount_yen <= source_acc.balance, budget_rules.EXCEEDS_AVAILABLE,
                  f"{op.source!r} holds {source_acc.balance:,} yen; {op.amount_yen:,} asked")  # fmt: skip
    basis = {Code.TRANSFER_IYO: "財政法 第33条 第1項", Code.TRANSFER_RYUYO: "財政法 第33条 第2項"}.get(code, "示達")
    body = {"fiscal_year": fy, "class": code, "source": op.source, "target": op.target, "amount_yen": op.amount_yen,
            "basis": basis, **approvals_body(required, op.approvals, ctx.approval)}  # fmt: skip
    out: list[Command] = []
    move(view, out, op.id, source_acc, target_acc, op.amount_yen, code, {"operation": op.id})
    out.append(record(f"{op.id}.rec", "budget.transferred", body, ctx.actor, concerns=(source_acc, target_acc)))
    return chain(out)


def plan_release_reserve(ctx: Ctx, op: ReleaseReserve) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    retry = view.transfer_exists(op.id)
    if not retry:
        year_open(view, fy)
    reserve = view.get(budget_model.reserve_account(fy))
    budget_rules.require(reserve is not None, budget_rules.RESERVE_NOT_ENACTED, f"FY{fy} has no reserve fund")
    assert reserve is not None
    _, target_acc = node(view, fy, op.target)
    require_approvals(op.approvals, "予備費使用 (reserve-fund release)", "a Cabinet decision")
    if not retry:
        budget_rules.require(op.amount_yen <= reserve.balance, budget_rules.EXCEEDS_AVAILABLE,
                  f"the reserve holds {reserve.balance:,} yen; {op.amount_yen:,} asked")  # fmt: skip
    body = {"fiscal_year": fy, "target": op.target, "amount_yen": op.amount_yen, "basis": "財政法 第24条, 第35条",
            **approvals_body(["cabinet"], op.approvals, ctx.approval)}  # fmt: skip
    out: list[Command] = []
    move(view, out, op.id, reserve, target_acc, op.amount_yen, Code.RESERVE_RELEASE, {"operation": op.id})
    out.append(record(f"{op.id}.rec", "budget.reserve_released", body, ctx.actor, concerns=(target_acc,)))
    return chain(out)


_PLANNERS = {
    Enact: plan_enact, Issue: plan_issue, DefineNode: plan_define_node, Allot: plan_allot, Transfer: plan_transfer,
    ReleaseReserve: plan_release_reserve, RegisterVendor: plan_register_vendor,
    RegisterContract: plan_register_contract, Obligate: plan_obligate, Disburse: plan_disburse,
    CarryOver: plan_carry_over, CloseYear: plan_close_year,
}  # fmt: skip
