"""The end of a fiscal year: carry-over (繰越) into the next year, and the close that lapses
(不用) whatever is neither spent nor carried over.

Budget is annual (会計年度独立の原則, 財政法 第12条, 第42条): money of year N may move to N+1
only as 明許繰越 (the item is designated by the Diet as 繰越明許費, 第14条の3) or 事故繰越
(obligated within the year, paid late for an unavoidable reason, 第42条 ただし書), each with
the Minister of Finance's approval (第43条). Carried money keeps its place in the tree: it
lands on the same path in N+1 (opened if the new tree lacks it); 事故繰越 money stays
obligated, in the contract's escrow of N+1 kept apart as `...:carried`.
"""

from __future__ import annotations

from ramp.budget import model as budget_model
from ramp.budget import rules as budget_rules
from ramp.budget.planning import (
    Ctx,
    approvals_body,
    chain,
    contract,
    ensure_node_in_year,
    move,
    node,
    open_account,
    record,
    require_approvals,
    secrecy,
    year_open,
)
from ramp.budget.requests import CarryOver, CloseYear
from ramp.budget.view import Acc
from ramp.ledger import BATCH_MAX_EVENTS, Command, CreateAccount

Code = budget_model.Code
CLOSE_MAX_LAPSES = BATCH_MAX_EVENTS - 2  # one batch: the record, the marker account, the lapses


def plan_carry_over(ctx: Ctx, op: CarryOver) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    retry = view.transfer_exists(op.id)
    if not retry:
        year_open(view, fy)
        budget_rules.require(view.exists(budget_model.authority_issued_account(fy + 1)), budget_rules.FISCAL_YEAR_UNKNOWN,
                  f"carried money goes into FY{fy + 1}'s budget: enact it first")  # fmt: skip
    out: list[Command] = []
    if op.kind == "meikyo":
        n, source = node(view, fy, op.node)
        item, _ = node(view, fy, n.item)
        budget_rules.require(item.carryover_designated, budget_rules.CARRYOVER_NOT_DESIGNATED,
                  f"item {n.item!r} is not 繰越明許費 in the FY{fy} budget")  # fmt: skip
        require_approvals(op.approvals, "明許繰越 (designated carry-over)", "the Minister of Finance")
        if not retry:
            budget_rules.require(op.amount_yen <= source.balance, budget_rules.EXCEEDS_AVAILABLE,
                      f"{op.node!r} holds {source.balance:,} unobligated yen; {op.amount_yen:,} asked")  # fmt: skip
        target = ensure_node_in_year(view, out, n, fy + 1)
        path, basis = op.node, "財政法 第14条の3, 第43条"
    else:
        budget_rules.require(bool(op.contract), budget_rules.ACCIDENT_CARRYOVER_REQUIRES_OBLIGATION,
                  "事故繰越 carries obligated money only: name the contract whose payment is delayed")  # fmt: skip
        c = contract(view, op.contract)
        source_or_none = view.get(budget_model.escrow_account(op.contract, fy))
        held = 0 if source_or_none is None else source_or_none.balance
        if not retry:
            budget_rules.require(op.amount_yen <= held, budget_rules.ACCIDENT_CARRYOVER_REQUIRES_OBLIGATION,
                      f"{op.contract!r} has {held:,} yen obligated and unpaid in FY{fy}: "
                      f"{op.amount_yen:,} asked; unobligated money cannot be 事故繰越")  # fmt: skip
        require_approvals(op.approvals, "事故繰越 (accident carry-over)", "the Minister of Finance")
        assert source_or_none is not None
        source = source_or_none
        project, _ = node(view, fy, c.project)
        ensure_node_in_year(view, out, project, fy + 1)  # where the carried obligation is reported
        target_id = budget_model.escrow_account(op.contract, fy + 1, carried=True)
        target_or_none = view.get(target_id)
        if target_or_none is None:
            meta = {"kind": "escrow", "contract": op.contract, "project": c.project, "vendor": c.vendor,
                    "fiscal_year": str(fy + 1), "carried": "true", **secrecy(source)}  # fmt: skip
            target_or_none = open_account(view, out, target_id, meta)
        target, path, basis = target_or_none, c.project, "財政法 第42条 ただし書, 第43条"
    body = {"fiscal_year": fy, "kind": op.kind, "node": path, "contract": op.contract, "amount_yen": op.amount_yen,
            "to_fiscal_year": fy + 1, "basis": basis, **approvals_body(["mof"], op.approvals, ctx.approval)}  # fmt: skip
    transfer: list[Command] = []
    move(view, transfer, op.id, source, target, op.amount_yen, Code.CARRY_OVER, {"operation": op.id, "kind": op.kind})
    return chain([*out, *transfer, record(f"{op.id}.rec", "budget.carried_over", body, ctx.actor,
                                          concerns=(source, target))])  # fmt: skip


