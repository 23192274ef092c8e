"""Web sign-in over HTTP against a real server with the demo people's logins: private pages send
a visitor to /signin and back to `next` (a path of this site only); a wrong password and a wrong
code read the same; every login, failure and sign-out is in the log; the form is refused from
another site, in another shape, or too large; sign-out needs the session's CSRF token."""

from __future__ import annotations

import re

import httpx
import pytest

from ramp.auth import passkeys
from ramp.auth.limits import SOURCE_FAILURES_MAX
from ramp.client import RampClient
from ramp.demo.people import DEMO_PASSWORD
from ramp.ledger.events import RecordAppended
from ramp.web.access import NoSignIn
from tests.web.logins import csrf_of, sign_in

FAILED = "Sign-in failed: the identity, the password or the code is not right."


def records(journal, since: int, prefix: str = "auth.") -> list[RecordAppended]:
    return [e for e in journal.events(range(since, journal.size)) if type(e) is RecordAppended and e.type.startswith(prefix)]


def admin_client(served) -> RampClient:
    return RampClient(served.url, key_file=served.people.db + ".admin.json")


def error_of(html: str) -> str:
    match = re.search(r'id="signin-error">([^<]*)<', html)
    return match.group(1) if match else ""


def test_a_private_page_sends_a_visitor_to_sign_in_and_back(signed):
    with httpx.Client(base_url=signed.url) as c:
        r = c.get("/budget/node?fy=2025&path=equipment:uav")
        assert r.status_code == 303
        assert r.headers["location"] == "/signin?next=/budget/node%3Ffy%3D2025%26path%3Dequipment%3Auav"
        form = c.get(r.headers["location"])
        assert form.status_code == 200
        assert 'name="next" value="/budget/node?fy=2025&amp;path=equipment:uav"' in form.text
        assert 'autocomplete="one-time-code"' in form.text and "<label for=\"totp\">" in form.text
        r = sign_in(c, "fo.tanaka", signed.people["fo.tanaka"], "/budget/node?fy=2025&path=equipment:uav")
        assert r.headers["location"] == "/budget/node?fy=2025&path=equipment:uav"
        cookie = r.headers["set-cookie"].lower()
        assert "ramp_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        page = c.get(r.headers["location"])
        assert page.status_code == 200 and "Movements of" in page.text
        assert "Signed in as fo.tanaka" in page.text and 'id="sign-out"' in page.text
        assert c.get("/signin?next=/feed").headers["location"] == "/feed"  # signed in already: on to next


def test_a_wrong_password_and_a_wrong_code_read_the_same_and_both_are_logged(signed):
    app = signed.people["mof.sato"]
    before = signed.journal.size
    with httpx.Client(base_url=signed.url) as c:
        bad_password = c.post("/signin", data={"identity": "mof.sato", "password": "not the password", "totp": app.code()})
        bad_code = c.post("/signin", data={"identity": "mof.sato", "password": DEMO_PASSWORD, "totp": "000000"})
        nobody = c.post("/signin", data={"identity": "no.such.person", "password": DEMO_PASSWORD, "totp": "123456"})
        for r in (bad_password, bad_code, nobody):
            assert r.status_code == 401 and error_of(r.text).startswith(FAILED), r.text[:300]
            assert "ramp_session" not in r.headers.get("set-cookie", "")
            assert 'value="' in r.text  # the identity typed comes back; the password never does
            assert DEMO_PASSWORD not in r.text and "not the password" not in r.text
        assert error_of(bad_password.text) == error_of(bad_code.text) == error_of(nobody.text)
        sign_in(c, "mof.sato", app)
    got = [(e.type, e.body["identity"], sorted(e.body)) for e in records(signed.journal, before)]
    assert got == [("auth.login_failed", "mof.sato", ["identity", "remote"])] * 2 + [
        ("auth.login", "mof.sato", ["identity", "remote", "second_factor", "session"])]  # nothing for no.such.person


_NEXT_TARGETS = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
                 "evil.example", "/signin?next=/x", "/signout", ""]  # fmt: skip
# The server takes each person's TOTP step once: the targets go round the people (two codes each
# at most, this step's and the next's), so the module's shared server never makes a test wait.
_SIGNING_IN = ["boa.auditor.watanabe", "fo.tanaka", "fo.kobayashi", "mof.sato", "atla.inspector.suzuki",
               "asdf.inspector.takahashi", "vendor.mhi"]  # fmt: skip


@pytest.mark.parametrize(("target", "who"), [(t, _SIGNING_IN[n % len(_SIGNING_IN)]) for n, t in enumerate(_NEXT_TARGETS)])
def test_after_sign_in_next_is_only_a_page_of_this_site(signed_module, target, who):
    with httpx.Client(base_url=signed_module.url) as c:
        assert sign_in(c, who, signed_module.people[who], target).headers["location"] == "/"


