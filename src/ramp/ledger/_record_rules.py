"""Record rules of the ledger engine: domain events appended without ledger meaning.

A mixin of LedgerEngine. A record is checked for shape and size only; it is idempotent by id
like every other command, and replays like every other event.
"""

from __future__ import annotations

import msgspec

from ramp.ledger import results as result_codes
from ramp.ledger.events import RecordAppended
from ramp.ledger.model import (
    JSON_SAFE_INT,
    KEY_RE,
    LINKED_BIT,
    RECORD_BODY_MAX_BYTES,
    RECORD_BODY_MAX_DEPTH,
    RECORD_TYPE_RE,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
    AppendRecord,
    flag_bits,
)

_LINKED_ONLY = {"linked": LINKED_BIT}


def _json_safe(value: object, depth: int) -> bool:
    """JSON values whose RFC 8785 bytes are exact: no floats, integers within +-(2^53-1)."""
    if depth > RECORD_BODY_MAX_DEPTH:
        return False
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return -JSON_SAFE_INT <= value <= JSON_SAFE_INT  # type: ignore[operator]
    if t is list:
        return all(_json_safe(v, depth + 1) for v in value)  # type: ignore[attr-defined]
    if t is dict:
        return all(
            type(k) is str and KEY_RE.fullmatch(k) is not None and _json_safe(v, depth + 1)
            for k, v in value.items()  # type: ignore[attr-defined]
        )
    return False


class RecordRules:
    _records: dict[str, RecordAppended]
    _undo: list[tuple] | None
    _events: list

    def _append_record(self, cmd: AppendRecord) -> str:
        if len(cmd.id) > TRANSFER_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(cmd.id):
            return result_codes.ID_INVALID
        if flag_bits(cmd.flags, _LINKED_ONLY) is None:
            return result_codes.FLAGS_INVALID
        if not RECORD_TYPE_RE.fullmatch(cmd.type) or len(cmd.type) > 64:
            return result_codes.RECORD_TYPE_INVALID
        if type(cmd.body) is not dict or not _json_safe(cmd.body, 0):
            return result_codes.RECORD_BODY_INVALID
        if len(msgspec.json.encode(cmd.body)) > RECORD_BODY_MAX_BYTES:
            return result_codes.RECORD_BODY_INVALID
        done = self._records.get(cmd.id)
        if done is not None:
            if done.type != cmd.type:
                return result_codes.EXISTS_WITH_DIFFERENT_TYPE
            if done.body != cmd.body:
                return result_codes.EXISTS_WITH_DIFFERENT_BODY
            if done.flags != tuple(sorted(cmd.flags)):
                return result_codes.EXISTS_WITH_DIFFERENT_FLAGS
            return result_codes.EXISTS
        seq, ts = self._emit_header()  # type: ignore[attr-defined]
        event = RecordAppended(
            seq=seq, timestamp=str(ts), id=cmd.id, type=cmd.type, body=cmd.body, flags=tuple(sorted(cmd.flags))
        )
        self._records[cmd.id] = event
        if self._undo is not None:
            self._undo.append(("record", cmd.id))
        self._events.append(event)
        return result_codes.OK
