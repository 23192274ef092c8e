"""EPCIS 2.0 capture: an EPCISDocument (JSON-LD) checked against GS1's JSON schema, its
JSON-LD contexts resolved to the local copy (never fetched), each event made one record.

A document is all or nothing: every schema error is reported (instance path, schema path,
message) and nothing is written. An event's body keeps the event as sorted compact JSON in a
string, because EPCIS quantities are decimals and a record body holds no floats.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import jsonschema_rs

from ramp.ledger import AppendRecord
from ramp.refusal import Kind, Refused

EVENT_RECORD: Final = "epcis.event"
SCHEMA_FILE: Final = "EPCIS-JSON-Schema.json"
CONTEXT_FILE: Final = "epcis-context.jsonld"
# The URLs GS1 publishes the 2.0 context under; each maps to the local copy.
CONTEXTS: Final = frozenset({
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
})  # fmt: skip
DOCUMENT_MAX_BYTES: Final = 1024 * 1024  # 1 MiB: a day's events of one site, many times over
DOCUMENT_EVENTS_MAX: Final = 512  # one capture is one batch; well under the ledger's 8189
EVENT_MAX_BYTES: Final = 7 * 1024  # as a JSON string; a record body is at most 8 KiB with the capturer
ERRORS_MAX: Final = 100  # a refusal lists at most this many schema errors
CAPTURER_ROLES: Final = ("supply_party",)  # manufacturers, depots, receiving units
_ID_HEX_CHARS: Final = 48  # 192 bits of SHA-256: ids stay under the ledger's 64 characters


def _schema_bytes(name: str) -> bytes:
    return resources.files("ramp.supply").joinpath("epcis_schema", name).read_bytes()


_VALIDATOR: Final = jsonschema_rs.Draft7Validator(json.loads(_schema_bytes(SCHEMA_FILE)), validate_formats=True)
LOCAL_CONTEXT: Final = json.loads(_schema_bytes(CONTEXT_FILE))
assert "@context" in LOCAL_CONTEXT


@dataclass(frozen=True, slots=True)
class SchemaError:
    path: str  # JSON pointer into the document
    schema_path: str  # JSON pointer into the EPCIS schema
    message: str


@dataclass(frozen=True, slots=True)
class Capture:
    document_sha256: str
    events: tuple[dict[str, Any], ...]


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def schema_errors(document: object) -> list[SchemaError]:
    """Every schema error of `document`, in the validator's order, at most ERRORS_MAX."""
    out: list[SchemaError] = []
    for err in _VALIDATOR.iter_errors(document):
        out.append(SchemaError(_pointer(list(err.instance_path)), _pointer(list(err.schema_path)), err.message[:300]))
        if len(out) == ERRORS_MAX:
            break
    return out


def _context_errors(document: dict[str, Any]) -> list[SchemaError]:
    """Remote contexts are only the EPCIS context's URLs (local copy); inline ones are data."""
    context = document.get("@context")
    items = context if isinstance(context, list) else [context]
    errors = []
    if not any(item in CONTEXTS for item in items):
        errors.append(SchemaError("/@context", "/definitions/@context",
                                  f"the EPCIS 2.0 context ({min(CONTEXTS)}) is required"))  # fmt: skip
    for k, item in enumerate(items):
        if isinstance(item, str) and item not in CONTEXTS:
            errors.append(SchemaError(f"/@context/{k}" if isinstance(context, list) else "/@context",
                                      "/definitions/@context", f"unknown remote context {item[:200]!r}: never fetched"))  # fmt: skip
    return errors


def _refuse(errors: list[SchemaError], code: str = "epcis_schema_invalid") -> Refused:
    return Refused(Kind.UNPROCESSABLE, code, f"{len(errors)} error(s) against the EPCIS 2.0 schema; nothing was captured",
                   fields={"errors": [{"path": e.path, "schema_path": e.schema_path, "message": e.message}
                                      for e in errors]})  # fmt: skip


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse(body: bytes) -> Capture:
    """The document's events, checked; `Refused` (422 with every error, or 400) otherwise."""
    if len(body) > DOCUMENT_MAX_BYTES:
        raise Refused(Kind.TOO_LARGE, "body_too_large", f"an EPCIS document is at most {DOCUMENT_MAX_BYTES} bytes")
    try:
        document = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise Refused(Kind.INVALID, "invalid_json", str(exc)[:300]) from exc
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise _refuse([SchemaError("/type", "/definitions/epcisDocument/properties/type/enum",
                                   "an EPCIS capture takes an EPCISDocument")])  # fmt: skip
    errors = schema_errors(document) + _context_errors(document)
    if errors:
        raise _refuse(errors)
    events = document["epcisBody"]["eventList"]
    if not events or len(events) > DOCUMENT_EVENTS_MAX:
        raise Refused(Kind.UNPROCESSABLE, "epcis_events_count", f"a document holds 1..{DOCUMENT_EVENTS_MAX} events")
    for k, event in enumerate(events):
        if len(json.dumps(canonical(event).decode())) > EVENT_MAX_BYTES:  # as the record body holds it
            raise _refuse([SchemaError(f"/epcisBody/eventList/{k}", "", f"an event is at most {EVENT_MAX_BYTES} bytes")],
                          "epcis_event_too_large")  # fmt: skip
    return Capture(hashlib.sha256(body).hexdigest(), tuple(events))


def canonical(event: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same event always has the same bytes."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_records(capture: Capture, capturer: str) -> list[AppendRecord]:
    """One `epcis.event` record per event, linked; the same event captured again by the same
    identity (a retry, or in another document) has the same id and writes nothing."""
    out = []
    last = len(capture.events) - 1  # linked: the document is written whole or not at all
    for k, event in enumerate(capture.events):
        text = canonical(event)
        digest = hashlib.sha256(capturer.encode() + b"\n" + text).hexdigest()[:_ID_HEX_CHARS]
        out.append(AppendRecord(id=f"epcis:{digest}", type=EVENT_RECORD, body={
            "capturer": capturer, "event": text.decode()}, flags=() if k == last else ("linked",)))  # fmt: skip
    assert len(out) == len(capture.events)
    return out

