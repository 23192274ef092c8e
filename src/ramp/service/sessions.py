"""People signed in to the web: the session cookie and CSRF header both faces use, logins and
logouts written to the log before the answer (a known identity's, one record an attempt, with
the client address and the session as keyed pseudonyms), and the actor of a request (a
signature or a session)."""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from ramp.auth import audit, passkeys
from ramp.auth.limits import SOURCE_MAX_CHARS
from ramp.auth.sessions import SESSION_MAX_S, AuthRefused, Session, Sessions, session_limit_key
from ramp.ledger import AppendRecord
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service.access import ANYONE
from ramp.service.core import Service
from ramp.service.governance import Governance
from ramp.service.http import authenticate

SESSION_COOKIE: Final = "ramp_session"
CSRF_HEADER: Final = "x-csrf-token"
PSEUDONYM_DOMAINS: Final = {"remote": b"auth-remote", "session": b"auth-session"}


async def _audit(svc: Service, record: AppendRecord) -> None:
    [result] = await svc.committer.submit([record])
    assert result.result == "ok", result  # a fresh random id: nothing else can answer


def client_source(request: Request) -> str:
    """The client's address, what sign-in and second-factor limits count by."""
    return request.client.host[:SOURCE_MAX_CHARS] if request.client else ""


def pseudonym(svc: Service, what: str, value: str) -> str:
    """A keyed HMAC of a client address or a session token under the log's disclosure secret:
    stable within the log, and neither invertible nor guessable without the secret (an IPv4
    address alone would be guessed from an unkeyed hash in seconds). "" without a log key."""
    log = svc.journal.log
    if log is None or not value:
        return ""
    return log.disclosure.salt(PSEUDONYM_DOMAINS[what], value.encode()).hex()[: audit.PSEUDONYM_CHARS]


async def audited_login(svc: Service, sessions: Sessions, request: Request, identity: str, password: str,
                        code: str) -> Session:  # fmt: skip
    """A login checked and, for a known identity, written to the log (`auth.login` or
    `auth.login_failed`) before the caller answers; raises AuthRefused. The API's login and the
    dashboard's sign-in share it."""
    source = client_source(request)
    try:
        session = sessions.login(identity, password, code, source)
    except AuthRefused as exc:
        await audit_failure(svc, request, identity, exc)
        raise
    await audit_login(svc, request, session)
    return session


async def audit_failure(svc: Service, request: Request, identity: str, exc: AuthRefused) -> None:
    """One record for a checked attempt on a known identity; none for anything else."""
    if exc.known:
        await _audit(svc, audit.login_failed(identity, pseudonym(svc, "remote", client_source(request)),
                                             locked=exc.locked))  # fmt: skip


async def audit_login(svc: Service, request: Request, session: Session, passkey: dict[str, str] | None = None) -> None:
    await _audit(svc, audit.login(session.identity, pseudonym(svc, "session", session.token),
                                  pseudonym(svc, "remote", client_source(request)), session.second_factor,
                                  passkey))  # fmt: skip


async def audited_logout(svc: Service, sessions: Sessions, session: Session) -> None:
    sessions.logout(session)
    await _audit(svc, audit.logout(session.identity, pseudonym(svc, "session", session.token)))


def set_session_cookie(response: Response, request: Request, session: Session) -> None:
    response.set_cookie(SESSION_COOKIE, session.token, max_age=SESSION_MAX_S, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


def request_actor(svc: Service, gov: Governance, request: Request, body: bytes, *, state_changing: bool,
                  roles: tuple[str, ...] = ANYONE) -> tuple[Identity, Session | None]:  # fmt: skip
    """The signing identity, or the signed-in person (a session cookie without a signature;
    a state-changing request must echo the session's CSRF token)."""
    if "signature-input" in request.headers or "signature" in request.headers or SESSION_COOKIE not in request.cookies:
        return authenticate(request, body, svc.identities, roles=roles, clock=svc.clock), None
    if gov.sessions is None:
        raise Refused(Kind.UNAUTHENTICATED, "signature_missing", "sign the request (this service has no web login)")
    session = gov.sessions.session(request.cookies.get(SESSION_COOKIE), request.headers.get(CSRF_HEADER),
                                   state_changing=state_changing)  # fmt: skip
    identity = svc.identities.get(session.identity)
    if identity is None:  # pragma: no cover - identities are never removed
        raise Refused(Kind.UNAUTHENTICATED, "no_session", "the session's identity is gone")
    if not identity.has_role(*roles):
        raise Refused(Kind.FORBIDDEN, "forbidden", f"{identity.id} lacks a role for this: one of {', '.join(roles)}")
    return identity, session


def require_sessions(gov: Governance) -> Sessions:
    """The sessions of a service with web login, or a refusal saying it has none."""
    if gov.sessions is None:
        raise Refused(Kind.NOT_FOUND, "web_login_disabled", "this service has no web login (start it with --credentials)")
    return gov.sessions


def session_passkey(sessions: Sessions, session: Session, source: str,
                    fields: passkeys.AssertionFields | None, act: str) -> passkeys.Assertion:  # fmt: skip
    """The passkey assertion a web session decides or attests with (there is no other way for
    a session to: the service signs for no one), under the session's second-factor limits."""
    if fields is None:
        raise Refused(Kind.FORBIDDEN, "passkey_required", f"{act} in a web session is signed by a passkey you "
                      "registered (`passkey`); add one first")  # fmt: skip
    try:
        sessions.check_source(source, session_limit_key(session))  # the session's limit, not the person's
    except AuthRefused as exc:
        raise Refused(exc.kind, exc.code, exc.message, retry_after_s=exc.retry_after_s) from exc
    return fields.assertion()


def passkey_failed(sessions: Sessions, session: Session, source: str, exc: Refused) -> None:
    """A passkey that did not verify counts like a wrong code against the session and source."""
    if exc.code.startswith("passkey_"):
        sessions.second_factor_failed(source, session_limit_key(session))
