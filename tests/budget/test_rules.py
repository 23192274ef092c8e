"""Every legal rule of budget execution: the forbidden case fails with its precise code and
writes nothing (the log's size is unchanged), and the allowed case next to it succeeds."""

from __future__ import annotations

import pytest

from ramp.budget import model as budget_model
from ramp.budget import rules as budget_rules
from ramp.budget.requests import (
    Allot,
    CarryOver,
    CloseYear,
    DefineNode,
    Disburse,
    Enact,
    Instalment,
    Issue,
    ItemEnactment,
    Obligate,
    RegisterContract,
    ReleaseReserve,
    Transfer,
)
from ramp.budget.service import BudgetService
from ramp.journal import Journal
from tests.budget.helpers import AT, BN, FY, PROJECTS, build, contract, enact


@pytest.fixture
def journal(store):
    j = Journal(store, check_invariants=True)
    yield j
    j.close()


@pytest.fixture
def svc(journal) -> BudgetService:
    return build(journal)


def refused(svc: BudgetService, op, code: str, at: int = AT) -> None:
    """`op` is refused with `code`, and nothing reaches the log or the store."""
    j = svc.journal
    size, stored = j.size, j.store.log_size()
    with pytest.raises(budget_rules.Refused) as info:
        svc.execute(op, at_ns=at)
    assert info.value.code == code, info.value
    j.flush()
    assert (j.size, j.store.log_size()) == (size, stored)
    j.engine.check_invariants()


def balance(svc: BudgetService, account: str) -> int:
    a = svc.journal.read.account(account)
    return 0 if a is None else a.balance


# --- the five acceptance refusals, each on both stores ------------------------------------
def test_issuance_beyond_the_appropriation_is_refused(journal):
    svc = build(journal, issue=False)
    svc.execute(Issue(id="i1", fiscal_year=FY, item="maintenance", amount_yen=30 * BN), at_ns=AT)
    refused(svc, Issue(id="i2", fiscal_year=FY, item="maintenance", amount_yen=20 * BN + 1), budget_rules.EXCEEDS_APPROPRIATION)
    refused(svc, Issue(id="i3", fiscal_year=FY, item="nosuch", amount_yen=1), budget_rules.APPROPRIATION_NOT_ENACTED)
    refused(svc, Issue(id="i4", fiscal_year=2031, item="maintenance", amount_yen=1), budget_rules.FISCAL_YEAR_UNKNOWN)
    svc.execute(Issue(id="i5", fiscal_year=FY, item="maintenance", amount_yen=20 * BN), at_ns=AT)  # exactly the rest
    assert balance(svc, "fy2025:maintenance") == 50 * BN
    assert balance(svc, "treasury:issuer") == -50 * BN


def test_iyo_without_the_budgets_authorisation_is_refused(svc):
    source, target = PROJECTS["equipment"], PROJECTS["personnel"]  # equipment pairs with maintenance only
    refused(svc, Transfer(id="t1", fiscal_year=FY, source=source, target=target, amount_yen=BN,
                          approvals=("mof:2025-iyo-1",)), budget_rules.IYO_NOT_AUTHORISED)  # fmt: skip
    # Authorised by the budget, but no MOF approval: still refused.
    refused(svc, Transfer(id="t2", fiscal_year=FY, source=source, target=PROJECTS["maintenance"], amount_yen=BN),
            budget_rules.APPROVAL_REQUIRED)  # fmt: skip
    svc.execute(Transfer(id="t3", fiscal_year=FY, source=source, target=PROJECTS["maintenance"], amount_yen=BN,
                         approvals=("mof:2025-iyo-1",)), at_ns=AT)  # fmt: skip
    t = svc.journal.engine.transfer("t3")
    assert t is not None and t.code == "TRANSFER_IYO"
    assert balance(svc, f"fy2025:{PROJECTS['maintenance']}") == 51 * BN


