"""The demo's milestone contracts: one in every state, the money of each adding up on the
ledger, every attestation a real signature by an identity holding the slot's role, the
contracts waiting for an ATLA inspector paid by one more attestation, open requests made at
the real time (and made again once expired), the same seed giving the same contracts; on the
calendar: FY2025's money carried (事故繰越) into FY2026, where an attestation on the as-of date
is paid that day, and an as-of date within FY2025 pays from FY2025."""

from __future__ import annotations

import base64
import sqlite3
from collections import defaultdict
from contextlib import closing
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.signing import VerifyKey

from ramp.approvals.state import load as load_request
from ramp.budget import model as budget_model
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts.desk import ContractDesk, statement
from ramp.contracts.views import contract_view
from ramp.demo.contract_requests import CHANGE_REQUEST, HOLD_PROPOSAL, seed_contract_requests
from ramp.demo.contracts import (
    AWAITING_ATLA_INSPECTOR,
    CARRIED,
    CAST,
    CHANGE_ORDER_REQUEST,
    HOLD_REQUEST,
    PAYABLE_BEFORE_NS,
    SPECS,
)
from ramp.demo.load import as_of_clock, load
from ramp.journal import Journal
from ramp.ledger.events import RecordAppended, TransferApplied
from ramp.policy.identities import IdentityRegistry, identity_added
from ramp.store import SQLiteStore

pytestmark = pytest.mark.slow  # generates the demo dataset: `make test` runs it, `make test-fast` does not

SPEC = {s.id: s for s in SPECS}
AS_OF = date(2026, 12, 7)  # the demo's calendar, pinned: a day in FY2026, after FY2025's close
IN_FY2025 = date(2026, 3, 30)  # a day of FY2025, before its year end
DAY_NS = 86_400 * 1_000_000_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("demo-contracts") / "demo.db")
    load(path, seed=7, size="small", as_of=AS_OF)
    journal = Journal(SQLiteStore(path), projections=[IdentityRegistry()], check_invariants=True)
    yield path, journal
    journal.close()


def states(journal: Journal) -> dict[str, contract_state.ContractState]:
    out = {}
    for spec in SPECS:
        state = contract_state.load(journal.engine.record, spec.id)
        assert state is not None, spec.id
        out[spec.id] = state
    return out


def of(journal: Journal, state_name: str) -> list[contract_state.ContractState]:
    found = [st for cid, st in states(journal).items() if SPEC[cid].state == state_name]
    assert found, state_name
    return found


def roles(journal: Journal, identity: str) -> list[str]:
    record = journal.engine.record(f"identity:{identity}")
    assert record is not None, identity
    return list(record.body["roles"])  # type: ignore[arg-type]


def test_every_contract_status_is_present(demo):
    _, journal = demo
    assert {st.status for st in states(journal).values()} == {"signed", "in_progress", "held", "completed", "expired"}


def test_signed_in_progress_and_completed(demo):
    _, journal = demo
    [signed] = of(journal, "signed")
    assert signed.status == "signed" and not any(m.attestations for m in signed.milestones.values())
    for st in of(journal, "in_progress"):
        statuses = [m.status for m in st.real_milestones]
        assert st.status == "in_progress" and "released" in statuses and "attesting" in statuses
    [done] = of(journal, "completed")
    assert done.status == "completed" and all(m.released for m in done.real_milestones)
    assert done.retention_paid_yen == sum(m.retention_yen for m in done.real_milestones) > 0
    assert done.pending_yen == 0 and done.released_yen == done.terms.total_yen  # on time: no penalty


def test_late_milestones_are_paid_less_their_penalty(demo):
    _, journal = demo
    [late] = of(journal, "late")
    paid_late = [m for m in late.real_milestones if m.released and m.days_late > 0]
    assert [m.days_late for m in paid_late] == [14, 17]
    for m in paid_late:
        assert m.penalty_yen == m.amount_yen * late.terms.penalty.rate_ppm_per_day * m.days_late // 1_000_000 > 0
        assert m.paid_yen == m.amount_yen - m.retention_yen - m.penalty_yen
    assert late.penalties_yen == sum(m.penalty_yen for m in paid_late)
    penalties = sum(int(e.amount) for e in journal.events(range(journal.size))
                    if type(e) is TransferApplied and e.code == "PENALTY")  # fmt: skip
    assert journal.engine.account(budget_model.revenue_account(2025)).credits_posted == penalties == late.penalties_yen


