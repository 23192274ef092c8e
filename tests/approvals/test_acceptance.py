"""The acceptance rules of approvals, on both stores: never the requester, distinct
organisations where required, nothing before quorum or after expiry, revoked keys withdraw
approvals, and a frozen account is not debited until an approved unfreeze."""

from __future__ import annotations

import time

import pytest

from ramp.approvals.actions import FreezeAction, UnfreezeAction
from ramp.ledger import CreateTransfer
from ramp.policy.identities import key_revoked
from ramp.refusal import Refused
from ramp.service.refusals import HTTP_STATUS
from tests.approvals.helpers import fund, make_world

ACCOUNT = "fy2025:msdf:uav"


@pytest.fixture
def world(store):
    w = make_world(store)
    fund(w, ACCOUNT, 1_000)
    yield w
    w.journal.close()


def refused(world, plan, status: int, code: str) -> Refused:
    size = world.journal.store.log_size()
    with pytest.raises(Refused) as info:
        world.run(plan)
    assert (HTTP_STATUS[info.value.kind], info.value.code) == (status, code), info.value
    world.journal.flush()
    assert world.journal.store.log_size() == size  # nothing written
    return info.value


def debit(world, n: int) -> str:
    [r] = world.journal.submit([CreateTransfer(id=f"spend-{n}", debit_account=ACCOUNT,
                                               credit_account=f"{ACCOUNT}:sink", amount=1, asset="JPYD", code="X")])
    return r.result


def freeze(world, rid="f1", by="fin.tanaka") -> None:
    world.run(world.desk.create(by, rid, FreezeAction(account=ACCOUNT, reason="suspected split payments")))
    _, results = world.approve("boa.kato", rid)
    assert [r.result for r in results] == ["ok", "ok", "ok"]  # decision, execution, flag change


def test_the_requester_cannot_approve_their_own_request(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    sig = world.sign("fin.tanaka", "f1")
    refused(world, world.desk.decide("fin.tanaka", "f1", "approve", signature=sig), 403, "self_approval")
    refused(world, world.desk.decide("fin.tanaka", "f1", "reject", signature=world.sign("fin.tanaka", "f1", "reject")),
            403, "self_approval")  # fmt: skip


def test_same_organisation_does_not_count_where_distinct_organisations_are_required(world):
    freeze(world)
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))  # 2 orgs, one mod-feb
    plan, results = world.approve("fin.tanaka", "u1")
    assert plan.outcome.counted and not plan.outcome.executing and len(results) == 1
    plan, results = world.approve("fin.suzuki", "u1")  # mod-feb again: recorded, not counted
    assert not plan.outcome.counted and not plan.outcome.executing and len(results) == 1
    assert plan.outcome.approvals_counted == [1]
    assert "frozen" in world.journal.engine.account(ACCOUNT).flags
    plan, results = world.approve("boa.kato", "u1")  # another organisation: quorum
    assert plan.outcome.executing and [r.result for r in results] == ["ok", "ok", "ok"]
    assert plan.outcome.approvals_counted == [1, 3]
    assert "frozen" not in world.journal.engine.account(ACCOUNT).flags


