"""Spending: vendors, contracts with their multi-year schedule, obligation (支出負担行為) of a
year's instalment into the contract's escrow, and disbursement (支出) to the vendor's wallet.

Obligation is where budget is consumed, so it passes availability control; disbursement
only moves money already obligated and is checked against the escrow, nothing else.
"""

from __future__ import annotations

from ramp.budget import availability
from ramp.budget import model as budget_model
from ramp.budget import rules as budget_rules
from ramp.budget.multiyear import Contract, check_schedule
from ramp.budget.planning import (
    Ctx,
    chain,
    contract,
    node,
    open_account,
    record,
    secrecy,
    year_open,
)
from ramp.budget.requests import Disburse, Obligate, RegisterContract, RegisterVendor
from ramp.budget.view import View
from ramp.ledger import Command, CreateAccount, CreateTransfer
from ramp.refusal import Kind, Refused

Code = budget_model.Code
# Reference keys that would claim an approval: refused on a direct obligation (approval_reference_invalid).
APPROVAL_CLAIMS = frozenset({"approval", "approvals", "approved_by"})


def plan_register_vendor(ctx: Ctx, op: RegisterVendor) -> list[Command]:
    meta = {"kind": "vendor", **({"name": op.name} if op.name else {})}
    account_id = budget_model.vendor_account(op.vendor)
    if not ctx.view.exists(account_id):
        ctx.view.open(account_id, budget_model.ASSET, meta)
    # An existing vendor is answered by the engine: `exists`, or `exists_with_different_metadata`.
    return [CreateAccount(id=account_id, asset=budget_model.ASSET, flags=budget_model.NO_OVERDRAFT, metadata=meta)]


def plan_register_contract(ctx: Ctx, op: RegisterContract) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    schedule = {i.fiscal_year: i.amount_yen for i in op.schedule}
    c = Contract(op.contract, op.vendor, op.project, fy, op.designated, schedule, op.name)
    # A contract of a secret project is secret: its anchor, its escrows and every record about it.
    project_acc = view.get(budget_model.node_account(fy, op.project)) if budget_model.split_path(op.project) else None
    anchor = CreateAccount(id=budget_model.contract_account(op.contract), asset=budget_model.ASSET, flags=budget_model.NO_OVERDRAFT,
                           metadata={**c.metadata(), **secrecy(project_acc)})  # fmt: skip
    body = {
        "contract": op.contract, "vendor": op.vendor, "project": op.project, "fiscal_year": fy,
        "designated": op.designated, "total_yen": c.total_yen,
        "schedule": [{"fiscal_year": y, "amount_yen": a} for y, a in sorted(schedule.items())],
        "milestones": [{"id": m.id, "amount_yen": m.amount_yen, "due": m.due} for m in op.milestones],
        "basis": "財政法 第15条 (国庫債務負担行為)" if len(schedule) > 1 or min(schedule) > fy else "会計法 第29条",
    }  # fmt: skip
    out: list[Command] = [anchor, record(f"contract.{op.contract}", "budget.contract_registered", body, ctx.actor,
                                         concerns=(project_acc,))]  # fmt: skip
    if view.exists(anchor.id):
        return chain(out)  # a retry: the engine compares both with what was registered
    year_open(view, fy)
    project, _ = node(view, fy, op.project)
    budget_rules.require(project.kind == "project", budget_rules.OBLIGATION_REQUIRES_PROJECT, f"{op.project!r} is not a project")
    budget_rules.require(view.exists(budget_model.vendor_account(op.vendor)), budget_rules.VENDOR_NOT_FOUND, f"no vendor {op.vendor!r}")
    check_schedule(fy, schedule, op.designated, len(op.schedule))
    if op.milestones:
        budget_rules.require(sum(m.amount_yen for m in op.milestones) == c.total_yen, budget_rules.SCHEDULE_INVALID,
                  "milestones must add up to the contract's total")  # fmt: skip
    budget_rules.require(c.total_yen <= budget_model.AMOUNT_MAX_YEN, budget_rules.AMOUNT_INVALID, "contract total too large")
    view.open(anchor.id, budget_model.ASSET, anchor.metadata)
    return chain(out)


def _not_milestone_contract(view: View, contract_id: str) -> None:
    """A milestone contract's money moves only by its own rules (ramp.contracts): its escrow is
    paid by the attestations that accept its milestones, never by a direct disbursement."""
    budget_rules.require(view.engine.record(f"contract.{contract_id}.1") is None, budget_rules.MILESTONE_CONTRACT,
              f"{contract_id!r} is a milestone contract: use /v1/contracts/{contract_id} (attestations release "
              "its payments; later instalments are obligated there)")  # fmt: skip


def approval_references(approval: str) -> dict[str, str]:
    """An obligation's approval, as its transfer names it: only the executed request that carries
    it (set by ramp.approvals, which verified its quorum), never a name a caller writes."""
    return {"approval": approval} if approval else {}


