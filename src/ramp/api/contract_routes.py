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

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.openapi_parts import REF, content
from ramp.approvals.gate import check_direct, find_policy
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.budget.service import check_results
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts import views as contract_views
from ramp.contracts.desk import ContractDesk, Planner
from ramp.contracts.index import ContractIndex
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service import Governance, Service
from ramp.service.access import (
    ANYONE,
    CONTRACT_OBLIGATORS,
    CONTRACT_READERS,
    CONTRACT_SETTLERS,
    CONTRACT_SIGNERS,
    CONTRACT_STATUSES,
    may_read_contract,
    may_read_vendor,
)
from ramp.service.http import authenticate, decode, int_param, json_response, read_body
from ramp.service.sessions import (
    client_source,
    passkey_failed,
    request_actor,
    require_sessions,
    session_passkey,
)

PAGE_MAX: Final = 100
CONTRACT_BODY_MAX_BYTES: Final = 16 * 1024


class SignRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: budget_requests.OpId  # the idempotency key of the signing year's obligation
    terms: contract_terms.Terms


class ObligateRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: budget_requests.OpId
    fiscal_year: budget_requests.Year


class Empty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class ContractResponse(msgspec.Struct, frozen=True):
    contract: contract_views.ContractOut
    results: list[Result]  # one per ledger command written (none for a retry)


@dataclass(frozen=True)
class ContractApi:
    svc: Service
    gov: Governance
    desk: ContractDesk
    index: ContractIndex
    policy: ActivePolicy | None
    committed: contract_state.Lookup

    def read_state(self, cid: str, identity: Identity) -> contract_state.ContractState:
        state = contract_state.load(self.committed, cid)
        if state is None or not may_read_contract(identity, state.id, state.terms.vendor, self.svc.journal.engine):
            raise Refused(Kind.NOT_FOUND, "contract_not_found", f"no contract {cid!r}")
        return state

    async def run(self, planner: Planner, gated: bool = False) -> list[Result]:
        """A contract act's batch; `gated`: movements under approval are refused here."""

        def planned(engine: LedgerEngine) -> list[Command]:
            commands = planner(engine)
            return commands if not gated or self.policy is None else check_direct(engine, commands, self.policy)

        return check_results(await self.svc.committer.submit_planned(planned))  # a frozen wallet, say

    def answer(self, cid: str, results: list[Result], status: int = 200) -> Response:
        state = contract_state.load(self.committed, cid)
        assert state is not None
        view = contract_views.contract_view(state, self.svc.journal.engine)
        return json_response(ContractResponse(view, results), status=status)


def _contract_id(request: Request) -> str:
    cid = request.path_params["id"]
    if not budget_model.PARTY_RE.fullmatch(cid):
        raise Refused(Kind.INVALID, "contract_id_invalid", f"contract ids are {budget_model.PARTY_RE.pattern}")
    return cid


async def _reader(api: ContractApi, request: Request) -> Identity:
    svc = api.svc
    return authenticate(request, await read_body(request), svc.identities, roles=CONTRACT_READERS, clock=svc.clock)


async def sign(api: ContractApi, request: Request) -> Response:
    svc = api.svc
    body = await read_body(request, CONTRACT_BODY_MAX_BYTES)
    identity = authenticate(request, body, svc.identities, roles=CONTRACT_SIGNERS, clock=svc.clock)
    req = decode(body, SignRequest)
    results = await api.run(api.desk.sign(contract_requests.Sign(req.id, req.terms), identity.id, svc.now_ns()),
                            gated=True)  # fmt: skip
    return api.answer(req.terms.contract, results, 201 if results else 200)


async def list_contracts(api: ContractApi, request: Request) -> Response:
    identity = await _reader(api, request)
    vendor = request.query_params.get("vendor")
    if vendor is not None and not budget_model.PARTY_RE.fullmatch(vendor):
        raise Refused(Kind.INVALID, "parameter_invalid", f"vendor ids are {budget_model.PARTY_RE.pattern}")
    status = request.query_params.get("status")
    if status is not None and status not in CONTRACT_STATUSES:
        raise Refused(Kind.INVALID, "parameter_invalid", f"status is one of {', '.join(CONTRACT_STATUSES)}")
    after = int_param(request, "after", default=0, hi=2**31)
    limit = int_param(request, "limit", default=50, lo=1, hi=PAGE_MAX)
    ids = api.index.ids(vendor)
    out: list[contract_views.ContractSummary] = []
    pos = after
    while pos < len(ids) and len(out) < limit:
        state = contract_state.load(api.committed, ids[pos])
        pos += 1
        if state is None or not may_read_contract(identity, state.id, state.terms.vendor, api.svc.journal.engine):
            continue
        if status is None or state.status == status:
            out.append(contract_views.summary(state))
    return json_response(contract_views.ContractsPage(out, pos if pos < len(ids) else None))


async def contracts(api: ContractApi, request: Request) -> Response:
    return await (sign(api, request) if request.method == "POST" else list_contracts(api, request))


async def get_contract(api: ContractApi, request: Request) -> Response:
    identity = await _reader(api, request)
    state = api.read_state(_contract_id(request), identity)
    return json_response(contract_views.contract_view(state, api.svc.journal.engine))


