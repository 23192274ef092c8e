"""The demo's people: every one an identity in the log with the organisation and roles named,
a key file that holds that identity's key, and a web login (the demo password, a TOTP secret of
their own) in a 0600 credentials file, enrolled in the log without any secret; the approval
requests waiting in their inboxes; adding them again adds nothing, an older database gains
them, a lost credentials file is made again, an expired request gets a fresh copy."""

from __future__ import annotations

import json
import os
import stat
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.approvals.desk import Desk
from ramp.approvals.model import statement
from ramp.approvals.state import load as load_request
from ramp.auth.credentials import CredentialFile, check_password
from ramp.auth.totp import SECRET_BYTES, from_b32
from ramp.client import load_key_file
from ramp.contracts import state as contract_state
from ramp.demo.approvals import seed_requests
from ramp.demo.contract_requests import SEEDS as CONTRACT_SEEDS
from ramp.demo.load import as_of_clock, load, open_demo_journal
from ramp.demo.people import (
    CONTRACTOR_CONTRACT,
    DEMO_PASSWORD,
    PEOPLE,
    add_people,
    credentials_path,
    key_path,
    organisation_of,
)
from ramp.journal import Journal
from ramp.ledger.events import RecordAppended
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import ROLES, SYSTEM_ROLES, IdentityRegistry, identity_added
from ramp.store import SQLiteStore

pytestmark = pytest.mark.slow  # generates the demo dataset: `make test` runs it, `make test-fast` does not

DAY_NS = 86_400 * 10**9
AS_OF = date(2026, 12, 7)  # the demo's calendar, pinned: FY2026 is the open year
NOW = as_of_clock(AS_OF)  # what the loader made "now" was made at


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("people") / "demo.db")
    load(path, seed=2025, size="small", as_of=AS_OF)
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(path), projections=[identities])
    yield path, journal, identities
    journal.close()


@pytest.fixture
def fresh(tmp_path):
    """A newly loaded small demo database, open for writing."""
    path = str(tmp_path / "demo.db")
    load(path, seed=2025, size="small", as_of=AS_OF)
    journal, _, identities = open_demo_journal(path)
    journal.clock_ns = NOW  # the business clock on the as-of date, as the loader's
    yield path, journal, identities
    journal.close()


def test_each_person_is_an_identity_with_the_key_in_their_key_file(loaded):
    path, journal, identities = loaded
    assert _mode(f"{path}.keys") == 0o700
    for p in PEOPLE:
        identity = identities.get(p.id)
        assert identity is not None, p.id
        assert (identity.organisation, identity.roles) == (organisation_of(journal, p), frozenset(p.roles))
        assert set(p.roles) <= ROLES
        assert _mode(key_path(path, p.id)) == 0o600
        key = load_key_file(key_path(path, p.id))
        assert key.identity == p.id and key.private_key.public_key().public_bytes_raw() == identity.public_key
    # Other parts of the demo (its contracts) name these people: ids, organisations and roles are fixed.
    assert {p.id: (p.organisation, set(p.roles)) for p in PEOPLE} == {
        "fo.tanaka": ("mod-feb", {"finance_officer", "ledger_reader"}), "fo.kobayashi": ("mod-feb", {"finance_officer"}),
        "fo.yamamoto": ("mod-feb", {"finance_officer"}),
        "mof.sato": ("mof", {"mof_examiner"}),
        "atla.co.ito": ("atla", {"contracting_officer", "certifying_officer"}),
        "atla.inspector.suzuki": ("atla", {"inspector"}), "asdf.inspector.takahashi": ("asdf", {"inspector"}),
        "boa.auditor.watanabe": ("boa", {"auditor"}), "vendor.mhi": ("contractor-mhi", {"contractor"}),
    }  # fmt: skip
    # vendor.mhi works for a real vendor of the demo: the one of its heavy-industry contract
    vendor = contract_state.load(journal.engine.record, CONTRACTOR_CONTRACT).terms.vendor
    assert identities.get("vendor.mhi").organisation == f"contractor-{vendor}" and "-heavy-ind-" in vendor


def test_each_person_has_a_web_login_and_the_log_says_so_without_a_secret(loaded):
    path, journal, _ = loaded
    assert _mode(credentials_path(path)) == 0o600
    credentials = CredentialFile(credentials_path(path))
    secrets = []
    for p in PEOPLE:
        credential = credentials.get(p.id)
        assert credential is not None and check_password(credential.password, DEMO_PASSWORD), p.id
        assert len(from_b32(credential.totp_secret)) == SECRET_BYTES
        secrets.append(credential.totp_secret)
    assert len(set(secrets)) == len(PEOPLE)  # a secret each
    records = [e for e in journal.events(range(journal.size)) if type(e) is RecordAppended]
    enrolled = {e.body["identity"]: e.body["by"] for e in records if e.type == "auth.enrolled"}
    assert enrolled == {p.id: "ramp demo" for p in PEOPLE}
    text = repr([e.body for e in records])
    assert DEMO_PASSWORD not in text and not any(s in text for s in secrets)


