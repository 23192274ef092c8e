"""Web login routes: `POST /v1/auth/login` (password + TOTP), `POST /v1/auth/logout`,
`GET /v1/auth/session`. JSON in and out; the dashboard builds its pages on them.

Every login and every failure is written to the log (`auth.*` records) before the answer, so
an answer means it is audited. The session token travels only in an HttpOnly, SameSite=Strict
cookie; state-changing requests echo the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_models import LoginRequest, LogoutResponse, SessionOut
from ramp.api.approval_routes import CSRF_HEADER, SESSION_COOKIE, Governance, guarded
from ramp.api.http import ApiError, decode, json_response, read_body
from ramp.api.routes import Service
from ramp.auth import audit
from ramp.auth.sessions import SESSION_MAX_S, AuthRefused, Session, Sessions
from ramp.ledger import AppendRecord

LOGIN_BODY_MAX_BYTES = 1024


async def _audit(svc: Service, record: AppendRecord) -> None:
    [result] = await svc.committer.submit([record])
    assert result.result == "ok", result  # a fresh random id: nothing else can answer


def _remote(request: Request) -> str:
    return request.client.host[:64] if request.client else ""


async def audited_login(svc: Service, sessions: Sessions, request: Request, identity: str, password: str,
                        code: str) -> Session:  # fmt: skip
    """A login checked and written to the log (`auth.login` or `auth.login_failed`) before the
    caller answers; raises AuthRefused. This route and the dashboard's sign-in form share it."""
    try:
        session = sessions.login(identity, password, code)
    except AuthRefused as exc:
        await _audit(svc, audit.login_failed(identity, exc.reason, _remote(request)))
        raise
    await _audit(svc, audit.login(session.identity, session.ref, _remote(request)))
    return session


async def audited_logout(svc: Service, sessions: Sessions, session: Session) -> None:
    sessions.logout(session)
    await _audit(svc, audit.logout(session.identity, session.ref))


def set_session_cookie(response: Response, request: Request, session: Session) -> None:
    response.set_cookie(SESSION_COOKIE, session.token, max_age=SESSION_MAX_S, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


def auth_routes(svc: Service, gov: Governance) -> list[Route]:
    def sessions() -> Sessions:
        if gov.sessions is None:
            raise ApiError(404, "web_login_disabled", "this service has no web login (start it with --credentials)")
        return gov.sessions

    def out(s: Sessions, session: Session) -> SessionOut:
        identity = s.identity(session)
        assert identity is not None
        return SessionOut(identity.id, identity.organisation, sorted(identity.roles), session.csrf, int(session.expires_s))

    async def login(request: Request) -> Response:
        s = sessions()
        req = decode(await read_body(request, LOGIN_BODY_MAX_BYTES), LoginRequest)
        session = await audited_login(svc, s, request, req.identity, req.password, req.totp)
        response = json_response(out(s, session))
        set_session_cookie(response, request, session)
        return response

    async def logout(request: Request) -> Response:
        s = sessions()
        await read_body(request, LOGIN_BODY_MAX_BYTES)
        session = s.session(request.cookies.get(SESSION_COOKIE), request.headers.get(CSRF_HEADER), state_changing=True)
        await audited_logout(svc, s, session)
        response = json_response(LogoutResponse(True))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def get_session(request: Request) -> Response:
        s = sessions()
        return json_response(out(s, s.session(request.cookies.get(SESSION_COOKIE))))

    return [
        Route("/v1/auth/login", guarded(login), methods=["POST"]),
        Route("/v1/auth/logout", guarded(logout), methods=["POST"]),
        Route("/v1/auth/session", guarded(get_session), methods=["GET"]),
    ]