async def attest(api: ContractApi, request: Request) -> Response:
    svc, gov = api.svc, api.gov
    body = await read_body(request)
    identity, session = request_actor(svc, gov, request, body, state_changing=True, roles=ANYONE)
    req = decode(body, contract_requests.AttestRequest)
    cid = _contract_id(request)
    if session is None:
        if req.signature is None:
            raise Refused(Kind.INVALID, "attestation_signature_missing", "a signed attestation carries `signature`: "
                          "the attester's Ed25519 signature over the attestation statement")  # fmt: skip
        planner = api.desk.attest(cid, req, identity.id, svc.now_ns(), signature=base64.b64decode(req.signature))
    else:
        assertion = session_passkey(require_sessions(gov), session, client_source(request), req.passkey, "an attestation")
        planner = api.desk.attest(cid, req, identity.id, svc.now_ns(), passkey=assertion)
    try:
        results = await api.run(planner)
    except Refused as exc:
        if session is not None:
            passkey_failed(require_sessions(gov), session, client_source(request), exc)
        raise
    return api.answer(cid, results, 201)


async def obligate(api: ContractApi, request: Request) -> Response:
    svc = api.svc
    body = await read_body(request)
    identity = authenticate(request, body, svc.identities, roles=CONTRACT_OBLIGATORS, clock=svc.clock)
    req = decode(body, ObligateRequest)
    cid = _contract_id(request)
    op = contract_requests.ObligateInstalment(req.id, cid, req.fiscal_year)
    return api.answer(cid, await api.run(api.desk.obligate(op, identity.id, svc.now_ns()), gated=True))


async def _simple(act: Callable[[ContractDesk], Callable[..., Planner]], roles: tuple[str, ...], api: ContractApi,
                  request: Request) -> Response:  # fmt: skip
    """A contract act with an empty body: settle, expire."""
    svc = api.svc
    body = await read_body(request)
    identity = authenticate(request, body, svc.identities, roles=roles, clock=svc.clock)
    if body:
        decode(body, Empty)
    cid = _contract_id(request)
    return api.answer(cid, await api.run(act(api.desk)(cid, identity.id, svc.now_ns())))


async def settle(api: ContractApi, request: Request) -> Response:
    return await _simple(lambda desk: desk.settle, CONTRACT_SETTLERS, api, request)


async def expire(api: ContractApi, request: Request) -> Response:
    return await _simple(lambda desk: desk.expire, CONTRACT_SIGNERS, api, request)


async def vendor(api: ContractApi, request: Request) -> Response:
    identity = await _reader(api, request)
    vid = request.path_params["vendor"]
    if not budget_model.PARTY_RE.fullmatch(vid):
        raise Refused(Kind.INVALID, "vendor_invalid", f"vendor ids are {budget_model.PARTY_RE.pattern}")
    if not may_read_vendor(identity, vid):
        raise Refused(Kind.FORBIDDEN, "forbidden", f"{identity.id} may read its own vendor only")
    engine = api.svc.journal.engine
    states = [s for s in (contract_state.load(api.committed, c) for c in api.index.ids(vid))
              if s is not None and may_read_contract(identity, s.id, vid, engine)]  # fmt: skip
    if not states and engine.account(budget_model.vendor_account(vid)) is None:
        raise Refused(Kind.NOT_FOUND, "vendor_not_found", f"no vendor {vid!r}")
    return json_response(contract_views.vendor_view(vid, states, engine))


def contract_routes(svc: Service, gov: Governance) -> list[Route]:
    journal = svc.journal
    api = ContractApi(svc, gov, ContractDesk(svc.identities, gov.passkey_counters),
                      journal.projection(ContractIndex), find_policy(journal.projections),
                      contract_views.committed_lookup(journal.engine, lambda: journal.size))  # fmt: skip
    return [
        Route("/v1/contracts", partial(contracts, api), methods=["GET", "POST"]),
        Route("/v1/contracts/{id}", partial(get_contract, api), methods=["GET"]),
        Route("/v1/contracts/{id}/attestations", partial(attest, api), methods=["POST"]),
        Route("/v1/contracts/{id}/obligations", partial(obligate, api), methods=["POST"]),
        Route("/v1/contracts/{id}/settle", partial(settle, api), methods=["POST"]),
        Route("/v1/contracts/{id}/expire", partial(expire, api), methods=["POST"]),
        Route("/v1/vendors/{vendor}", partial(vendor, api), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
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
        [SignRequest, ObligateRequest, Empty, contract_requests.AttestRequest, ContractResponse, contract_views.ContractOut, contract_views.ContractsPage,
         contract_views.VendorOut], ref_template=REF)  # fmt: skip
    return components


def _op(summary: str, ok: str, statuses: tuple[int, ...], *, body: str | None = None, params: list | None = None,
        created: bool = False, session: bool = False) -> dict[str, Any]:  # fmt: skip
    responses: dict[str, Any] = {"200": {"description": "ok", "content": content(ok)}}
    if created:
        responses["201"] = {"description": "written", "content": content(ok)}
    responses.update({str(s): {"description": _ERRORS[s], "content": content("ErrorResponse")} for s in statuses})
    op: dict[str, Any] = {"summary": summary, "responses": responses,
                          "security": [{"httpSignature": []}, *([{"session": []}] if session else [])]}  # fmt: skip
    if body is not None:
        op["requestBody"] = {"required": True, "content": content(body)}
    if params:
        op["parameters"] = params
    return op


def contract_paths() -> dict[str, Any]:
    cid = [{"name": "id", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": f"^{budget_model.PARTY_RE.pattern}$", "maxLength": 40}}]  # fmt: skip
    write = (400, 401, 403, 404, 409, 413, 429, 503)
    listing = [
        {"name": "vendor", "in": "query", "schema": {"type": "string", "pattern": f"^{budget_model.PARTY_RE.pattern}$"}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(CONTRACT_STATUSES)}},
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}},
    ]  # fmt: skip
    empty = {"requestBody": {"required": False, "content": content("Empty")}}
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
                "type": "string", "pattern": f"^{budget_model.PARTY_RE.pattern}$", "maxLength": 40}}])},
    }