def test_required_organisation_must_be_among_the_approvers(world):
    freeze(world)
    world.run(world.desk.create("fin.tanaka", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("boa.kato", "u1")
    refused(world, world.desk.execute("fin.tanaka", "u1"), 409, "quorum_not_reached")
    plan, _ = world.approve("fin.suzuki", "u1")  # mod-feb, not the requester
    assert plan.outcome.executing


def test_nothing_executes_before_quorum(world):
    freeze(world)
    assert debit(world, 1) == "account_frozen"
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.tanaka", "u1")
    refused(world, world.desk.execute("boa.mori", "u1"), 409, "quorum_not_reached")
    assert debit(world, 2) == "account_frozen"
    assert world.journal.engine.record("request:u1:x") is None


def test_nothing_executes_after_expiry(world):
    freeze(world)
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.tanaka", "u1")
    week_s = 7 * 86_400  # the default policy gives an unfreeze a week
    world.desk.clock_ns = lambda: time.time_ns() + week_s * 1_000_000_000
    refused(world, world.desk.decide("boa.kato", "u1", "approve", signature=world.sign("boa.kato", "u1")),
            409, "request_expired")  # fmt: skip
    refused(world, world.desk.execute("boa.mori", "u1"), 409, "request_expired")
    assert "frozen" in world.journal.engine.account(ACCOUNT).flags


def test_a_frozen_account_is_debited_only_after_an_approved_unfreeze(world):
    assert debit(world, 1) == "ok"
    freeze(world)
    assert debit(world, 2) == "account_frozen"
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.tanaka", "u1")
    assert debit(world, 3) == "account_frozen"
    world.approve("boa.kato", "u1")
    assert debit(world, 4) == "ok"


def test_who_may_request_and_decide_is_the_policy(world):
    refused(world, world.desk.create("reader.oda", "f1", FreezeAction(account=ACCOUNT)), 403, "not_permitted")
    refused(world, world.desk.create("vendor.x", "f1", FreezeAction(account=ACCOUNT)), 403, "not_permitted")
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    refused(world, world.desk.decide("mof.sato", "f1", "approve", signature=world.sign("mof.sato", "f1")),
            403, "not_an_approver")  # fmt: skip


def test_a_bad_signature_a_second_decision_and_a_closed_request_are_refused(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    wrong = world.keys["boa.kato"].sign(b"something else")
    refused(world, world.desk.decide("boa.kato", "f1", "approve", signature=wrong), 400, "approval_signature_invalid")
    other = world.sign("boa.mori", "f1")  # someone else's signature
    refused(world, world.desk.decide("boa.kato", "f1", "approve", signature=other), 400, "approval_signature_invalid")
    world.approve("boa.kato", "f1")
    refused(world, world.desk.decide("boa.mori", "f1", "approve", signature=world.sign("boa.mori", "f1")),
            409, "request_executed")  # fmt: skip
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.tanaka", "u1", "reject")
    refused(world, world.desk.decide("boa.kato", "u1", "approve", signature=world.sign("boa.kato", "u1")),
            409, "request_rejected")  # fmt: skip
    refused(world, world.desk.decide("fin.tanaka", "u1", "approve", signature=world.sign("fin.tanaka", "u1")),
            409, "request_rejected")  # fmt: skip


def test_an_approval_by_a_key_revoked_since_no_longer_counts(world):
    freeze(world)
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.tanaka", "u1")
    tanaka = world.identities.get("fin.tanaka")
    [r] = world.journal.submit([key_revoked(tanaka, "laptop lost", "fin.tanaka")])
    assert r.result == "ok"
    # The revoked key signs nothing more...
    refused(world, world.desk.decide("fin.tanaka", "f2", "approve", signature=b"x" * 64), 404, "request_not_found")
    world.run(world.desk.create("boa.kato", "f2", FreezeAction(account="test:issuer")))
    refused(world, world.desk.decide("fin.tanaka", "f2", "approve", signature=world.sign("fin.tanaka", "f2")),
            403, "key_revoked")  # fmt: skip
    # ...and what it approved before is withdrawn: mod-feb must approve again.
    plan, _ = world.approve("boa.kato", "u1")
    assert not plan.outcome.executing and plan.outcome.approvals_counted == [2]
    plan, _ = world.approve("fin.suzuki", "u1")
    assert plan.outcome.executing


def test_a_retried_request_is_answered_and_a_reused_id_refused(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    plan = world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT))
    assert world.run(plan) == [] and not plan.outcome.created
    refused(world, world.desk.create("fin.tanaka", "f1", FreezeAction(account="test:issuer")), 409, "request_exists")
    refused(world, world.desk.create("fin.tanaka", "Bad id", FreezeAction(account=ACCOUNT)), 400, "request_id_invalid")
    refused(world, world.desk.create("fin.tanaka", "f2", FreezeAction(account="no:such")), 409, "account_not_found")
