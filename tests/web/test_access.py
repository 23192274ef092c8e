"""Who is looking, without a server: `local_path` lets only this site's pages through (never an
open redirect), `after_sign_in` never goes back to sign-in, and `SessionAccess` turns a live
session cookie into its identity's viewer and anything else into nobody."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.requests import Request

from ramp.auth.credentials import CredentialFile
from ramp.auth.sessions import SESSION_IDLE_S, Sessions
from ramp.auth.totp import totp
from ramp.journal import Journal
from ramp.policy.identities import IdentityRegistry, identity_added
from ramp.store import SQLiteStore
from ramp.web.access import NEXT_MAX_CHARS, SessionAccess, local_path
from ramp.web.signin import after_sign_in

PASSWORD = "a demo password of ours"


@pytest.mark.parametrize("target", ["/", "/overview", "/budget/node?fy=2025&path=equipment%3Auav", "/ledger?q=a:b",
                                    "/approvals#req-x", "/ページ", "/" + "a" * (NEXT_MAX_CHARS - 1)])  # fmt: skip
def test_a_path_of_this_site_is_kept(target):
    assert local_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "overview", "https://evil.example/", "http:/evil.example", "//evil.example", "///evil.example",
    "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", " /overview", "/over view",
    "/ok\x00", "/ok\x7f", "javascript:alert(1)", "\\\\evil.example", "/" + "a" * NEXT_MAX_CHARS,
])  # fmt: skip
def test_anything_else_becomes_the_default(target):
    assert local_path(target) == "/"
    assert local_path(target, "/public") == "/public"


@pytest.mark.parametrize(("target", "goes"), [("/signin", "/"), ("/signin?next=/overview", "/"), ("/signout", "/"),
                                              ("/approvals", "/approvals"), ("//evil.example", "/")])  # fmt: skip
def test_after_sign_in_never_goes_back_to_sign_in(target, goes):
    assert after_sign_in(target) == goes


def _request(cookie: str | None) -> Request:
    headers = [] if cookie is None else [(b"cookie", cookie.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


@pytest.fixture
def sessions(tmp_path):
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(str(tmp_path / "ramp.db")), projections=[identities])
    key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    [r] = journal.submit([identity_added("mof.sato", "mof", ["mof_examiner"], key)])
    assert r.result == "ok"
    credentials = CredentialFile(str(tmp_path / "credentials"))
    secret = credentials.enrol("mof.sato", PASSWORD)
    now = [1_800_000_000.0]
    yield Sessions(credentials, identities, lambda: now[0]), secret, now
    journal.close()


def test_a_live_session_is_its_identitys_viewer_and_nothing_else_is(sessions):
    s, secret, now = sessions
    access = SessionAccess(s)
    assert access.sign_in_path == "/signin"
    session = s.login("mof.sato", PASSWORD, totp(secret, int(now[0])))
    viewer = access.viewer(_request(f"ramp_session={session.token}"))
    assert viewer is not None
    assert (viewer.id, viewer.organisation, viewer.roles, viewer.csrf) == ("mof.sato", "mof", frozenset({"mof_examiner"}),
                                                                           session.csrf)  # fmt: skip
    assert not viewer.demo and viewer.has_role("mof_examiner") and not viewer.has_role("auditor")
    for cookie in (None, "", "ramp_session=", "ramp_session=forged", f"other={session.token}"):
        assert access.viewer(_request(cookie)) is None, cookie
    now[0] += SESSION_IDLE_S + 1  # unused for too long: the session ended
    assert access.viewer(_request(f"ramp_session={session.token}")) is None


def test_a_session_ended_by_sign_out_is_nobody(sessions):
    s, secret, now = sessions
    session = s.login("mof.sato", PASSWORD, totp(secret, int(now[0])))
    s.logout(session)
    assert SessionAccess(s).viewer(_request(f"ramp_session={session.token}")) is None
