"""Milestone contracts through the API over real HTTP (uvicorn on loopback), the service's clock
set to the instants of the scenario: signing, 2-of-3 attestations, retention, a late penalty,
final acceptance; refusals that write nothing; expiry; reading rights."""

from __future__ import annotations

import base64

import msgspec
import pytest

from ramp.budget import model as budget_model
from ramp.client import RampClient
from ramp.contracts.desk import statement
from ramp.server import create_app
from ramp.store import SQLiteStore
from tests.contracts.helpers import BN, VENDOR, make_world, terms
from tests.net import serve_in_thread


class Clock:
    def __init__(self) -> None:
        self.t = budget_model.jst_ns(2025, 6, 2) / 1e9

    def __call__(self) -> float:
        return self.t

    def ns(self) -> int:
        return int(self.t * 1e9)

    def at(self, year: int, month: int, day: int) -> None:
        self.t = budget_model.jst_ns(year, month, day, 10) / 1e9


@pytest.fixture
def api(tmp_path):
    w = make_world(SQLiteStore(str(tmp_path / "ramp.db")))
    clock = Clock()
    w.journal.clock_ns = clock.ns
    with serve_in_thread(create_app(w.journal, w.identities, clock=clock)) as url:
        clients = {who: RampClient(url, who, key, clock=clock) for who, key in w.keys.items() if who != "admin"}
        yield w, clients, clock
    w.journal.close()


def sign_body(t, op_id: str = "sign-c1") -> dict:
    return {"id": op_id, "terms": msgspec.to_builtins(t)}


def attest(w, clients, who: str, milestone: str, slot: str, contract: str = "c1"):
    digest = clients[who].get(f"/v1/contracts/{contract}").json()["digest"]
    sig = w.keys[who].sign(statement(contract, milestone, slot, digest, who))
    return clients[who].post(f"/v1/contracts/{contract}/attestations", json={
        "milestone": milestone, "slot": slot, "signature": base64.b64encode(sig).decode()})  # fmt: skip


def test_the_scenario_ends_with_the_vendor_holding_total_less_penalties(api):
    w, clients, clock = api
    r = clients["atla.co"].post("/v1/contracts", json=sign_body(terms()))
    assert r.status_code == 201, r.text
    assert r.json()["contract"]["escrow_yen"] == 10 * BN
    assert clients["atla.co"].post("/v1/contracts", json=sign_body(terms())).status_code == 200  # a retry
    clock.at(2025, 6, 30)
    assert attest(w, clients, "atla.insp", "m1", "test-evaluation").status_code == 201
    view = attest(w, clients, "asdf.insp", "m1", "receipt").json()["contract"]
    m1 = view["milestones"][0]
    assert (m1["status"], m1["paid_yen"], m1["payment_latency_ns"]) == ("released", 2_850_000_000, 0)
    clock.at(2025, 9, 11)  # ten days late
    attest(w, clients, "atla.insp", "m2", "test-evaluation")
    attest(w, clients, "po.mori", "m2", "documents")
    clock.at(2025, 12, 1)
    attest(w, clients, "asdf.insp", "m3", "receipt")
    attest(w, clients, "atla.insp2", "m3", "test-evaluation")
    r = attest(w, clients, "atla.insp", "final", "final")
    assert r.status_code == 201, r.text
    view = r.json()["contract"]
    assert view["status"] == "completed"
    assert (view["released_yen"], view["penalties_yen"], view["escrow_yen"]) == (10 * BN - 40_000_000, 40_000_000, 0)
    assert [x["what"] for x in view["releases"]] == ["milestone", "milestone", "milestone", "retention"]
    assert all(x["latency_ns"] == 0 for x in view["releases"])  # paid in the accepting attestation's batch
    wallet = clients["reader.oda"].get(f"/v1/accounts/{budget_model.vendor_account(VENDOR)}").json()
    assert int(wallet["credits_posted"]) - int(wallet["debits_posted"]) == 10 * BN - 40_000_000
    escrow = clients["reader.oda"].get(f"/v1/accounts/{budget_model.escrow_account('c1', 2025)}").json()
    assert int(escrow["credits_posted"]) == int(escrow["debits_posted"]) == 10 * BN
    # every step is a record in the log, in order, each with its place (seq) in it
    types = [e["type"] for e in view["events"]]
    assert types.count("contract.attested") == 7 and types.count("contract.released") == 4
    seqs = [e["seq"] for e in view["events"]]
    assert seqs == sorted(seqs) and seqs[-1] < w.journal.size
    vendor = clients["vendor.kanto"].get(f"/v1/vendors/{VENDOR}").json()
    assert (vendor["released_yen"], vendor["pending_yen"], vendor["received_yen"]) == (
        10 * BN - 40_000_000, 0, 10 * BN - 40_000_000)  # fmt: skip