def test_the_expired_contract_returned_what_it_did_not_owe(demo):
    _, journal = demo
    [gone] = of(journal, "expired")
    assert gone.status == "expired" and [m.status for m in gone.milestones.values()] == [
        "released", "cancelled", "cancelled"]  # fmt: skip
    assert gone.milestones["m2"].attestations  # one attestation of two: never accepted
    paid = gone.released_yen
    assert gone.deobligated_yen == gone.terms.total_yen - paid > 0
    assert gone.forfeited_retention_yen == gone.milestones["m1"].retention_yen > 0
    assert contract_view(gone, journal.engine).escrow_yen == 0


def test_held_by_a_hold_software_proposed_and_a_person_approved(demo):
    _, journal = demo
    [held] = of(journal, "held")
    assert held.status == "held"
    accepted = [m for m in held.real_milestones if m.accepted and not m.released]
    assert accepted and held.pending_yen == sum(m.net_yen for m in accepted) > 0  # accepted, payment waits
    request = load_request(journal.engine.record, HOLD_REQUEST)
    assert request is not None and request.execution is not None and request.kind == "contract_hold"
    assert roles(journal, request.requester) == ["analytics"]  # software proposed it ...
    assert [d.approver for d in request.decisions] == ["boa.auditor.01"]  # ... a person decided
    assert "analytics" not in roles(journal, "boa.auditor.01")
    [record] = [r for r in held.records if r.type == contract_state.HELD]
    assert record.body["request"] == f"request:{HOLD_REQUEST}"


def test_an_executed_change_order_moved_the_obligation(demo):
    _, journal = demo
    [amended] = of(journal, "amended")
    request = load_request(journal.engine.record, CHANGE_ORDER_REQUEST)
    assert request is not None and request.execution is not None and request.kind == "change_order"
    assert {d.organisation for d in request.decisions} == {"mod-feb", "atla"}
    signed, now = amended.signed_terms.milestone("m2"), amended.terms.milestone("m2")
    assert amended.amendments == 1 and now.amount_yen > signed.amount_yen and now.due == "2026-01-30"
    assert amended.obligated == {2025: amended.terms.total_yen} and amended.milestones["m2"].released


def test_a_multi_year_contract_waits_for_its_later_instalments(demo):
    """FY2026's instalment is obligated as FY2026 opens; FY2027's waits for FY2027."""
    _, journal = demo
    for st in [*of(journal, "multi_year"), *of(journal, "signed")]:
        view = contract_view(st, journal.engine)
        later = [i for i in view.schedule if i.fiscal_year > 2026]
        assert later and all(i.obligated_yen == 0 for i in later)
        assert st.obligated == {fy: next(i.amount_yen for i in view.schedule if i.fiscal_year == fy) for fy in (2025, 2026)}
    [multi] = of(journal, "multi_year")
    assert multi.milestones["m1"].released and multi.milestones["m2"].released  # FY2026's, on time


def test_requests_left_open_for_people_to_decide(demo):
    _, journal = demo
    now = as_of_clock(AS_OF)()  # made on the as-of date, at its clock
    hold = load_request(journal.engine.record, HOLD_PROPOSAL)
    assert hold is not None and hold.status(now) == "open" and hold.kind == "contract_hold"
    assert roles(journal, hold.requester) == ["analytics"]
    assert not contract_state.load(journal.engine.record, "mc25-sm3-handling").held  # a proposal moves nothing
    change = load_request(journal.engine.record, CHANGE_REQUEST)
    assert change is not None and change.status(now) == "open" and change.kind == "change_order"
    assert change.body["amount_yen"] > 0 and not change.decisions


def test_open_requests_are_made_again_once_expired(tmp_path, demo):
    path, _ = demo
    copy = _copy(path, tmp_path)
    journal = Journal(SQLiteStore(copy), projections=[IdentityRegistry()])
    try:
        now = as_of_clock(AS_OF)
        assert seed_contract_requests(journal, now) == []  # open: left alone
        later = now() + 15 * 86_400 * 1_000_000_000  # both expired (7 and 14 days)
        assert seed_contract_requests(journal, lambda: later) == [f"{HOLD_PROPOSAL}-2", f"{CHANGE_REQUEST}-2"]
        assert seed_contract_requests(journal, lambda: later) == []
    finally:
        journal.close()


