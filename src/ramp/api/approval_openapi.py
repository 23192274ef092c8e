"""The OpenAPI part of the approval, identity-key, policy and login endpoints, merged into the
document by `ramp.api.openapi`."""

from __future__ import annotations

from typing import Any

import msgspec

from ramp.api.approval_models import (
    ApprovalErrorResponse,
    CreateRequest,
    DecideRequest,
    DecideResponse,
    ExecuteResponse,
    IdentityChangeResponse,
    IdentityOut,
    LoginRequest,
    LogoutResponse,
    PolicyOut,
    RequestOut,
    RequestsPage,
    RevokeRequest,
    RotateRequest,
    SessionOut,
)
from ramp.api.openapi_parts import REF, content
from ramp.approvals.model import REQUEST_ID_RE
from ramp.policy.identities import IDENTITY_ID_RE

_SIGNED = [{"httpSignature": []}]
_SIGNED_OR_SESSION = [{"httpSignature": []}, {"session": []}]
_ERRORS = {
    400: "invalid request (code says which; `details` lists every reason a proposed policy fails)",
    401: "signature missing or invalid, key revoked, no session, login failed (code says which)",
    403: "the policy does not allow it, the requester deciding, CSRF token or fresh TOTP missing",
    404: "no such request or identity; web login not enabled",
    409: "the request's state refuses it (executed, rejected, expired, already decided, quorum not "
         "reached) or the budget's law does (its rule's code)",
    413: "body too large",
    429: "overloaded or locked out after repeated login failures (see Retry-After)",
    503: "store unavailable",
}  # fmt: skip


def approval_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [CreateRequest, DecideRequest, RequestOut, RequestsPage, DecideResponse, ExecuteResponse,
         ApprovalErrorResponse, IdentityOut, RevokeRequest, RotateRequest, IdentityChangeResponse, PolicyOut,
         LoginRequest, SessionOut, LogoutResponse],
        ref_template=REF,
    )  # fmt: skip
    return components


def _op(summary: str, ok: str, statuses: tuple[int, ...], *, security: list | None = _SIGNED_OR_SESSION,
        body: str | None = None, params: list | None = None, created: bool = False) -> dict[str, Any]:  # fmt: skip
    responses: dict[str, Any] = {"200": {"description": "ok", "content": content(ok)}}
    if created:
        responses["201"] = {"description": "created", "content": content(ok)}
    responses.update({str(s): {"description": _ERRORS[s], "content": content("ApprovalErrorResponse")}
                      for s in statuses})  # fmt: skip
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if security is not None:
        op["security"] = security
    if body is not None:
        op["requestBody"] = {"required": True, "content": content(body)}
    if params:
        op["parameters"] = params
    return op


def _path(pattern: str) -> list[dict[str, Any]]:
    return [{"name": "id", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": f"^{pattern}$", "maxLength": 48}}]  # fmt: skip


def approval_paths() -> dict[str, Any]:
    rid, iid = _path(REQUEST_ID_RE.pattern), _path(IDENTITY_ID_RE.pattern)
    write = (400, 401, 403, 404, 409, 413, 429, 503)
    listing = [
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "executed", "rejected", "expired"]}},
        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    ]  # fmt: skip
    return {
        "/v1/approvals": {
            "post": _op("make an approval request (201), or retry one (200): the policy decides who may",
                        "RequestOut", (400, 401, 403, 409, 413, 429, 503), body="CreateRequest", created=True),
            "get": _op("approval requests, oldest first", "RequestsPage", (400, 401, 403), params=listing),
        },
        "/v1/approvals/{id}": {"get": _op("a request, its decisions, quorum and the statements approvers sign",
                                          "RequestOut", (400, 401, 403, 404), params=rid)},  # fmt: skip
        "/v1/approvals/{id}/approve": {"post": _op(
            "approve: a signed `signature` over the statement, or in the web a fresh `totp` (with X-CSRF-Token); "
            "the approval that makes the quorum executes the request as one linked chain",
            "DecideResponse", write, body="DecideRequest", params=rid)},
        "/v1/approvals/{id}/reject": {"post": _op("reject (closes the request)", "DecideResponse", write,
                                                  body="DecideRequest", params=rid)},  # fmt: skip
        "/v1/approvals/{id}/execute": {"post": _op(
            "execute an approved request whose execution the ledger's state refused earlier", "ExecuteResponse",
            (400, 401, 403, 404, 409, 413, 429, 503), params=rid)},
        "/v1/identities/{id}": {"get": _op("an identity, its organisation, roles and keys", "IdentityOut",
                                           (400, 401, 403, 404), params=iid)},  # fmt: skip
        "/v1/identities/{id}/revoke": {"post": _op(
            "revoke the identity's key at once (its own identity or a security officer)", "IdentityChangeResponse",
            write, security=_SIGNED, body="RevokeRequest", params=iid)},
        "/v1/identities/{id}/rotate": {"post": _op(
            "replace your own key; `proof` is the new key's signature over "
            "`ramp-key-rotation-v1\\n<identity>\\n<public_key>\\n`", "IdentityChangeResponse", write,
            security=_SIGNED, body="RotateRequest", params=iid)},
        "/v1/policy": {"get": _op("the approval policy in force (Cedar text and quorum rules)", "PolicyOut",
                                  (400, 401, 403))},  # fmt: skip
        "/v1/auth/login": {"post": _op(
            "log in to the web: password + TOTP; sets the HttpOnly session cookie, returns the CSRF token",
            "SessionOut", (400, 401, 404, 413, 429, 503), security=None, body="LoginRequest")},
        "/v1/auth/logout": {"post": _op("end the session (X-CSRF-Token required)", "LogoutResponse",
                                        (401, 403, 404, 413, 429, 503), security=[{"session": []}])},  # fmt: skip
        "/v1/auth/session": {"get": _op("the session of the cookie, with its CSRF token", "SessionOut", (401, 404),
                                        security=[{"session": []}])},  # fmt: skip
    }


SESSION_SCHEME = {"type": "apiKey", "in": "cookie", "name": "ramp_session"}
