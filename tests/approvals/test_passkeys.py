"""Approving with a passkey: the desk takes an assertion over the challenge the approval statement
gives (bound to the request's digest) from a passkey the approver registered, records it in the
decision, and `ramp verify` checks it offline against the registered key — no secret of the
service involved. Another statement, another credential, a person not verified, another origin
or RP are refused by the desk; a tampered assertion in the log fails verification."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from ramp.approvals import model as approval_model
from ramp.approvals.actions import FreezeAction, UnfreezeAction
from ramp.auth import passkeys
from ramp.ledger import AppendRecord
from ramp.refusal import Refused
from tests.approvals import test_verify as verify_tests
from tests.approvals.test_verify import ACCOUNT, failure, verify
from tests.auth.soft_passkey import UP, SoftPasskey

world = verify_tests.world  # the fixture: a journal with the people, a log key, a funded account


def statement(world, rid: str, who: str, decision: str = "approve") -> bytes:
    body = world.journal.engine.record(f"request:{rid}").body
    return approval_model.statement(decision, rid, approval_model.request_digest(body), who)


@pytest.fixture
def kato(world):
    """boa.kato with a registered passkey, and a freeze request waiting for them."""
    key = SoftPasskey()
    world.journal.submit([key.record("boa.kato")])
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    return key


def test_an_approval_with_a_passkey_executes_and_verifies_offline(world, kato):
    assertion = kato.sign(passkeys.approval_challenge(statement(world, "f1", "boa.kato")))
    plan = world.desk.decide("boa.kato", "f1", "approve", passkey=assertion)
    results = world.run(plan)
    assert plan.outcome.executing and all(r.result == "ok" for r in results)
    body = world.journal.engine.record("request:f1:d1").body
    assert (body["via"], body["second_factor"], body["key"]) == ("passkey", "passkey", "")
    assert body["assertion"] == assertion.record_body()
    assert base64.b64decode(body["signature"]) == assertion.signature
    report = verify(world)
    assert (report.decisions, report.executions) == (1, 1)


@pytest.mark.parametrize("case", ["other statement", "reject's statement", "not verified", "other origin",
                                  "other rp", "create type", "other credential"])  # fmt: skip
def test_the_desk_refuses_an_assertion_that_is_not_this_approval(world, kato, case):
    challenge = passkeys.approval_challenge(statement(world, "f1", "boa.kato"))
    assertion = {
        "other statement": lambda: kato.sign(passkeys.approval_challenge(statement(world, "f1", "boa.mori"))),
        "reject's statement": lambda: kato.sign(passkeys.approval_challenge(statement(world, "f1", "boa.kato", "reject"))),
        "not verified": lambda: kato.sign(challenge, flags=UP),
        "other origin": lambda: kato.sign(challenge, origin="https://evil.example"),
        "other rp": lambda: kato.sign(challenge, rp_id="evil.example"),
        "create type": lambda: kato.sign(challenge, type_="webauthn.create"),
        "other credential": lambda: SoftPasskey().sign(challenge),
    }[case]()
    size = world.journal.size
    with pytest.raises(Refused) as info:
        world.run(world.desk.decide("boa.kato", "f1", "approve", passkey=assertion))
    assert info.value.code == ("passkey_unknown" if case == "other credential" else "passkey_invalid")
    assert world.journal.size == size


def test_a_passkey_of_another_person_is_not_theirs(world, kato):
    assertion = kato.sign(passkeys.approval_challenge(statement(world, "f1", "boa.mori")))
    with pytest.raises(Refused) as info:
        world.run(world.desk.decide("boa.mori", "f1", "approve", passkey=assertion))
    assert info.value.code == "passkey_unknown"


@pytest.mark.parametrize("part", ["authenticator_data", "client_data_json", "signature", "credential_id"])
def test_a_tampered_assertion_in_the_log_fails_verification(world, kato, part):
    good = kato.sign(passkeys.approval_challenge(statement(world, "f1", "boa.kato")))
    value = getattr(good, part)
    flipped = value[:-1] + bytes([value[-1] ^ 0x01])
    write_decision(world, "f1", dataclasses.replace(good, **{part: flipped}))
    failure(world, "passkey decision by boa.kato does not verify")


def write_decision(world, rid: str, assertion: passkeys.Assertion) -> None:
    """boa.kato's first decision on `rid` with `assertion`, written straight into the log (past the desk)."""
    digest = approval_model.request_digest(world.journal.engine.record(f"request:{rid}").body)
    world.journal.submit([AppendRecord(id=f"request:{rid}:d1", type=approval_model.APPROVED, body={
        "request": rid, "n": 1, "approver": "boa.kato", "organisation": "boa", "digest": digest,
        "signature": base64.b64encode(assertion.signature).decode(), "key": "", "via": "passkey",
        "second_factor": "passkey", "assertion": assertion.record_body()})])  # fmt: skip


