"""Passkeys in headless Chromium with its virtual authenticator (CDP `WebAuthn.*`: CTAP2, internal
transport, resident keys, user verification): a signed-in approver adds a passkey (its key and id
become a log record bound to them), signs out, signs in with it, and approves a 流用 with it; then
`ramp verify` checks the assertion offline against the registered key, and the same log with one
byte of the assertion changed fails the approvals check. Served at http://localhost (a secure
context; the RP id is the host). Screenshots in artifacts/dashboard/."""

from __future__ import annotations

import base64
import os

import msgspec
import pytest

from ramp.approvals import model as approval_model
from ramp.audit.approvals import ApprovalAudit, ApprovalInvalid
from ramp.audit.bundle import export_store
from ramp.audit.verify import verify_bundle
from ramp.auth import passkeys
from ramp.demo.load import load
from ramp.ledger.events import RecordAppended
from tests.web.browser import shot, virtual_authenticator
from tests.web.logins import sign_in_page

pytestmark = pytest.mark.slow  # Chromium: `make test` runs it, `make test-fast` does not

PAC3 = "ryuyo-pac3"
WHO = "mof.sato"


def auth_records(journal, since: int, type_: str) -> list[RecordAppended]:
    return [e for e in journal.events(range(since, journal.size)) if type(e) is RecordAppended and e.type == type_]


@pytest.fixture
def signed(serve, tmp_path):
    """Sign-in over a demo database of this test's own: `ramp verify` runs over the whole of it,
    so no other test's writes to the session's shared copy may be in it."""
    path = str(tmp_path / "own" / "demo.db")
    os.makedirs(os.path.dirname(path))
    load(path, seed=2025, size="small")
    return serve(db=path, sign_in=True)


def test_register_sign_in_and_approve_with_a_passkey_then_verify_offline(signed, page, artifacts, tmp_path):
    url = signed.url.replace("127.0.0.1", "localhost")  # WebAuthn takes a host name, not an address
    cdp, authenticator = virtual_authenticator(page)
    page.goto(url + "/approvals")
    sign_in_page(page, url, WHO, signed.people[WHO])
    assert page.locator("#passkey-count").get_attribute("data-count") == "0"
    assert page.locator(f"#passkey-approve-{PAC3}").count() == 0  # nothing to approve with yet

    page.fill("#passkey-code", signed.people[WHO].code())  # adding a key asks for the second factor again
    with page.expect_navigation():
        page.click("#passkey-add")
    assert page.url.endswith("/approvals?passkey=added"), page.locator("#passkey-status").text_content()
    assert page.locator("#passkey-count").get_attribute("data-count") == "1"
    shot(page, artifacts, "passkey-added")
    record = signed.journal.engine.record(passkeys.record_id(WHO, 1))
    assert record is not None and record.type == passkeys.PASSKEY_ADDED and record.body["rp_id"] == "localhost"
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert passkeys.from_b64url(record.body["credential_id"], 255, "id") == base64.b64decode(credential["credentialId"])
    assert base64.b64decode(credential["userHandle"]) == WHO.encode()  # the identity, in the resident key

    with page.expect_navigation():
        page.click("#sign-out")
    before = signed.journal.size
    page.goto(url + "/signin?next=/approvals")
    assert page.locator("#passkey-signin").is_visible()
    shot(page, artifacts, "signin-passkey")
    with page.expect_navigation():
        page.click("#passkey-sign-in")
    assert page.url.endswith("/approvals")
    assert page.text_content("#signed-in-as").startswith(f"Signed in as {WHO}")
    [login] = auth_records(signed.journal, before, "auth.login")
    assert (login.body["identity"], login.body["second_factor"]) == (WHO, "passkey")
    assert login.body["passkey"]["credential_id"] == record.body["credential_id"]  # its counter, for the next use

    page.locator(f"#passkey-approve-{PAC3}").wait_for()
    with page.expect_navigation():
        page.click(f"#passkey-approve-{PAC3}")  # no code typed: the passkey is the second factor
    done = page.locator("#inbox-done")
    assert done.get_attribute("data-outcome") in ("executed", "counted"), page.text_content("main")[:500]
    shot(page, artifacts, "approvals-passkey")
    state = signed.journal.engine.record(f"request:{PAC3}")
    decision = next(e for e in signed.journal.events(range(before, signed.journal.size))
                    if type(e) is RecordAppended and e.type == approval_model.APPROVED)  # fmt: skip
    assert (decision.body["approver"], decision.body["via"], decision.body["key"]) == (WHO, "passkey", "")
    assert decision.body["digest"] == approval_model.request_digest(state.body)
    assert sorted(decision.body["assertion"]) == ["authenticator_data", "client_data_json", "credential_id"]
    assert page.errors == []

    # Offline: ramp verify over the exported store checks the assertion against the registered key.
    signed.journal.flush()
    bundle = tmp_path / "bundle"
    export_store(signed.journal.store, str(bundle))
    report = verify_bundle(str(bundle))
    assert report.decisions >= 1

    # The same events with one byte of the assertion changed: the approvals check refuses it.
    events = list(signed.journal.events(range(0, signed.journal.size)))
    audit = ApprovalAudit()
    for e in events:
        audit.feed(e)
    assert audit.passkey_assertions_checked == 1
    assertion = dict(decision.body["assertion"])
    data = passkeys.from_b64url(assertion["authenticator_data"], 1024, "data")
    assertion["authenticator_data"] = passkeys.b64url(data[:5] + bytes([data[5] ^ 1]) + data[6:])  # the RP id hash
    tampered = msgspec.structs.replace(decision, body={**decision.body, "assertion": assertion})
    audit = ApprovalAudit()
    with pytest.raises(ApprovalInvalid) as info:
        for e in events:
            audit.feed(tampered if e.seq == decision.seq else e)
    assert f"passkey decision by {WHO} does not verify" in info.value.reason
