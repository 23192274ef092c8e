"""The contracts desk over a real journal (SQLite and PostgreSQL): signing obligates, the
attestation that meets a rule releases in the same batch, retention, penalties, holds that
software can only propose, change orders, later instalments, carry-over and expiry."""

from __future__ import annotations

import base64

import pytest

from ramp.approvals.actions import ContractAction
from ramp.auth import passkeys
from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.requests import CarryOver
from ramp.budget.service import BudgetService
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts.desk import statement
from ramp.ledger.events import RecordAppended, TransferApplied
from ramp.refusal import Refused
from ramp.service.refusals import HTTP_STATUS
from tests.auth.soft_passkey import SoftPasskey
from tests.budget.helpers import build
from tests.contracts.helpers import BN, PROJECT, VENDOR, make_world, terms

ESCROW = budget_model.escrow_account("c1", 2025)
WALLET = budget_model.vendor_account(VENDOR)
NODE = budget_model.node_account(2025, PROJECT)


@pytest.fixture
def w(store):
    world = make_world(store)
    yield world
    world.journal.close()


def refused(w, planner, status: int, code: str) -> None:
    size = w.journal.size
    with pytest.raises(Refused) as exc:
        w.run(planner)
    assert (HTTP_STATUS[exc.value.kind], exc.value.code) == (status, code), exc.value
    assert w.journal.size == size  # nothing written


def events_of(w, contract: str = "c1") -> list[str]:
    return [r.type for r in w.state(contract).records]


def test_a_three_milestone_contract_ends_with_the_vendor_holding_total_less_penalties(w):
    node_before = w.balance(NODE)
    w.at(2025, 6, 2)
    w.sign(terms())
    assert (w.balance(ESCROW), w.balance(NODE)) == (10 * BN, node_before - 10 * BN)
    w.at(2025, 6, 30)  # early: no penalty
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    assert w.balance(WALLET) == 0  # one of two: nothing moves
    w.attest("asdf.insp", "c1", "m1", "receipt")
    assert w.balance(WALLET) == 3 * BN - 150_000_000  # less 5 % retention, in the same batch
    w.at(2025, 9, 11)  # 10 days late: 0.1 %/day of 4 bn = 40 M (cap 5 % = 200 M)
    w.attest("atla.insp", "c1", "m2", "test-evaluation")
    w.attest("po.mori", "c1", "m2", "documents")
    w.at(2026, 1, 30)  # 60 days late: 6 % of 3 bn capped at 5 % = 150 M
    w.attest("asdf.insp", "c1", "m3", "receipt")
    w.attest("po.mori", "c1", "m3", "documents")
    st = w.state()
    assert [m.penalty_yen for m in st.real_milestones] == [0, 40_000_000, 150_000_000]
    assert st.retention_held_yen == 500_000_000
    w.attest("atla.insp2", "c1", "final", "final")  # final acceptance releases the retention
    st = w.state()
    penalties = 190_000_000
    assert st.status == "completed"
    assert w.balance(WALLET) == 10 * BN - penalties
    assert w.balance(ESCROW) == 0
    assert w.balance(budget_model.revenue_account(2025)) == penalties
    assert (st.released_yen, st.penalties_yen, st.pending_yen) == (10 * BN - penalties, penalties, 0)
    # every step is in the log, in order
    assert events_of(w) == [contract_state.SIGNED, contract_state.ATTESTED, contract_state.ATTESTED, contract_state.ACCEPTED, contract_state.RELEASED, contract_state.ATTESTED, contract_state.ATTESTED,
                            contract_state.ACCEPTED, contract_state.RELEASED, contract_state.ATTESTED, contract_state.ATTESTED, contract_state.ACCEPTED, contract_state.RELEASED, contract_state.ATTESTED,
                            contract_state.ACCEPTED, contract_state.RELEASED]  # fmt: skip
    codes = [e.code for e in w.journal.events(range(w.journal.size)) if type(e) is TransferApplied
             and e.references.get("contract") == "c1"]  # fmt: skip
    assert codes == ["OBLIGATE", "DISBURSE", "DISBURSE", "PENALTY", "DISBURSE", "PENALTY", "DISBURSE"]
    # the release is in the same batch as the attestation that accepted it: latency 0
    assert all(m.paid_at_ns == m.accepted_at_ns for m in st.real_milestones)


