"""Approval routes of API v1: make, list, read, approve, reject and execute requests; an
identity's keys (revoke at once, rotate your own); the policy in force.

Callers are identities signing their requests (RFC 9421), or people logged in to the web
(session cookie + X-CSRF-Token; approving or rejecting also asks for a fresh TOTP code). The
desk's planners run in the writer; a refusal is a 4xx with the desk's code and nothing written.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_models import (
    ApprovalErrorBody,
    ApprovalErrorResponse,
    CreateRequest,
    DecideRequest,
    DecideResponse,
    ExecuteResponse,
    ExecutionErrorOut,
    IdentityChangeResponse,
    IdentityOut,
    PolicyOut,
    RequestOut,
    RequestsPage,
    RevokeRequest,
    RotateRequest,
)
from ramp.api.group_commit import Overloaded
from ramp.api.http import ApiError, authenticate, decode, int_param, json_response, read_body
from ramp.api.routes import Service
from ramp.approvals.desk import Desk, Plan
from ramp.approvals.index import RequestIndex
from ramp.approvals.model import ApprovalRefused
from ramp.approvals.quorum import counted
from ramp.approvals.state import RequestState, load
from ramp.auth.credentials import CredentialFile
from ramp.auth.sessions import AuthRefused, Session, Sessions
from ramp.ledger import LedgerEngine, Result
from ramp.ledger.results import SUCCESS_CODES
from ramp.policy import identities as I
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import ROLES, Identity
from ramp.store.base import StoreError

ANYONE = tuple(sorted(ROLES))  # authenticated: the policy decides the rest
SESSION_COOKIE = "ramp_session"
CSRF_HEADER = "x-csrf-token"
KEY_ROTATION_PREFIX = "ramp-key-rotation-v1"
REVOKERS = ("security_officer",)  # besides the key's own identity (and admin)
APPROVAL_BODY_MAX_BYTES = 64 * 1024  # a request fits a record of 8 KiB; a policy text is the largest
PAGE_MAX = 100


@dataclass
class Governance:
    """What the approval and login routes share."""

    desk: Desk
    policy: ActivePolicy
    index: RequestIndex
    sessions: Sessions | None


def governance(svc: Service, credentials: CredentialFile | None = None) -> Governance:
    policy = svc.journal.projection(ActivePolicy)
    index = svc.journal.projection(RequestIndex)
    log = svc.journal.log
    desk = Desk(svc.identities, policy, clock_ns=svc.now_ns, session_signer=None if log is None else log.signer.sign)
    sessions = None if credentials is None else Sessions(credentials, svc.identities, svc.clock)
    return Governance(desk, policy, index, sessions)


def key_rotation_statement(identity: str, public_key_b64: str) -> bytes:
    return f"{KEY_ROTATION_PREFIX}\n{identity}\n{public_key_b64}\n".encode()


def refused_response(exc: ApprovalRefused) -> Response:
    body = ApprovalErrorResponse(ApprovalErrorBody(exc.code, exc.message, exc.details or None))
    return json_response(body, status=exc.status)


def auth_refused_response(exc: AuthRefused) -> Response:
    headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None
    return ApiError(exc.status, exc.code, exc.code.replace("_", " "), headers).response()


def guarded(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except ApprovalRefused as exc:
            return refused_response(exc)
        except AuthRefused as exc:
            return auth_refused_response(exc)
        except ApiError as exc:
            return exc.response()
        except Overloaded as exc:
            return ApiError(429, "overloaded", str(exc), {"Retry-After": str(exc.retry_after_s)}).response()
        except StoreError:
            return ApiError(503, "store_unavailable", "the store did not commit; retry", {"Retry-After": "1"}).response()

    return wrapped


def request_actor(svc: Service, gov: Governance, request: Request, body: bytes, *, state_changing: bool,
                  roles: tuple[str, ...] = ANYONE) -> tuple[Identity, Session | None]:  # fmt: skip
    """The signing identity, or the logged-in person (a session cookie without a signature;
    a state-changing request must echo the session's CSRF token)."""
    if "signature-input" in request.headers or "signature" in request.headers or SESSION_COOKIE not in request.cookies:
        return authenticate(request, body, svc.identities, roles=roles, clock=svc.clock), None
    if gov.sessions is None:
        raise ApiError(401, "signature_missing", "sign the request (this service has no web login)",
                       {"WWW-Authenticate": 'Signature realm="ramp"'})  # fmt: skip
    session = gov.sessions.session(request.cookies.get(SESSION_COOKIE), request.headers.get(CSRF_HEADER),
                                   state_changing=state_changing)  # fmt: skip
    identity = svc.identities.get(session.identity)
    if identity is None:  # pragma: no cover - identities are never removed
        raise ApiError(401, "no_session", "the session's identity is gone")
    if not identity.has_role(*roles):
        raise ApiError(403, "forbidden", f"{identity.id} lacks a role for this: one of {', '.join(roles)}")
    return identity, session


def approval_routes(svc: Service, gov: Governance) -> list[Route]:
    journal, identities = svc.journal, svc.identities

    def now_ns() -> int:
        return svc.now_ns()

    def committed(record_id: str):  # noqa: ANN202 - a Lookup
        r = journal.engine.record(record_id)
        return r if r is not None and r.seq < journal.size else None

    def actor(request: Request, body: bytes, *, state_changing: bool) -> tuple[Identity, Session | None]:
        return request_actor(svc, gov, request, body, state_changing=state_changing)

    def request_id(request: Request) -> str:
        rid = request.path_params["id"]
        if not I.IDENTITY_ID_RE.fullmatch(rid):  # the same shape as request ids
            raise ApiError(400, "request_id_invalid", "request ids are [a-z0-9][a-z0-9_.-]{0,47}")
        return rid

    def view(state: RequestState) -> RequestOut:
        def valid(d) -> bool:  # noqa: ANN001 - a quorum.Decision
            identity = identities.get(d.approver)
            return identity is not None and (not d.key or base64.b64decode(d.key) not in identity.revoked_keys)

        return RequestOut.of(state, state.status(now_ns()), [d.n for d in counted(state.rule, state.requester,
                                                                                          state.decisions, valid)])  # fmt: skip

    def read(rid: str) -> RequestState:
        state = load(committed, rid)
        if state is None:
            raise ApprovalRefused(404, "request_not_found", f"no request {rid!r}")
        return state

    async def run(plan: Plan) -> list[Result]:
        return await svc.committer.submit_planned(plan)

    async def post_request(request: Request) -> Response:
        body = await read_body(request, APPROVAL_BODY_MAX_BYTES)
        identity, _ = actor(request, body, state_changing=True)
        req = decode(body, CreateRequest)
        plan = gov.desk.create(identity.id, req.id, req.action, req.memo)
        results = await run(plan)
        if results and results[0].result not in SUCCESS_CODES:  # pragma: no cover - the planner checked
            raise ApprovalRefused(409, results[0].result, f"the ledger refused the request: {results[0].result}")
        return json_response(view(read(req.id)), status=201 if plan.outcome.created else 200)

    async def list_requests(request: Request) -> Response:
        actor(request, await read_body(request), state_changing=False)
        status = request.query_params.get("status")
        if status not in (None, "open", "executed", "rejected", "expired"):
            raise ApiError(400, "parameter_invalid", "status is open, executed, rejected or expired")
        after = int_param(request, "after", default=0, hi=2**31)
        limit = int_param(request, "limit", default=50, lo=1, hi=PAGE_MAX)
        ids = gov.index.ids()
        out: list[RequestOut] = []
        pos = after
        while pos < len(ids) and len(out) < limit:
            state = load(committed, ids[pos])
            pos += 1
            if state is not None and (status is None or state.status(now_ns()) == status):
                out.append(view(state))
        return json_response(RequestsPage(out, pos if pos < len(ids) else None))

    async def requests(request: Request) -> Response:
        return await (post_request(request) if request.method == "POST" else list_requests(request))

    async def get_request(request: Request) -> Response:
        actor(request, await read_body(request), state_changing=False)
        return json_response(view(read(request_id(request))))

    async def decide(request: Request, decision: str) -> Response:
        body = await read_body(request)
        identity, session = actor(request, body, state_changing=True)
        req = decode(body, DecideRequest)
        rid = request_id(request)
        if session is None:
            if req.signature is None:
                raise ApiError(400, "approval_signature_missing", "a signed decision carries `signature`: the "
                               "approver's Ed25519 signature over the request's statement")  # fmt: skip
            plan = gov.desk.decide(identity.id, rid, decision, signature=base64.b64decode(req.signature))
        else:
            assert gov.sessions is not None
            if req.totp is None:
                raise ApiError(403, "second_factor_required", "approving in the web asks for a fresh TOTP code")
            gov.sessions.fresh_second_factor(session, req.totp)
            plan = gov.desk.decide(identity.id, rid, decision, second_factor="totp")
        results = await run(plan)
        out = plan.outcome
        executed = out.executing and len(results) > 1 and results[1].result == "ok"
        error = None
        if out.execution_error is not None:
            error = ExecutionErrorOut(out.execution_error.code, out.execution_error.message)
        elif out.executing and not executed:
            failed = next((r for r in results[1:] if r.result not in SUCCESS_CODES and r.result != "linked_event_failed"),
                          results[1])  # fmt: skip
            error = ExecutionErrorOut(failed.result, f"the ledger refused {failed.id}: {failed.result}")
        assert out.decision is not None
        return json_response(DecideResponse(view(read(rid)), out.decision, out.counted, executed, error, results))

    async def approve(request: Request) -> Response:
        return await decide(request, "approve")

    async def reject(request: Request) -> Response:
        return await decide(request, "reject")

    async def execute(request: Request) -> Response:
        body = await read_body(request)
        identity, _ = actor(request, body, state_changing=True)
        rid = request_id(request)
        results = await run(gov.desk.execute(identity.id, rid))
        if results[0].result != "ok":
            failed = next((r for r in results if r.result not in SUCCESS_CODES and r.result != "linked_event_failed"),
                          results[0])  # fmt: skip
            raise ApprovalRefused(409, failed.result, f"the ledger refused {failed.id}: {failed.result}")
        return json_response(ExecuteResponse(view(read(rid)), results))

    # --- identities' keys and the policy ---------------------------------------------------
    def identity_id(request: Request) -> str:
        iid = request.path_params["id"]
        if not I.IDENTITY_ID_RE.fullmatch(iid):
            raise ApiError(400, "identity_invalid", "identity ids are [a-z0-9][a-z0-9_.-]{0,47}")
        return iid

    async def get_identity(request: Request) -> Response:
        actor(request, await read_body(request), state_changing=False)
        found = identities.get(identity_id(request))
        if found is None:
            raise ApiError(404, "identity_not_found", "no such identity")
        return json_response(IdentityOut.of(found))

    async def change_identity(request: Request, caller: Identity, make: Callable[[Identity, Identity], Any]) -> Response:
        target_id = identity_id(request)

        def planner(engine: LedgerEngine) -> list:
            target = identities.live(engine, target_id)
            if target is None:
                raise ApprovalRefused(404, "identity_not_found", f"no identity {target_id!r}")
            try:
                return [make(caller, target)]
            except I.IdentityError as exc:
                raise ApprovalRefused(409 if exc.code in ("key_already_revoked", "key_reused",
                                                          "identity_changes_exhausted") else 400,
                                      exc.code, str(exc)) from exc  # fmt: skip

        [result] = await svc.committer.submit_planned(planner)
        changed = identities.get(target_id)
        assert changed is not None
        return json_response(IdentityChangeResponse(IdentityOut.of(changed), result))

    async def revoke(request: Request) -> Response:
        """Revoke a key at once: its own identity or a security officer (or admin) may."""
        body = await read_body(request)
        caller = authenticate(request, body, identities, roles=ANYONE, clock=svc.clock)
        reason = decode(body, RevokeRequest).reason

        def make(caller: Identity, target: Identity):  # noqa: ANN202
            if caller.id != target.id and not caller.has_role(*REVOKERS):
                raise ApprovalRefused(403, "forbidden", f"{caller.id} may revoke only its own key")
            return I.key_revoked(target, reason, caller.id)

        return await change_identity(request, caller, make)

    async def rotate(request: Request) -> Response:
        """Replace your own key; the new key proves possession by signing the statement."""
        body = await read_body(request)
        caller = authenticate(request, body, identities, roles=ANYONE, clock=svc.clock)
        req = decode(body, RotateRequest)
        new_key = base64.b64decode(req.public_key)

        def make(caller: Identity, target: Identity):  # noqa: ANN202
            if caller.id != target.id:
                raise ApprovalRefused(403, "forbidden", "rotate only your own key; another's through an approved "
                                      "identity_change request")  # fmt: skip
            try:
                VerifyKey(new_key).verify(key_rotation_statement(target.id, req.public_key), base64.b64decode(req.proof))
            except (BadSignatureError, ValueError) as exc:
                raise ApprovalRefused(400, "key_proof_invalid", "the new key did not sign the rotation statement") from exc
            return I.key_rotated(target, new_key, caller.id)

        return await change_identity(request, caller, make)

    async def get_policy(request: Request) -> Response:
        actor(request, await read_body(request), state_changing=False)
        p = gov.policy.current
        return json_response(PolicyOut(p.digest, gov.policy.changes, p.cedar, p.as_body()["rules"]))  # type: ignore[arg-type]

    return [
        Route("/v1/approvals", guarded(requests), methods=["GET", "POST"]),  # one route: 405 names both
        Route("/v1/approvals/{id}", guarded(get_request), methods=["GET"]),
        Route("/v1/approvals/{id}/approve", guarded(approve), methods=["POST"]),
        Route("/v1/approvals/{id}/reject", guarded(reject), methods=["POST"]),
        Route("/v1/approvals/{id}/execute", guarded(execute), methods=["POST"]),
        Route("/v1/identities/{id}", guarded(get_identity), methods=["GET"]),
        Route("/v1/identities/{id}/revoke", guarded(revoke), methods=["POST"]),
        Route("/v1/identities/{id}/rotate", guarded(rotate), methods=["POST"]),
        Route("/v1/policy", guarded(get_policy), methods=["GET"]),
    ]
