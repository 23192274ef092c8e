"""Contract routes of API v1: sign, attest, obligate a later instalment, settle, expire; read a
contract, the list, and a vendor's position.

Callers sign their requests (RFC 9421); an attestation also carries the attester's own
signature over the attestation statement, so the record proves who attested what without the
service. People logged in to the web attest with their session, a CSRF token and a fresh TOTP
code (the service's log key vouches for it). Change orders, holds and releases are approval
requests (`POST /v1/approvals`, action `{"type": "contract", "operation": {...}}`); a signing
whose obligation is above the policy's threshold is refused here (`approval_required`) and
goes there too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable
from typing import Any, Final, Protocol

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_routes import Governance, guarded, request_actor
from ramp.api.budget_routes import BUDGET_READERS
from ramp.api.group_commit import Overloaded
from ramp.api.http import ApiError, authenticate, decode, int_param, json_response, read_body
from ramp.api.routes import Service
from ramp.approvals.gate import check_direct, find_policy
from ramp.budget import model as M
from ramp.budget import requests as Q
from ramp.budget.rules import Refused
from ramp.budget.service import check_results
from ramp.contracts import requests as C
from ramp.contracts import state as S
from ramp.contracts import terms as T
from ramp.contracts import views as V
from ramp.contracts.desk import ContractDesk, Planner
from ramp.contracts.errors import ContractRefused
from ramp.contracts.index import ContractIndex
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.identities import ROLES, Identity
from ramp.store.base import StoreError

SIGNERS: Final = ("contracting_officer", "certifying_officer")
OBLIGATORS: Final = ("certifying_officer",)
SETTLERS: Final = ("disbursing_officer", "certifying_officer", "contracting_officer")
READERS: Final = (*BUDGET_READERS, "inspector", "contractor")
STATUSES: Final = ("signed", "in_progress", "held", "completed", "expired")
PAGE_MAX: Final = 100
CONTRACT_BODY_MAX_BYTES: Final = 16 * 1024


class Reader(Protocol):
    """Who reads a contract: an identity (the API) or a dashboard viewer."""

    @property
    def organisation(self) -> str: ...

    def has_role(self, *roles: str) -> bool: ...


def may_read(reader: Reader, vendor: str) -> bool:
    """Budget readers and inspectors read every contract; a contractor its own vendor's only."""
    return reader.has_role(*BUDGET_READERS, "inspector") or reader.organisation == f"contractor-{vendor}"


class SignRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Q.OpId  # the idempotency key of the signing year's obligation
    terms: T.Terms


class ObligateRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Q.OpId
    fiscal_year: Q.Year


class Empty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class ContractResponse(msgspec.Struct, frozen=True):
    contract: V.ContractOut
    results: list[Result]  # one per ledger command written (none for a retry)