def test_wrong_role_unknown_identity_or_bad_signature_change_nothing(w):
    w.sign(terms())
    req, sig = w.attestation("atla.insp", "c1", "m1", "test-evaluation")
    refused(w, w.desk.attest("c1", contract_requests.AttestRequest("m1", "receipt", req.signature), "atla.insp", w.now[0],
                             signature=sig), 403, "wrong_role")  # an ATLA inspector is not the unit
    wrong = contract_requests.AttestRequest("m1", "documents", None)
    refused(w, w.desk.attest("c1", wrong, "fin.tanaka", w.now[0], signature=b"\0" * 64), 403, "wrong_role")
    refused(w, w.desk.attest("c1", req, "nobody", w.now[0], signature=sig), 403, "identity_unknown")
    other = w.keys["atla.insp2"].sign(statement("c1", "m1", "test-evaluation", w.state().digest, "atla.insp"))
    refused(w, w.desk.attest("c1", req, "atla.insp", w.now[0], signature=other), 400, "attestation_signature_invalid")
    stale = w.keys["atla.insp"].sign(statement("c1", "m1", "test-evaluation", "sha256:" + "0" * 64, "atla.insp"))
    refused(w, w.desk.attest("c1", req, "atla.insp", w.now[0], signature=stale), 400, "attestation_signature_invalid")
    refused(w, w.desk.attest("c1", contract_requests.AttestRequest("m9", "receipt"), "asdf.insp", w.now[0], signature=sig), 404,
            "milestone_not_found")  # fmt: skip
    refused(w, w.desk.attest("c2", req, "atla.insp", w.now[0], signature=sig), 404, "contract_not_found")
    refused(w, w.desk.attest("c1", contract_requests.AttestRequest("final", "final"), "atla.insp", w.now[0], signature=sig), 409,
            "milestones_outstanding")  # fmt: skip
    assert events_of(w) == [contract_state.SIGNED] and w.balance(WALLET) == 0


def test_the_same_attestation_twice_releases_once(w):
    w.sign(terms())
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    req, sig = w.attestation("atla.insp", "c1", "m1", "test-evaluation")
    refused(w, w.desk.attest("c1", req, "atla.insp", w.now[0], signature=sig), 409, "already_attested")
    w.attest("asdf.insp", "c1", "m1", "receipt")
    paid = w.balance(WALLET)
    req, sig = w.attestation("po.mori", "c1", "m1", "documents")  # a third after acceptance
    refused(w, w.desk.attest("c1", req, "po.mori", w.now[0], signature=sig), 409, "milestone_accepted")
    req, sig = w.attestation("asdf.insp", "c1", "m1", "receipt")
    refused(w, w.desk.attest("c1", req, "asdf.insp", w.now[0], signature=sig), 409, "already_attested")
    assert w.balance(WALLET) == paid == 3 * BN - 150_000_000


def test_one_person_fills_one_slot_even_holding_two_roles(w):
    w.sign(terms(required=3, retention_bp=0))
    w.attest("atla.co", "c1", "m1", "documents")
    req, sig = w.attestation("atla.co", "c1", "m1", "test-evaluation")
    refused(w, w.desk.attest("c1", req, "atla.co", w.now[0], signature=sig), 403, "wrong_role")
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    req, sig = w.attestation("atla.insp2", "c1", "m1", "test-evaluation")  # slot filled already
    refused(w, w.desk.attest("c1", req, "atla.insp2", w.now[0], signature=sig), 409, "slot_attested")


def test_a_lapsed_contract_returns_its_remainder(w):
    node_before = w.balance(NODE)
    w.sign(terms())
    w.at(2025, 7, 1)
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    w.attest("asdf.insp", "c1", "m1", "receipt")
    w.at(2026, 3, 15)  # the last day: not expired yet
    refused(w, w.desk.expire("c1", "atla.co", w.now[0]), 409, "not_expired")
    w.at(2026, 3, 16)
    req, sig = w.attestation("atla.insp", "c1", "m2", "test-evaluation")
    refused(w, w.desk.attest("c1", req, "atla.insp", w.now[0], signature=sig), 409, "contract_expired")
    w.run(w.desk.expire("c1", "atla.co", w.now[0]))
    st = w.state()
    assert st.status == "expired" and [m.status for m in st.milestones.values()] == [
        "released", "cancelled", "cancelled", "cancelled"]  # fmt: skip
    paid = 3 * BN - 150_000_000
    assert w.balance(WALLET) == paid and w.balance(ESCROW) == 0
    assert w.balance(NODE) == node_before - paid  # the rest, retention included, is back on the project
    assert (st.deobligated_yen, st.forfeited_retention_yen) == (10 * BN - paid, 150_000_000)
    refused(w, w.desk.expire("c1", "atla.co", w.now[0]), 409, "contract_expired")


