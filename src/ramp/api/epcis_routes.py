"""EPCIS 2.0 routes of API v1: capture a document, read an EPC's provenance, query events.

Capture is signed (RFC 9421) by the capturing identity (role `supply_party`): the document is
checked whole against the EPCIS schema (422 with every error's paths, nothing written), each
event becomes an `epcis.event` record, then the flags its EPCs now raise are written as
`supply.flag` records. Reads return each step with its log seq and inclusion proof.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api import openapi_parts
from ramp.journal import proofs
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service import Service
from ramp.service.access import LEDGER_READERS
from ramp.service.http import authenticate, int_param, json_response, read_body
from ramp.service.strict_json import refuse_duplicate_keys
from ramp.supply import capture as epcis_capture
from ramp.supply import flags as supply_flags
from ramp.supply import provenance
from ramp.supply.index import CapturedEvent, SupplyIndex

READERS: Final = (*LEDGER_READERS, "supply_party", "inspector", "contracting_officer", "regulator")
EPC_MAX_CHARS: Final = 256
FILTER_VALUES_MAX: Final = 32  # values of one query filter (comma-separated)


class StepProof(msgspec.Struct, frozen=True):
    index: int
    size: int
    leaf_hash: str
    hashes: list[str]
    root: str


class EventOut(msgspec.Struct, frozen=True):
    seq: int
    record_id: str
    capturer: str
    type: str
    event: dict[str, Any]


class StepOut(msgspec.Struct, frozen=True):
    kind: str  # made, packed, shipped, received, installed, transformed, ...
    seq: int
    record_id: str
    capturer: str
    type: str
    event_time: str
    biz_step: str | None
    biz_location: str | None
    read_point: str | None
    via: str | None  # the container it moved inside
    proof: StepProof


class FlagOut(msgspec.Struct, frozen=True):
    kind: str
    epc: str
    evidence: list[int]
    message: str


class ProvenanceOut(msgspec.Struct, frozen=True):
    epc: str
    size: int  # the tree size every proof is against
    steps: list[StepOut]
    flags: list[FlagOut]


class CaptureOut(msgspec.Struct, frozen=True):
    document_sha256: str
    results: list[Result]
    flags: list[FlagOut]


class EventsPage(msgspec.Struct, frozen=True):
    events: list[EventOut]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _flag_out(f: supply_flags.Flag) -> FlagOut:
    return FlagOut(f.kind, f.epc, list(f.evidence), f.message)


@dataclass(frozen=True)
class EpcisApi:
    svc: Service
    index: SupplyIndex

    async def reader(self, request: Request) -> Identity:
        svc = self.svc
        return authenticate(request, await read_body(request), svc.identities, roles=READERS, clock=svc.clock)


async def capture(api: EpcisApi, request: Request) -> Response:
    svc = api.svc
    body = await read_body(request, epcis_capture.DOCUMENT_MAX_BYTES)
    identity = authenticate(request, body, svc.identities, roles=epcis_capture.CAPTURER_ROLES, clock=svc.clock)
    refuse_duplicate_keys(body)  # one value per key: every reader of the signed bytes reads the same events
    doc = epcis_capture.parse(body)
    records = epcis_capture.event_records(doc, identity.id)
    results = await svc.committer.submit(list(records))
    for r in results:
        if r.result not in ("ok", "exists"):
            raise Refused(Kind.CONFLICT, r.result, f"the ledger refused {r.id}: {r.result}")
    epcs = {e for ev in doc.events for e in _named(ev)}
    found = supply_flags.find(api.index, sorted(epcs | {i for e in epcs for i in api.index.inside(e)}))

    def new_flags(engine: LedgerEngine) -> list[Command]:
        return [f.record() for f in found if engine.record(f.record_id) is None]

    await svc.committer.submit_planned(new_flags)
    created = any(r.result == "ok" for r in results)
    return json_response(CaptureOut(doc.document_sha256, results, [_flag_out(f) for f in found]),
                         status=201 if created else 200)  # fmt: skip


def _named(event: dict[str, Any]) -> list[str]:
    out = [event["parentID"]] if isinstance(event.get("parentID"), str) else []
    for field in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        out.extend(x for x in event.get(field, []) if isinstance(x, str))
    return out


def _proof(svc: Service, seq: int, size: int) -> StepProof:
    p = proofs.inclusion(svc.journal, seq, size)
    return StepProof(p.index, p.size, _b64(p.leaf_hash), [_b64(h) for h in p.hashes], _b64(p.root))


async def provenance_of(api: EpcisApi, request: Request) -> Response:
    await api.reader(request)
    epc = request.path_params["epc"]
    if not 0 < len(epc) <= EPC_MAX_CHARS:
        raise Refused(Kind.INVALID, "epc_invalid", f"an EPC is 1..{EPC_MAX_CHARS} characters")
    history = provenance.steps(api.index.history(epc))
    if not history:
        raise Refused(Kind.NOT_FOUND, "epc_not_found", f"no captured event names {epc!r}")
    size = api.svc.journal.size
    out = [StepOut(s.kind, s.seq, s.event.record_id, s.event.capturer, s.event.type, str(s.event.event["eventTime"]),
                   s.event.biz_step, s.event.biz_location, s.event.read_point, s.via, _proof(api.svc, s.seq, size))
           for s in history]  # fmt: skip
    flags = [_flag_out(f) for f in supply_flags.find(api.index, [epc])]
    return json_response(ProvenanceOut(epc, size, out, flags))


_FILTERS: Final = {"eventType": "event_type", "EQ_bizStep": "eq_biz_step", "EQ_disposition": "eq_disposition",
                   "MATCH_epc": "match_epc", "EQ_readPoint": "eq_read_point", "EQ_bizLocation": "eq_biz_location"}  # fmt: skip
_KNOWN: Final = frozenset({*_FILTERS, "GE_eventTime", "LT_eventTime", "limit"})


def _query(request: Request) -> provenance.Query:
    params = request.query_params
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        raise Refused(Kind.INVALID, "parameter_unknown", f"unknown query parameters {unknown}; known: {sorted(_KNOWN)}")
    values: dict[str, Any] = {}
    for name, attr in _FILTERS.items():
        if name in params:
            items = frozenset(x for x in params[name].split(",") if x)
            if not items or len(items) > FILTER_VALUES_MAX or any(len(x) > EPC_MAX_CHARS for x in items):
                raise Refused(Kind.INVALID, "parameter_invalid", f"{name} is 1..{FILTER_VALUES_MAX} comma-separated "
                              f"values of at most {EPC_MAX_CHARS} characters")  # fmt: skip
            values[attr] = items
    if "event_type" in values and not values["event_type"] <= set(provenance.EVENT_TYPES):
        raise Refused(Kind.INVALID, "parameter_invalid", f"eventType is of {', '.join(provenance.EVENT_TYPES)}")
    for name, attr in (("GE_eventTime", "ge_event_time_ns"), ("LT_eventTime", "lt_event_time_ns")):
        if name in params:
            try:
                values[attr] = provenance.parse_time(params[name])
            except ValueError as exc:
                raise Refused(Kind.INVALID, "parameter_invalid", f"{name}: {exc}") from exc
    return provenance.Query(**values)


def _event_out(ev: CapturedEvent) -> EventOut:
    return EventOut(ev.seq, ev.record_id, ev.capturer, ev.type, ev.event)


async def events(api: EpcisApi, request: Request) -> Response:
    await api.reader(request)
    q = _query(request)
    limit = int_param(request, "limit", default=100, lo=1, hi=provenance.QUERY_LIMIT_MAX)
    found = provenance.query(api.index.events(), q, limit)
    return json_response(EventsPage([_event_out(ev) for ev in found]))


def epcis_routes(svc: Service) -> list[Route]:
    api = EpcisApi(svc, svc.journal.projection(SupplyIndex))
    return [
        Route("/v1/epcis/capture", partial(capture, api), methods=["POST"]),
        Route("/v1/epcis/events", partial(events, api), methods=["GET"]),
        Route("/v1/epcis/provenance/{epc:path}", partial(provenance_of, api), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
_ERRORS: Final = {
    400: "invalid request: not JSON, a bad EPC or query parameter", 401: "signature missing or invalid",
    403: "role missing (capture: supply_party)", 404: "no captured event names the EPC", 409: "the ledger refused it",
    413: "body too large", 422: "the document breaks the EPCIS 2.0 schema: `errors` lists every error's `path` "
    "(in the document) and `schema_path` (in the schema); nothing was written", 429: "overloaded (see Retry-After)",
    503: "store unavailable",
}  # fmt: skip


def epcis_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components([CaptureOut, ProvenanceOut, EventsPage], ref_template=openapi_parts.REF)
    components["EPCISDocument"] = {"type": "object", "description": "a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), "
                                   "checked against the EPCIS-JSON-Schema.json of the standard"}  # fmt: skip
    return components


def _responses(ok: str, statuses: tuple[int, ...], created: bool = False) -> dict[str, Any]:
    out = openapi_parts.responses(ok, _ERRORS, *statuses)
    if created:
        out["201"] = {"description": "captured", "content": openapi_parts.content(ok)}
    return out


def epcis_paths() -> dict[str, Any]:
    text = {"type": "string", "maxLength": EPC_MAX_CHARS}
    filters = [{"name": n, "in": "query", "schema": text} for n in (*_FILTERS, "GE_eventTime", "LT_eventTime")]
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                        "maximum": provenance.QUERY_LIMIT_MAX}}  # fmt: skip
    signed = [{"httpSignature": []}]
    return {
        "/v1/epcis/capture": {"post": {
            "summary": "capture an EPCISDocument: every event a record (201; the same events again 200), then the "
                       "flags (clone, received without shipment) their EPCs raise",
            "security": signed, "requestBody": {"required": True, "content": {
                "application/ld+json": {"schema": {"$ref": openapi_parts.REF.format(name="EPCISDocument")}},
                "application/json": {"schema": {"$ref": openapi_parts.REF.format(name="EPCISDocument")}}}},
            "responses": _responses("CaptureOut", (400, 401, 403, 409, 413, 422, 429, 503), created=True)}},
        "/v1/epcis/events": {"get": {
            "summary": "captured events, in log order, by the EPCIS query interface's common filters",
            "security": signed, "parameters": [*filters, limit],
            "responses": _responses("EventsPage", (400, 401, 403))}},
        "/v1/epcis/provenance/{epc}": {"get": {
            "summary": "an EPC's history (made, packed, shipped, received, installed, transformed), each step with "
                       "its log seq and inclusion proof, and its flags",
            "security": signed, "parameters": [{"name": "epc", "in": "path", "required": True, "schema": text}],
            "responses": _responses("ProvenanceOut", (400, 401, 403, 404))}},
    }  # fmt: skip
