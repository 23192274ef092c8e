"""The one refusal of RAMP: an expected "no" with a kind, a machine-readable code and words.

Every layer raises `Refused` for what may not happen (bad input, a missing thing, a state or a
law that says no, a caller who may not, a full queue); nothing is written when it is raised.
The kind is what a caller can do about it; the HTTP faces choose the status from the kind in
one table (`ramp.service.refusals.HTTP_STATUS`). A bug is never a `Refused`: it is an assertion.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

CODE_MAX_CHARS: Final = 64  # codes are identifiers (`exceeds_credits`), not sentences


class Kind(StrEnum):
    INVALID = "invalid"  # the request itself is wrong: fix it before asking again
    UNPROCESSABLE = "unprocessable"  # well-formed, but asks for what cannot be held (a script's missing funds)
    TOO_LARGE = "too_large"  # over a named limit of size
    UNAUTHENTICATED = "unauthenticated"  # who is asking is not proven
    FORBIDDEN = "forbidden"  # proven, but may not
    NOT_FOUND = "not_found"  # no such thing (or not one the caller may know of)
    CONFLICT = "conflict"  # the state of the ledger, a request or the law refuses it now
    LIMITED = "limited"  # too many attempts by this caller (a lockout): retry after a while
    OVERLOADED = "overloaded"  # a bounded queue is full: retry after a while
    UNAVAILABLE = "unavailable"  # the store did not commit, or a part is not running: retry


class Refused(Exception):
    """What may not happen, and why; nothing was written.

    `fields` are extra members of the error body (a script's line and column, an approval's
    details); `retry_after_s` says when trying again may help (overloaded, unavailable)."""

    def __init__(self, kind: Kind, code: str, message: str, *, fields: Mapping[str, Any] | None = None,
                 retry_after_s: int | None = None) -> None:  # fmt: skip
        assert isinstance(kind, Kind), kind
        assert 0 < len(code) <= CODE_MAX_CHARS, code
        super().__init__(f"{code}: {message}")
        self.kind = kind
        self.code = code
        self.message = message
        self.fields: dict[str, Any] = dict(fields or {})
        self.retry_after_s = retry_after_s

    def __repr__(self) -> str:
        return f"Refused({self.kind.value}, {self.code!r}, {self.message!r})"


def refuse(kind: Kind, code: str, message: str) -> Refused:
    """A refusal to raise: `raise refuse(Kind.CONFLICT, "request_closed", "...")`."""
    return Refused(kind, code, message)