def test_accident_carryover_of_unobligated_money_is_refused(svc):
    svc.execute(enact(FY + 1), at_ns=AT)
    contract(svc)
    svc.execute(Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=4 * BN), at_ns=AT)
    # Naming a node (unobligated money) instead of a contract:
    refused(svc, CarryOver(id="k1", fiscal_year=FY, kind="jiko", node=PROJECTS["equipment"], amount_yen=BN,
                           approvals=("mof:2025-kuri-1",)), budget_rules.ACCIDENT_CARRYOVER_REQUIRES_OBLIGATION)  # fmt: skip
    # More than the contract has obligated and unpaid:
    refused(svc, CarryOver(id="k2", fiscal_year=FY, kind="jiko", contract="c1", amount_yen=4 * BN + 1,
                           approvals=("mof:2025-kuri-1",)), budget_rules.ACCIDENT_CARRYOVER_REQUIRES_OBLIGATION)  # fmt: skip
    refused(svc, CarryOver(id="k3", fiscal_year=FY, kind="jiko", contract="c1", amount_yen=BN), budget_rules.APPROVAL_REQUIRED)
    svc.execute(CarryOver(id="k4", fiscal_year=FY, kind="jiko", contract="c1", amount_yen=4 * BN,
                          approvals=("mof:2025-kuri-1",)), at_ns=AT)  # fmt: skip
    assert balance(svc, "contract:c1:fy2026:carried") == 4 * BN
    assert balance(svc, "contract:c1:fy2025") == 0
    # The carried obligation is paid in FY2026 from the carried escrow.
    svc.execute(Disburse(id="p1", contract="c1", fiscal_year=2026, carried=True, amount_yen=4 * BN), at_ns=AT)
    assert balance(svc, "vendor:kanto-aero") == 4 * BN


def test_obligation_beyond_the_available_budget_is_refused(svc):
    project = PROJECTS["personnel"]  # 30 bn allotted
    contract(svc, "c2", project=project, schedule={FY: 40 * BN})
    svc.execute(Obligate(id="o1", contract="c2", fiscal_year=FY, amount_yen=25 * BN), at_ns=AT)
    refused(svc, Obligate(id="o2", contract="c2", fiscal_year=FY, amount_yen=5 * BN + 1), budget_rules.EXCEEDS_AVAILABLE)
    svc.execute(Obligate(id="o3", contract="c2", fiscal_year=FY, amount_yen=5 * BN), at_ns=AT)  # to the yen
    assert balance(svc, f"fy2025:{project}") == 0


def test_disbursement_beyond_the_obligation_is_refused(svc):
    contract(svc)
    svc.execute(Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=3 * BN), at_ns=AT)
    svc.execute(Disburse(id="p1", contract="c1", fiscal_year=FY, amount_yen=2 * BN, invoice="inv-1"), at_ns=AT)
    refused(svc, Disburse(id="p2", contract="c1", fiscal_year=FY, amount_yen=BN + 1, invoice="inv-2"),
            budget_rules.EXCEEDS_OBLIGATION)  # fmt: skip
    refused(svc, Disburse(id="p3", contract="c1", fiscal_year=2026, amount_yen=1), budget_rules.FISCAL_YEAR_UNKNOWN)
    svc.execute(Disburse(id="p4", contract="c1", fiscal_year=FY, amount_yen=BN, invoice="inv-2"), at_ns=AT)
    assert balance(svc, "vendor:kanto-aero") == 3 * BN
    assert balance(svc, "contract:c1:fy2025") == 0


