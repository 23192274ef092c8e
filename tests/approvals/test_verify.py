"""`ramp verify` checks approvals offline: a log of real approval flows verifies; a log where
an execution lacks its quorum, a signature does not verify, a requester decided, a revoked key
signed, a decision or execution came after expiry, or an account was frozen without a request,
fails at that entry."""

from __future__ import annotations

import base64
import time

import pytest

from ramp.approvals import model as approval_model
from ramp.approvals.actions import FreezeAction, UnfreezeAction, execution_chain
from ramp.approvals.state import load
from ramp.audit.bundle import export_store
from ramp.audit.verify import VerifyFailure, main, verify_bundle
from ramp.auth import passkeys
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import AppendRecord, ChangeAccountFlags
from ramp.policy.identities import b64, key_revoked
from ramp.refusal import Refused
from ramp.store import SQLiteStore
from tests.approvals.helpers import fund, make_world
from tests.auth.soft_passkey import SoftPasskey

ORIGIN = "verify.test/approvals"
ACCOUNT = "gsdf:ops"


@pytest.fixture
def world(tmp_path):
    create_log_key(str(tmp_path / "log.key"), ORIGIN)
    log = LogSigner.from_key_file(str(tmp_path / "log.key"), ORIGIN)
    w = make_world(SQLiteStore(str(tmp_path / "ramp.db")), log=log)
    fund(w, ACCOUNT, 100)
    w.tmp = tmp_path  # type: ignore[attr-defined]
    yield w
    w.journal.close()


def verify(world) -> object:
    world.journal.flush()
    out = world.tmp / f"bundle-{time.monotonic_ns()}"
    export_store(world.journal.store, str(out))
    return verify_bundle(str(out))


def failure(world, fragment: str) -> None:
    with pytest.raises(VerifyFailure) as info:
        verify(world)
    assert fragment in info.value.reason, info.value
    assert info.value.where.startswith("entry ")


def decision(world, who: str, rid: str, n: int, *, key=None, decision="approve") -> AppendRecord:
    state_body = world.journal.engine.record(f"request:{rid}").body
    digest = approval_model.request_digest(state_body)
    signer = key or world.keys[who]
    org = world.identities.get(who).organisation
    sig = signer.sign(approval_model.statement(decision, rid, digest, who))
    pub = world.identities.get(who).public_key
    return AppendRecord(id=approval_model.decision_record_id(rid, n), type=approval_model.APPROVED if decision == "approve" else approval_model.REJECTED,
                        body={"request": rid, "n": n, "approver": who, "organisation": org, "digest": digest,
                              "signature": b64(sig), "key": b64(pub) if pub else "", "via": "signature",
                              "second_factor": ""})  # fmt: skip


def forged_execution(rid: str, approvals: list[int], approvers: list[str], set_: bool = True) -> list:
    execution = AppendRecord(id=approval_model.execution_record_id(rid), type=approval_model.EXECUTED,
                             body={"request": rid, "kind": "freeze" if set_ else "unfreeze", "approvals": approvals,
                                   "approvers": approvers, "executed_ns": "0"})  # fmt: skip
    change = ChangeAccountFlags(id=f"request:{rid}:flags", account=ACCOUNT, **{"set" if set_ else "clear": ("frozen",)})
    return execution_chain(execution, [change])


def test_real_flows_verify_with_every_signature_and_quorum_checked(world, capsys):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.approve("boa.kato", "f1")
    world.run(world.desk.create("boa.mori", "u1", UnfreezeAction(account=ACCOUNT)))
    world.approve("fin.suzuki", "u1")
    key = SoftPasskey()  # a decision made in the web: boa.kato's own passkey
    world.journal.submit([key.record("boa.kato")])
    state = load(world.journal.engine.record, "u1")
    text = approval_model.statement("approve", "u1", state.digest, "boa.kato")
    world.run(world.desk.decide("boa.kato", "u1", "approve", passkey=key.sign(passkeys.approval_challenge(text))))
    assert "frozen" not in world.journal.engine.account(ACCOUNT).flags
    world.run(world.desk.create("fin.tanaka", "f2", FreezeAction(account=ACCOUNT)))
    world.approve("boa.mori", "f2", "reject")
    report = verify(world)
    assert (report.decisions, report.executions) == (4, 2)
    bundle = sorted(world.tmp.glob("bundle-*"))[-1]
    assert main([str(bundle)]) == 0
    assert "4 approval signatures, 2 quorums and 0 attestation signatures checked" in capsys.readouterr().out


def test_an_execution_without_quorum_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit(forged_execution("f1", [], []))
    failure(world, "executed without its quorum")


def test_an_execution_naming_other_approvals_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit([decision(world, "boa.kato", "f1", 1)])
    world.journal.submit(forged_execution("f1", [1, 2], ["boa.kato", "x"]))
    failure(world, "names approvals other than those that count")


def test_a_signature_that_does_not_verify_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit([decision(world, "boa.kato", "f1", 1, key=world.keys["boa.mori"])])
    failure(world, "does not verify")


def test_the_requester_deciding_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit([decision(world, "fin.tanaka", "f1", 1)])
    failure(world, "as its requester or twice")


def test_a_decider_the_policy_did_not_allow_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit([decision(world, "mof.sato", "f1", 1)])
    failure(world, "did not let mof.sato approve")


def test_a_revoked_key_signing_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    forged = decision(world, "boa.kato", "f1", 1)  # signed while the key was good...
    world.journal.submit([key_revoked(world.identities.get("boa.kato"), "stolen", "boa.kato")])
    world.journal.submit([forged])  # ...but recorded after the revocation
    failure(world, "not theirs (or revoked)")


def test_decisions_and_executions_after_expiry_fail(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    expires = int(world.journal.engine.record("request:f1").body["expires_ns"])
    world.journal.submit([decision(world, "boa.kato", "f1", 1)], now_ns=expires)
    failure(world, "after it expired")


def test_an_execution_after_expiry_fails(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    world.journal.submit([decision(world, "boa.kato", "f1", 1)])
    expires = int(world.journal.engine.record("request:f1").body["expires_ns"])
    world.journal.submit(forged_execution("f1", [1], ["boa.kato"]), now_ns=expires + 1)
    failure(world, "executed after it expired")


def test_freezing_without_a_request_fails(world):
    world.journal.submit([ChangeAccountFlags(id="sneaky", account=ACCOUNT, set=("frozen",))])
    failure(world, "frozen without an executed freeze request")


def test_a_decision_the_service_vouched_for_fails_even_signed_by_the_log_key(world):
    """What web approvals used to be (issue 15): the log key's signature over the statement for a
    web session. It is no one's own signature, so it counts for nothing."""
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    record = decision(world, "boa.kato", "f1", 1)
    text = approval_model.statement("approve", "f1", record.body["digest"], "boa.kato")
    vouched = world.journal.log.signer.sign(b"ramp-session-approval-v1\n" + text)
    body = {**record.body, "via": "session", "key": "", "signature": base64.b64encode(vouched).decode()}
    world.journal.submit([AppendRecord(id=record.id, type=record.type, body=body)])
    failure(world, "decision by boa.kato (via session) names a key that was not theirs")


def test_the_desk_takes_no_decision_without_the_deciders_own_signature(world):
    world.run(world.desk.create("fin.tanaka", "f1", FreezeAction(account=ACCOUNT)))
    size = world.journal.size
    with pytest.raises(Refused) as exc:
        world.run(world.desk.decide("boa.kato", "f1", "approve"))
    assert exc.value.code == "passkey_required" and world.journal.size == size
