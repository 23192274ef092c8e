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
from functools import partial
from typing import Any, Final

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_models import (
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
from ramp.approvals.desk import Plan
from ramp.approvals.quorum import Decision, counted
from ramp.approvals.state import RequestState, load
from ramp.auth.sessions import Session
from ramp.ledger import LedgerEngine, Result
from ramp.ledger.results import SUCCESS_CODES
from ramp.policy import identities as identity_records
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service import Governance, Service
from ramp.service.access import ANYONE, KEY_REVOKERS, may_read_request
from ramp.service.http import authenticate, decode, int_param, json_response, read_body
from ramp.service.sessions import (
    client_source,
    passkey_failed,
    request_actor,
    require_sessions,
    session_passkey,
)

KEY_ROTATION_PREFIX: Final = "ramp-key-rotation-v1"
APPROVAL_BODY_MAX_BYTES: Final = 64 * 1024  # a request fits a record of 8 KiB; a policy text is the largest
PAGE_MAX: Final = 100
STATUSES: Final = ("open", "executed", "rejected", "expired")


def key_rotation_statement(identity: str, public_key_b64: str) -> bytes:
    return f"{KEY_ROTATION_PREFIX}\n{identity}\n{public_key_b64}\n".encode()


@dataclass(frozen=True)
class ApprovalApi:
    svc: Service
    gov: Governance

    def actor(self, request: Request, body: bytes, *, state_changing: bool) -> tuple[Identity, Session | None]:
        return request_actor(self.svc, self.gov, request, body, state_changing=state_changing)

    def view(self, state: RequestState) -> RequestOut:
        identities = self.svc.identities

        def valid(d: Decision) -> bool:
            identity = identities.get(d.approver)
            return identity is not None and (not d.key or base64.b64decode(d.key) not in identity.revoked_keys)

        approvals = counted(state.rule, state.requester, state.decisions, valid)
        return RequestOut.of(state, state.status(self.svc.now_ns()), [d.n for d in approvals])

    def readable(self, state: RequestState, identity: Identity) -> bool:
        """The policy's read rule, as the inbox has it (`ramp.service.access.may_read_request`)."""
        return may_read_request(identity, state, self.svc.identities.get(state.requester), self.gov.policy.current)

    def read(self, rid: str, identity: Identity | None = None) -> RequestState:
        """The request; to `identity`, only one it may read (another party's is not found)."""
        state = load(self.svc.committed_record, rid)
        if state is None or (identity is not None and not self.readable(state, identity)):
            raise Refused(Kind.NOT_FOUND, "request_not_found", f"no request {rid!r}")
        return state

    async def run(self, plan: Plan) -> list[Result]:
        return await self.svc.committer.submit_planned(plan)


def _request_id(request: Request) -> str:
    rid = request.path_params["id"]
    if not identity_records.IDENTITY_ID_RE.fullmatch(rid):  # the same shape as request ids
        raise Refused(Kind.INVALID, "request_id_invalid", "request ids are [a-z0-9][a-z0-9_.-]{0,47}")
    return rid


def _first_failure(results: list[Result], default: Result) -> Result:
    """The result that failed a chain (not the `linked_event_failed` of its companions)."""
    return next((r for r in results if r.result not in SUCCESS_CODES and r.result != "linked_event_failed"), default)


async def post_request(api: ApprovalApi, request: Request) -> Response:
    body = await read_body(request, APPROVAL_BODY_MAX_BYTES)
    identity, _ = api.actor(request, body, state_changing=True)
    req = decode(body, CreateRequest)
    plan = api.gov.desk.create(identity.id, req.id, req.action, req.memo)
    results = await api.run(plan)
    if results and results[0].result not in SUCCESS_CODES:  # pragma: no cover - the planner checked
        raise Refused(Kind.CONFLICT, results[0].result, f"the ledger refused the request: {results[0].result}")
    return json_response(api.view(api.read(req.id)), status=201 if plan.outcome.created else 200)


async def list_requests(api: ApprovalApi, request: Request) -> Response:
    identity, _ = api.actor(request, await read_body(request), state_changing=False)
    status = request.query_params.get("status")
    if status is not None and status not in STATUSES:
        raise Refused(Kind.INVALID, "parameter_invalid", "status is open, executed, rejected or expired")
    after = int_param(request, "after", default=0, hi=2**31)
    limit = int_param(request, "limit", default=50, lo=1, hi=PAGE_MAX)
    ids = api.gov.index.ids()
    now_ns = api.svc.now_ns()
    out: list[RequestOut] = []
    pos = after
    while pos < len(ids) and len(out) < limit:
        state = load(api.svc.committed_record, ids[pos])
        pos += 1
        if state is not None and api.readable(state, identity) and (status is None or state.status(now_ns) == status):
            out.append(api.view(state))
    return json_response(RequestsPage(out, pos if pos < len(ids) else None))


async def requests(api: ApprovalApi, request: Request) -> Response:
    return await (post_request(api, request) if request.method == "POST" else list_requests(api, request))


async def get_request(api: ApprovalApi, request: Request) -> Response:
    identity, _ = api.actor(request, await read_body(request), state_changing=False)
    return json_response(api.view(api.read(_request_id(request), identity)))


async def _decide(api: ApprovalApi, request: Request, decision: str) -> Response:
    body = await read_body(request)
    identity, session = api.actor(request, body, state_changing=True)
    req = decode(body, DecideRequest)
    rid = _request_id(request)
    api.read(rid, identity)  # another party's request is not found, not forbidden
    if session is None:
        if req.signature is None:
            raise Refused(Kind.INVALID, "approval_signature_missing", "a signed decision carries `signature`: the "
                          "approver's Ed25519 signature over the request's statement")  # fmt: skip
        plan = api.gov.desk.decide(identity.id, rid, decision, signature=base64.b64decode(req.signature))
    else:
        sessions, source = require_sessions(api.gov), client_source(request)
        assertion = session_passkey(sessions, session, source, req.passkey, "a decision")
        plan = api.gov.desk.decide(identity.id, rid, decision, passkey=assertion)
    try:
        results = await api.run(plan)
    except Refused as exc:
        if session is not None:
            passkey_failed(require_sessions(api.gov), session, client_source(request), exc)
        raise
    out = plan.outcome
    executed = out.executing and len(results) > 1 and results[1].result == "ok"
    error = None
    if out.execution_error is not None:
        error = ExecutionErrorOut(out.execution_error.code, out.execution_error.message)
    elif out.executing and not executed:
        failed = _first_failure(results[1:], results[1])
        error = ExecutionErrorOut(failed.result, f"the ledger refused {failed.id}: {failed.result}")
    assert out.decision is not None
    return json_response(DecideResponse(api.view(api.read(rid)), out.decision, out.counted, executed, error, results))


async def approve(api: ApprovalApi, request: Request) -> Response:
    return await _decide(api, request, "approve")


async def reject(api: ApprovalApi, request: Request) -> Response:
    return await _decide(api, request, "reject")


async def execute(api: ApprovalApi, request: Request) -> Response:
    body = await read_body(request)
    identity, _ = api.actor(request, body, state_changing=True)
    rid = _request_id(request)
    api.read(rid, identity)
    results = await api.run(api.gov.desk.execute(identity.id, rid))
    if results[0].result != "ok":
        failed = _first_failure(results, results[0])
        raise Refused(Kind.CONFLICT, failed.result, f"the ledger refused {failed.id}: {failed.result}")
    return json_response(ExecuteResponse(api.view(api.read(rid)), results))


# --- identities' keys and the policy -----------------------------------------------------------
IdentityChange = Callable[[Identity, Identity], Any]  # (caller, target) -> the record to append


def _identity_id(request: Request) -> str:
    iid = request.path_params["id"]
    if not identity_records.IDENTITY_ID_RE.fullmatch(iid):
        raise Refused(Kind.INVALID, "identity_invalid", "identity ids are [a-z0-9][a-z0-9_.-]{0,47}")
    return iid


async def get_identity(api: ApprovalApi, request: Request) -> Response:
    api.actor(request, await read_body(request), state_changing=False)
    found = api.svc.identities.get(_identity_id(request))
    if found is None:
        raise Refused(Kind.NOT_FOUND, "identity_not_found", "no such identity")
    return json_response(IdentityOut.of(found))


_EXHAUSTED: Final = ("key_already_revoked", "key_reused", "identity_changes_exhausted")


async def _change_identity(api: ApprovalApi, request: Request, caller: Identity, make: IdentityChange) -> Response:
    identities = api.svc.identities
    target_id = _identity_id(request)

    def planner(engine: LedgerEngine) -> list:
        target = identities.live(engine, target_id)
        if target is None:
            raise Refused(Kind.NOT_FOUND, "identity_not_found", f"no identity {target_id!r}")
        try:
            return [make(caller, target)]
        except identity_records.IdentityError as exc:
            raise Refused(Kind.CONFLICT if exc.code in _EXHAUSTED else Kind.INVALID, exc.code, str(exc)) from exc

    [result] = await api.svc.committer.submit_planned(planner)
    changed = identities.get(target_id)
    assert changed is not None
    return json_response(IdentityChangeResponse(IdentityOut.of(changed), result))


async def revoke(api: ApprovalApi, request: Request) -> Response:
    """Revoke a key at once: its own identity or a security officer (or admin) may."""
    body = await read_body(request)
    caller = authenticate(request, body, api.svc.identities, roles=ANYONE, clock=api.svc.clock)
    reason = decode(body, RevokeRequest).reason

    def make(caller: Identity, target: Identity):  # noqa: ANN202 - a record
        if caller.id != target.id and not caller.has_role(*KEY_REVOKERS):
            raise Refused(Kind.FORBIDDEN, "forbidden", f"{caller.id} may revoke only its own key")
        return identity_records.key_revoked(target, reason, caller.id)

    return await _change_identity(api, request, caller, make)


async def rotate(api: ApprovalApi, request: Request) -> Response:
    """Replace your own key; the new key proves possession by signing the statement."""
    body = await read_body(request)
    caller = authenticate(request, body, api.svc.identities, roles=ANYONE, clock=api.svc.clock)
    req = decode(body, RotateRequest)
    new_key = base64.b64decode(req.public_key)

    def make(caller: Identity, target: Identity):  # noqa: ANN202 - a record
        if caller.id != target.id:
            raise Refused(Kind.FORBIDDEN, "forbidden", "rotate only your own key; another's through an approved "
                          "identity_change request")  # fmt: skip
        try:
            VerifyKey(new_key).verify(key_rotation_statement(target.id, req.public_key), base64.b64decode(req.proof))
        except (BadSignatureError, ValueError) as exc:
            raise Refused(Kind.INVALID, "key_proof_invalid", "the new key did not sign the rotation statement") from exc
        return identity_records.key_rotated(target, new_key, caller.id)

    return await _change_identity(api, request, caller, make)


async def get_policy(api: ApprovalApi, request: Request) -> Response:
    api.actor(request, await read_body(request), state_changing=False)
    p = api.gov.policy.current
    return json_response(PolicyOut(p.digest, api.gov.policy.changes, p.cedar, p.as_body()["rules"]))  # type: ignore[arg-type]


def approval_routes(svc: Service, gov: Governance) -> list[Route]:
    api = ApprovalApi(svc, gov)
    return [
        Route("/v1/approvals", partial(requests, api), methods=["GET", "POST"]),  # one route: 405 names both
        Route("/v1/approvals/{id}", partial(get_request, api), methods=["GET"]),
        Route("/v1/approvals/{id}/approve", partial(approve, api), methods=["POST"]),
        Route("/v1/approvals/{id}/reject", partial(reject, api), methods=["POST"]),
        Route("/v1/approvals/{id}/execute", partial(execute, api), methods=["POST"]),
        Route("/v1/identities/{id}", partial(get_identity, api), methods=["GET"]),
        Route("/v1/identities/{id}/revoke", partial(revoke, api), methods=["POST"]),
        Route("/v1/identities/{id}/rotate", partial(rotate, api), methods=["POST"]),
        Route("/v1/policy", partial(get_policy, api), methods=["GET"]),
    ]