# --- the other rules ----------------------------------------------------------------------
def test_ryuyo_between_sub_items_needs_mof_approval_and_reallotment_inside_one_does_not(svc):
    a, b = PROJECTS["equipment"], PROJECTS["equipment2"]  # missiles vs aircraft: two 目 of one 項
    refused(svc, Transfer(id="t1", fiscal_year=FY, source=a, target=b, amount_yen=BN), budget_rules.APPROVAL_REQUIRED)
    svc.execute(Transfer(id="t2", fiscal_year=FY, source=a, target=b, amount_yen=BN, approvals=("mof:r1",)),
                at_ns=AT)  # fmt: skip
    assert svc.journal.engine.transfer("t2").code == "TRANSFER_RYUYO"
    # Returning money to the item's own holding is half a 流用: approval too.
    refused(svc, Transfer(id="t3", fiscal_year=FY, source=a, target="equipment", amount_yen=BN), budget_rules.APPROVAL_REQUIRED)
    # Inside one sub-item: a re-allotment, no approval.
    svc.execute(DefineNode(fiscal_year=FY, path="equipment:missiles:atla:stand-off:hvgp"), at_ns=AT)
    svc.execute(Transfer(id="t4", fiscal_year=FY, source=a, target="equipment:missiles:atla:stand-off:hvgp",
                         amount_yen=BN), at_ns=AT)  # fmt: skip
    assert svc.journal.engine.transfer("t4").code == "REALLOT"
    refused(svc, Transfer(id="t5", fiscal_year=FY, source=a, target=b, amount_yen=100 * BN, approvals=("mof:r2",)),
            budget_rules.EXCEEDS_AVAILABLE)  # fmt: skip
    refused(svc, Transfer(id="t6", fiscal_year=FY, source=a, target=a, amount_yen=1), budget_rules.SAME_NODE)


def test_meikyo_carryover_only_from_designated_items_with_approval(svc):
    refused(svc, CarryOver(id="k0", fiscal_year=FY, kind="meikyo", node=PROJECTS["equipment"], amount_yen=BN,
                           approvals=("mof:k",)), budget_rules.FISCAL_YEAR_UNKNOWN)  # FY2026 not enacted yet
    svc.execute(enact(FY + 1), at_ns=AT)
    refused(svc, CarryOver(id="k1", fiscal_year=FY, kind="meikyo", node=PROJECTS["personnel"], amount_yen=BN,
                           approvals=("mof:k",)), budget_rules.CARRYOVER_NOT_DESIGNATED)  # fmt: skip
    refused(svc, CarryOver(id="k2", fiscal_year=FY, kind="meikyo", node=PROJECTS["equipment"], amount_yen=BN),
            budget_rules.APPROVAL_REQUIRED)  # fmt: skip
    refused(svc, CarryOver(id="k3", fiscal_year=FY, kind="meikyo", node=PROJECTS["equipment"], amount_yen=61 * BN,
                           approvals=("mof:k",)), budget_rules.EXCEEDS_AVAILABLE)  # fmt: skip
    svc.execute(CarryOver(id="k4", fiscal_year=FY, kind="meikyo", node=PROJECTS["equipment"], amount_yen=6 * BN,
                          approvals=("mof:k",)), at_ns=AT)  # fmt: skip
    # FY2026's tree lacks the project: the carried money lands on the same path, opened with its ancestors.
    assert balance(svc, f"fy2026:{PROJECTS['equipment']}") == 6 * BN
    assert svc.journal.read.account("fy2026:equipment").metadata["kind"] == "item"


def test_allotment_goes_to_a_direct_child_only(svc):
    refused(svc, Allot(id="a1", fiscal_year=FY, source="equipment", target=PROJECTS["equipment"], amount_yen=1),
            budget_rules.ALLOTMENT_NOT_DOWNWARD)  # fmt: skip
    refused(svc, Allot(id="a2", fiscal_year=FY, source="equipment", target="equipment:nosuch", amount_yen=1),
            budget_rules.NODE_NOT_FOUND)  # fmt: skip
    refused(svc, Allot(id="a3", fiscal_year=FY, source="equipment", target="equipment:missiles", amount_yen=1),
            budget_rules.EXCEEDS_AVAILABLE)  # the item allotted everything already


