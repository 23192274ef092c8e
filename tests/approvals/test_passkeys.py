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
from ramp.approvals.actions import FreezeAction
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
    bad = dataclasses.replace(good, **{part: flipped})
    digest = approval_model.request_digest(world.journal.engine.record("request:f1").body)
    world.journal.submit([AppendRecord(id="request:f1:d1", type=approval_model.APPROVED, body={
        "request": "f1", "n": 1, "approver": "boa.kato", "organisation": "boa", "digest": digest,
        "signature": base64.b64encode(bad.signature).decode(), "key": "", "via": "passkey",
        "second_factor": "passkey", "assertion": bad.record_body()})])  # fmt: skip
    failure(world, "passkey decision by boa.kato does not verify")


def test_a_passkey_record_out_of_order_or_for_no_one_fails_verification(world):
    world.journal.submit([SoftPasskey().record("no.one")])
    failure(world, "is not the next passkey of a known identity")