def test_terms_are_validated_on_signing(w):
    def bad(t: contract_terms.Terms, code: str, status: int = 400) -> None:
        refused(w, w.desk.sign(contract_requests.Sign("s1", t), "atla.co", w.now[0]), status, code)

    good = terms()
    bad(contract_terms.Terms(**{**_fields(good), "total_yen": good.total_yen + 1}), "amounts_do_not_add_up")
    bad(terms(dues=("2025-09-01", "2025-07-01", "2025-12-01")), "dates_not_ordered")
    bad(terms(dues=("2025-05-01", "2025-07-01", "2025-12-01")), "dates_not_ordered")  # before signing (2 June)
    bad(terms(expires="2025-11-30"), "dates_not_ordered")
    bad(terms(dues=("2025-07-01", "2025-09-31", "2025-12-01")), "date_invalid")
    lonely = contract_terms.Rule(required=2, slots=(contract_terms.Slot("a", "inspector", "msdf"), contract_terms.Slot("b", "inspector", "atla")))
    ms = tuple(contract_terms.MilestoneTerms(m.id, m.amount_yen, m.due, lonely) for m in good.milestones)
    bad(contract_terms.Terms(**{**_fields(good), "milestones": ms}), "rule_unsatisfiable")  # nobody at MSDF inspects
    too_many = contract_terms.Rule(required=4, slots=good.milestones[0].rule.slots)
    ms = tuple(contract_terms.MilestoneTerms(m.id, m.amount_yen, m.due, too_many) for m in good.milestones)
    bad(contract_terms.Terms(**{**_fields(good), "milestones": ms}), "rule_invalid")
    bad(contract_terms.Terms(**{**_fields(good), "final_acceptance": None}), "final_acceptance_required")
    bad(terms(penalty=contract_terms.Penalty(1, 9_600)), "deductions_exceed_amount")
    bad(terms(fiscal_year=2026, dues=("2026-07-01", "2026-09-01", "2026-12-01"), expires="2027-03-01"),
        "outside_fiscal_year", 409)  # signed on 2 June 2025: a FY2025 contract
    bad(terms(amounts=(60 * BN, 1, 1)), "exceeds_available", 409)  # availability control: 60 bn on the project
    assert contract_state.load(w.journal.engine.record, "c1") is None


def _fields(t: contract_terms.Terms) -> dict:
    return {f: getattr(t, f) for f in t.__struct_fields__}


def test_signing_twice_is_idempotent_and_a_reused_id_is_refused(w):
    assert w.sign(terms())
    size = w.journal.size
    assert w.sign(terms()) == [] and w.journal.size == size  # the same signing again: nothing more
    refused(w, w.desk.sign(contract_requests.Sign("sign-c1b", terms()), "atla.co", w.now[0]), 409, "contract_exists")
    refused(w, w.desk.sign(contract_requests.Sign("sign-c1", terms("c2")), "atla.co", w.now[0]), 409, "operation_exists")


def approve(w, requester: str, request_id: str, op, *approvers: str) -> None:
    plan = w.approvals.create(requester, request_id, ContractAction(op), "")
    w.run(plan)
    for who in approvers:
        from ramp.approvals import model as approval_model
        from ramp.approvals.state import load

        state = load(w.journal.engine.record, request_id)
        sig = w.keys[who].sign(approval_model.statement("approve", request_id, state.digest, who))
        w.run(w.approvals.decide(who, request_id, "approve", signature=sig))


def test_software_proposes_a_hold_and_only_a_person_decides(w):
    w.sign(terms())
    w.approvals.clock_ns = lambda: w.now[0]
    plan = w.approvals.create("bot.analytics", "hold-c1", ContractAction(contract_requests.Hold("c1", "price anomaly")), "")
    w.run(plan)
    assert not w.state().held  # a proposal moves nothing
    with pytest.raises(Refused) as exc:  # software never decides
        w.run(w.approvals.decide("bot.analytics", "hold-c1", "approve", signature=b"\0" * 64))
    assert exc.value.code in ("self_approval", "not_an_approver")
    approve(w, "bot.analytics", "hold-c1-b", contract_requests.Hold("c1", "price anomaly"), "boa.kato")
    assert w.state().held and w.state().status == "held"
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    w.attest("asdf.insp", "c1", "m1", "receipt")
    st = w.state()
    assert st.milestones["m1"].status == "accepted" and w.balance(WALLET) == 0  # accepted, payment held
    assert st.pending_yen == 3 * BN - 150_000_000
    refused(w, w.desk.settle("c1", "disb.ueda", w.now[0]), 409, "contract_held")
    approve(w, "atla.co", "release-c1", contract_requests.Release("c1", "reviewed"), "boa.kato")
    assert w.balance(WALLET) == 3 * BN - 150_000_000 and not w.state().held  # paid by the release


