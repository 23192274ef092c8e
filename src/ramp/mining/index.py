"""The regulator's read model: operators, their filings and their flags, in log order."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ramp.ledger.events import Event, RecordAppended
from ramp.mining.filings import DISCLOSURE_RECORD, FLAG_RECORD, OPERATOR_RECORD, REPORT_RECORD


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    record_id: str
    type: str
    body: dict[str, Any]


class MiningIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operators: dict[str, Entry] = {}
        self._filings: dict[str, list[Entry]] = {}  # operator -> reports and disclosures
        self._flags: dict[str, list[Entry]] = {}

    def reset(self) -> None:
        with self._lock:
            self._operators, self._filings, self._flags = {}, {}, {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is not RecordAppended or not e.type.startswith("mining."):
                continue
            entry = Entry(e.seq, e.id, e.type, e.body)
            operator = str(e.body.get("operator"))
            with self._lock:
                if e.type == OPERATOR_RECORD:
                    self._operators[operator] = entry
                elif e.type in (REPORT_RECORD, DISCLOSURE_RECORD):
                    self._filings.setdefault(operator, []).append(entry)
                elif e.type == FLAG_RECORD:
                    self._flags.setdefault(operator, []).append(entry)

    def operators(self) -> list[Entry]:
        with self._lock:
            return list(self._operators.values())

    def operator(self, operator: str) -> Entry | None:
        with self._lock:
            return self._operators.get(operator)

    def filings(self, operator: str) -> list[Entry]:
        with self._lock:
            return list(self._filings.get(operator, []))

    def flags(self, operator: str) -> list[Entry]:
        with self._lock:
            return list(self._flags.get(operator, []))
