"""An EPC's history read as the steps of a part's life, and the EPCIS query interface's common
filters over the captured events.

A step's kind comes from its CBV business step (commissioning: made, packing: packed, shipping:
shipped, receiving: received, installing: installed) or, failing one, from the event type
(a TransformationEvent transformed; an AggregationEvent ADD packed, DELETE unpacked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ramp.supply.index import CapturedEvent, cbv_name, event_time_ns

STEP_OF_BIZSTEP: Final = {
    "commissioning": "made", "packing": "packed", "unpacking": "unpacked", "shipping": "shipped",
    "departing": "shipped", "receiving": "received", "arriving": "received", "accepting": "received",
    "installing": "installed", "decommissioning": "decommissioned", "destroying": "destroyed",
}  # fmt: skip
EVENT_TYPES: Final = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
                      "AssociationEvent")  # fmt: skip
QUERY_LIMIT_MAX: Final = 500


def step_kind(ev: CapturedEvent) -> str:
    if ev.type == "TransformationEvent":
        return "transformed"
    kind = STEP_OF_BIZSTEP.get(ev.biz_step or "")
    if kind is not None:
        return kind
    if ev.type == "AggregationEvent":
        return {"ADD": "packed", "DELETE": "unpacked"}.get(ev.action or "", "observed")
    return "observed"


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    seq: int
    event: CapturedEvent
    via: str | None  # the container it moved inside, when it was not named itself


def steps(history: Iterable[tuple[CapturedEvent, str | None]]) -> list[Step]:
    return [Step(step_kind(ev), ev.seq, ev, via) for ev, via in history]


@dataclass(frozen=True, slots=True)
class Query:
    """The EPCIS 2.0 query interface's common parameters (SimpleEventQuery), all optional."""

    event_type: frozenset[str] | None = None
    ge_event_time_ns: int | None = None
    lt_event_time_ns: int | None = None
    eq_biz_step: frozenset[str] | None = None
    eq_disposition: frozenset[str] | None = None
    match_epc: frozenset[str] | None = None
    eq_read_point: frozenset[str] | None = None
    eq_biz_location: frozenset[str] | None = None


def parse_time(text: str) -> int:
    """`GE_eventTime` / `LT_eventTime` values: RFC 3339 with an offset (`Z` or `+09:00`)."""
    if "T" not in text or not (text.endswith("Z") or text[-6] in "+-"):
        raise ValueError("a time is RFC 3339 with an offset, e.g. 2025-06-02T10:00:00Z")
    return event_time_ns(text)


def matches(ev: CapturedEvent, q: Query) -> bool:
    if q.event_type is not None and ev.type not in q.event_type:
        return False
    if q.ge_event_time_ns is not None and ev.event_time_ns < q.ge_event_time_ns:
        return False
    if q.lt_event_time_ns is not None and ev.event_time_ns >= q.lt_event_time_ns:
        return False
    if q.eq_biz_step is not None and ev.biz_step not in {cbv_name(x) for x in q.eq_biz_step}:
        return False
    if q.eq_disposition is not None and ev.disposition not in {cbv_name(x) for x in q.eq_disposition}:
        return False
    if q.match_epc is not None and not _match_epc(ev.epcs, q.match_epc):
        return False
    if q.eq_read_point is not None and ev.read_point not in q.eq_read_point:
        return False
    return q.eq_biz_location is None or ev.biz_location in q.eq_biz_location


def _match_epc(epcs: tuple[str, ...], wanted: frozenset[str]) -> bool:
    """MATCH_epc: exact EPCs, or EPC patterns ending in `*` (`urn:epc:idpat:sgtin:0614141.107346.*`)."""
    for w in wanted:
        if w.endswith("*"):
            prefix = w[:-1].replace("urn:epc:idpat:", "urn:epc:id:", 1)
            if any(e.startswith(prefix) for e in epcs):
                return True
        elif w in epcs:
            return True
    return False


def query(events: Iterable[CapturedEvent], q: Query, limit: int) -> list[CapturedEvent]:
    assert 1 <= limit <= QUERY_LIMIT_MAX
    out = []
    for ev in events:
        if matches(ev, q):
            out.append(ev)
            if len(out) == limit:
                break
    return out