def test_refusals_write_nothing(api):
    w, clients, clock = api
    clients["atla.co"].post("/v1/contracts", json=sign_body(terms())).raise_for_status()
    size = w.journal.size

    def refused(r, status: int, code: str) -> None:
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
        assert w.journal.size == size

    refused(attest(w, clients, "asdf.insp", "m1", "test-evaluation"), 403, "wrong_role")
    refused(attest(w, clients, "fin.tanaka", "m1", "documents"), 403, "wrong_role")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = RampClient(clients["atla.insp"]._http.base_url, "nobody", Ed25519PrivateKey.generate(), clock=clock)
    refused(stranger.post("/v1/contracts/c1/attestations", json={"milestone": "m1", "slot": "receipt",
                                                                  "signature": "A" * 86 + "=="}), 401, "unknown_key")  # fmt: skip
    r = clients["atla.insp"].post("/v1/contracts/c1/attestations", json={"milestone": "m1", "slot": "test-evaluation"})
    refused(r, 400, "attestation_signature_missing")
    r = clients["atla.insp"].post("/v1/contracts/c1/attestations", json={"milestone": "m1", "slot": "test-evaluation",
                                                                         "signature": "A" * 86 + "=="})  # fmt: skip
    refused(r, 400, "attestation_signature_invalid")
    refused(clients["atla.insp"].post("/v1/contracts/c1/attestations", json={"milestone": "m1"}), 400, "invalid_request")
    refused(clients["reader.oda"].post("/v1/contracts", json=sign_body(terms("c2"), "s2")), 403, "forbidden")
    wrong_total = msgspec.structs.replace(terms("c2"), total_yen=11 * BN)
    refused(clients["atla.co"].post("/v1/contracts", json=sign_body(wrong_total, "s2")), 400, "amounts_do_not_add_up")
    big = terms("c3", amounts=(8 * BN, 2 * BN, 2 * BN))  # 12 bn: above the 10 bn threshold
    refused(clients["atla.co"].post("/v1/contracts", json=sign_body(big, "s3")), 409, "approval_required")
    refused(clients["atla.co"].post("/v1/contracts/c1/expire"), 409, "not_expired")
    refused(clients["atla.co"].get("/v1/contracts/c9"), 404, "contract_not_found")
    refused(clients["atla.co"].get("/v1/contracts/C!"), 400, "contract_id_invalid")
    assert attest(w, clients, "atla.insp", "m1", "test-evaluation").status_code == 201
    size = w.journal.size
    refused(attest(w, clients, "atla.insp", "m1", "test-evaluation"), 409, "already_attested")


def test_a_lapsed_contract_returns_its_remainder_and_a_vendor_sees_only_its_own(api):
    w, clients, clock = api
    project = budget_model.node_account(2025, terms().project)
    before = clients["reader.oda"].get(f"/v1/accounts/{project}").json()
    clients["atla.co"].post("/v1/contracts", json=sign_body(terms(retention_bp=0))).raise_for_status()
    clock.at(2025, 7, 1)
    attest(w, clients, "atla.insp", "m1", "test-evaluation")
    attest(w, clients, "asdf.insp", "m1", "receipt")
    clock.at(2026, 3, 16)
    r = clients["atla.co"].post("/v1/contracts/c1/expire")
    assert r.status_code == 200, r.text
    view = r.json()["contract"]
    assert (view["status"], view["deobligated_yen"], view["escrow_yen"]) == ("expired", 7 * BN, 0)
    after = clients["reader.oda"].get(f"/v1/accounts/{project}").json()
    held = lambda a: int(a["credits_posted"]) - int(a["debits_posted"])  # noqa: E731
    assert held(before) - held(after) == 3 * BN  # only what was paid left the project
    assert clients["vendor.kanto"].get("/v1/contracts/c1").status_code == 200
    assert clients["vendor.other"].get("/v1/contracts/c1").status_code == 404
    assert clients["vendor.other"].get(f"/v1/vendors/{VENDOR}").status_code == 403
    listed = clients["vendor.other"].get("/v1/contracts").json()["contracts"]
    assert listed == []
    assert [c["id"] for c in clients["boa.kato"].get("/v1/contracts?status=expired").json()["contracts"]] == ["c1"]


def test_the_service_expires_an_overdue_contract_itself(tmp_path):
    import time

    w = make_world(SQLiteStore(str(tmp_path / "ramp.db")))
    clock = Clock()
    w.journal.clock_ns = clock.ns
    try:
        with serve_in_thread(create_app(w.journal, w.identities, clock=clock, expiry_sweep_s=0.05)) as url:
            client = RampClient(url, "atla.co", w.keys["atla.co"], clock=clock)
            client.post("/v1/contracts", json=sign_body(terms(retention_bp=0))).raise_for_status()
            time.sleep(0.2)
            assert client.get("/v1/contracts/c1").json()["status"] == "signed"  # not before its expiry
            clock.at(2026, 3, 16)
            deadline = time.monotonic() + 10
            while client.get("/v1/contracts/c1").json()["status"] != "expired":
                assert time.monotonic() < deadline, "the sweep did not expire the contract"
                time.sleep(0.05)
            view = client.get("/v1/contracts/c1").json()
            assert view["deobligated_yen"] == 10 * BN and view["events"][-1]["by"] == "system:expiry"
    finally:
        w.journal.close()
