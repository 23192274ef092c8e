"""The API's one exception-handler table: every refusal becomes its JSON error, its status from
the kind (`ramp.service.refusals`), and a store that did not commit a 503. Routes raise; they
never build an error response themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ramp.refusal import Kind, Refused
from ramp.service.refusals import error_body, headers_of, status_of, store_unavailable
from ramp.store.base import StoreError

_json = msgspec.json.Encoder()


def refusal_response(refused: Refused) -> Response:
    return Response(_json.encode(error_body(refused)), status_code=status_of(refused), media_type="application/json",
                    headers=headers_of(refused))  # fmt: skip


async def _refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return refusal_response(exc)


async def _store_failed(_request: Request, _exc: Exception) -> Response:
    return refusal_response(store_unavailable())


async def _not_found(_request: Request, _exc: Exception) -> Response:
    return refusal_response(Refused(Kind.NOT_FOUND, "not_found", "no such resource"))


async def _method_not_allowed(_request: Request, exc: Exception) -> Response:
    response = refusal_response(Refused(Kind.INVALID, "method_not_allowed", "method not allowed"))
    response.status_code = 405  # a routing answer, not a refusal of the domain: Allow names the methods
    allow = getattr(exc, "headers", None) or {}  # Starlette's routing names the methods it has
    response.headers.update(dict(allow))
    return response


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Any]] = {
    Refused: _refused,
    StoreError: _store_failed,
    404: _not_found,
    405: _method_not_allowed,
}