def contract_routes(svc: Service, gov: Governance) -> list[Route]:
    journal, identities = svc.journal, svc.identities
    index = journal.projection(ContractIndex)
    policy = find_policy(journal.projections)
    log = journal.log
    desk = ContractDesk(identities, session_signer=None if log is None else log.signer.sign)
    committed = V.committed_lookup(journal.engine, lambda: journal.size)

    now_ns = svc.now_ns

    def contract_id(request: Request) -> str:
        cid = request.path_params["id"]
        if not M.PARTY_RE.fullmatch(cid):
            raise ApiError(400, "contract_id_invalid", f"contract ids are {M.PARTY_RE.pattern}")
        return cid

    def read_state(cid: str, identity: Identity) -> S.ContractState:
        state = S.load(committed, cid)
        if state is None or not may_read(identity, state.terms.vendor):
            raise ContractRefused(404, "contract_not_found", f"no contract {cid!r}")  # a vendor sees its own only
        return state

    async def run(planner: Planner, gated: bool = False) -> list[Result]:
        def planned(engine: LedgerEngine) -> list[Command]:
            commands = planner(engine)
            try:
                return commands if not gated or policy is None else check_direct(engine, commands, policy)
            except Refused as exc:
                raise ContractRefused(409, exc.code, exc.message) from exc

        results = await svc.committer.submit_planned(planned)
        try:
            return check_results(results)
        except Refused as exc:  # the ledger's last line of defence (a frozen wallet, say)
            raise ContractRefused(409, exc.code, exc.message) from exc

    def answer(cid: str, results: list[Result], status: int = 200) -> Response:
        state = S.load(committed, cid)
        assert state is not None
        return json_response(ContractResponse(V.contract_view(state, journal.engine), results), status=status)

    async def sign(request: Request) -> Response:
        body = await read_body(request, CONTRACT_BODY_MAX_BYTES)
        identity = authenticate(request, body, identities, roles=SIGNERS, clock=svc.clock)
        req = decode(body, SignRequest)
        results = await run(desk.sign(C.Sign(req.id, req.terms), identity.id, now_ns()), gated=True)
        return answer(req.terms.contract, results, 201 if results else 200)

    async def list_contracts(request: Request) -> Response:
        identity = authenticate(request, await read_body(request), identities, roles=READERS, clock=svc.clock)
        vendor = request.query_params.get("vendor")
        if vendor is not None and not M.PARTY_RE.fullmatch(vendor):
            raise ApiError(400, "parameter_invalid", f"vendor ids are {M.PARTY_RE.pattern}")
        status = request.query_params.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, "parameter_invalid", f"status is one of {', '.join(STATUSES)}")
        after = int_param(request, "after", default=0, hi=2**31)
        limit = int_param(request, "limit", default=50, lo=1, hi=PAGE_MAX)
        ids = index.ids(vendor)
        out: list[V.ContractSummary] = []
        pos = after
        while pos < len(ids) and len(out) < limit:
            state = S.load(committed, ids[pos])
            pos += 1
            if state is None or not may_read(identity, state.terms.vendor):
                continue
            if status is None or state.status == status:
                out.append(V.summary(state))
        return json_response(V.ContractsPage(out, pos if pos < len(ids) else None))

    async def contracts(request: Request) -> Response:
        return await (sign(request) if request.method == "POST" else list_contracts(request))

    async def get_contract(request: Request) -> Response:
        identity = authenticate(request, await read_body(request), identities, roles=READERS, clock=svc.clock)
        return json_response(V.contract_view(read_state(contract_id(request), identity), journal.engine))

    async def attest(request: Request) -> Response:
        body = await read_body(request)
        identity, session = request_actor(svc, gov, request, body, state_changing=True, roles=tuple(sorted(ROLES)))
        req = decode(body, C.AttestRequest)
        cid = contract_id(request)
        if session is None:
            if req.signature is None:
                raise ApiError(400, "attestation_signature_missing", "a signed attestation carries `signature`: the "
                               "attester's Ed25519 signature over the attestation statement")  # fmt: skip
            planner = desk.attest(cid, req, identity.id, now_ns(), signature=base64.b64decode(req.signature))
        else:
            assert gov.sessions is not None
            if req.totp is None:
                raise ApiError(403, "second_factor_required", "attesting in the web asks for a fresh TOTP code")
            gov.sessions.fresh_second_factor(session, req.totp)
            planner = desk.attest(cid, req, identity.id, now_ns(), signature=None, second_factor="totp")
        return answer(cid, await run(planner), 201)

    async def obligate(request: Request) -> Response:
        body = await read_body(request)
        identity = authenticate(request, body, identities, roles=OBLIGATORS, clock=svc.clock)
        req = decode(body, ObligateRequest)
        cid = contract_id(request)
        return answer(cid, await run(desk.obligate(C.ObligateInstalment(req.id, cid, req.fiscal_year), identity.id,
                                                   now_ns()), gated=True))  # fmt: skip

    def simple(make: Callable[[ContractDesk], Callable[..., Planner]], roles: tuple[str, ...]) -> Callable[..., Any]:
        async def route(request: Request) -> Response:
            body = await read_body(request)
            identity = authenticate(request, body, identities, roles=roles, clock=svc.clock)
            if body:
                decode(body, Empty)
            cid = contract_id(request)
            return answer(cid, await run(make(desk)(cid, identity.id, now_ns())))

        return route

    async def vendor(request: Request) -> Response:
        identity = authenticate(request, await read_body(request), identities, roles=READERS, clock=svc.clock)
        vid = request.path_params["vendor"]
        if not M.PARTY_RE.fullmatch(vid):
            raise ApiError(400, "vendor_invalid", f"vendor ids are {M.PARTY_RE.pattern}")
        if not may_read(identity, vid):
            raise ApiError(403, "forbidden", f"{identity.id} may read its own vendor only")
        states = [s for s in (S.load(committed, c) for c in index.ids(vid)) if s is not None]
        if not states and journal.engine.account(M.vendor_account(vid)) is None:
            raise ApiError(404, "vendor_not_found", f"no vendor {vid!r}")
        return json_response(V.vendor_view(vid, states, journal.engine))

    def handler(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request) -> Response:
            try:
                return await fn(request)
            except ContractRefused as exc:
                return ApiError(exc.status, exc.code, exc.message).response()

        return guarded(wrapped)

    return [
        Route("/v1/contracts", handler(contracts), methods=["GET", "POST"]),
        Route("/v1/contracts/{id}", handler(get_contract), methods=["GET"]),
        Route("/v1/contracts/{id}/attestations", handler(attest), methods=["POST"]),
        Route("/v1/contracts/{id}/obligations", handler(obligate), methods=["POST"]),
        Route("/v1/contracts/{id}/settle", handler(simple(lambda d: d.settle, SETTLERS)), methods=["POST"]),
        Route("/v1/contracts/{id}/expire", handler(simple(lambda d: d.expire, SIGNERS)), methods=["POST"]),
        Route("/v1/vendors/{vendor}", handler(vendor), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
_REF = "#/components/schemas/{name}"
_ERRORS: Final = {
    400: "invalid request: the code says which (terms that do not add up, dates out of order, a rule no "
         "existing identities can satisfy, a bad attestation signature, ...)",
    401: "signature missing or invalid, key revoked, no session",
    403: "role missing: wrong role or organisation for the slot, CSRF token or fresh TOTP missing",
    404: "no such contract, milestone, slot or vendor (a contractor sees its own only)",
    409: "the contract's state refuses it (already attested, accepted, held, expired, completed, payments "
         "pending) or the budget's law does (its rule's code; approval_required above the threshold)",
    413: "body too large", 429: "overloaded (see Retry-After)", 503: "store unavailable",
}  # fmt: skip


def contract_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [SignRequest, ObligateRequest, Empty, C.AttestRequest, ContractResponse, V.ContractOut, V.ContractsPage,
         V.VendorOut], ref_template=_REF)  # fmt: skip
    return components


def _content(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(name=name)}}}


