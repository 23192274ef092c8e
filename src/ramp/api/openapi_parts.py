"""The pieces every part of the OpenAPI document is built from: a schema reference, a JSON
body of a named schema, and the responses of an operation (its answer and its errors, each
error in the one error shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

REF: Final = "#/components/schemas/{name}"


def content(name: str) -> dict[str, Any]:
    """A JSON body of the named component schema."""
    return {"application/json": {"schema": {"$ref": REF.format(name=name)}}}


def responses(ok: str, descriptions: Mapping[int, str], *errors: int, error_schema: str = "ErrorResponse") -> dict[str, Any]:
    """200 with `ok`, and each of `errors` with its description and the error schema."""
    out: dict[str, Any] = {"200": {"description": "ok", "content": content(ok)}}
    for status in errors:
        out[str(status)] = {"description": descriptions[status], "content": content(error_schema)}
    return out
