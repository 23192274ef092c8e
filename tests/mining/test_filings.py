"""A mining operator files three monthly reports over real HTTP, one late and one with a value
out of range, and discloses a transaction log; every filing is answered with a receipt that
`ramp verify-receipt RECEIPT --log-key K` verifies offline (and refuses once altered); the
regulator sees the late and the out-of-range flags and none for the good filing."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.budget import model as budget_model
from ramp.client import RampClient
from ramp.journal import Journal
from ramp.journal.log import LogSigner
from ramp.mining import filings
from ramp.mining.receipt import ReceiptInvalid, verify
from ramp.policy.identities import IdentityRegistry, identity_added
from ramp.server import create_app
from ramp.store import SQLiteStore
from ramp.tlog.note import Ed25519Signer, generate_key
from tests.approvals.helpers import raw
from tests.net import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "ramp.test/mining"
PEOPLE = {
    "fsa.regulator": ("mod", ["regulator"]),
    "op.hokkaido": ("contractor-hokkaido-hash", ["mining_operator"]),
    "op.unlisted": ("contractor-unlisted", ["mining_operator"]),
    "boa.kato": ("boa", ["auditor"]),
}
GOOD = {"energy_kwh": 12_000_000, "renewable_share_bp": 6_500, "scope1_tco2e": 0, "scope2_tco2e": 2_900,
        "scope3_tco2e": 300, "hashrate_ths": 1_200_000, "uptime_bp": 9_870, "heat_reuse_kwh": 1_500_000}  # fmt: skip
REGISTRATION = {"operator": "op.hokkaido", "name": "Hokkaido Hash K.K. (fictitious)", "licence": "JFSA-M-0042",
                "sites": [{"id": "tomakomai-1", "grid_region": "hepco", "capacity_kw": 20_000}]}  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.t = budget_model.jst_ns(2025, 5, 1) / 1e9

    def __call__(self) -> float:
        return self.t

    def ns(self) -> int:
        return int(self.t * 1e9)

    def at(self, year: int, month: int, day: int) -> None:
        self.t = budget_model.jst_ns(year, month, day, 10) / 1e9


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mining")
    skey, vkey = generate_key(ORIGIN)
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(str(tmp / "ramp.db")), projections=[identities],
                      log=LogSigner(ORIGIN, Ed25519Signer.from_skey(skey)))  # fmt: skip
    keys = {who: Ed25519PrivateKey.generate() for who in PEOPLE}
    journal.submit([identity_added(who, org, roles, raw(keys[who])) for who, (org, roles) in PEOPLE.items()])
    clock = Clock()
    journal.clock_ns = clock.ns
    with serve_in_thread(create_app(journal, identities, clock=clock)) as url:
        clients = {who: RampClient(url, who, key, clock=clock) for who, key in keys.items()}
        r = clients["fsa.regulator"].post("/v1/mining/operators", json=REGISTRATION)
        assert r.status_code == 201, r.text
        filed = {}
        for (y, m, d), period, fields in [((2025, 5, 10), "2025-04", GOOD),
                                          ((2025, 6, 20), "2025-05", GOOD),  # five days late
                                          ((2025, 7, 14), "2025-06", {**GOOD, "renewable_share_bp": 12_500})]:
            clock.at(y, m, d)
            r = clients["op.hokkaido"].post("/v1/mining/reports", json={"period": period, **fields})
            assert r.status_code == 201, r.text
            filed[period] = r.json()
        yield journal, clients, clock, vkey, filed, tmp
    journal.close()


def verify_receipt(tmp: Path, receipt: dict, key: str) -> subprocess.CompletedProcess:
    path = tmp / f"receipt-{hashlib.sha256(json.dumps(receipt).encode()).hexdigest()[:12]}.json"
    path.write_text(json.dumps(receipt))
    return subprocess.run([sys.executable, "-m", "ramp.cli", "verify-receipt", str(path), "--log-key", key],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_the_flags_are_the_late_and_the_out_of_range_filings(world):
    _journal, clients, _clock, _vkey, filed, _tmp = world
    assert filed["2025-04"]["flags"] == []
    assert [(f["kind"], f["field"]) for f in filed["2025-05"]["flags"]] == [("late", None)]
    assert [(f["kind"], f["field"]) for f in filed["2025-06"]["flags"]] == [("out_of_range", "renewable_share_bp")]
    view = clients["fsa.regulator"].get("/v1/mining/operators/op.hokkaido").json()
    assert [f["body"]["period"] for f in view["flags"]] == ["2025-05", "2025-06"]
    assert [f["body"]["report"]["period"] for f in view["filings"]] == ["2025-04", "2025-05", "2025-06"]
    assert [f["record_id"] for f in view["filings"]] == [filed[p]["record_id"] for p in ("2025-04", "2025-05", "2025-06")]


@pytest.mark.parametrize("period", ["2025-04", "2025-05", "2025-06"])
def test_every_receipt_verifies_offline_with_the_log_key(world, period):
    _journal, _clients, _clock, vkey, filed, tmp = world
    out = verify_receipt(tmp, filed[period]["receipt"], vkey)
    assert out.returncode == 0, out.stderr
    assert filed[period]["record_id"] in out.stdout
    record = verify(json.dumps(filed[period]["receipt"]).encode(), vkey).record
    assert record.type == filings.REPORT_RECORD and record.body["report"]["period"] == period


def _altered(receipt: dict, field: str) -> dict:
    bad = dict(receipt)
    if field == "body":
        event = json.loads(base64.b64decode(bad["body"]))
        event["body"]["report"]["renewable_share_bp"] = 9_000  # a nicer figure after the fact
        bad["body"] = base64.b64encode(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).decode()
    elif field == "seq":
        bad["seq"] = bad["seq"] - 1
    elif field == "hashes":
        bad["hashes"] = bad["hashes"][::-1] if len(bad["hashes"]) > 1 else []
    elif field == "checkpoint":
        bad["checkpoint"] = bad["checkpoint"].replace(ORIGIN, "ramp.test/other", 1)
    return bad


@pytest.mark.parametrize("field", ["body", "seq", "hashes", "checkpoint"])
def test_an_altered_receipt_does_not_verify(world, field):
    _journal, _clients, _clock, vkey, filed, tmp = world
    bad = _altered(filed["2025-06"]["receipt"], field)
    with pytest.raises(ReceiptInvalid):
        verify(json.dumps(bad).encode(), vkey)
    if field == "body":
        out = verify_receipt(tmp, bad, vkey)
        assert out.returncode == 1 and "does not verify" in out.stderr


def test_another_key_does_not_verify_it(world):
    _journal, _clients, _clock, _vkey, filed, tmp = world
    _skey, other = generate_key(ORIGIN)
    assert verify_receipt(tmp, filed["2025-04"]["receipt"], other).returncode == 1


def test_missing_fields_are_flagged_each(world):
    _journal, clients, clock, _vkey, _filed, _tmp = world
    clock.at(2025, 8, 1)
    fields = {k: v for k, v in GOOD.items() if k not in ("hashrate_ths", "scope3_tco2e")}
    r = clients["op.hokkaido"].post("/v1/mining/reports", json={"period": "2025-07", **fields})
    assert r.status_code == 201, r.text
    assert sorted((f["kind"], f["field"]) for f in r.json()["flags"]) == [
        ("missing_field", "hashrate_ths"), ("missing_field", "scope3_tco2e")]  # fmt: skip


def test_heat_reused_over_energy_used_is_out_of_range():
    report = filings.Report(period="2025-04", **{**GOOD, "heat_reuse_kwh": GOOD["energy_kwh"] + 1})
    assert [(f.kind, f.field) for f in filings.findings(report, 0)] == [("out_of_range", "heat_reuse_kwh")]


def test_the_due_date_is_the_16th_of_the_next_month_jst():
    assert filings.due_ns("2025-12") == budget_model.jst_ns(2026, 1, 16, 0)
    report = filings.Report(period="2025-04", **GOOD)
    due = filings.due_ns("2025-04")
    assert filings.findings(report, due - 1) == [] and [f.kind for f in filings.findings(report, due)] == ["late"]


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("op.hokkaido", {"period": "2025-13", **GOOD}, 400, "invalid_request"),
    ("op.hokkaido", {"period": "2025-08", **GOOD, "energy_kwh": -1}, 400, "invalid_request"),
    ("op.hokkaido", {"period": "2025-08", **GOOD, "energy_kwh": "lots"}, 400, "invalid_request"),
    ("op.hokkaido", {"period": "2025-08", **GOOD, "hashrate_eh": 1}, 400, "invalid_request"),
    ("op.unlisted", {"period": "2025-08", **GOOD}, 403, "operator_not_registered"),
    ("boa.kato", {"period": "2025-08", **GOOD}, 403, "forbidden"),
])  # fmt: skip
def test_bad_filings_are_refused_and_write_nothing(world, who, body, status, code):
    journal, clients, _clock, _vkey, _filed, _tmp = world
    size = journal.size
    r = clients[who].post("/v1/mining/reports", json=body)
    assert r.status_code == status, r.text
    if status != 403 or code != "forbidden":
        assert r.json()["error"]["code"] == code
    assert journal.size == size


def test_a_disclosure_is_checked_against_its_file_and_receipted(world):
    journal, clients, _clock, vkey, _filed, tmp = world
    log = b"tx1,0.5\ntx2,1.25\ntx3,0.01\n"
    body = {"period": "2025-06", "file_sha256": hashlib.sha256(log).hexdigest(), "record_count": 3,
            "file_b64": base64.b64encode(log).decode()}  # fmt: skip
    size = journal.size
    r = clients["op.hokkaido"].post("/v1/mining/disclosures", json={**body, "record_count": 4})
    assert r.status_code == 422 and r.json()["error"]["errors"][0]["path"] == "/record_count"
    assert journal.size == size
    r = clients["op.hokkaido"].post("/v1/mining/disclosures", json=body)
    assert r.status_code == 201, r.text
    assert verify_receipt(tmp, r.json()["receipt"], vkey).returncode == 0
    record = journal.engine.record(r.json()["record_id"])
    assert record is not None and record.body["file_sha256"] == body["file_sha256"] and record.body["record_count"] == 3


def test_the_regulator_exports_filings_and_flags_as_csv(world):
    _journal, clients, _clock, _vkey, filed, _tmp = world
    r = clients["fsa.regulator"].get("/v1/mining/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    flags = [(row["period"], row["kind"], row["field"]) for row in rows if row["type"] == filings.FLAG_RECORD]
    assert ("2025-05", "late", "") in flags and ("2025-06", "out_of_range", "renewable_share_bp") in flags
    reports = [row["record_id"] for row in rows if row["type"] == filings.REPORT_RECORD]
    assert [filed[p]["record_id"] for p in ("2025-04", "2025-05", "2025-06")] == reports[:3]
    assert clients["op.hokkaido"].get("/v1/mining/export.csv").status_code == 403
