"""The dashboard's HTML forms: a bounded url-encoded body, read without script or extra packages,
and the checks every state-changing form passes (same origin; the session's CSRF token is
checked by `Sessions.session(..., state_changing=True)` with the token the form carries).

A decision in the inbox and an attestation on a contract page are the same kind of form: a
signed-in person, the session's CSRF token, the person's passkey signing the statement (filled
in by static/passkeys.js), then one planner through the group committer (`submit_signed`: a
passkey that does not verify counts like a wrong code). `signed_in_form`, `passkey_assertion`
and `submit_form` are those steps; each
says no with a `FormError` (the form itself, said by a label) or a `Refused` (said in words
by the page's own table, `refusal_label`, with the status its kind has).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, quote, urlsplit

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ramp.auth import passkeys
from ramp.auth.sessions import AuthRefused, Session, Sessions
from ramp.budget.service import check_results
from ramp.journal.writer import Planner
from ramp.refusal import Kind, Refused
from ramp.service.core import Service
from ramp.service.http import read_body
from ramp.service.refusals import status_of
from ramp.service.sessions import SESSION_COOKIE, client_source, passkey_failed, session_passkey
from ramp.store.base import StoreError
from ramp.web.access import SIGN_IN_PATH, Viewer

FORM_BODY_MAX_BYTES: Final = 2048  # a sign-in or a decision: a few short fields
FORM_FIELDS_MAX: Final = 8
CSRF_FIELD: Final = "csrf"  # the hidden field holding the session's CSRF token
PASSKEY_FIELDS: Final = ("credential_id", "authenticator_data", "client_data_json", "signature")  # `passkey_<name>`
UNAVAILABLE: Final = "unavailable"  # the code a person is told when the write path is busy or down


class FormError(Exception):
    """A form that cannot be read or is not this session's; `key` names the message (an i18n label)."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


async def read_form(request: Request, max_bytes: int = FORM_BODY_MAX_BYTES,
                    max_fields: int = FORM_FIELDS_MAX) -> dict[str, str]:
    """The fields of an `application/x-www-form-urlencoded` POST from this site."""
    if not same_origin(request):
        raise FormError(403, "form.foreign")
    try:
        body = await read_body(request, max_bytes)
    except Refused as exc:  # over the bound: read_body's only refusal
        raise FormError(status_of(exc), "form.too_large") from exc
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if body and media != "application/x-www-form-urlencoded":  # an empty body is an empty form
        raise FormError(415, "form.invalid")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields,
                          errors="strict")  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(400, "form.invalid") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a field given twice: one value each, as a JSON key (strict_json)
        raise FormError(400, "form.invalid")
    return fields


def same_origin(request: Request) -> bool:
    """A browser names the site a form was sent from in `Origin`; it must be this one (a form on
    another site could otherwise sign a visitor in as someone else). Without Origin (not a
    browser, or an old one) the session's CSRF token still guards every signed-in form."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc == host


@dataclass(frozen=True, slots=True)
class SignedForm:
    """A form posted by a live session, with that session's CSRF token."""

    fields: dict[str, str]
    session: Session
    sessions: Sessions
    source: str = ""  # the client's address: fresh codes are limited per source, as sign-in is


async def signed_in_form(request: Request, sessions: Sessions | None, *, max_bytes: int = FORM_BODY_MAX_BYTES,
                         max_fields: int = FORM_FIELDS_MAX) -> SignedForm | None:  # fmt: skip
    """The form of the request's live session; None when there is no live session (the caller
    sends the visitor to sign in, and back to a page, never back to the POST)."""
    fields = await read_form(request, max_bytes, max_fields)
    if sessions is None:
        raise Refused(Kind.FORBIDDEN, "no_web_login", "this service has no web login")
    try:
        session = sessions.session(request.cookies.get(SESSION_COOKIE), fields.get(CSRF_FIELD),
                                   state_changing=True)  # fmt: skip
    except AuthRefused as exc:
        if exc.code == "no_session":
            return None
        raise FormError(status_of(exc), "form.expired") from exc  # a session, but not this form's
    return SignedForm(fields, session, sessions, client_source(request))


def sign_in_then(back: str) -> RedirectResponse:
    """To sign-in, and then to page `back`."""
    return RedirectResponse(f"{SIGN_IN_PATH}?next={quote(back)}", 303)


@dataclass(frozen=True, slots=True)
class PasskeyContext:
    """What passkeys.js needs to have the viewer's authenticator sign on this page: the RP id
    (the host asked for) and the viewer's credentials registered for it (base64url)."""

    rp_id: str
    credentials: tuple[str, ...]
    count: int  # every passkey of the viewer, of any host


def passkey_context(svc: Service, viewer: Viewer | None, request: Request) -> PasskeyContext:
    rp_id = request.url.hostname or ""
    mine = [] if viewer is None else passkeys.registered(svc.committed_record, viewer.id)
    return PasskeyContext(rp_id, tuple(passkeys.b64url(p.credential_id) for p in mine if p.rp_id == rp_id), len(mine))


def passkey_assertion(form: SignedForm, act: str) -> passkeys.Assertion:
    """The form's passkey assertion (`passkey_*` fields, base64url, filled in by passkeys.js):
    what a decision or an attestation in the web is signed with, under the session's limits;
    `passkey_required` when the form has none."""
    fields = {name: form.fields.get(f"passkey_{name}", "") for name in PASSKEY_FIELDS}
    given = None
    if any(fields.values()):
        try:
            given = msgspec.convert(fields, passkeys.AssertionFields)
        except msgspec.ValidationError as exc:
            raise Refused(Kind.INVALID, "passkey_invalid", f"the passkey's answer is not base64url: {exc}") from exc
    return session_passkey(form.sessions, form.session, form.source, given, act)


async def submit_signed(form: SignedForm, svc: Service, planner: Planner, *, checked: bool = False) -> None:
    """`submit_form` for a planner that checks the form's passkey: one that does not verify
    counts against the session like a wrong code."""
    try:
        await submit_form(svc, planner, checked=checked)
    except Refused as exc:
        passkey_failed(form.sessions, form.session, form.source, exc)
        raise


async def submit_form(svc: Service, planner: Planner, *, checked: bool = False) -> None:
    """Commit the form's planner; `checked`: a ledger result other than ok is a refusal too.
    A full queue or a store that did not commit is said as `unavailable` (nothing was written);
    any other refusal keeps its code."""
    try:
        results = await svc.committer.submit_planned(planner)
        if checked:
            check_results(results)
    except Refused as exc:
        if exc.kind is Kind.OVERLOADED:
            raise Refused(exc.kind, UNAVAILABLE, exc.message, retry_after_s=exc.retry_after_s) from exc
        raise
    except StoreError as exc:
        raise Refused(Kind.UNAVAILABLE, UNAVAILABLE, "the store did not commit; retry", retry_after_s=1) from exc


def refusal_label(prefix: str, known: frozenset[str], code: str) -> str:
    """The label saying refusal `code` in words (`<prefix>.error.<code>`); any other code: `other`."""
    return f"{prefix}.error.{code if code in known else 'other'}"
