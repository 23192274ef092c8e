"""Sign-in and sign-out pages: a plain HTML form (identity, password, TOTP code) posted to the
server, which checks it exactly as `POST /v1/auth/login` does and logs it the same way
(`ramp.service.sessions.audited_login`). Works without script; the session cookie it sets is the
JSON API's, so the signed-in person also uses the API from this browser.

A failure never says which factor was wrong. `next` comes back only as a path of this site.
"""

from __future__ import annotations

from functools import partial
from typing import Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ramp.auth.sessions import AuthRefused
from ramp.refusal import Kind, Refused
from ramp.service.refusals import retry_headers, status_of
from ramp.service.sessions import SESSION_COOKIE, audited_login, audited_logout, set_session_cookie
from ramp.store.base import StoreError
from ramp.web.access import SIGN_IN_PATH, SIGN_OUT_PATH, local_path
from ramp.web.dashboard import Dashboard
from ramp.web.forms import CSRF_FIELD, FormError, read_form

# The JSON login's bounds (`LoginRequest`), so both doors refuse the same input.
IDENTITY_MAX_CHARS: Final = 48
PASSWORD_MAX_CHARS: Final = 256
CODE_MAX_CHARS: Final = 10
SIGNED_OUT_PATH: Final = f"{SIGN_IN_PATH}?out=1"


def after_sign_in(target: str | None) -> str:
    """Where a sign-in goes on to: `next` if it is a page of this site other than these two."""
    path = local_path(target)
    return "/" if urlsplit(path).path in (SIGN_IN_PATH, SIGN_OUT_PATH) else path


async def sign_in_or_page(d: Dashboard, request: Request) -> Response:
    return await (sign_in(d, request) if request.method == "POST" else sign_in_page(d, request))


async def sign_in_page(d: Dashboard, request: Request) -> Response:
    next_ = after_sign_in(request.query_params.get("next"))
    if d.access.viewer(request) is not None:
        return RedirectResponse(next_, 303)
    return _form(d, request, 200 if d.gov.sessions is not None else 404, next_=next_)


async def sign_in(d: Dashboard, request: Request) -> Response:
    sessions = d.gov.sessions
    if sessions is None:
        return _form(d, request, 404)
    try:
        fields = await read_form(request)
    except FormError as exc:
        return _form(d, request, exc.status, error=exc.key)
    identity = fields.get("identity", "").strip()
    password = fields.get("password", "")
    code = "".join(fields.get("totp", "").split())  # "123 456" as an authenticator shows it
    next_ = after_sign_in(fields.get("next"))
    shown = identity[:IDENTITY_MAX_CHARS]
    if not (0 < len(identity) <= IDENTITY_MAX_CHARS and 0 < len(password) <= PASSWORD_MAX_CHARS
            and 0 < len(code) <= CODE_MAX_CHARS):  # fmt: skip
        return _form(d, request, 400, error="signin.incomplete", identity=shown, next_=next_)
    try:
        session = await audited_login(d.svc, sessions, request, identity, password, code)
    except Refused as exc:  # never which factor was wrong: locked out, busy, or failed
        error = {Kind.LIMITED: "signin.locked", Kind.OVERLOADED: "signin.unavailable"}.get(exc.kind, "signin.failed")
        return _form(d, request, status_of(exc), error=error, identity=shown, next_=next_, headers=retry_headers(exc))
    except StoreError:
        return _form(d, request, 503, error="signin.unavailable", identity=shown, next_=next_,
                     headers={"Retry-After": "1"})  # fmt: skip
    response = RedirectResponse(next_, 303)
    set_session_cookie(response, request, session)
    return response


async def sign_out(d: Dashboard, request: Request) -> Response:
    try:
        fields = await read_form(request)
    except FormError as exc:
        return d.render(request, "denied.html", "signin", None, exc.status, title_key="form.refused", text_key=exc.key)
    response = RedirectResponse(SIGNED_OUT_PATH, 303)
    if d.gov.sessions is None:
        return response
    try:
        session = d.gov.sessions.session(request.cookies.get(SESSION_COOKIE), fields.get(CSRF_FIELD),
                                         state_changing=True)  # fmt: skip
    except AuthRefused as exc:
        if exc.code != "no_session":  # a session, but this form is not its own
            return d.render(request, "denied.html", "signin", d.access.viewer(request), status_of(exc),
                            title_key="form.refused", text_key="form.expired")  # fmt: skip
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    try:
        await audited_logout(d.svc, d.gov.sessions, session)
    except (Refused, StoreError) as exc:  # the queue is full, or the store did not commit
        return d.render(request, "denied.html", "signin", d.access.viewer(request),
                        status_of(exc) if isinstance(exc, Refused) else 503,
                        title_key="form.refused", text_key="signin.unavailable")  # fmt: skip
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def signin_routes(d: Dashboard) -> list[Route]:
    return [
        Route(SIGN_IN_PATH, partial(sign_in_or_page, d), methods=["GET", "POST"]),
        Route(SIGN_OUT_PATH, partial(sign_out, d), methods=["POST"]),
    ]


def _form(d: Dashboard, request: Request, status: int = 200, *, error: str = "", identity: str = "",
          next_: str = "/", headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    response = d.render(request, "signin.html", "signin", None, status, error=error, identity=identity,
                        next=next_, enabled=d.gov.sessions is not None,
                        signed_out=request.query_params.get("out") == "1")  # fmt: skip
    response.headers.update(headers or {})
    return response