def plan_obligate(ctx: Ctx, op: Obligate) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    claimed = sorted(APPROVAL_CLAIMS & op.references.keys())
    if claimed:
        raise Refused(Kind.INVALID, budget_rules.APPROVAL_REFERENCE_INVALID,
                      f"references {claimed} name an approval in free text: an obligation above the threshold is "
                      "approved by a request (POST /v1/approvals), whose execution the obligation then names")  # fmt: skip
    c = contract(view, op.contract)
    _not_milestone_contract(view, op.contract)
    references = {"contract": op.contract, **op.references, **approval_references(ctx.approval)}
    obligate = _obligation(op.id, c, fy, op.amount_yen, references)
    if view.transfer_exists(op.id):
        return [obligate]
    instalment = c.schedule.get(fy)
    escrow = view.get(budget_model.escrow_account(op.contract, fy))
    obligated = 0 if escrow is None else escrow.credits
    return obligate_into_escrow(ctx, c, fy, op.amount_yen, op.id, obligate.references, instalment, obligated)


def _obligation(op_id: str, c: Contract, fy: int, amount: int, references: dict[str, str]) -> CreateTransfer:
    return CreateTransfer(id=op_id, debit_account=budget_model.node_account(fy, c.project),
                          credit_account=budget_model.escrow_account(c.id, fy), amount=amount, asset=budget_model.ASSET,
                          code=Code.OBLIGATE, references=references)  # fmt: skip


def obligate_into_escrow(ctx: Ctx, c: Contract, fy: int, amount: int, op_id: str, references: dict[str, str],
                         instalment: int | None, obligated: int) -> list[Command]:  # fmt: skip
    """支出負担行為 of `amount` of FY`fy` money from the contract's project into its escrow of
    that year, within the year's `instalment` of which `obligated` already is (the schedule is
    the anchor's for budget contracts, the amended terms' for milestone contracts)."""
    view = ctx.view
    year_open(view, fy)
    budget_rules.require(budget_model.fy_start_ns(fy) <= ctx.at_ns < budget_model.fy_end_ns(fy), budget_rules.OUTSIDE_FISCAL_YEAR,
              f"an obligation of FY{fy} money must be made within FY{fy} ({budget_model.date_of(ctx.at_ns)} is not)")  # fmt: skip
    project, project_acc = node(view, fy, c.project)
    budget_rules.require(project.kind == "project", budget_rules.OBLIGATION_REQUIRES_PROJECT, f"{c.project!r} is not a project")
    budget_rules.require(instalment is not None, budget_rules.INSTALMENT_NOT_SCHEDULED, f"{c.id!r} pays nothing in FY{fy}")
    assert instalment is not None
    budget_rules.require(obligated + amount <= instalment, budget_rules.EXCEEDS_INSTALMENT,
              f"FY{fy} instalment {instalment:,} yen, {obligated:,} already obligated")  # fmt: skip
    out: list[Command] = []
    escrow_id = budget_model.escrow_account(c.id, fy)
    escrow = view.get(escrow_id)
    crossed = availability.check(project_acc, amount, project.tolerance)
    if escrow is None:
        meta = {"kind": "escrow", "contract": c.id, "project": c.project, "vendor": c.vendor,
                "fiscal_year": str(fy), **secrecy(project_acc)}  # fmt: skip
        escrow = open_account(view, out, escrow_id, meta)
    if crossed:
        out.append(availability.crossing_record(op_id, "obligate", fy, c.project, project_acc, amount, crossed))
    view.move(project_acc, escrow, amount)
    out.append(_obligation(op_id, c, fy, amount, references))
    return chain(out)


def plan_disburse(ctx: Ctx, op: Disburse) -> list[Command]:
    view, fy = ctx.view, op.fiscal_year
    c = contract(view, op.contract)
    _not_milestone_contract(view, op.contract)
    escrow_id = budget_model.escrow_account(op.contract, fy, op.carried)
    references = {"contract": op.contract, **op.references}
    if op.milestone:
        references["milestone"] = op.milestone
    if op.invoice:
        references["invoice"] = op.invoice
    pay = CreateTransfer(id=op.id, debit_account=escrow_id, credit_account=budget_model.vendor_account(c.vendor),
                         amount=op.amount_yen, asset=budget_model.ASSET, code=Code.DISBURSE, references=references)  # fmt: skip
    if view.transfer_exists(op.id):
        return [pay]
    year_open(view, fy)
    escrow = view.get(escrow_id)
    held = 0 if escrow is None else escrow.balance
    budget_rules.require(op.amount_yen <= held, budget_rules.EXCEEDS_OBLIGATION,
              f"{op.contract!r} has {held:,} yen obligated and unpaid in FY{fy}; {op.amount_yen:,} asked")  # fmt: skip
    vendor = view.get(pay.credit_account)
    budget_rules.require(vendor is not None, budget_rules.VENDOR_NOT_FOUND, f"no vendor {c.vendor!r}")  # only if forged: registered first
    assert escrow is not None and vendor is not None
    view.move(escrow, vendor, op.amount_yen)
    return [pay]
