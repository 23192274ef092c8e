"""The dashboard's HTML forms: a bounded url-encoded body, read without script or extra packages,
and the checks every state-changing form passes (same origin; the session's CSRF token is
checked by `Sessions.session(..., state_changing=True)` with the token the form carries).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from ramp.api.http import ApiError, read_body

FORM_BODY_MAX_BYTES: Final = 2048  # a sign-in or a decision: a few short fields
FORM_FIELDS_MAX: Final = 8
CSRF_FIELD: Final = "csrf"  # the hidden field holding the session's CSRF token


class FormError(Exception):
    """A form that cannot be read; `key` names the message (an i18n label)."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


async def read_form(request: Request, max_bytes: int = FORM_BODY_MAX_BYTES) -> dict[str, str]:
    """The fields of an `application/x-www-form-urlencoded` POST from this site."""
    if not same_origin(request):
        raise FormError(403, "form.foreign")
    try:
        body = await read_body(request, max_bytes)
    except ApiError as exc:
        raise FormError(exc.status, "form.too_large") from exc
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if body and media != "application/x-www-form-urlencoded":  # an empty body is an empty form
        raise FormError(415, "form.invalid")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX,
                          errors="strict")  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(400, "form.invalid") from exc
    return dict(pairs)


def same_origin(request: Request) -> bool:
    """A browser names the site a form was sent from in `Origin`; it must be this one (a form on
    another site could otherwise sign a visitor in as someone else). Without Origin (not a
    browser, or an old one) the session's CSRF token still guards every signed-in form."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc == host
