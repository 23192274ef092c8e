"""Web login routes: `POST /v1/auth/login` (password + TOTP), `POST /v1/auth/logout`,
`GET /v1/auth/session`, `GET /v1/auth/metrics` (signed: admins, security officers); passkeys:
`POST /v1/auth/passkeys/options` and `POST /v1/auth/passkeys` (a signed-in person registers one),
`POST /v1/auth/passkey-login/options` and `POST /v1/auth/passkey-login` (sign in with one). JSON in and out; the dashboard builds its pages on them.

Every login and every failure is written to the log (`auth.*` records) before the answer, so
an answer means it is audited. The session token travels only in an HttpOnly, SameSite=Strict
cookie; state-changing requests echo the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_models import LoginRequest, LogoutResponse, SessionOut
from ramp.auth import passkeys
from ramp.auth.sessions import Session, Sessions
from ramp.refusal import Kind, Refused
from ramp.service import Governance, Service
from ramp.service import passkeys as passkey_ceremonies
from ramp.service.http import authenticate, decode, json_response, read_body
from ramp.service.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    audited_login,
    audited_logout,
    require_sessions,
    set_session_cookie,
)

LOGIN_BODY_MAX_BYTES: Final = 1024
PASSKEY_BODY_MAX_BYTES: Final = 8 * 1024  # an attestation object with a key and no certificate chain
CEREMONY_MAX_CHARS: Final = 32
METRICS_READERS: Final = ("admin", "security_officer")  # who runs the system and who watches its doors


class PasskeyOptionsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A fresh TOTP code: adding a passkey asks for the second factor again, not only a session."""

    totp: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")] | None = None


class PasskeyRegistration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ceremony: Annotated[str, msgspec.Meta(max_length=CEREMONY_MAX_CHARS)]
    credential: dict[str, Any]  # the PublicKeyCredential as JSON (fido2 reads it)


class PasskeyLogin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ceremony: Annotated[str, msgspec.Meta(max_length=CEREMONY_MAX_CHARS)]
    credential_id: str
    authenticator_data: str
    client_data_json: str
    signature: str
    user_handle: str


class PasskeyOut(msgspec.Struct, frozen=True):
    identity: str
    n: int
    credential_id: str
    rp_id: str


def _session_out(sessions: Sessions, session: Session) -> SessionOut:
    identity = sessions.identity(session)
    assert identity is not None
    return SessionOut(identity.id, identity.organisation, sorted(identity.roles), session.csrf, int(session.expires_s))


async def login(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    req = decode(await read_body(request, LOGIN_BODY_MAX_BYTES), LoginRequest)
    session = await audited_login(svc, sessions, request, req.identity, req.password, req.totp)
    response = json_response(_session_out(sessions, session))
    set_session_cookie(response, request, session)
    return response


async def logout(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    await read_body(request, LOGIN_BODY_MAX_BYTES)
    session = sessions.session(request.cookies.get(SESSION_COOKIE), request.headers.get(CSRF_HEADER),
                               state_changing=True)  # fmt: skip
    await audited_logout(svc, sessions, session)
    response = json_response(LogoutResponse(True))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def get_session(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    return json_response(_session_out(sessions, sessions.session(request.cookies.get(SESSION_COOKIE))))


async def get_metrics(svc: Service, gov: Governance, request: Request) -> Response:
    """What the log does not say about sign-in: made-up names, refusals before any check, the
    limit tables' sizes (a signed request by an admin or a security officer)."""
    sessions = require_sessions(gov)
    authenticate(request, await read_body(request, 0), svc.identities, roles=METRICS_READERS, clock=svc.clock)
    return json_response(sessions.metrics_out())


def _signed_in(sessions: Sessions, request: Request) -> Session:
    return sessions.session(request.cookies.get(SESSION_COOKIE), request.headers.get(CSRF_HEADER), state_changing=True)


async def passkey_options(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    body = await read_body(request, LOGIN_BODY_MAX_BYTES)
    session = _signed_in(sessions, request)
    req = decode(body or b"{}", PasskeyOptionsRequest)
    return json_response(passkey_ceremonies.registration_options(sessions, svc, request, session, req.totp))


async def passkey_register(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    body = await read_body(request, PASSKEY_BODY_MAX_BYTES)
    session = _signed_in(sessions, request)
    req = decode(body, PasskeyRegistration)
    added = await passkey_ceremonies.register(sessions, svc, request, session, req.ceremony, req.credential)
    return json_response(PasskeyOut(added.identity, added.n, passkeys.b64url(added.credential_id), added.rp_id), 201)


async def passkey_login_options(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    await read_body(request, LOGIN_BODY_MAX_BYTES)
    return json_response(passkey_ceremonies.sign_in_options(sessions, request))


async def passkey_login(svc: Service, gov: Governance, request: Request) -> Response:
    sessions = require_sessions(gov)
    req = decode(await read_body(request, PASSKEY_BODY_MAX_BYTES), PasskeyLogin)
    try:
        assertion = passkeys.Assertion.of_json(msgspec.structs.asdict(req))
    except passkeys.PasskeyInvalid as exc:
        raise Refused(Kind.INVALID, exc.code, str(exc)) from exc
    session = await passkey_ceremonies.sign_in(sessions, svc, gov.passkey_counters, request, req.ceremony, assertion)
    response = json_response(_session_out(sessions, session))
    set_session_cookie(response, request, session)
    return response


def auth_routes(svc: Service, gov: Governance) -> list[Route]:
    return [
        Route("/v1/auth/login", partial(login, svc, gov), methods=["POST"]),
        Route("/v1/auth/logout", partial(logout, svc, gov), methods=["POST"]),
        Route("/v1/auth/session", partial(get_session, svc, gov), methods=["GET"]),
        Route("/v1/auth/metrics", partial(get_metrics, svc, gov), methods=["GET"]),
        Route("/v1/auth/passkeys/options", partial(passkey_options, svc, gov), methods=["POST"]),
        Route("/v1/auth/passkeys", partial(passkey_register, svc, gov), methods=["POST"]),
        Route("/v1/auth/passkey-login/options", partial(passkey_login_options, svc, gov), methods=["POST"]),
        Route("/v1/auth/passkey-login", partial(passkey_login, svc, gov), methods=["POST"]),
    ]
