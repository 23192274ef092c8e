"""The committed list of approval requests, in the order they were made (for listing)."""

from __future__ import annotations

import threading

from ramp.approvals.model import REQUESTED
from ramp.ledger.events import Event, RecordAppended


class RequestIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[str] = []

    def reset(self) -> None:
        with self._lock:
            self._ids = []

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type == REQUESTED and e.id.startswith("request:"):
                with self._lock:
                    self._ids.append(e.id.removeprefix("request:"))

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._ids)
