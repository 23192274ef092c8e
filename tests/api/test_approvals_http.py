"""Approvals over real HTTP (uvicorn on loopback): a role the policy does not give is 403 and
writes nothing; a revoked key is refused from its revocation on; signed decisions; a frozen
account is not debited until an approved unfreeze; budget movements under approval are refused
when sent directly."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.api.approval_routes import key_rotation_statement
from ramp.approvals.model import statement
from ramp.client import RampClient
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.policy.identities import ROLES, IdentityRegistry, identity_added
from ramp.server import create_app
from ramp.store import SQLiteStore
from tests.approvals.helpers import PEOPLE, raw
from tests.net import serve_in_thread


@pytest.fixture
def live(tmp_path):
    create_log_key(str(tmp_path / "log.key"), "approvals.test/ramp")
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(str(tmp_path / "ramp.db")), projections=[identities],
                      log=LogSigner.from_key_file(str(tmp_path / "log.key"), "approvals.test/ramp"))  # fmt: skip
    keys = {who: Ed25519PrivateKey.generate() for who in [*PEOPLE, "admin"]}
    people = {**PEOPLE, "admin": ("mod-feb", sorted(ROLES))}
    journal.submit([identity_added(who, org, list(roles), raw(keys[who])) for who, (org, roles) in people.items()])
    with serve_in_thread(create_app(journal, identities)) as url:
        clients = {who: RampClient(url, who, keys[who]) for who in people}
        clients["admin"].post("/v1/accounts", json={"accounts": [
            {"id": "test:issuer", "asset": "JPYD"},
            {"id": "gsdf:ops", "asset": "JPYD", "flags": ["debits_must_not_exceed_credits"]},
            {"id": "gsdf:sink", "asset": "JPYD"}]}).raise_for_status()  # fmt: skip
        pay(clients["admin"], "mint", "test:issuer", "gsdf:ops", 100)
        yield journal, clients, keys
    journal.close()


def pay(client: RampClient, id_: str, debit: str, credit: str, amount: int) -> str:
    r = client.post("/v1/transfers", json={"transfers": [{"id": id_, "debit_account": debit, "credit_account": credit,
                                                          "amount": amount, "asset": "JPYD", "code": "X"}]})  # fmt: skip
    r.raise_for_status()
    return r.json()["results"][0]["result"]


def decide(clients, keys, who: str, rid: str, decision: str = "approve"):
    digest = clients[who].get(f"/v1/approvals/{rid}").json()["digest"]
    sig = keys[who].sign(statement(decision, rid, digest, who))
    return clients[who].post(f"/v1/approvals/{rid}/{decision}", json={"signature": base64.b64encode(sig).decode()})


def test_without_the_role_it_is_403_and_nothing_is_written(live):
    journal, clients, _ = live
    r = clients["reader.oda"].post("/v1/approvals", json={"id": "f1", "action": {"type": "freeze", "account": "gsdf:ops"}})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_permitted")
    clients["fin.tanaka"].post("/v1/approvals", json={"id": "f1", "action": {"type": "freeze", "account": "gsdf:ops"}})
    size = journal.store.log_size()
    r = decide(clients, live[2], "mof.sato", "f1")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_an_approver")
    r = decide(clients, live[2], "fin.tanaka", "f1")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "self_approval")
    r = clients["boa.kato"].post("/v1/approvals/f1/approve", json={})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "approval_signature_missing")
    r = clients["reader.oda"].post("/v1/identities/boa.kato/revoke", json={"reason": "no"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    assert journal.store.log_size() == size


def test_a_frozen_account_is_debited_only_after_an_approved_unfreeze(live):
    journal, clients, keys = live
    assert pay(clients["admin"], "p1", "gsdf:ops", "gsdf:sink", 1) == "ok"
    r = clients["fin.tanaka"].post("/v1/approvals", json={"id": "f1", "action": {"type": "freeze", "account": "gsdf:ops"},
                                                          "memo": "duplicate invoices"})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "open"
    assert clients["fin.tanaka"].post("/v1/approvals", json={"id": "f1", "action": {"type": "freeze", "account": "gsdf:ops"},
                                                             "memo": "duplicate invoices"}).status_code == 200  # fmt: skip
    r = decide(clients, keys, "boa.kato", "f1")
    assert r.status_code == 200 and r.json()["executed"], r.text
    assert pay(clients["admin"], "p2", "gsdf:ops", "gsdf:sink", 1) == "account_frozen"
    clients["boa.mori"].post("/v1/approvals", json={"id": "u1", "action": {"type": "unfreeze", "account": "gsdf:ops"}})
    r = decide(clients, keys, "fin.tanaka", "u1")
    assert r.status_code == 200 and not r.json()["executed"]
    r = decide(clients, keys, "fin.suzuki", "u1")  # the same organisation: recorded, not counted
    assert r.status_code == 200 and not r.json()["counted"] and not r.json()["executed"]
    r = clients["boa.mori"].post("/v1/approvals/u1/execute")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "quorum_not_reached")
    assert pay(clients["admin"], "p3", "gsdf:ops", "gsdf:sink", 1) == "account_frozen"
    r = decide(clients, keys, "boa.kato", "u1")
    assert r.json()["executed"] and r.json()["request"]["approvals_counted"] == [1, 3]
    assert pay(clients["admin"], "p4", "gsdf:ops", "gsdf:sink", 1) == "ok"
    listed = clients["reader.oda"].get("/v1/approvals", params={"status": "executed"}).json()["requests"]
    assert [x["id"] for x in listed] == ["f1", "u1"]
    assert clients["reader.oda"].get("/v1/approvals/nope").status_code == 404


def test_a_revoked_key_is_refused_from_its_revocation_on(live):
    journal, clients, keys = live
    assert clients["boa.mori"].get("/v1/identities/boa.mori").json()["public_key"] is not None
    r = clients["boa.mori"].post("/v1/identities/boa.mori/revoke", json={"reason": "laptop lost"})
    assert r.status_code == 200 and r.json()["identity"]["public_key"] is None
    r = clients["boa.mori"].get("/v1/approvals")
    assert (r.status_code, r.json()["error"]["code"]) == (401, "key_revoked")
    # A security officer revokes someone else's key at once; a new key comes by approved request.
    assert clients["sec.kimura"].post("/v1/identities/boa.kato/revoke", json={}).status_code == 200
    assert clients["boa.kato"].get("/v1/approvals").json()["error"]["code"] == "key_revoked"
    new = Ed25519PrivateKey.generate()
    new_b64 = base64.b64encode(raw(new)).decode()
    r = clients["sec.kimura"].post("/v1/approvals", json={"id": "k1", "action": {
        "type": "identity_key", "identity": "boa.kato", "public_key": new_b64}})  # fmt: skip
    assert r.status_code == 201, r.text
    decide(clients, keys, "sec.hayashi", "k1")
    assert decide(clients, keys, "admin", "k1").json()["executed"]
    assert RampClient(clients["admin"]._http.base_url, "boa.kato", new).get("/v1/approvals").status_code == 200


def test_rotating_your_own_key(live):
    journal, clients, keys = live
    new = Ed25519PrivateKey.generate()
    new_b64 = base64.b64encode(raw(new)).decode()
    bad = base64.b64encode(keys["mof.sato"].sign(key_rotation_statement("mof.sato", new_b64))).decode()
    r = clients["mof.sato"].post("/v1/identities/mof.sato/rotate", json={"public_key": new_b64, "proof": bad})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "key_proof_invalid")
    proof = base64.b64encode(new.sign(key_rotation_statement("mof.sato", new_b64))).decode()
    r = clients["mof.ito"].post("/v1/identities/mof.sato/rotate", json={"public_key": new_b64, "proof": proof})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    r = clients["mof.sato"].post("/v1/identities/mof.sato/rotate", json={"public_key": new_b64, "proof": proof})
    assert r.status_code == 200 and r.json()["identity"]["public_key"] == new_b64
    assert clients["mof.sato"].get("/v1/policy").json()["error"]["code"] == "bad_signature"
    policy = RampClient(clients["admin"]._http.base_url, "mof.sato", new).get("/v1/policy").json()
    assert policy["changes"] == 0 and "never-your-own" in policy["cedar"]