def test_a_passkey_record_out_of_order_or_for_no_one_fails_verification(world):
    world.journal.submit([SoftPasskey().record("no.one")])
    failure(world, "is not the next passkey of a known identity")


# --- the signature counter (WebAuthn §7.2 step 22) ------------------------------------------------


def _approve(world, key: SoftPasskey, rid: str, who: str = "boa.kato"):
    return world.desk.decide(who, rid, "approve", passkey=key.sign(passkeys.approval_challenge(statement(world, rid, who))))


def test_an_assertion_whose_counter_does_not_grow_is_refused_as_a_copy(world, kato):
    kato.counter = 41
    world.run(_approve(world, kato, "f1"))  # counter 42, in the log
    world.run(world.desk.create("boa.mori", "f2", UnfreezeAction(account=ACCOUNT)))  # f1 froze it
    for stale in (41, 40):  # the same counter again (a replay), and one below it (a copy lagging behind)
        kato.counter = stale
        size = world.journal.size
        with pytest.raises(Refused) as info:
            world.run(_approve(world, kato, "f2"))
        assert info.value.code == "passkey_cloned" and world.journal.size == size
    kato.counter = 42
    assert world.run(_approve(world, kato, "f2"))[0].result == "ok"  # 43: the authenticator itself goes on


def test_the_counters_come_back_from_the_log_after_a_restart(world, kato):
    kato.counter = 9
    world.run(_approve(world, kato, "f1"))  # 10
    fresh = passkeys.PasskeyCounters()  # what a restarted service replays
    fresh.apply(world.journal.events(range(world.journal.size)))
    with pytest.raises(passkeys.PasskeyInvalid) as info:
        fresh.claim(kato.credential_id, 10)
    assert info.value.code == "passkey_cloned"
    fresh.claim(kato.credential_id, 11)


def test_an_authenticator_that_keeps_no_counter_is_let_be(world):
    class NoCounter(SoftPasskey):
        def sign(self, challenge, **kw):
            a = super().sign(challenge, **kw)
            self.counter = 0  # every assertion says 0, as some security keys do
            return a

    key = NoCounter()
    world.journal.submit([key.record("boa.kato")])
    key.counter = -1
    for rid, requester, action in (("z1", "fin.tanaka", FreezeAction), ("z2", "boa.mori", UnfreezeAction)):
        world.run(world.desk.create(requester, rid, action(account=ACCOUNT)))
        key.counter = -1  # sign() adds one: 0
        assert world.run(_approve(world, key, rid))[0].result == "ok"
    assert verify(world).decisions == 2


def test_a_counter_that_goes_back_in_the_log_fails_verification(world, kato):
    kato.counter = 20
    world.run(_approve(world, kato, "f1"))  # 21
    world.run(world.desk.create("boa.mori", "f2", UnfreezeAction(account=ACCOUNT)))  # f1 froze it
    kato.counter = 4  # a copy of the key, made when it stood at 4, signs (5): written past the desk
    write_decision(world, "f2", kato.sign(passkeys.approval_challenge(statement(world, "f2", "boa.kato"))))
    failure(world, "signature counter (5) did not grow since its last use (21)")


def test_the_record_types_the_counters_watch_are_the_desks_own():
    from ramp.contracts import state as contract_state

    assert frozenset(approval_model.DECISION_TYPES) == passkeys.DECIDED
    assert passkeys.ATTESTED == contract_state.ATTESTED