def test_structure_rules(svc):
    refused(svc, DefineNode(fiscal_year=FY, path="equipment:nosuch:atla"), budget_rules.PARENT_NOT_FOUND)
    refused(svc, DefineNode(fiscal_year=FY, path="equipment"), budget_rules.PATH_INVALID)  # items come from the act
    refused(svc, DefineNode(fiscal_year=2030, path="equipment:x"), budget_rules.FISCAL_YEAR_UNKNOWN)
    refused(svc, DefineNode(fiscal_year=FY, path="equipment:x", tolerance_bp=(9000, 7000, 10000)), budget_rules.AMOUNT_INVALID)
    again = Enact(id="act-again", fiscal_year=FY, act="x", items=(ItemEnactment(key="equipment", amount_yen=1),))
    refused(svc, again, budget_rules.ITEM_EXISTS)


def test_multi_year_contract_terms(svc):
    contract(svc, "five", schedule={FY + k: BN for k in range(5)})
    with pytest.raises(budget_rules.Refused) as info:
        contract(svc, "six", schedule={FY + k: BN for k in range(6)})
    assert info.value.code == budget_rules.CONTRACT_TERM_TOO_LONG
    contract(svc, "ten", schedule={FY + k: BN for k in range(10)}, designated=True)  # 特定防衛調達
    refused(svc, RegisterContract(contract="eleven", vendor="kanto-aero", fiscal_year=FY, project=PROJECTS["equipment"],
                                  designated=True, schedule=tuple(_inst(FY + k, BN) for k in range(0, 11, 10))),
            budget_rules.CONTRACT_TERM_TOO_LONG)  # fmt: skip
    refused(svc, RegisterContract(contract="nov", vendor="nosuch", fiscal_year=FY, project=PROJECTS["equipment"],
                                  schedule=(_inst(FY, BN),)), budget_rules.VENDOR_NOT_FOUND)  # fmt: skip
    refused(svc, RegisterContract(contract="early", vendor="kanto-aero", fiscal_year=FY, project=PROJECTS["equipment"],
                                  schedule=(_inst(FY - 1, BN),)), budget_rules.SCHEDULE_INVALID)  # fmt: skip
    refused(svc, RegisterContract(contract="notproj", vendor="kanto-aero", fiscal_year=FY, project="equipment:missiles",
                                  schedule=(_inst(FY, BN),)), budget_rules.OBLIGATION_REQUIRES_PROJECT)  # fmt: skip
    # Only this year's instalment can be obligated now, and no more than it.
    refused(svc, Obligate(id="o1", contract="five", fiscal_year=FY, amount_yen=BN + 1), budget_rules.EXCEEDS_INSTALMENT)
    refused(svc, Obligate(id="o2", contract="five", fiscal_year=FY + 1, amount_yen=BN), budget_rules.FISCAL_YEAR_UNKNOWN)
    refused(svc, Obligate(id="o3", contract="nosuch", fiscal_year=FY, amount_yen=BN), budget_rules.CONTRACT_NOT_FOUND)
    refused(svc, Obligate(id="o4", contract="five", fiscal_year=FY, amount_yen=BN), budget_rules.OUTSIDE_FISCAL_YEAR,
            at=budget_model.fy_end_ns(FY))  # fmt: skip
    svc.execute(Obligate(id="o5", contract="five", fiscal_year=FY, amount_yen=BN), at_ns=AT)


def _inst(year: int, amount: int) -> Instalment:
    return Instalment(year, amount)


def test_instalment_not_scheduled(svc):
    contract(svc, "later", schedule={FY + 1: BN, FY + 2: BN})
    refused(svc, Obligate(id="o1", contract="later", fiscal_year=FY, amount_yen=1), budget_rules.INSTALMENT_NOT_SCHEDULED)


def test_reserve_fund_release_needs_a_cabinet_decision(svc):
    target = PROJECTS["maintenance"]
    refused(svc, ReleaseReserve(id="r1", fiscal_year=FY, target=target, amount_yen=BN), budget_rules.APPROVAL_REQUIRED)
    refused(svc, ReleaseReserve(id="r2", fiscal_year=FY, target=target, amount_yen=5 * BN + 1,
                                approvals=("cabinet:2025-07-01",)), budget_rules.EXCEEDS_AVAILABLE)  # fmt: skip
    svc.execute(ReleaseReserve(id="r3", fiscal_year=FY, target=target, amount_yen=2 * BN,
                               approvals=("cabinet:2025-07-01",)), at_ns=AT)  # fmt: skip
    assert balance(svc, f"fy2025:{target}") == 52 * BN
    assert balance(svc, "fy2025:reserve") == 3 * BN


