"""Approvals drive the budget and the policy: a 流用 executes only with the Ministry of
Finance among its approvers, as one linked chain whose record says the approvals were
verified; direct movements under approval are refused; a policy changes only through an
approved request, and the new policy decides the requests made after it."""

from __future__ import annotations

import msgspec
import pytest

from ramp.approvals.actions import BudgetAction, FreezeAction, PolicyChangeAction
from ramp.approvals.gate import check_direct
from ramp.budget.operations import plan
from ramp.budget.requests import Transfer
from ramp.budget.view import View
from ramp.policy.engine import default_policy
from ramp.refusal import Refused
from tests.approvals.helpers import fund, make_world
from tests.approvals.test_acceptance import refused
from tests.budget.helpers import BN, FY, PROJECTS, build

SOURCE, TARGET = PROJECTS["equipment"], PROJECTS["equipment2"]  # two sub-items of one item: 流用


@pytest.fixture
def world(store):
    w = make_world(store)
    yield w
    w.journal.close()


def ryuyo(op_id: str = "ryuyo-1", amount: int = 2 * BN) -> BudgetAction:
    return BudgetAction(Transfer(id=op_id, fiscal_year=FY, source=SOURCE, target=TARGET, amount_yen=amount))


def balance(world, path: str) -> int:
    return world.journal.engine.account(f"fy{FY}:{path}").balance


def test_ryuyo_executes_only_with_mof_approval_as_one_linked_chain(world):
    build(world.journal)
    before = balance(world, SOURCE), balance(world, TARGET)
    plan_ = world.desk.create("fin.tanaka", "r1", ryuyo())
    world.run(plan_)
    request = world.journal.engine.record("request:r1").body
    assert (request["kind"], request["amount_yen"], request["quorum"]) == (
        "ryuyo", 2 * BN, {"approvals": 2, "distinct_organisations": True, "required_organisations": ["mof"]})
    assert request["policy"] == default_policy().digest
    p, _ = world.approve("fin.suzuki", "r1")  # MoD's accounts sign off: not enough without MOF
    assert not p.outcome.executing
    assert balance(world, SOURCE) == before[0]
    p, results = world.approve("mof.sato", "r1")
    assert p.outcome.executing and all(r.result == "ok" for r in results), results
    assert (balance(world, SOURCE), balance(world, TARGET)) == (before[0] - 2 * BN, before[1] + 2 * BN)
    record = world.journal.engine.record("ryuyo-1.rec").body
    assert (record["class"], record["approvals"], record["approvals_verified"]) == (
        "TRANSFER_RYUYO", ["request:r1"], True)
    # decision, execution record, transfer, budget record: the last three linked
    events = [world.journal.engine.record("request:r1:x"), world.journal.engine.transfer("ryuyo-1")]
    assert events[0].flags == ("linked",) and events[1].flags == ("linked",)
    assert world.journal.engine.record("request:r1:x").body["approvers"] == ["fin.suzuki", "mof.sato"]


def test_two_mod_approvers_never_make_a_ryuyo(world):
    build(world.journal)
    world.run(world.desk.create("fin.tanaka", "r1", ryuyo()))
    world.approve("fin.suzuki", "r1")
    refused(world, world.desk.execute("fin.tanaka", "r1"), 409, "quorum_not_reached")
    p, _ = world.approve("mof.ito", "r1")
    assert p.outcome.executing


def test_budget_refusals_at_request_time_and_at_quorum(world):
    build(world.journal)
    reallot = BudgetAction(Transfer(id="x", fiscal_year=FY, source=SOURCE, target=SOURCE.rsplit(":", 1)[0],
                                    amount_yen=1))  # fmt: skip
    refused(world, world.desk.create("fin.tanaka", "r0", reallot), 409, "approval_not_needed")
    refused(world, world.desk.create("fin.tanaka", "r0", ryuyo(amount=10**12)), 409, "exceeds_available")
    refused(world, world.desk.create("treasury.ueda", "r0", ryuyo()), 403, "not_permitted")
    # The money leaves the source between the request and the quorum: the decision is
    # recorded, the execution is refused with the budget's code, and nothing moves.
    world.run(world.desk.create("fin.tanaka", "r1", ryuyo(amount=60 * BN)))
    world.run(world.desk.create("fin.tanaka", "r2", ryuyo("ryuyo-2", amount=60 * BN)))
    world.approve("fin.suzuki", "r1")
    world.approve("fin.suzuki", "r2")
    p, _ = world.approve("mof.sato", "r1")
    assert p.outcome.executing
    p, results = world.approve("mof.sato", "r2")
    assert not p.outcome.executing and p.outcome.execution_error.code == "exceeds_available" and len(results) == 1
    refused(world, world.desk.execute("fin.tanaka", "r2"), 409, "exceeds_available")
    refused(world, world.desk.execute("reader.oda", "r2"), 403, "not_involved")


def test_direct_movements_under_approval_are_refused(world):
    build(world.journal)
    engine = world.journal.engine
    op = Transfer(id="t1", fiscal_year=FY, source=SOURCE, target=TARGET, amount_yen=BN, approvals=("mof:letter-42",))
    with pytest.raises(Refused) as info:
        check_direct(engine, plan(View(engine), op, 0, "fin.tanaka"), world.policy)
    assert info.value.code == "approval_required"
    reallot = Transfer(id="t2", fiscal_year=FY, source=SOURCE, target=SOURCE.rsplit(":", 1)[0], amount_yen=1)
    assert check_direct(engine, plan(View(engine), reallot, 0, "fin.tanaka"), world.policy)


def _stricter() -> PolicyChangeAction:
    policy = default_policy()
    rules = msgspec.to_builtins(policy.rules)
    rules["kinds"]["freeze"]["approvals"] = 2
    return PolicyChangeAction(cedar=policy.cedar, rules=rules)


def test_a_policy_changes_only_through_an_approved_request(world):
    fund(world, "gsdf:ops", 10)
    refused(world, world.desk.create("fin.tanaka", "p1", _stricter()), 403, "not_permitted")
    bad = PolicyChangeAction(cedar='permit (principal, action == Action::"pay", resource);',
                             rules=msgspec.to_builtins(default_policy().rules))  # fmt: skip
    exc = refused(world, world.desk.create("sec.kimura", "p0", bad), 400, "policy_invalid")
    assert any("unrecognized action" in d for d in exc.fields["details"])
    same = PolicyChangeAction(cedar=default_policy().cedar, rules=msgspec.to_builtins(default_policy().rules))
    refused(world, world.desk.create("sec.kimura", "p0", same), 409, "policy_unchanged")
    world.run(world.desk.create("sec.kimura", "p1", _stricter()))
    world.approve("sec.hayashi", "p1")
    assert world.policy.changes == 0  # one approval of two: the old policy rules
    p, _ = world.approve("sec.ueno", "p1")
    assert p.outcome.executing and world.policy.changes == 1
    assert world.policy.current.digest != default_policy().digest
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account="gsdf:ops")))
    assert world.journal.engine.record("request:f1").body["quorum"]["approvals"] == 2
    p, _ = world.approve("boa.kato", "f1")
    assert not p.outcome.executing


def test_a_request_made_by_someone_unknown_is_refused(world):
    with pytest.raises(Refused) as info:
        world.run(world.desk.create("ghost", "g1", FreezeAction(account="gsdf:ops")))
    assert info.value.code == "identity_unknown"
