"""Passkey ceremonies for both faces: registering one (a signed-in person who passes a fresh
TOTP code at that moment: a session alone, say a stolen cookie, cannot add a key of its own;
the record is written before the answer) and signing in with one (audited like a password
login, under the same limits, its signature counter checked and recorded). The RP id is the
host the browser asked for: a passkey registered at `localhost` signs only for `localhost`, as
WebAuthn itself enforces."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request

from ramp.auth import passkeys
from ramp.auth.ceremonies import Pending
from ramp.auth.sessions import Session, Sessions
from ramp.ledger import Command, LedgerEngine
from ramp.policy.identities import IDENTITY_ID_RE
from ramp.refusal import Kind, Refused
from ramp.service.core import Service
from ramp.service.sessions import audit_failure, audit_login, client_source


def rp_id_of(request: Request) -> str:
    return request.url.hostname or ""


def registration_options(sessions: Sessions, svc: Service, request: Request, session: Session,
                         code: str | None) -> dict[str, Any]:  # fmt: skip
    """The options to create a passkey with, once the person has given a fresh TOTP code."""
    if code is None:
        raise Refused(Kind.FORBIDDEN, "second_factor_required", "adding a passkey asks for a fresh TOTP code")
    sessions.fresh_second_factor(session, code, client_source(request))
    rp_id = rp_id_of(request)
    existing = passkeys.registered(svc.committed_record, session.identity)
    if len(existing) >= passkeys.PASSKEYS_MAX:
        raise Refused(Kind.CONFLICT, "passkeys_exhausted", f"an identity has at most {passkeys.PASSKEYS_MAX} passkeys")
    options, state = passkeys.registration_options(rp_id, session.identity, existing)
    ceremony = sessions.ceremonies.begin("register", rp_id, b"", identity=session.identity, state=state)
    return {"ceremony": ceremony, **options}


async def register(sessions: Sessions, svc: Service, request: Request, session: Session, ceremony: str,
                   credential: dict[str, Any]) -> passkeys.Passkey:  # fmt: skip
    """Verify the authenticator's answer and write `auth.passkey_added` (the next number)."""
    pending = sessions.ceremonies.take(ceremony, "register")
    if pending is None or pending.identity != session.identity or pending.rp_id != rp_id_of(request):
        raise Refused(Kind.INVALID, "passkey_ceremony_unknown", "begin the registration again")
    try:
        credential_id, public_key, count = passkeys.complete_registration(pending.rp_id, pending.state, credential)
    except passkeys.PasskeyInvalid as exc:
        raise Refused(Kind.INVALID, exc.code, str(exc)) from exc
    added: list[passkeys.Passkey] = []

    def planner(engine: LedgerEngine) -> list[Command]:
        added.clear()
        existing = passkeys.registered(engine.record, session.identity)
        if any(p.credential_id == credential_id for p in existing):
            raise Refused(Kind.CONFLICT, "passkey_exists", "this passkey is registered already")
        if len(existing) >= passkeys.PASSKEYS_MAX:
            raise Refused(Kind.CONFLICT, "passkeys_exhausted", f"an identity has at most {passkeys.PASSKEYS_MAX} passkeys")
        n = len(existing) + 1
        added.append(passkeys.Passkey(session.identity, n, credential_id, public_key, pending.rp_id))
        return [passkeys.passkey_added(session.identity, n, credential_id, public_key, pending.rp_id, count)]

    [result] = await svc.committer.submit_planned(planner)
    assert result.result == "ok", result  # the planner checked the number is free
    return added[0]


def sign_in_options(sessions: Sessions, request: Request) -> dict[str, Any]:
    sessions.check_source(client_source(request))  # a limited source is refused before any work
    rp_id, challenge = rp_id_of(request), secrets.token_bytes(passkeys.CHALLENGE_BYTES)
    ceremony = sessions.ceremonies.begin("sign_in", rp_id, challenge)
    return {"ceremony": ceremony, **passkeys.sign_in_options(rp_id, challenge)}


async def sign_in(sessions: Sessions, svc: Service, counters: passkeys.PasskeyCounters, request: Request,
                  ceremony: str, assertion: passkeys.Assertion) -> Session:  # fmt: skip
    """A session for the identity whose registered passkey signed this ceremony's challenge with
    a counter above its last use; one `auth.login` (with the passkey's use) or, for a known
    identity, `auth.login_failed` record before the answer."""
    source = client_source(request)
    claimed = assertion.user_handle.decode("utf-8", "replace")
    identity = claimed if IDENTITY_ID_RE.fullmatch(claimed) and svc.identities.get(claimed) is not None else None
    sessions.check_source(source, identity)
    pending = sessions.ceremonies.take(ceremony, "sign_in")
    try:
        _check(svc, pending, identity, assertion, rp_id_of(request))
        counters.claim(assertion.credential_id, assertion.sign_count)
    except passkeys.PasskeyInvalid:
        exc = sessions.passkey_failed(source, identity)
        await audit_failure(svc, request, claimed, exc)
        raise exc from None
    assert identity is not None
    session = sessions.open_session(identity, "passkey")
    await audit_login(svc, request, session, {"credential_id": passkeys.b64url(assertion.credential_id),
                                              "authenticator_data": passkeys.b64url(assertion.authenticator_data)})  # fmt: skip
    return session


def _check(svc: Service, pending: Pending | None, identity: str | None, assertion: passkeys.Assertion,
           rp_id: str) -> None:  # fmt: skip
    if pending is None or pending.rp_id != rp_id:
        raise passkeys.PasskeyInvalid("passkey_ceremony_unknown", "no such sign-in under way")
    if identity is None:
        raise passkeys.PasskeyInvalid("passkey_unknown", "the passkey names no identity")
    passkey = next((p for p in passkeys.registered(svc.committed_record, identity)
                    if p.credential_id == assertion.credential_id), None)  # fmt: skip
    if passkey is None:
        raise passkeys.PasskeyInvalid("passkey_unknown", "not a registered passkey")
    passkeys.verify_assertion(passkey, assertion, pending.challenge)