def test_supplementary_budget_adds_authority_then_money(svc):
    refused(svc, Issue(id="s0", fiscal_year=FY, item="maintenance", amount_yen=1), budget_rules.EXCEEDS_APPROPRIATION)
    supp = Enact(id="supp-2025", fiscal_year=FY, act="supplementary-act-fy2025", kind="supplementary",
                 items=(ItemEnactment(key="maintenance", amount_yen=7 * BN),
                        ItemEnactment(key="disaster", amount_yen=2 * BN, name_ja="災害対策費")))  # fmt: skip
    svc.execute(supp, at_ns=AT)
    svc.execute(Issue(id="s1", fiscal_year=FY, item="maintenance", amount_yen=7 * BN), at_ns=AT)
    svc.execute(Issue(id="s2", fiscal_year=FY, item="disaster", amount_yen=2 * BN), at_ns=AT)
    assert balance(svc, "fy2025:maintenance") == 7 * BN
    refused(svc, Enact(id="supp-2031", fiscal_year=2031, act="x", kind="supplementary",
                       items=(ItemEnactment(key="a", amount_yen=1),)), budget_rules.FISCAL_YEAR_UNKNOWN)  # fmt: skip


def test_year_close_lapses_everything_not_carried_and_then_refuses(svc):
    contract(svc)
    svc.execute(Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=3 * BN), at_ns=AT)
    svc.execute(Disburse(id="p1", contract="c1", fiscal_year=FY, amount_yen=BN), at_ns=AT)
    refused(svc, CloseYear(id="close-2025", fiscal_year=FY), budget_rules.FISCAL_YEAR_NOT_ENDED, at=budget_model.fy_end_ns(FY) - 1)
    svc.execute(CloseYear(id="close-2025", fiscal_year=FY), at_ns=budget_model.fy_end_ns(FY))
    issued = 180 * BN + 5 * BN
    # Everything issued is either paid to the vendor or lapsed: 1 bn paid.
    assert balance(svc, "treasury:lapsed:fy2025") == issued - BN
    assert balance(svc, "vendor:kanto-aero") == BN
    refused(svc, Disburse(id="p2", contract="c1", fiscal_year=FY, amount_yen=1), budget_rules.FISCAL_YEAR_CLOSED)
    refused(svc, Issue(id="i9", fiscal_year=FY, item="equipment", amount_yen=1), budget_rules.FISCAL_YEAR_CLOSED)
    # A retry of the close is idempotent; another close of the same year differs.
    svc.execute(CloseYear(id="close-2025", fiscal_year=FY), at_ns=budget_model.fy_end_ns(FY))
    refused(svc, CloseYear(id="close-again", fiscal_year=FY), "exists_with_different_metadata")


def test_retry_of_an_applied_operation_is_idempotent_and_a_reused_id_is_refused(svc):
    contract(svc)
    op = Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=10 * BN)
    first = svc.execute(op, at_ns=AT)
    again = svc.execute(op, at_ns=AT)  # the instalment is fully obligated now: yet a retry is `exists`
    assert [r.result for r in again] == ["exists"] and again[-1].seq == first[-1].seq
    refused(svc, Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=BN), "exists_with_different_amount")


def test_the_ledger_is_the_last_line_of_defence(journal):
    """A raw transfer that skips the planners still cannot overdraw a budget account."""
    from ramp.ledger import CreateTransfer

    build(journal)
    [r] = journal.submit([CreateTransfer(id="raw", debit_account=f"fy2025:{PROJECTS['personnel']}",
                                         credit_account="treasury:issuer", amount=30 * BN + 1, asset="JPYD",
                                         code="OBLIGATE")])  # fmt: skip
    assert r.result == "exceeds_credits"
