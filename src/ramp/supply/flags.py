"""Red flags from the captured events, with their evidence (the events' log seqs): a cloned
serial and a part received that was never shipped. Each is a `supply.flag` record whose id is
its evidence, so finding the same flag twice writes it once.

- `clone`: the same EPC commissioned twice, or named at two different places (business location,
  else read point) less than CLONE_WINDOW_S apart: one serial cannot be in two depots at once.
- `received_without_shipment`: a receipt of an EPC with no shipment of it (or of a container it
  was in) since it was made or last received.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from ramp.ledger import AppendRecord
from ramp.supply.index import SupplyIndex
from ramp.supply.provenance import Step, steps

FLAG_RECORD: Final = "supply.flag"
CLONE_WINDOW_S: Final = 3600  # no part moves between two sites in under an hour
CLONE: Final = "clone"
RECEIVED_WITHOUT_SHIPMENT: Final = "received_without_shipment"
FLAGS_PER_EPC_MAX: Final = 16  # a serial seen a thousand times is one story, not a thousand flags


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    epc: str
    evidence: tuple[int, ...]  # log seqs, ascending
    message: str

    @property
    def record_id(self) -> str:
        text = f"{self.kind}|{self.epc}|{','.join(map(str, self.evidence))}"
        return f"supply-flag:{hashlib.sha256(text.encode()).hexdigest()[:40]}"

    def record(self) -> AppendRecord:
        return AppendRecord(id=self.record_id, type=FLAG_RECORD, body={
            "kind": self.kind, "epc": self.epc, "evidence": list(self.evidence), "message": self.message})  # fmt: skip


def _place(step: Step) -> str | None:
    return step.event.biz_location or step.event.read_point


def _clones(epc: str, history: list[Step]) -> list[Flag]:
    direct = [s for s in history if s.via is None]
    made = [s for s in direct if s.kind == "made"]
    out = []
    if len(made) > 1:
        out.append(Flag(CLONE, epc, tuple(s.seq for s in made), f"{epc} was commissioned {len(made)} times"))
    window_ns = CLONE_WINDOW_S * 1_000_000_000
    for k, a in enumerate(direct):
        for b in direct[k + 1:]:
            pa, pb = _place(a), _place(b)
            if pa and pb and pa != pb and abs(a.event.event_time_ns - b.event.event_time_ns) < window_ns:
                out.append(Flag(CLONE, epc, (a.seq, b.seq), f"{epc} was at {pa} and at {pb} within "
                                f"{CLONE_WINDOW_S} s"))  # fmt: skip
    return out


def _unshipped(epc: str, history: list[Step]) -> list[Flag]:
    out = []
    shipped = False
    last: Step | None = None  # the step that opened the current leg: made or received
    for s in sorted(history, key=lambda s: s.event.event_time_ns):
        if s.kind == "shipped":
            shipped = True
        elif s.kind == "received":
            if not shipped and s.via is None:
                evidence = (s.seq,) if last is None else tuple(sorted((last.seq, s.seq)))
                out.append(Flag(RECEIVED_WITHOUT_SHIPMENT, epc, evidence, f"{epc} was received with no shipment "
                                "since " + ("it was first seen" if last is None else f"seq {last.seq}")))  # fmt: skip
            shipped, last = False, s
        elif s.kind == "made":
            shipped, last = False, s
    return out


def find(index: SupplyIndex, epcs: list[str]) -> list[Flag]:
    """Every flag of `epcs` (each EPC at most FLAGS_PER_EPC_MAX), in EPC order."""
    out = []
    for epc in sorted(set(epcs)):
        history = steps(index.history(epc))
        out.extend((_clones(epc, history) + _unshipped(epc, history))[:FLAGS_PER_EPC_MAX])
    return out
