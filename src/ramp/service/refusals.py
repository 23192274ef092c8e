"""From a refusal to an HTTP answer: the status is chosen by the refusal's kind, here alone.

Both faces use this table: the API answers `{"error": {"code", "message", ...}}`, the
dashboard renders the refusal in words with the same status.
"""

from __future__ import annotations

from typing import Any, Final

from ramp.refusal import Kind, Refused

HTTP_STATUS: Final[dict[Kind, int]] = {
    Kind.INVALID: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.UNPROCESSABLE: 422,
    Kind.LIMITED: 429,
    Kind.OVERLOADED: 429,
    Kind.UNAVAILABLE: 503,
}
assert set(HTTP_STATUS) == set(Kind), "every kind has its status"
WWW_AUTHENTICATE: Final = 'Signature realm="ramp"'


def status_of(refused: Refused) -> int:
    return HTTP_STATUS[refused.kind]


def retry_headers(refused: Refused) -> dict[str, str]:
    """Retry-After, when trying again may help (a full queue, a lockout, the store)."""
    return {} if refused.retry_after_s is None else {"Retry-After": str(refused.retry_after_s)}


def headers_of(refused: Refused) -> dict[str, str]:
    """An API answer's headers: Retry-After, and the signature challenge on 401 (RFC 9110
    §11.6.1 asks for one; a page's 401 sends people to sign in instead)."""
    headers = retry_headers(refused)
    if refused.kind is Kind.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return headers


def error_body(refused: Refused) -> dict[str, Any]:
    return {"error": {"code": refused.code, "message": refused.message, **refused.fields}}


def store_unavailable() -> Refused:
    """What a client is told when the store did not commit (nothing was acknowledged)."""
    return Refused(Kind.UNAVAILABLE, "store_unavailable", "the store did not commit; retry", retry_after_s=1)
