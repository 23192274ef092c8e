"""HTTP plumbing both faces share: bounded bodies, strict decoding, query parameters, and the
signing identity of a request (RFC 9421). A key given twice in one JSON object is refused
(`ramp.service.strict_json`). Bad input is a `Refused` before it reaches the
domain, so nothing is written for it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ramp.policy.identities import Identity, IdentityRegistry
from ramp.refusal import Kind, Refused
from ramp.service.strict_json import refuse_duplicate_keys
from ramp.sign.httpsig import SignatureRejected, verify_request
from ramp.text import is_digits

BODY_MAX_BYTES: Final = 4 * 1024 * 1024  # a full batch of 8189 transfers is ~2.5 MB of JSON
T = TypeVar("T")
_KEYID = re.compile(r';keyid="([^"]{1,64})"')
_json = msgspec.json.Encoder()


def json_response(value: object, status: int = 200) -> Response:
    return Response(_json.encode(value), status_code=status, media_type="application/json")


async def read_body(request: Request, max_bytes: int = BODY_MAX_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not is_digits(declared) or int(declared) > max_bytes):
        raise Refused(Kind.TOO_LARGE, "body_too_large", f"request bodies are limited to {max_bytes} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise Refused(Kind.TOO_LARGE, "body_too_large", f"request bodies are limited to {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode(body: bytes, type_: type[T]) -> T:
    if not body:
        raise Refused(Kind.INVALID, "body_missing", "a JSON body is required")
    try:
        value = msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        refuse_duplicate_keys(body)  # a key given twice says more than the shape of its last value
        raise Refused(Kind.INVALID, "invalid_request", str(exc)) from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Refused(Kind.INVALID, "invalid_json", str(exc)) from exc
    refuse_duplicate_keys(body)  # msgspec kept the last of two equal keys: one value per key
    return value


def int_param(request: Request, name: str, *, default: int | None = None, lo: int = 0, hi: int = 2**63 - 1) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise Refused(Kind.INVALID, "parameter_missing", f"query parameter {name!r} is required")
        return default
    if not is_digits(raw) or len(raw) > 19 or not lo <= int(raw) <= hi:
        raise Refused(Kind.INVALID, "parameter_invalid", f"{name} must be an integer in {lo}..{hi}")
    return int(raw)


def target_uri(request: Request) -> str:
    """The absolute URI exactly as the client sent it (RFC 9421 @target-uri): scheme, the Host
    header, the raw (still percent-encoded) path and the query string. Starlette's request.url
    decodes the path, which would make `/a%20b` fail a valid signature."""
    scope = request.scope
    host = request.headers.get("host") or "{}:{}".format(*scope.get("server", ("localhost", 80)))
    raw_path = scope.get("raw_path") or scope["path"].encode()
    uri = f"{scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    query = scope.get("query_string", b"")
    return f"{uri}?{query.decode('latin-1')}" if query else uri


def _key_id(headers: list[tuple[str, str]]) -> str:
    """The keyid a request claims (only to name a revoked key; verification parsed it already)."""
    for name, value in headers:
        if name.lower() == "signature-input":
            match = _KEYID.search(value)
            if match:
                return match.group(1)
    return ""


def authenticate(
    request: Request, body: bytes, identities: IdentityRegistry, *, roles: tuple[str, ...],
    clock: Callable[[], float] = time.time,
) -> Identity:  # fmt: skip
    """The signing identity of a request (RFC 9421, ed25519), holding one of `roles`."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    try:
        verified = verify_request(
            request.method, target_uri(request), headers, body, lookup_key=identities.public_key, now=int(clock())
        )
    except SignatureRejected as exc:
        code, detail = exc.code, exc.detail
        known = identities.get(_key_id(headers)) if code == "unknown_key" else None
        if known is not None and known.public_key is None:  # its key was revoked: say so
            code, detail = "key_revoked", f"the key of {known.id!r} is revoked"
        raise Refused(Kind.UNAUTHENTICATED, code, detail) from exc
    identity = identities.get(verified.key_id)
    if identity is None:  # removed between the key lookup and now
        raise Refused(Kind.UNAUTHENTICATED, "unknown_key", f"unknown identity {verified.key_id!r}")
    if not identity.has_role(*roles):
        raise Refused(Kind.FORBIDDEN, "forbidden", f"{identity.id} lacks a role for this: one of {', '.join(roles)}")
    return identity
