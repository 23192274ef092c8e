"""Mining-operator routes of API v1: the regulator registers operators; an operator files its
periodic reports and transaction-log disclosures, each signed (RFC 9421) and answered with a
receipt (`ramp verify-receipt RECEIPT --log-key K` checks it offline); the regulator reads the
operators, their filings and their flags (late, a field missing, a value out of range).
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api import openapi_parts
from ramp.ledger import AppendRecord, Result
from ramp.mining import filings
from ramp.mining import receipt as mining_receipt
from ramp.mining.index import Entry, MiningIndex
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service import Service
from ramp.service.http import authenticate, decode, json_response, read_body

REGULATORS: Final = ("regulator",)
OPERATORS: Final = ("mining_operator",)
READERS: Final = ("regulator", "auditor")
FILING_BODY_MAX_BYTES: Final = 2 * filings.DISCLOSURE_FILE_MAX_BYTES  # base64 of the largest file, with room


class FlagOut(msgspec.Struct, frozen=True):
    kind: str
    field: str | None
    message: str


class FilingResponse(msgspec.Struct, frozen=True):
    record_id: str
    results: list[Result]
    flags: list[FlagOut]
    receipt: mining_receipt.Receipt


class EntryOut(msgspec.Struct, frozen=True):
    seq: int
    record_id: str
    type: str
    body: dict[str, Any]


class OperatorOut(msgspec.Struct, frozen=True):
    operator: EntryOut
    filings: list[EntryOut]
    flags: list[EntryOut]


class OperatorsPage(msgspec.Struct, frozen=True):
    operators: list[EntryOut]


def _out(e: Entry) -> EntryOut:
    return EntryOut(e.seq, e.record_id, e.type, e.body)


@dataclass(frozen=True)
class MiningApi:
    svc: Service
    index: MiningIndex

    async def write(self, records: list[AppendRecord]) -> list[Result]:
        results = await self.svc.committer.submit(records)
        for r in results:
            if r.result not in ("ok", "exists"):
                raise Refused(Kind.CONFLICT, r.result, f"the ledger refused {r.id}: {r.result}")
        return results

    def receipt(self, record_id: str) -> mining_receipt.Receipt:
        if self.svc.journal.log is None:
            raise Refused(Kind.UNAVAILABLE, "log_unsigned", "this log signs no checkpoints: no receipt can be given")
        return mining_receipt.make(self.svc.journal, record_id)


async def _operator(api: MiningApi, request: Request, max_bytes: int) -> tuple[Identity, bytes]:
    svc = api.svc
    body = await read_body(request, max_bytes)
    return authenticate(request, body, svc.identities, roles=OPERATORS, clock=svc.clock), body


def _registered(api: MiningApi, identity: Identity) -> None:
    if api.index.operator(identity.id) is None:
        raise Refused(Kind.FORBIDDEN, "operator_not_registered", f"{identity.id} is not a registered mining operator")


async def register(api: MiningApi, request: Request) -> Response:
    svc = api.svc
    body = await read_body(request)
    identity = authenticate(request, body, svc.identities, roles=REGULATORS, clock=svc.clock)
    reg = decode(body, filings.Registration)
    operator = svc.identities.get(reg.operator)
    if operator is None or not operator.has_role(*OPERATORS):
        raise Refused(Kind.INVALID, "operator_invalid", f"{reg.operator} is no identity with the mining_operator role")
    results = await api.write([filings.operator_record(reg, identity.id)])
    return json_response({"results": msgspec.to_builtins(results)}, status=201 if results[0].result == "ok" else 200)


async def report(api: MiningApi, request: Request) -> Response:
    identity, body = await _operator(api, request, filings.DISCLOSURE_FILE_MAX_BYTES)
    filing = decode(body, filings.Report)
    _registered(api, identity)
    records = filings.report_records(identity.id, filing, hashlib.sha256(body).hexdigest(), api.svc.now_ns())
    results = await api.write(records)
    flags = [FlagOut(str(r.body["kind"]), r.body["field"], str(r.body["message"]))  # type: ignore[arg-type]
             for r in records[1:]]  # fmt: skip
    return json_response(FilingResponse(records[0].id, results, flags, api.receipt(records[0].id)),
                         status=201 if results[0].result == "ok" else 200)  # fmt: skip


def _check_file(d: filings.Disclosure) -> None:
    if d.file_b64 is None:
        return
    try:
        data = base64.b64decode(d.file_b64, validate=True)
    except binascii.Error as exc:
        raise Refused(Kind.INVALID, "file_invalid", "file_b64 is not base64") from exc
    if len(data) > filings.DISCLOSURE_FILE_MAX_BYTES:
        raise Refused(Kind.TOO_LARGE, "file_too_large", f"a file is at most {filings.DISCLOSURE_FILE_MAX_BYTES} bytes")
    errors = []
    if hashlib.sha256(data).hexdigest() != d.file_sha256:
        errors.append({"path": "/file_sha256", "message": "the file's SHA-256 is not file_sha256"})
    count = sum(1 for line in data.splitlines() if line.strip())
    if count != d.record_count:
        errors.append({"path": "/record_count", "message": f"the file holds {count} records (non-empty lines)"})
    if errors:
        raise Refused(Kind.UNPROCESSABLE, "disclosure_mismatch", "the file does not match its hash or count",
                      fields={"errors": errors})  # fmt: skip


async def disclose(api: MiningApi, request: Request) -> Response:
    identity, body = await _operator(api, request, FILING_BODY_MAX_BYTES)
    d = decode(body, filings.Disclosure)
    _registered(api, identity)
    _check_file(d)
    record = filings.disclosure_record(identity.id, d, hashlib.sha256(body).hexdigest(), api.svc.now_ns())
    results = await api.write([record])
    return json_response(FilingResponse(record.id, results, [], api.receipt(record.id)),
                         status=201 if results[0].result == "ok" else 200)  # fmt: skip


async def _reader(api: MiningApi, request: Request) -> Identity:
    svc = api.svc
    return authenticate(request, await read_body(request), svc.identities, roles=READERS, clock=svc.clock)


async def operators(api: MiningApi, request: Request) -> Response:
    if request.method == "POST":
        return await register(api, request)
    await _reader(api, request)
    return json_response(OperatorsPage([_out(e) for e in api.index.operators()]))


async def operator_view(api: MiningApi, request: Request) -> Response:
    await _reader(api, request)
    oid = request.path_params["operator"]
    entry = api.index.operator(oid)
    if entry is None:
        raise Refused(Kind.NOT_FOUND, "operator_not_found", f"no mining operator {oid[:64]!r}")
    return json_response(OperatorOut(_out(entry), [_out(e) for e in api.index.filings(oid)],
                                     [_out(e) for e in api.index.flags(oid)]))  # fmt: skip


CSV_COLUMNS: Final = ("operator", "seq", "record_id", "type", "period", "kind", "field", "message")


def _csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula injection (=, +, -, @ lead a formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_csv(api: MiningApi, request: Request) -> Response:
    """Every operator's filings and flags, one row each, in log order within an operator."""
    await _reader(api, request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for op in api.index.operators():
        oid = str(op.body.get("operator"))
        rows = sorted(api.index.filings(oid) + api.index.flags(oid), key=lambda e: e.seq)
        for e in rows:
            report = e.body.get("report")
            period = e.body.get("period") or (report.get("period") if isinstance(report, dict) else None)
            writer.writerow([_csv_cell(x) for x in (oid, e.seq, e.record_id, e.type, period, e.body.get("kind"),
                                                    e.body.get("field"), e.body.get("message"))])  # fmt: skip
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mining-filings.csv"'})  # fmt: skip


def mining_routes(svc: Service) -> list[Route]:
    api = MiningApi(svc, svc.journal.projection(MiningIndex))
    return [
        Route("/v1/mining/operators", partial(operators, api), methods=["GET", "POST"]),
        Route("/v1/mining/operators/{operator}", partial(operator_view, api), methods=["GET"]),
        Route("/v1/mining/reports", partial(report, api), methods=["POST"]),
        Route("/v1/mining/disclosures", partial(disclose, api), methods=["POST"]),
        Route("/v1/mining/export.csv", partial(export_csv, api), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
_ERRORS: Final = {
    400: "invalid request: a field of the wrong type or shape, a bad period", 401: "signature missing or invalid",
    403: "role missing, or the operator is not registered", 404: "no such operator", 409: "the ledger refused it",
    413: "body too large", 422: "the disclosed file does not match its SHA-256 or record count",
    429: "overloaded (see Retry-After)", 503: "store unavailable, or the log signs no checkpoints",
}  # fmt: skip


def mining_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [filings.Registration, filings.Report, filings.Disclosure, FilingResponse, OperatorOut, OperatorsPage],
        ref_template=openapi_parts.REF)  # fmt: skip
    return components


def _op(summary: str, ok: str, statuses: tuple[int, ...], body: str | None = None, params: list | None = None,
        created: bool = False) -> dict[str, Any]:  # fmt: skip
    out = openapi_parts.responses(ok, _ERRORS, *statuses)
    if created:
        out["201"] = {"description": "filed", "content": openapi_parts.content(ok)}
    op: dict[str, Any] = {"summary": summary, "security": [{"httpSignature": []}], "responses": out}
    if body is not None:
        op["requestBody"] = {"required": True, "content": openapi_parts.content(body)}
    if params:
        op["parameters"] = params
    return op


def mining_paths() -> dict[str, Any]:
    write = (400, 401, 403, 409, 413, 429, 503)
    oid = [{"name": "operator", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 48}}]
    return {
        "/v1/mining/operators": {
            "post": _op("register a mining operator (regulator)", "OperatorsPage", write, body="Registration",
                        created=True),
            "get": _op("the registered operators (regulator, auditor)", "OperatorsPage", (401, 403)),
        },
        "/v1/mining/operators/{operator}": {"get": _op("an operator, its filings and its flags", "OperatorOut",
                                                       (401, 403, 404), params=oid)},
        "/v1/mining/reports": {"post": _op(
            "file a period's report (operator): recorded with its flags (late, missing, out of range), answered with "
            "a receipt", "FilingResponse", write, body="Report", created=True)},
        "/v1/mining/export.csv": {"get": {
            "summary": "every operator's filings and flags as CSV (regulator, auditor)", "security": [{"httpSignature": []}],
            "responses": {"200": {"description": "CSV: " + ", ".join(CSV_COLUMNS),
                                  "content": {"text/csv": {"schema": {"type": "string"}}}},
                          **{k: v for k, v in openapi_parts.responses("OperatorsPage", _ERRORS, 401, 403).items()
                             if k != "200"}}}},
        "/v1/mining/disclosures": {"post": _op(
            "disclose a period's transaction log by SHA-256 and record count (the file, when given, is checked)",
            "FilingResponse", (*write, 422), body="Disclosure", created=True)},
    }  # fmt: skip