def test_requests_wait_in_the_inboxes(loaded):
    path, journal, _ = loaded
    pac3, vessels, freeze = (load_request(journal.engine.record, r) for r in
                             ("ryuyo-pac3", "ryuyo-vessel-upkeep", "freeze-split-payments"))  # fmt: skip
    now = NOW()
    assert pac3 is not None and vessels is not None and freeze is not None
    assert all(r.status(now) == "open" for r in (pac3, vessels, freeze))
    assert (pac3.requester, pac3.kind, [(d.approver, d.decision) for d in pac3.decisions]) == (
        "fo.tanaka", "ryuyo", [("fo.kobayashi", "approve")])  # MoD accounts' approval; MOF's completes it
    assert (vessels.requester, vessels.kind, vessels.decisions) == ("fo.tanaka", "ryuyo", ())
    assert pac3.rule.required_organisations == ("mof",)
    assert (freeze.requester, freeze.kind) == ("boa.auditor.watanabe", "freeze")
    with open(f"{path}.irregularities.json", encoding="utf-8") as f:
        suspect = json.load(f)["split_payments"][0]["vendor"]
    assert freeze.body["action"]["account"] == f"vendor:{suspect}"
    for state in (pac3, vessels):
        op = state.body["action"]["operation"]
        assert op["source"].split(":")[0] == op["target"].split(":")[0]  # one item (項): a 流用
        assert op["source"].split(":")[1] != op["target"].split(":")[1]  # between sub-items (目)
        assert op["amount_yen"] > 0 and op["amount_yen"] % 1_000_000 == 0
        assert op["fiscal_year"] == 2026  # the open year of the clock, not the closed FY2025


# Who of the demo's people completes each seeded request (requester excluded), in order.
COMPLETES: dict[str, tuple[str, ...]] = {
    "ryuyo-pac3": ("mof.sato",),  # fo.kobayashi approved it in MoD already
    "ryuyo-vessel-upkeep": ("fo.yamamoto", "mof.sato"),
    "freeze-split-payments": ("fo.tanaka",),
    "hold-mc25-sm3-handling": ("boa.auditor.watanabe",),
    "co-mc25-kc46-support": ("fo.yamamoto", "atla.co.ito"),
}


def test_every_seeded_request_can_be_completed_by_the_demo_people(fresh):
    """Each request in the inboxes, decided by demo people with their own keys, executes."""
    path, journal, identities = fresh
    assert {s.id for s in CONTRACT_SEEDS} <= set(COMPLETES)
    desk = Desk(identities, ActivePolicy(), clock_ns=NOW)
    people = {p.id for p in PEOPLE}
    for request_id, deciders in COMPLETES.items():
        state = load_request(journal.engine.record, request_id)
        assert state is not None and state.status(NOW()) == "open", request_id
        for who in deciders:
            assert who in people and who != state.requester
            key = load_key_file(key_path(path, who)).private_key
            state = load_request(journal.engine.record, request_id)
            signature = key.sign(statement("approve", request_id, state.digest, who))
            journal.submit_planned_async(desk.decide(who, request_id, "approve", signature=signature), NOW()).result()
        assert load_request(journal.engine.record, request_id).status(NOW()) == "executed", request_id


def test_adding_the_people_again_adds_nothing(fresh):
    path, journal, _ = fresh
    size = journal.size
    secret = CredentialFile(credentials_path(path)).get("mof.sato").totp_secret
    assert add_people(journal, path) == []
    assert journal.size == size and CredentialFile(credentials_path(path)).get("mof.sato").totp_secret == secret


def test_a_lost_credentials_file_is_made_again_with_new_secrets(fresh):
    path, journal, _ = fresh
    old = CredentialFile(credentials_path(path)).get("fo.tanaka").totp_secret
    os.unlink(credentials_path(path))
    assert add_people(journal, path) == sorted(p.id for p in PEOPLE)
    again = CredentialFile(credentials_path(path)).get("fo.tanaka")
    assert again is not None and again.totp_secret != old and _mode(credentials_path(path)) == 0o600


def test_an_older_database_gains_the_people(tmp_path):
    """One made before the people existed: only `admin`, no budget to make requests from."""
    path = str(tmp_path / "old.db")
    journal, _, identities = open_demo_journal(path)
    try:
        admin = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        journal.submit([identity_added("admin", "mod", list(SYSTEM_ROLES), admin)])
        assert add_people(journal, path) == sorted(p.id for p in PEOPLE)
        assert all(identities.get(p.id) is not None for p in PEOPLE)
        assert load_request(journal.engine.record, "ryuyo-pac3") is None  # nothing to move: no request
    finally:
        journal.close()


def test_a_request_that_expired_undecided_gets_a_fresh_copy_and_only_one(fresh):
    path, journal, _ = fresh
    later = NOW() + 15 * DAY_NS  # past every demo request's expiry (a 流用's is 14 days)
    made = seed_requests(journal, path, clock_ns=lambda: later)
    assert made == ["ryuyo-pac3-2", "ryuyo-vessel-upkeep-2", "freeze-split-payments-2"]
    assert seed_requests(journal, path, clock_ns=lambda: later) == []  # the copies are open
    copy = load_request(journal.engine.record, "ryuyo-pac3-2")
    assert copy is not None and copy.status(later) == "open" and [d.approver for d in copy.decisions] == ["fo.kobayashi"]
    assert copy.body["action"]["operation"]["id"] == "ryuyo-pac3-2"  # its own operation id
