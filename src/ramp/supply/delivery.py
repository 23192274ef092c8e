"""Delivery evidence: how many distinct items of one GTIN were received at a named location,
and the receiving events that show it. It is the check a milestone that requires delivery
would make before its attestation counts (not yet wired into `ramp.contracts`).

An item counts once however often it is received, and only when it was not flagged: a clone
or a receipt without a shipment is not delivery evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ramp.supply import flags as supply_flags
from ramp.supply.index import SupplyIndex
from ramp.supply.provenance import steps

SGTIN_PREFIX: Final = "urn:epc:id:sgtin:"


@dataclass(frozen=True, slots=True)
class Delivery:
    gtin: str  # company prefix and item reference, as the SGTIN URI spells them: "4912345.012345"
    location: str  # the receiving bizLocation (an SGLN URI)
    items: tuple[str, ...]  # the EPCs received there, unflagged
    evidence: tuple[int, ...]  # the receiving events' seqs, ascending
    flagged: tuple[str, ...]  # EPCs of the GTIN received there but flagged

    def meets(self, quantity: int) -> bool:
        return len(self.items) >= quantity


def delivered(index: SupplyIndex, gtin: str, location: str) -> Delivery:
    prefix = f"{SGTIN_PREFIX}{gtin}."
    items, evidence, flagged = [], set(), []
    for epc in sorted(e for e in index.epcs() if e.startswith(prefix)):
        received = [s for s in steps(index.history(epc)) if s.kind == "received" and s.event.biz_location == location]
        if not received:
            continue
        if supply_flags.find(index, [epc]):
            flagged.append(epc)
            continue
        items.append(epc)
        evidence.add(received[0].seq)
    return Delivery(gtin, location, tuple(items), tuple(sorted(evidence)), tuple(flagged))