def plan_close_year(ctx: Ctx, op: CloseYear) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    marker_meta = {"kind": "lapsed", "fiscal_year": str(fy), "closed_by": op.id}
    marker = CreateAccount(id=budget_model.lapsed_account(fy), asset=budget_model.ASSET, flags=budget_model.NO_OVERDRAFT, metadata=marker_meta)
    if view.exists(marker.id):  # closed: a retry is answered by the engine; another id differs
        return [marker]
    year_open(view, fy)
    budget_rules.require(ctx.at_ns >= budget_model.fy_end_ns(fy), budget_rules.FISCAL_YEAR_NOT_ENDED, f"FY{fy} runs until 31 March {fy + 1}")
    lapsing = _lapsing_accounts(ctx, fy)
    budget_rules.require(len(lapsing) <= CLOSE_MAX_LAPSES, budget_rules.CLOSE_TOO_LARGE,
              f"{len(lapsing)} accounts hold money; one close lapses at most {CLOSE_MAX_LAPSES}")  # fmt: skip
    out: list[Command] = [marker]
    lapsed = view.open(marker.id, budget_model.ASSET, marker_meta)
    total = 0
    for k, acc in enumerate(lapsing):
        total += acc.balance
        move(view, out, f"{op.id}.{k}", acc, lapsed, acc.balance, Code.LAPSE, {"operation": op.id})
    body = {"fiscal_year": fy, "lapses": len(lapsing), "lapsed_yen": str(total), "basis": "財政法 第42条 (不用)"}
    out.append(record(f"{op.id}.rec", "budget.year_closed", body, ctx.actor))
    return chain(out)


def _lapsing_accounts(ctx: Ctx, fy: int) -> list[Acc]:
    """Every account of the year holding money: nodes, the reserve, the year's escrows."""
    view = ctx.view
    node_prefix, authority_prefix = f"fy{fy}:", f"fy{fy}:authority:"
    suffixes = (f":fy{fy}", f":fy{fy}:carried")
    ids = {
        account_id for account_id, (_, debits, _, credits) in view.engine.balances().items()
        if credits > debits and (
            (account_id.startswith(node_prefix) and not account_id.startswith(authority_prefix))
            or (account_id.startswith("contract:") and account_id.endswith(suffixes)))
    }  # fmt: skip
    for account_id, acc in view.cached().items():  # this batch's own effects on top
        if acc is not None and (account_id.startswith(node_prefix) or account_id.startswith("contract:")):
            ids.add(account_id)
    out = []
    for account_id in sorted(ids):
        acc = view.get(account_id)
        if acc is not None and acc.balance > 0 and acc.asset == budget_model.ASSET and _of_year(account_id, fy):
            out.append(acc)
    return out


def _of_year(account_id: str, fy: int) -> bool:
    if account_id.startswith("contract:"):
        return account_id.endswith((f":fy{fy}", f":fy{fy}:carried"))
    return account_id.startswith(f"fy{fy}:") and not account_id.startswith(f"fy{fy}:authority:")
