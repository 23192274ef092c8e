"""A supply chain in EPCIS events: three parts made by the manufacturer, packed onto a pallet,
shipped, received by the unit, unpacked, one installed and one transformed; a fourth part
received with no shipment; a serial seen at the depot while the unit installs it (a clone)."""

from __future__ import annotations

from typing import Any

from tests.supply.helpers import document

P1, P2, P3, P4 = (f"urn:epc:id:sgtin:4912345.012345.{n}" for n in (1001, 1002, 1003, 1004))
P3_REWORKED = "urn:epc:id:sgtin:4912345.012346.3001"
PALLET = "urn:epc:id:sscc:4912345.0000000001"
MAKER, DEPOT, UNIT = (f"urn:epc:id:sgln:4912345.0000{n}.0" for n in (1, 2, 3))
DAY = "2025-06-0{d}T{h:02d}:00:00.000+09:00"


def at(day: int, hour: int) -> str:
    return DAY.format(d=day, h=hour)


def event(kind: str, time: str, where: str, biz_step: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "eventTime": time, "eventTimeZoneOffset": "+09:00", "bizStep": biz_step,
            "readPoint": {"id": where}, "bizLocation": {"id": where}, **fields}  # fmt: skip


MADE = document(
    event("ObjectEvent", at(2, 9), MAKER, "commissioning", action="ADD", epcList=[P1, P2, P3, P4],
          disposition="active"),
    event("AggregationEvent", at(2, 10), MAKER, "packing", action="ADD", parentID=PALLET, childEPCs=[P1, P2, P3]),
    event("ObjectEvent", at(2, 11), MAKER, "shipping", action="OBSERVE", epcList=[PALLET], disposition="in_transit"),
)  # fmt: skip
RECEIVED = document(
    event("ObjectEvent", at(3, 9), UNIT, "receiving", action="OBSERVE", epcList=[PALLET],
          disposition="in_progress"),
    event("AggregationEvent", at(3, 10), UNIT, "unpacking", action="DELETE", parentID=PALLET,
          childEPCs=[P1, P2, P3]),
    event("ObjectEvent", at(3, 11), UNIT, "receiving", action="OBSERVE", epcList=[P4]),  # never shipped
    event("ObjectEvent", at(4, 9), UNIT, "installing", action="OBSERVE", epcList=[P1]),
    {"type": "TransformationEvent", "eventTime": at(4, 10), "eventTimeZoneOffset": "+09:00",
     "inputEPCList": [P3], "outputEPCList": [P3_REWORKED], "bizStep": "repairing",
     "readPoint": {"id": UNIT}, "bizLocation": {"id": UNIT}},
)  # fmt: skip
SEEN_AT_THE_DEPOT = document(  # P1 again, ten minutes after the unit installed it, 100 km away
    event("ObjectEvent", "2025-06-04T09:10:00.000+09:00", DEPOT, "inspecting", action="OBSERVE", epcList=[P1]),
)
