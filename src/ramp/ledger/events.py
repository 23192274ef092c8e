"""Journal events: what the engine appends, and their canonical bytes (the log's leaves).

An event's bytes are RFC 8785 (JCS) canonical JSON. JCS numbers are IEEE-754 doubles, so every
integer that can exceed 2^53 (amounts, nanosecond timestamps) is written as a decimal string;
`seq` and `timeout_s` stay numbers. msgspec with sorted keys produces exactly the JCS bytes for
this schema (ASCII keys, no floats); a property test checks it against an RFC 8785 library.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

EVENT_MAX_BYTES: Final = 16 * 1024  # far above any event the limits in model.py allow.

# An integer written as a string: canonical decimal (no sign, no leading zero), 64-bit at most.
# Checked when bytes are decoded; events built by the engine are correct by construction.
DecimalU64 = Annotated[str, msgspec.Meta(pattern=r"^(0|[1-9][0-9]{0,19})$")]
Seq = Annotated[int, msgspec.Meta(ge=0)]


class _Event(msgspec.Struct, frozen=True, tag_field="kind", gc=False):
    seq: Seq
    timestamp: DecimalU64


class AccountCreated(_Event, frozen=True, tag="account_created"):
    id: str
    asset: str
    flags: tuple[str, ...]
    metadata: dict[str, str]


class TransferApplied(_Event, frozen=True, tag="transfer"):
    """A transfer as applied: post/void have their accounts, asset, code and amount resolved."""

    id: str
    debit_account: str
    credit_account: str
    amount: DecimalU64
    asset: str
    code: str
    flags: tuple[str, ...]
    pending_id: str | None
    timeout_s: int
    references: dict[str, str]
    memo: str


class PendingExpired(_Event, frozen=True, tag="pending_expired"):
    """A pending transfer's timeout passed: its reservation is released."""

    pending_id: str
    amount: DecimalU64


class AccountFlagsChanged(_Event, frozen=True, tag="account_flags_changed"):
    id: str
    account: str
    set: tuple[str, ...]
    clear: tuple[str, ...]
    flags: tuple[str, ...]  # the command's own flags: `linked` or none


class RecordAppended(_Event, frozen=True, tag="record"):
    """A domain event; its `type` names the layer that interprets it."""

    id: str
    type: str
    body: dict[str, object]
    flags: tuple[str, ...]


Event = AccountCreated | TransferApplied | PendingExpired | AccountFlagsChanged | RecordAppended

_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder(Event)


def encode_event(event: Event) -> bytes:
    """The event's canonical bytes: the leaf of the verifiable log."""
    return _encoder.encode(event)


def encode_events(events: list[Event]) -> list[bytes]:
    encode = _encoder.encode
    return [encode(e) for e in events]


class EventDecodeError(ValueError):
    """Bytes that are not a canonical RAMP event."""


def decode_event(data: bytes) -> Event:
    """Parse leaf bytes back into an event; refuses anything not in canonical form."""
    if len(data) > EVENT_MAX_BYTES:
        raise EventDecodeError(f"event of {len(data)} bytes exceeds {EVENT_MAX_BYTES}")
    try:
        event = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise EventDecodeError(str(exc)) from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # msgspec reports bad UTF-8 this way
        raise EventDecodeError(str(exc)) from exc
    if _encoder.encode(event) != data:
        raise EventDecodeError("event bytes are not in canonical form")
    return event
