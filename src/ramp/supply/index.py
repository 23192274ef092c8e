"""The committed EPCIS events, indexed by EPC: a journal projection over `epcis.event` records.

An event names EPCs directly (epcList, parentID, childEPCs, inputEPCList, outputEPCList) and,
through aggregation, indirectly: a part packed into a case and the case into a pallet is
shipped when the pallet is (an AggregationEvent ADD puts children in, DELETE takes them out).
The index keeps who is inside what, so each event is filed under every EPC it moved.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ramp.ledger.events import Event, RecordAppended
from ramp.supply.capture import EVENT_RECORD

NESTING_MAX: Final = 8  # part -> case -> pallet -> container -> ...: deeper is not a real load
CBV_PREFIXES: Final = ("https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-",
                       "urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:")  # fmt: skip
_EPC_FIELDS: Final = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")


def cbv_name(value: str | None) -> str | None:
    """A CBV business step or disposition by its bare name (`shipping`), however it was spelt."""
    if value is None:
        return None
    for prefix in CBV_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def event_time_ns(text: str) -> int:
    """An EPCIS `eventTime` (RFC 3339 with an offset) as ns since the epoch."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    seq: int  # the log leaf
    record_id: str
    capturer: str
    type: str  # ObjectEvent, AggregationEvent, ...
    action: str | None
    event_time_ns: int
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    parent: str | None
    epcs: tuple[str, ...]  # every EPC the event names itself
    event: dict[str, Any]


def _id_of(value: object) -> str | None:
    return value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None


def captured(record: RecordAppended) -> CapturedEvent:
    event = json.loads(str(record.body["event"]))
    named: list[str] = []
    parent = event.get("parentID")
    if isinstance(parent, str):
        named.append(parent)
    for field in _EPC_FIELDS:
        named.extend(x for x in event.get(field, []) if isinstance(x, str))
    return CapturedEvent(
        seq=record.seq, record_id=record.id, capturer=str(record.body["capturer"]), type=event["type"],
        action=event.get("action"), event_time_ns=event_time_ns(event["eventTime"]),
        biz_step=cbv_name(event.get("bizStep")), disposition=cbv_name(event.get("disposition")),
        read_point=_id_of(event.get("readPoint")), biz_location=_id_of(event.get("bizLocation")),
        parent=parent if isinstance(parent, str) else None, epcs=tuple(dict.fromkeys(named)), event=event,
    )  # fmt: skip


class SupplyIndex:
    """Captured events in log order; by EPC, each with how the EPC took part (`direct` or
    `inside <container>`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._events: list[CapturedEvent] = []
            self._by_epc: dict[str, list[tuple[int, str | None]]] = {}  # epc -> [(position, via container)]
            self._children: dict[str, set[str]] = {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type == EVENT_RECORD:
                with self._lock:
                    self._add(captured(e))

    def _add(self, ev: CapturedEvent) -> None:
        position = len(self._events)
        self._events.append(ev)
        filed: set[str] = set()
        for epc in ev.epcs:
            self._by_epc.setdefault(epc, []).append((position, None))
            filed.add(epc)
        if ev.type == "AggregationEvent" and ev.parent is not None:
            self._contain(ev)  # after filing: the children were named directly
            return
        for epc in ev.epcs:
            for inner in self._inside(epc):
                if inner not in filed:
                    filed.add(inner)
                    self._by_epc.setdefault(inner, []).append((position, epc))

    def _contain(self, ev: CapturedEvent) -> None:
        assert ev.parent is not None
        children = [x for x in ev.event.get("childEPCs", []) if isinstance(x, str)]
        if ev.action == "ADD":
            self._children.setdefault(ev.parent, set()).update(children)
        elif ev.action == "DELETE":
            inside = self._children.get(ev.parent, set())
            inside.difference_update(children or set(inside))

    def _inside(self, container: str) -> list[str]:
        """Every EPC inside `container` now, at most NESTING_MAX levels down."""
        out: list[str] = []
        level = [container]
        for _ in range(NESTING_MAX):
            level = [c for p in level for c in sorted(self._children.get(p, ()))]
            if not level:
                break
            out.extend(level)
        return out

    def history(self, epc: str) -> list[tuple[CapturedEvent, str | None]]:
        """(event, container it moved inside, or None) for `epc`, in log order."""
        with self._lock:
            return [(self._events[p], via) for p, via in self._by_epc.get(epc, [])]

    def events(self) -> list[CapturedEvent]:
        with self._lock:
            return list(self._events)

    def epcs(self) -> list[str]:
        with self._lock:
            return list(self._by_epc)

    def inside(self, container: str) -> list[str]:
        with self._lock:
            return self._inside(container)
