"""The web login end to end over HTTP, against a real `ramp serve --credentials` process:
password + TOTP, the session cookie and its CSRF token, adding a passkey with a fresh second
factor and approving with it (never with the session alone),
logout, lockout after repeated failures, and every login and failure in the log."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import msgspec
import pytest

from ramp.auth import passkeys, totp
from ramp.auth.limits import SOURCE_FAILURES_MAX
from ramp.client import RampClient
from ramp.ledger.events import RecordAppended, decode_event
from ramp.store import SQLiteStore
from tests.api.service_fixture import ROOT, Server, ramp
from tests.auth.soft_passkey import SoftPasskey

PASSWORD = "correct horse battery staple"
PEOPLE = {"fin": ("mod-feb", "finance_officer"), "kato": ("boa", "auditor"), "mori": ("boa", "auditor")}


class CredentialedServer(Server):
    def __init__(self, db: str, credentials: str) -> None:
        super().__init__(db)
        self.credentials = credentials

    def start(self, timeout_s: float = 30) -> None:
        from tests.net import wait_http

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ramp.cli", "serve", "--db", self.db, "--port", str(self.port),
             "--credentials", self.credentials], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        proc = self.proc
        wait_http(self.url + "/openapi.json", timeout_s, alive=lambda: proc.poll() is None)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("login")
    db, creds = str(tmp / "ramp.db"), str(tmp / "credentials.json")
    ramp("init", "--db", db, "--origin", "login.test/ramp", "--admin-key-out", str(tmp / "admin.json"))
    (tmp / "pw").write_text(PASSWORD + "\n")
    secrets = {}
    for who, (org, role) in PEOPLE.items():
        ramp("identity", "add", "--db", db, "--id", who, "--organisation", org, "--roles", role,
             "--key-out", str(tmp / f"{who}.json"))  # fmt: skip
        out = ramp("auth", "enrol", "--db", db, "--credentials", creds, "--id", who, "--password-file",
                   str(tmp / "pw")).stdout  # fmt: skip
        secrets[who] = totp.from_b32(out.split("totp secret: ")[1].split()[0])
    short = ramp("auth", "enrol", "--db", db, "--credentials", creds, "--id", "fin", "--password-file", "-", process=True,
                 check=False)  # fmt: skip
    assert short.returncode == 1  # an empty password from stdin: password_invalid
    server = CredentialedServer(db, creds)
    server.start()
    _DB[server.url] = db
    admin = RampClient(server.url, key_file=str(tmp / "admin.json"))
    admin.post("/v1/accounts", json={"accounts": [{"id": "gsdf:ops", "asset": "JPYD"}]}).raise_for_status()
    yield server, secrets, {who: RampClient(server.url, key_file=str(tmp / f"{who}.json")) for who in PEOPLE}
    server.stop()


def code(secret: bytes, steps_ahead: int = 0) -> str:
    return totp.totp(secret, int(time.time()) + 30 * steps_ahead)


def records(url: str, type_prefix: str) -> list[RecordAppended]:
    """The server's records of a type, read from its database (a second reader beside it): the
    public log may show an `auth.*` record as a commitment only."""
    server_db = _DB[url]
    store = SQLiteStore(server_db, readonly=True)
    try:
        out = []
        for body in _event_bytes(store):
            e = decode_event(body)
            if type(e) is RecordAppended and e.type.startswith(type_prefix):
                out.append(e)
        return out
    finally:
        store.close()


def _event_bytes(store: SQLiteStore):
    try:
        from ramp.journal.envelope import split_opening
    except ImportError:  # a log whose leaves are the events themselves
        yield from store.iter_entries()
        return
    for opening in store.iter_openings():
        yield split_opening(opening)[1]


_DB: dict[str, str] = {}


def test_login_session_approve_with_a_fresh_code_and_logout(service):
    server, secrets, clients = service
    web = httpx.Client(base_url=server.url)
    r = web.get("/v1/auth/session")
    assert (r.status_code, r.json()["error"]["code"]) == (401, "no_session")
    r = web.post("/v1/auth/login", json={"identity": "kato", "password": "wrong password!", "totp": code(secrets["kato"])})
    assert (r.status_code, r.json()["error"]["code"]) == (401, "login_failed")
    login_code = code(secrets["kato"])
    r = web.post("/v1/auth/login", json={"identity": "kato", "password": PASSWORD, "totp": login_code})
    assert r.status_code == 200, r.text
    session = r.json()
    assert (session["identity"], session["organisation"]) == ("kato", "boa")
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert web.get("/v1/auth/session").json()["csrf_token"] == session["csrf_token"]

    # A passkey: adding one asks for a fresh code, not only the session.
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    r = web.post("/v1/auth/passkeys/options", json={}, headers=csrf)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "second_factor_required")
    r = web.post("/v1/auth/passkeys/options", json={"totp": login_code}, headers=csrf)  # the login's code: used already
    assert (r.status_code, r.json()["error"]["code"]) == (403, "second_factor_invalid")
    r = web.post("/v1/auth/passkeys/options", json={"totp": code(secrets["kato"], 1)})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_token_invalid")
    r = web.post("/v1/auth/passkeys/options", json={"totp": code(secrets["kato"], 1)}, headers=csrf)
    assert r.status_code == 200, r.text
    options = r.json()
    key = SoftPasskey(rp_id="127.0.0.1", origin=server.url)
    key.counter = 7
    r = web.post("/v1/auth/passkeys", json={"ceremony": options["ceremony"], "credential": key.create(options)}, headers=csrf)
    assert r.status_code == 201, r.text
    [added] = records(server.url, "auth.passkey_added")
    assert (added.body["identity"], added.body["sign_count"]) == ("kato", 7)

    # A request made by a signing identity, decided in the web: with the passkey, never the session alone.
    r = clients["fin"].post("/v1/approvals", json={"id": "freeze-ops", "action": {"type": "freeze", "account": "gsdf:ops"}})
    assert r.status_code == 201, r.text
    statement = r.json()["statements"]["approve"].replace("{approver}", "kato").encode()
    url = "/v1/approvals/freeze-ops/approve"
    passkey = key.json(passkeys.approval_challenge(statement))
    r = web.post(url, json={"passkey": passkey})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_token_invalid")
    r = web.post(url, json={}, headers=csrf)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "passkey_required")
    r = web.post(url, json={"totp": code(secrets["kato"], 2)}, headers=csrf)  # a code is no signature
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_request") and "totp" in r.text
    reject = key.json(passkeys.approval_challenge(statement.replace(b"\napprove\n", b"\nreject\n")))
    r = web.post(url, json={"passkey": reject}, headers=csrf)  # signed the rejection, posted as an approval
    assert (r.status_code, r.json()["error"]["code"]) == (403, "passkey_invalid")
    r = web.post(url, json={"passkey": passkey}, headers=csrf)
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["executed"] and decided["request"]["status"] == "executed"
    assert decided["request"]["decisions"][0]["via"] == "passkey"
    account = clients["kato"].get("/v1/approvals/freeze-ops").json()
    assert account["execution"]["approvers"] == ["kato"]

    r = web.post("/v1/auth/logout", headers=csrf)
    assert r.status_code == 200 and r.json() == {"logged_out": True}
    assert web.get("/v1/auth/session").status_code == 401
    logins = records(server.url, "auth.")
    kinds = [(e.type, e.body["identity"]) for e in logins]
    assert ("auth.login_failed", "kato") in kinds and ("auth.login", "kato") in kinds
    assert ("auth.logout", "kato") in kinds and kinds.count(("auth.enrolled", "kato")) == 1
    assert all(PASSWORD not in msgspec.json.encode(e.body).decode() for e in logins)
    failed = [e.body for e in logins if e.type == "auth.login_failed"]
    assert [sorted(b) for b in failed] == [["identity", "remote"]]  # no reason: the password is not confirmed
    assert all(len(e.body["remote"]) == 32 and "127.0.0.1" not in e.body["remote"] for e in logins if "remote" in e.body)


def test_repeated_failures_limit_the_source_and_only_known_identities_are_audited(service):
    """(Runs last: it leaves this client's address limited.) The first test failed three times from here (a password, a used
    fresh code and a passkey over another statement)
    already; the source is limited at its fourth failure, and its attempts are then refused unread
    (429, even with the right password and code), with no record; a made-up name has none either."""
    server, secrets, _ = service
    web = httpx.Client(base_url=server.url)
    before = len(records(server.url, "auth."))
    answers = []
    for who in ("nobody", "mori", "mori", "mori", "mori"):
        r = web.post("/v1/auth/login", json={"identity": who, "password": "not the password", "totp": "000000"})
        answers.append((r.status_code, r.json()["error"]["code"]))
    left = SOURCE_FAILURES_MAX - 3  # the first test's wrong password, used fresh code and wrong passkey counted here
    assert answers == [(401, "login_failed")] * left + [(429, "locked_out")] * (5 - left)
    r = web.post("/v1/auth/login", json={"identity": "mori", "password": PASSWORD, "totp": code(secrets["mori"])})
    assert (r.status_code, r.json()["error"]["code"]) == (429, "locked_out")
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    failures = records(server.url, "auth.")[before:]
    assert [(e.type, e.body["identity"]) for e in failures] == [("auth.login_failed", "mori")] * (left - 1)
    assert all("reason" not in e.body and "127.0.0.1" not in str(e.body) for e in failures)
