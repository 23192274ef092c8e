"""The flag rules on an index fed directly: a serial commissioned twice is a clone; two places
an hour or more apart are travel, not a clone; a receipt after a shipment is no flag."""

from __future__ import annotations

from ramp.ledger.events import RecordAppended
from ramp.supply import capture as epcis_capture
from ramp.supply import flags as supply_flags
from ramp.supply.index import SupplyIndex
from tests.supply.scenario import DEPOT, MAKER, P1, UNIT, event


def index_of(*events: dict) -> SupplyIndex:
    index = SupplyIndex()
    doc = epcis_capture.Capture("0" * 64, tuple(events))
    records = epcis_capture.event_records(doc, "maker.kanto")
    index.apply([RecordAppended(seq=10 + k, timestamp=k, id=r.id, type=r.type, body=r.body, flags=r.flags)
                 for k, r in enumerate(records)])  # fmt: skip
    return index


def kinds(index: SupplyIndex) -> list[tuple[str, tuple[int, ...]]]:
    return [(f.kind, f.evidence) for f in supply_flags.find(index, index.epcs())]


def test_a_serial_commissioned_twice_is_a_clone():
    made = event("ObjectEvent", "2025-06-02T09:00:00Z", MAKER, "commissioning", action="ADD", epcList=[P1])
    again = event("ObjectEvent", "2025-06-20T09:00:00Z", MAKER, "commissioning", action="ADD", epcList=[P1])
    assert kinds(index_of(made, again)) == [(supply_flags.CLONE, (10, 11))]


def test_two_places_an_hour_apart_are_travel():
    a = event("ObjectEvent", "2025-06-02T09:00:00Z", DEPOT, "inspecting", action="OBSERVE", epcList=[P1])
    b = event("ObjectEvent", "2025-06-02T10:00:00Z", UNIT, "inspecting", action="OBSERVE", epcList=[P1])
    c = event("ObjectEvent", "2025-06-02T10:59:59Z", DEPOT, "inspecting", action="OBSERVE", epcList=[P1])
    assert kinds(index_of(a, b)) == []
    assert kinds(index_of(a, b, c)) == [(supply_flags.CLONE, (11, 12))]


def test_shipped_then_received_is_no_flag_and_a_second_receipt_is():
    made = event("ObjectEvent", "2025-06-02T09:00:00Z", MAKER, "commissioning", action="ADD", epcList=[P1])
    shipped = event("ObjectEvent", "2025-06-02T10:00:00Z", MAKER, "shipping", action="OBSERVE", epcList=[P1])
    received = event("ObjectEvent", "2025-06-03T10:00:00Z", UNIT, "receiving", action="OBSERVE", epcList=[P1])
    again = event("ObjectEvent", "2025-06-05T10:00:00Z", UNIT, "receiving", action="OBSERVE", epcList=[P1])
    assert kinds(index_of(made, shipped, received)) == []
    assert kinds(index_of(made, shipped, received, again)) == [(supply_flags.RECEIVED_WITHOUT_SHIPMENT, (12, 13))]


def test_the_flag_record_is_its_evidence():
    flag = supply_flags.Flag(supply_flags.CLONE, P1, (3, 7), "m")
    same = supply_flags.Flag(supply_flags.CLONE, P1, (3, 7), "another message")
    assert flag.record_id == same.record_id != supply_flags.Flag(supply_flags.CLONE, P1, (3, 8), "m").record_id
    assert flag.record().type == supply_flags.FLAG_RECORD and flag.record().body["evidence"] == [3, 7]