def test_the_money_of_every_contract_adds_up_on_the_ledger(demo):
    _, journal = demo
    by_code: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in journal.events(range(journal.size)):
        if type(e) is not TransferApplied:
            continue
        for account, sign in ((e.credit_account, 1), (e.debit_account, -1)):
            if account.startswith("contract:mc25-"):
                by_code[account.split(":")[1]][f"{e.code}{'+' if sign > 0 else '-'}"] += int(e.amount)
    for st in states(journal).values():
        moved = by_code[st.id]
        assert set(moved) <= {"OBLIGATE+", "DEOBLIGATE-", "DISBURSE-", "PENALTY-", "LAPSE-", "CARRY_OVER+",
                              "CARRY_OVER-"}, moved  # fmt: skip
        assert moved["CARRY_OVER+"] == moved["CARRY_OVER-"]  # from its FY2025 escrow into its FY2026 carried one
        assert (moved["CARRY_OVER+"] > 0) == (st.id in CARRIED)
        escrow = contract_view(st, journal.engine).escrow_yen
        assert moved["OBLIGATE+"] - moved["DEOBLIGATE-"] == (moved["DISBURSE-"] + moved["PENALTY-"] + escrow
                                                             + moved["LAPSE-"])  # fmt: skip
        assert moved["OBLIGATE+"] == sum(st.obligated.values())
        assert moved["DISBURSE-"] == st.released_yen and moved["PENALTY-"] == st.penalties_yen
        assert moved["DEOBLIGATE-"] == st.deobligated_yen
        assert escrow == sum(st.obligated.values()) - st.released_yen - st.penalties_yen - st.deobligated_yen >= 0


def test_every_attestation_is_signed_by_an_identity_holding_the_slot(demo):
    _, journal = demo
    identities = journal.projection(IdentityRegistry)
    count = 0
    for st in states(journal).values():
        for r in st.records:
            if r.type != contract_state.ATTESTED:
                continue
            b = r.body
            who = identities.get(str(b["identity"]))
            assert who is not None and who.public_key is not None and b["via"] == "signature"
            assert b["key"] == base64.b64encode(who.public_key).decode()
            text = statement(st.id, str(b["milestone"]), str(b["slot"]), str(b["digest"]), who.id)
            VerifyKey(who.public_key).verify(text, base64.b64decode(str(b["signature"])))  # raises if forged
            slot = st.terms.rule_of(str(b["milestone"])).slot(str(b["slot"]))
            assert slot is not None and slot.admits(who) and who.id in CAST
            count += 1
    assert count >= 30


@pytest.fixture(scope="module")
def in_fy2025(tmp_path_factory):
    """The demo as of a day of FY2025: its money pays its acceptances (`tiny`: quick)."""
    path = str(tmp_path_factory.mktemp("demo-fy2025") / "demo.db")
    load(path, seed=7, size="tiny", as_of=IN_FY2025)
    return path


def _attest_awaiting(path: str, tmp_path, at_ns: int) -> list[tuple[contract_state.ContractState, str, int]]:
    """An ATLA inspector attests the open slot of each contract waiting for one, at `at_ns`:
    (the contract after, the milestone, what its vendor's wallet gained)."""
    journal, desk, key = _with_inspector(_copy(path, tmp_path))
    out = []
    try:
        assert len(AWAITING_ATLA_INSPECTOR) >= 2
        for cid in AWAITING_ATLA_INSPECTOR:
            before = contract_state.load(journal.engine.record, cid)
            wallet = budget_model.vendor_account(before.terms.vendor)
            had = journal.engine.account(wallet).balance
            m = next(m for m in before.real_milestones if m.attestations and not m.accepted)
            assert len(m.attestations) == m.rule.required - 1 and "test-evaluation" not in m.slots_filled()
            signature = key.sign(statement(cid, m.id, "test-evaluation", before.digest, "atla.inspector.t"))
            req = contract_requests.AttestRequest(m.id, "test-evaluation", base64.b64encode(signature).decode())
            journal.submit_planned_async(desk.attest(cid, req, "atla.inspector.t", at_ns, signature=signature),
                                         at_ns).result()  # fmt: skip
            after = contract_state.load(journal.engine.record, cid)
            out.append((after, m.id, journal.engine.account(wallet).balance - had))
            view = contract_view(after, journal.engine)
            assert [x.payment_latency_ns for x in view.milestones if x.id == m.id] == [0]  # one batch
    finally:
        journal.close()
    return out


