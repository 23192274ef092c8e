"""The OpenAPI 3.1 document of API v1, generated from the same msgspec types the routes decode."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from ramp import __version__
from ramp.api.approval_openapi import SESSION_SCHEME, approval_paths, approval_schemas
from ramp.api.budget_routes import budget_paths, budget_schemas
from ramp.api.contract_routes import contract_paths, contract_schemas
from ramp.api.disclosure_routes import disclosure_paths, disclosure_schemas
from ramp.api.epcis_routes import epcis_paths, epcis_schemas
from ramp.api.mining_routes import mining_paths, mining_schemas
from ramp.api.models import (
    AccountOut,
    AccountsRequest,
    ConsistencyProofOut,
    EntriesResponse,
    ErrorResponse,
    InclusionProofOut,
    OpeningsResponse,
    ResultsResponse,
    TransferOut,
    TransfersPage,
    TransfersRequest,
)
from ramp.api.openapi_parts import REF, content
from ramp.api.script_openapi import script_paths, script_schemas
from ramp.ledger.model import (
    ACCOUNT_ID_MAX_CHARS,
    ACCOUNT_ID_RE,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
)

_SIGNED = [{"httpSignature": []}]
_json = content


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "invalid request", 401: "signature missing or invalid (code says which)", 403: "role missing",
        404: "not found", 413: "body too large", 429: "overloaded (see Retry-After)", 503: "store unavailable",
    }  # fmt: skip
    return {str(s): {"description": text[s], "content": _json("ErrorResponse")} for s in statuses}


def _param(name: str, required: bool = False, maximum: int = 2**63 - 1, minimum: int = 0) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required,
            "schema": {"type": "integer", "minimum": minimum, "maximum": maximum}}  # fmt: skip


# Path ids follow the same rules as in request bodies (the ledger's limits).
ACCOUNT_ID_SCHEMA: Final = {"type": "string", "pattern": f"^{ACCOUNT_ID_RE.pattern}$", "maxLength": ACCOUNT_ID_MAX_CHARS}
TRANSFER_ID_SCHEMA: Final = {"type": "string", "pattern": f"^{TRANSFER_ID_RE.pattern}$",
                             "maxLength": TRANSFER_ID_MAX_CHARS}  # fmt: skip


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _text() -> dict[str, Any]:
    return {"text/plain": {"schema": {"type": "string"}}}


def build_openapi() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [AccountsRequest, TransfersRequest, ResultsResponse, AccountOut, TransferOut, TransfersPage,
         EntriesResponse, OpeningsResponse, InclusionProofOut, ConsistencyProofOut, ErrorResponse],
        ref_template=REF,
    )  # fmt: skip
    for schema in components.values():  # the commands' union tag is implied by the endpoint
        props = schema.get("properties", {})
        if "command" in props:
            del props["command"]
            schema["required"] = [r for r in schema.get("required", []) if r != "command"]

    def write(request: str, summary: str) -> dict[str, Any]:
        return {"post": {
            "summary": summary, "security": _SIGNED,
            "requestBody": {"required": True, "content": _json(request)},
            "responses": {"200": {"description": "one result per event, in order", "content": _json("ResultsResponse")},
                          **_errors(400, 401, 403, 413, 429, 503)},
        }}  # fmt: skip

    def read(summary: str, schema: str, params: list, signed: bool = True, errors=(400, 401, 403, 404)) -> dict:
        op: dict[str, Any] = {"summary": summary, "parameters": params,
                              "responses": {"200": {"description": "ok", "content": _json(schema)}, **_errors(*errors)}}  # fmt: skip
        if signed:
            op["security"] = _SIGNED
        return {"get": op}

    document = {
        "openapi": "3.1.0",
        "info": {"title": "RAMP API", "version": __version__,
                 "description": "The digital defense yen ledger and its verifiable log. State-changing and "
                 "private requests are signed with HTTP Message Signatures (RFC 9421, ed25519) over "
                 '("@method" "@target-uri" "content-digest"), label `ramp`, keyid = identity.'},  # fmt: skip
        "components": {
            "schemas": {**components, **script_schemas(), **budget_schemas(), **approval_schemas(), **contract_schemas(),
                        **disclosure_schemas(), **epcis_schemas(), **mining_schemas()},
            "securitySchemes": {"httpSignature": {"type": "apiKey", "in": "header", "name": "Signature"},
                                "session": SESSION_SCHEME},
        },
        "paths": {
            "/v1/accounts": write("AccountsRequest", "open accounts"),
            "/v1/transfers": write("TransfersRequest", "post transfers"),
            **script_paths(),
            **budget_paths(),
            **approval_paths(),
            **contract_paths(),
            **disclosure_paths(),
            **epcis_paths(),
            **mining_paths(),
            "/v1/accounts/{id}": read("an account and its balances", "AccountOut", [_path("id", ACCOUNT_ID_SCHEMA)]),
            "/v1/accounts/{id}/transfers": read(
                "an account's transfers, oldest first", "TransfersPage",
                [_path("id", ACCOUNT_ID_SCHEMA), _param("since_ns"), _param("until_ns"), _param("after_seq"),
                 {"name": "code", "in": "query", "schema": {"type": "string"}},
                 _param("limit", maximum=1000, minimum=1)],
            ),  # fmt: skip
            "/v1/transfers/{id}": read("a transfer", "TransferOut", [_path("id", TRANSFER_ID_SCHEMA)]),
            "/v1/transfers/{id}/proof": read("inclusion proof of a transfer", "InclusionProofOut",
                                             [_path("id", TRANSFER_ID_SCHEMA)],
                                             signed=False, errors=(404,)),  # fmt: skip
            "/v1/log/checkpoint": {"get": {"summary": "latest signed checkpoint with cosignatures",
                                           "responses": {"200": {"description": "C2SP signed note", "content": _text()},
                                                         **_errors(404)}}},  # fmt: skip
            "/v1/log/key": {"get": {"summary": "the log's verifier key",
                                    "responses": {"200": {"description": "name+keyid+base64", "content": _text()},
                                                  **_errors(404)}}},  # fmt: skip
            "/v1/log/entries": read("leaf bytes [start, end), at most 1000: the events' public envelopes",
                                    "EntriesResponse", [_param("start", True), _param("end", True)], signed=False,
                                    errors=(400,)),  # fmt: skip
            "/v1/log/openings": read("what opens the envelopes [start, end), at most 1000: salt and body of each event "
                                     "the signer is cleared for (restricted: budget readers; secret: auditors), "
                                     "`withheld` otherwise", "OpeningsResponse",
                                     [_param("start", True), _param("end", True)]),  # fmt: skip
            "/v1/log/proof/inclusion": read("inclusion proof by leaf index", "InclusionProofOut",
                                            [_param("index", True), _param("size")], signed=False, errors=(400,)),  # fmt: skip
            "/v1/log/proof/consistency": read("consistency proof", "ConsistencyProofOut",
                                              [_param("old", True), _param("new")], signed=False, errors=(400,)),  # fmt: skip
        },
    }
    return _with_http_layer_rejections(document)


def _with_http_layer_rejections(document: dict[str, Any]) -> dict[str, Any]:
    """A request too malformed for HTTP itself (a header with bytes HTTP forbids, a broken
    request line) is refused by the server's HTTP parser before any route runs, with a 400 in
    text/plain. Every operation that documents a 400 says so, so clients and schema checkers
    know both forms a 400 can take."""
    for operations in document["paths"].values():
        for op in operations.values():
            bad_request = op.get("responses", {}).get("400")
            if bad_request is not None:
                bad_request.setdefault("content", {}).setdefault("text/plain", {"schema": {"type": "string"}})
    return document