def test_an_incomplete_form_is_a_400_and_logs_nothing(signed_module):
    before = signed_module.journal.size
    for data in ({"identity": "fo.tanaka", "password": DEMO_PASSWORD}, {"identity": "", "password": "x", "totp": "1"},
                 {"identity": "x" * 49, "password": "x", "totp": "123456"}, {"identity": "fo.tanaka", "password": "p" * 257,
                  "totp": "123456"}, {"identity": "fo.tanaka", "password": "x", "totp": "12345678901"}):  # fmt: skip
        r = httpx.post(signed_module.url + "/signin", data=data)
        assert r.status_code == 400 and "Fill in the identity, the password and the code." in r.text
    assert records(signed_module.journal, before) == []


@pytest.mark.parametrize(("kwargs", "status", "says"), [
    ({"data": {"identity": "fo.tanaka"}, "headers": {"Origin": "https://evil.example"}}, 403, "another site"),
    ({"data": {"identity": "fo.tanaka"}, "headers": {"Origin": "null"}}, 403, "another site"),
    ({"json": {"identity": "fo.tanaka", "password": DEMO_PASSWORD, "totp": "123456"}}, 415, "could not be read"),
    ({"content": b"identity=%ff%fe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400, "could not be read"),
    ({"data": {"identity": "x" * 3000}}, 413, "too large"),
    ({"data": {f"f{k}": "x" for k in range(20)}}, 400, "could not be read"),
])  # fmt: skip
def test_a_form_from_elsewhere_or_of_another_shape_is_refused(signed_module, kwargs, status, says):
    before = signed_module.journal.size
    r = httpx.post(signed_module.url + "/signin", **kwargs)
    assert r.status_code == status and says in r.text and r.headers["content-type"].startswith("text/html")
    assert records(signed_module.journal, before) == []


def test_the_same_origin_form_is_taken(signed_module):
    origin = {"Origin": signed_module.url}
    with httpx.Client(base_url=signed_module.url, headers=origin) as c:
        assert sign_in(c, "atla.co.ito", signed_module.people["atla.co.ito"]).status_code == 303


def test_repeated_failures_pause_sign_in_from_here_and_say_so(signed):
    before = signed.journal.size
    for _ in range(SOURCE_FAILURES_MAX):
        r = httpx.post(signed.url + "/signin", data={"identity": "vendor.mhi", "password": "wrong password", "totp": "000000"})
        assert r.status_code == 401
    r = httpx.post(signed.url + "/signin", data={"identity": "vendor.mhi", "password": DEMO_PASSWORD,
                                                 "totp": signed.people["vendor.mhi"].code()})  # fmt: skip
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "sign-in is paused for 15 minutes" in error_of(r.text)
    assert len(records(signed.journal, before)) == SOURCE_FAILURES_MAX  # the refused attempt wrote nothing


def test_300_failed_sign_ins_with_made_up_names_write_nothing(signed):
    before = signed.journal.size
    with httpx.Client(base_url=signed.url) as c:
        codes = [c.post("/signin", data={"identity": f"made.up.{n}", "password": "guess guess guess",
                                         "totp": "123456"}).status_code for n in range(300)]  # fmt: skip
    assert codes[:SOURCE_FAILURES_MAX] == [401] * SOURCE_FAILURES_MAX and set(codes[SOURCE_FAILURES_MAX:]) == {429}
    assert records(signed.journal, before) == []  # not one record (the expiry sweep may write its own)
    admin = admin_client(signed)
    metrics = admin.get("/v1/auth/metrics")
    assert metrics.status_code == 200, metrics.text
    assert metrics.json()["failed_unknown"] == SOURCE_FAILURES_MAX and metrics.json()["refused_limited"] == 300 - SOURCE_FAILURES_MAX


def test_sign_out_needs_the_sessions_csrf_token_and_is_logged(signed):
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "fo.tanaka", signed.people["fo.tanaka"])
        page = c.get("/overview")
        csrf = csrf_of(page.text)
        before = signed.journal.size
        r = c.post("/signout", data={})
        assert r.status_code == 403 and "not from your current session" in r.text
        r = c.post("/signout", data={"csrf": "forged"})
        assert r.status_code == 403
        assert c.get("/overview").status_code == 200  # still signed in
        r = c.post("/signout", data={"csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/signin?out=1"
        assert 'ramp_session=""' in r.headers["set-cookie"] or "max-age=0" in r.headers["set-cookie"].lower()
        assert "You are signed out." in c.get("/signin?out=1").text
        assert c.get("/overview").status_code == 303  # to sign-in again
        again = c.post("/signout", data={"csrf": csrf})  # no session any more: nothing to refuse
        assert again.status_code == 303
    assert [(e.type, e.body["identity"]) for e in records(signed.journal, before)] == [("auth.logout", "fo.tanaka")]


def test_a_person_without_reading_roles_sees_only_their_pages(signed):
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "vendor.mhi", signed.people["vendor.mhi"])
        r = c.get("/overview")
        assert r.status_code == 403 and "Not permitted" in r.text
        nav = re.search(r'<nav aria-label="Pages">(.*?)</nav>', c.get("/public").text, re.S).group(1)
        links = set(re.findall(r'href="([^"]+)"', nav))
        assert {"/approvals", "/contracts", "/portal", "/public"} <= links  # its own contracts, its portal
        assert not links & {"/overview", "/budget", "/ledger", "/feed", "/attestations"}  # no reader's page
        assert c.get("/").headers["location"] == "/public"


def test_the_json_login_and_the_form_share_one_session(signed):
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "mof.sato", signed.people["mof.sato"])
        session = c.get("/v1/auth/session").json()
        assert (session["identity"], session["organisation"]) == ("mof.sato", "mof")
        assert session["csrf_token"] == csrf_of(c.get("/approvals").text)


def test_without_web_login_the_sign_in_page_says_so(serve):
    server = serve(NoSignIn())
    r = httpx.get(server.url + "/signin")
    assert r.status_code == 404 and "no web sign-in" in r.text
    r = httpx.post(server.url + "/signin", data={"identity": "fo.tanaka", "password": DEMO_PASSWORD, "totp": "123456"})
    assert r.status_code == 404 and "ramp_session" not in r.headers.get("set-cookie", "")
    assert httpx.post(server.url + "/signout", data={}).headers["location"] == "/signin?out=1"


def test_passkey_ceremonies_need_a_session_to_register_and_a_made_up_passkey_writes_nothing(signed):
    before = signed.journal.size
    with httpx.Client(base_url=signed.url) as c:
        r = c.post("/v1/auth/passkeys/options", json={})
        assert (r.status_code, r.json()["error"]["code"]) == (401, "no_session")
        options = c.post("/v1/auth/passkey-login/options", json={}).json()
        assert options["publicKey"]["userVerification"] == "required" and options["ceremony"]
        fake = {"ceremony": options["ceremony"], "credential_id": "AAAA", "authenticator_data": "AAAA",
                "client_data_json": "AAAA", "signature": "AAAA", "user_handle": "bWFkZS51cA"}  # "made.up"
        r = c.post("/v1/auth/passkey-login", json=fake)
        assert (r.status_code, r.json()["error"]["code"]) == (401, "login_failed")
        r = c.post("/v1/auth/passkey-login", json={**fake, "user_handle": "bW9mLnNhdG8"})  # mof.sato, ceremony used
        assert (r.status_code, r.json()["error"]["code"]) == (401, "login_failed")
    got = [(e.type, e.body["identity"]) for e in records(signed.journal, before)]
    assert got == [("auth.login_failed", "mof.sato")]  # the known identity's attempt only


def test_a_passkey_sign_in_records_its_counter_and_a_copy_of_the_key_is_refused(signed):
    """The sign-in's `auth.login` carries the passkey's use (its counter); the next sign-in whose
    counter is not above it (a copied key, or the same assertion again) fails, with one failure
    record for the known identity and no session."""
    key = signed.passkey("fo.tanaka")
    key.counter = 10

    def sign_in_with(k) -> httpx.Response:
        with httpx.Client(base_url=signed.url) as c:
            options = c.post("/v1/auth/passkey-login/options", json={}).json()
            challenge = passkeys.from_b64url(options["publicKey"]["challenge"], 64, "challenge")
            return c.post("/v1/auth/passkey-login", json={"ceremony": options["ceremony"], **k.json(challenge),
                                                          "user_handle": passkeys.b64url(b"fo.tanaka")})  # fmt: skip

    before = signed.journal.size
    r = sign_in_with(key)
    assert r.status_code == 200 and r.json()["identity"] == "fo.tanaka", r.text
    [login] = records(signed.journal, before)
    assert login.type == "auth.login" and login.body["second_factor"] == "passkey"
    used = login.body["passkey"]
    assert used["credential_id"] == passkeys.b64url(key.credential_id)
    assert passkeys.sign_count(passkeys.from_b64url(used["authenticator_data"], 1024, "data")) == 11
    key.counter = 10  # the copy: the same key, its counter where the original's was before
    before = signed.journal.size
    r = sign_in_with(key)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "login_failed") and "ramp_session" not in r.headers.get("set-cookie", "")
    assert [(e.type, e.body["identity"]) for e in records(signed.journal, before)] == [("auth.login_failed", "fo.tanaka")]