def _op(summary: str, ok: str, statuses: tuple[int, ...], *, body: str | None = None, params: list | None = None,
        created: bool = False, session: bool = False) -> dict[str, Any]:  # fmt: skip
    responses: dict[str, Any] = {"200": {"description": "ok", "content": _content(ok)}}
    if created:
        responses["201"] = {"description": "written", "content": _content(ok)}
    responses.update({str(s): {"description": _ERRORS[s], "content": _content("ErrorResponse")} for s in statuses})
    op: dict[str, Any] = {"summary": summary, "responses": responses,
                          "security": [{"httpSignature": []}, *([{"session": []}] if session else [])]}  # fmt: skip
    if body is not None:
        op["requestBody"] = {"required": True, "content": _content(body)}
    if params:
        op["parameters"] = params
    return op


def contract_paths() -> dict[str, Any]:
    cid = [{"name": "id", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": f"^{M.PARTY_RE.pattern}$", "maxLength": 40}}]  # fmt: skip
    write = (400, 401, 403, 404, 409, 413, 429, 503)
    listing = [
        {"name": "vendor", "in": "query", "schema": {"type": "string", "pattern": f"^{M.PARTY_RE.pattern}$"}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}},
    ]  # fmt: skip
    empty = {"requestBody": {"required": False, "content": _content("Empty")}}
    return {
        "/v1/contracts": {
            "post": _op("sign a contract (201; a retry of the same signing 200): its terms are checked, the budget "
                        "registers it and the signing year's instalment moves into escrow", "ContractResponse",
                        (400, 401, 403, 409, 413, 429, 503), body="SignRequest", created=True),
            "get": _op("contracts, in the order they were signed", "ContractsPage", (400, 401, 403), params=listing),
        },
        "/v1/contracts/{id}": {"get": _op("a contract: milestones, attestations, releases, retention, penalties, "
                                          "time to payment", "ContractOut", (400, 401, 403, 404), params=cid)},
        "/v1/contracts/{id}/attestations": {"post": _op(
            "attest one slot of a milestone's rule (`milestone: final` for final acceptance); the attestation that "
            "meets the rule releases the payment in the same batch", "ContractResponse", write,
            body="AttestRequest", params=cid, created=True, session=True)},
        "/v1/contracts/{id}/obligations": {"post": _op(
            "obligate a later fiscal year's instalment (pays milestones accepted early)", "ContractResponse", write,
            body="ObligateRequest", params=cid)},
        "/v1/contracts/{id}/settle": {"post": {**_op(
            "pay what is owed and payable now (after a carry-over into this year)", "ContractResponse", write,
            params=cid), **empty}},
        "/v1/contracts/{id}/expire": {"post": {**_op(
            "after the expiry date: cancel unaccepted milestones and de-obligate what is not owed", "ContractResponse",
            write, params=cid), **empty}},
        "/v1/vendors/{vendor}": {"get": _op(
            "a vendor's obligated, released and pending amounts across its contracts", "VendorOut",
            (400, 401, 403, 404), params=[{"name": "vendor", "in": "path", "required": True, "schema": {
                "type": "string", "pattern": f"^{M.PARTY_RE.pattern}$", "maxLength": 40}}])},
    }



# --- expiry: a contract whose expiry passed is expired by the service itself ------------------
EXPIRY_SWEEP_S: Final = 60.0
EXPIRY_ACTOR: Final = "system:expiry"


async def expire_overdue(svc: Service) -> list[str]:
    """Expire every open contract whose expiry date has passed; the ids expired. One refused
    (payments still owed: held, or not payable this year) stays open and is tried again."""
    journal = svc.journal
    index = journal.projection(ContractIndex)
    committed = V.committed_lookup(journal.engine, lambda: journal.size)
    desk = ContractDesk(svc.identities)
    now = svc.now_ns()
    expired = []
    for cid in index.ids():
        state = S.load(committed, cid)
        if state is None or state.expired or state.status == "completed" or now < T.day_end_ns(state.terms.expires):
            continue

        def planner(engine: LedgerEngine, cid: str = cid) -> list[Command]:
            try:
                return desk.expire(cid, EXPIRY_ACTOR, now)(engine)
            except ContractRefused:
                return []  # owed payments first (or expired meanwhile): nothing to write

        results = await svc.committer.submit_planned(planner)
        if results and all(r.result == "ok" for r in results):
            expired.append(cid)
    return expired


async def sweep_expiries(svc: Service, interval_s: float = EXPIRY_SWEEP_S) -> None:
    """Run `expire_overdue` now and every `interval_s` until cancelled (the app's lifespan)."""
    while True:
        with contextlib.suppress(StoreError, Overloaded):  # the next sweep tries again
            await expire_overdue(svc)
        await asyncio.sleep(interval_s)