def test_a_change_order_is_an_approved_request_that_moves_the_obligation(w):
    w.sign(terms())
    w.approvals.clock_ns = lambda: w.now[0]
    node_before = w.balance(NODE)
    change = contract_requests.ChangeOrder("c1", (contract_requests.MilestoneChange("m2", amount_yen=5 * BN, due="2025-10-01"),), reason="scope")
    approve(w, "atla.co", "co-1", change, "fin.tanaka")
    assert w.state().amendments == 0  # one approval of two (MoD finance and ATLA contracting)
    from ramp.approvals import model as approval_model
    from ramp.approvals.state import load

    state = load(w.journal.engine.record, "co-1")
    w.run(w.approvals.decide("po.mori", "co-1", "approve", signature=w.keys["po.mori"].sign(
        approval_model.statement("approve", "co-1", state.digest, "po.mori"))))  # fmt: skip
    st = w.state()
    assert st.amendments == 1 and st.terms.total_yen == 11 * BN and st.terms.milestone("m2").due == "2025-10-01"
    assert w.balance(ESCROW) == 11 * BN and w.balance(NODE) == node_before - BN
    # attesters now sign the amended terms' digest
    assert st.digest != contract_terms.digest(st.signed_terms)
    shrink = contract_requests.ChangeOrder("c1", (contract_requests.MilestoneChange("m3", amount_yen=BN),))
    approve(w, "atla.co", "co-2", shrink, "fin.tanaka", "po.mori")
    assert w.balance(ESCROW) == 9 * BN and w.balance(NODE) == node_before + BN
    w.attest("atla.insp", "c1", "m1", "test-evaluation")
    w.attest("asdf.insp", "c1", "m1", "receipt")
    with pytest.raises(Refused) as exc:  # an accepted milestone cannot change
        w.run(w.approvals.create("atla.co", "co-3", ContractAction(contract_requests.ChangeOrder(
            "c1", (contract_requests.MilestoneChange("m1", amount_yen=BN),))), ""))  # fmt: skip
    assert exc.value.code == "milestone_accepted"


def test_a_later_years_instalment_pays_a_milestone_accepted_early(w):
    w.sign(terms(amounts=(4 * BN, 6 * BN), dues=("2025-12-01", "2026-06-01"), retention_bp=0, penalty=None,
                 expires="2026-12-31"))  # fmt: skip
    assert w.balance(ESCROW) == 4 * BN
    w.at(2026, 2, 2)
    w.attest("atla.insp", "c1", "m2", "test-evaluation")  # delivered early, in FY2025
    w.attest("asdf.insp", "c1", "m2", "receipt")
    st = w.state()
    assert st.milestones["m2"].status == "accepted" and w.balance(WALLET) == 0  # FY2026 money not there yet
    refused(w, w.desk.obligate(contract_requests.ObligateInstalment("ob-26", "c1", 2026), "atla.co", w.now[0]), 409,
            "fiscal_year_unknown")  # fmt: skip
    build(w.journal, 2026, w.now[0])  # the Diet enacts FY2026 in March
    refused(w, w.desk.obligate(contract_requests.ObligateInstalment("ob-26", "c1", 2026), "atla.co", w.now[0]), 409,
            "outside_fiscal_year")  # fmt: skip
    w.at(2026, 4, 6)
    w.run(w.desk.obligate(contract_requests.ObligateInstalment("ob-26", "c1", 2026), "atla.co", w.now[0]))
    assert w.balance(WALLET) == 6 * BN  # paid in the obligation's batch
    assert w.state().obligated == {2025: 4 * BN, 2026: 6 * BN}
    refused(w, w.desk.obligate(contract_requests.ObligateInstalment("ob-26b", "c1", 2026), "atla.co", w.now[0]), 409,
            "instalment_obligated")  # fmt: skip


