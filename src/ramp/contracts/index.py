"""The committed list of contracts, in the order they were signed, and by vendor (for listing)."""

from __future__ import annotations

import threading

from ramp.contracts.state import SIGNED
from ramp.ledger.events import Event, RecordAppended


class ContractIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._by_vendor: dict[str, list[str]] = {}

    def reset(self) -> None:
        with self._lock:
            self._ids, self._by_vendor = [], {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type == SIGNED:
                contract, terms = e.body.get("contract"), e.body.get("terms")
                if type(contract) is str and type(terms) is dict and type(terms.get("vendor")) is str:
                    with self._lock:
                        self._ids.append(contract)
                        self._by_vendor.setdefault(terms["vendor"], []).append(contract)

    def ids(self, vendor: str | None = None) -> list[str]:
        with self._lock:
            return list(self._ids if vendor is None else self._by_vendor.get(vendor, []))