def test_one_more_attestation_by_an_atla_inspector_pays_in_fy2025(tmp_path, in_fy2025):
    """What a person logged in as an ATLA inspector does in the browser: attest the open slot of
    a contract waiting for them; the payment is in the same batch, from FY2025's money."""
    at_ns = PAYABLE_BEFORE_NS - 12 * 3_600 * 1_000_000_000  # 31 March 2026, noon JST
    for after, milestone, gained in _attest_awaiting(in_fy2025, tmp_path, at_ns):
        paid = after.milestones[milestone]
        assert paid.released and paid.days_late == 0
        assert gained == paid.net_yen == after.terms.milestone(milestone).amount_yen * 95 // 100


def test_accepted_on_the_as_of_date_it_is_paid_that_day_from_the_carried_money(tmp_path, demo):
    """FY2025 money pays FY2025 acceptances only (会計年度独立): the late delivery's money was
    carried over (事故繰越) into FY2026 on 31 March, so accepted on the as-of date (in FY2026) it is
    paid at once, late by the days since its due date, less the penalty (capped)."""
    path, _ = demo
    at_ns = budget_model.jst_ns(AS_OF.year, AS_OF.month, AS_OF.day, 15)
    for after, milestone, gained in _attest_awaiting(path, tmp_path, at_ns):
        paid = after.milestones[milestone]
        due = date.fromisoformat(after.terms.milestone(milestone).due)
        assert paid.released and paid.days_late == (AS_OF - due).days > 200
        amount = after.terms.milestone(milestone).amount_yen
        assert paid.penalty_yen == amount * 5 // 100  # 0.1 % a day, capped at 5 %
        assert gained == paid.net_yen == amount - paid.retention_yen - paid.penalty_yen > 0
        assert after.id in CARRIED


def test_before_fy2025_ends_its_money_is_not_carried_and_the_year_is_open(in_fy2025):
    journal = Journal(SQLiteStore(in_fy2025))
    try:
        assert journal.engine.account(budget_model.lapsed_account(2025)) is None  # not closed
        assert not [a for a in journal.read.accounts if a.startswith("contract:mc25-") and a.endswith("fy2026:carried")]
        assert journal.engine.account(budget_model.lapsed_account(2024)) is not None  # FY2024 is
    finally:
        journal.close()


def test_the_same_seed_gives_the_same_contracts(tmp_path, demo):
    path, journal = demo
    again = str(tmp_path / "again.db")
    load(again, seed=7, size="small", as_of=AS_OF)
    other = Journal(SQLiteStore(again))
    try:
        ids = [r.id for st in states(journal).values() for r in st.records]
        ids += [f"request:{HOLD_REQUEST}", f"request:{HOLD_REQUEST}:d1", f"request:{HOLD_REQUEST}:x",
                f"request:{CHANGE_ORDER_REQUEST}", f"request:{CHANGE_ORDER_REQUEST}:x"]  # fmt: skip
        for rid in ids:
            a, b = journal.engine.record(rid), other.engine.record(rid)
            assert type(a) is RecordAppended and a == b, rid  # same body, seq and timestamp
    finally:
        other.close()


def _copy(path: str, tmp_path) -> str:
    """A consistent copy (SQLite's backup: the WAL's pages too) for a test that writes."""
    copy = str(tmp_path / "copy.db")
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    return copy


def _with_inspector(path: str) -> tuple[Journal, ContractDesk, Ed25519PrivateKey]:
    """The copy opened, with one more ATLA inspector (as the demo's logins add them)."""
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(path), projections=[identities])
    key = Ed25519PrivateKey.generate()
    journal.submit([identity_added("atla.inspector.t", "atla", ["inspector"], key.public_key().public_bytes_raw())])
    return journal, ContractDesk(identities), key