def test_a_late_milestone_is_paid_from_money_carried_over(w):
    w.sign(terms(retention_bp=0, penalty=None, expires="2026-12-31"))
    w.at(2026, 4, 10)
    build(w.journal, 2026, w.now[0])
    w.attest("atla.insp", "c1", "m1", "test-evaluation")  # FY2025 money, accepted in FY2026
    w.attest("asdf.insp", "c1", "m1", "receipt")
    assert w.state().milestones["m1"].status == "accepted" and w.balance(WALLET) == 0
    refused(w, w.desk.settle("c1", "disb.ueda", w.now[0]), 409, "nothing_payable")
    BudgetService(w.journal).execute(CarryOver(id="jiko-c1", fiscal_year=2025, kind="jiko", amount_yen=10 * BN,
                                               contract="c1", approvals=("mof-approval-1",)), at_ns=w.now[0])  # fmt: skip
    w.run(w.desk.settle("c1", "disb.ueda", w.now[0]))
    assert w.balance(WALLET) == 3 * BN
    assert w.balance(budget_model.escrow_account("c1", 2026, carried=True)) == 7 * BN


def test_an_attestation_in_the_web_is_the_attesters_own_passkey(w):
    """No attestation the service signs for someone: without a key's signature or a passkey's
    assertion the desk refuses; with the attester's registered passkey over the statement it is
    recorded with the assertion, and `ramp verify` checks it offline (tests/approvals)."""
    w.sign(terms())
    size = w.journal.size
    with pytest.raises(Refused) as exc:
        w.run(w.desk.attest("c1", contract_requests.AttestRequest("m1", "receipt"), "asdf.insp", w.now[0]))
    assert exc.value.code == "passkey_required" and w.journal.size == size
    key = SoftPasskey()
    w.journal.submit([key.record("asdf.insp")])
    text = statement("c1", "m1", "receipt", w.state().digest, "asdf.insp")
    other = key.sign(passkeys.approval_challenge(statement("c1", "m1", "evaluation", w.state().digest, "asdf.insp")))
    with pytest.raises(Refused) as exc:  # an assertion over another slot's statement
        w.run(w.desk.attest("c1", contract_requests.AttestRequest("m1", "receipt"), "asdf.insp", w.now[0], passkey=other))
    assert exc.value.code == "passkey_invalid"
    assertion = key.sign(passkeys.approval_challenge(text))
    w.run(w.desk.attest("c1", contract_requests.AttestRequest("m1", "receipt"), "asdf.insp", w.now[0], passkey=assertion))
    record = w.state().records[-1]
    assert type(record) is RecordAppended and record.type == "contract.attested"
    assert (record.body["via"], record.body["key"], record.body["assertion"]) == ("passkey", "", assertion.record_body())
    assert base64.b64decode(record.body["signature"]) == assertion.signature
    key.counter -= 1  # the next milestone signed with the same counter again: a copied authenticator
    copy = key.sign(passkeys.approval_challenge(statement("c1", "m2", "receipt", w.state().digest, "asdf.insp")))
    size = w.journal.size
    with pytest.raises(Refused) as exc:
        w.run(w.desk.attest("c1", contract_requests.AttestRequest("m2", "receipt"), "asdf.insp", w.now[0], passkey=copy))
    assert exc.value.code == "passkey_cloned" and w.journal.size == size


def test_a_milestone_contracts_escrow_is_never_paid_by_a_direct_disbursement(w):
    from ramp.budget.requests import Disburse, Obligate
    from ramp.budget.rules import Refused

    w.sign(terms())
    svc = BudgetService(w.journal)
    for op in (Disburse(id="d1", contract="c1", fiscal_year=2025, amount_yen=BN),
               Obligate(id="o1", contract="c1", fiscal_year=2025, amount_yen=BN)):  # fmt: skip
        size = w.journal.size
        with pytest.raises(Refused) as exc:
            svc.execute(op, at_ns=w.now[0])
        assert exc.value.code == "milestone_contract" and w.journal.size == size
    assert w.balance(WALLET) == 0 and w.balance(ESCROW) == 10 * BN


def test_a_change_order_changes_the_later_year_burdens(w):
    from ramp.budget.queries import burdens

    w.sign(terms(amounts=(4 * BN, 6 * BN), dues=("2025-12-01", "2026-06-01"), retention_bp=0, penalty=None,
                 expires="2026-12-31"))  # fmt: skip
    projection = w.journal.projection(BudgetProjection)
    assert burdens(projection, 2025).total == 6 * BN
    w.approvals.clock_ns = lambda: w.now[0]
    approve(w, "atla.co", "co-b", contract_requests.ChangeOrder("c1", (contract_requests.MilestoneChange("m2", amount_yen=9 * BN),)),
            "fin.tanaka", "po.mori")  # fmt: skip
    assert w.state().amendments == 1 and w.balance(ESCROW) == 4 * BN  # a later year's: no money moves now
    assert burdens(projection, 2025).total == 9 * BN
