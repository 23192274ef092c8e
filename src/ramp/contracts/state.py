"""A contract as its records say: every state change of contract `c` is record
`contract.c.<n>` (n = 1, 2, ... without gaps), so its state is a fold read by id from a
record lookup (the live engine for planners, the committed part of it for readers).

Instants are nanoseconds since the epoch written as decimal strings (beyond JSON's exact
integers); amounts are integers. Records (`type`, what the body holds):
- `contract.signed`     the terms, their digest, the signer, the obligation's operation id;
- `contract.obligated`  a later year's instalment moved into escrow;
- `contract.attested`   one signed attestation of one slot of a milestone's (or final) rule;
- `contract.accepted`   the rule met: the day, days late, penalty, retention, net payment;
- `contract.released`   money paid: a milestone's net (and its penalty), or the retention;
- `contract.held` / `contract.unheld`  payments stopped / resumed by an approved request;
- `contract.amended`    a change order executed by an approved request;
- `contract.expired`    the expiry passed: unaccepted milestones cancelled, money de-obligated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import msgspec

from ramp.contracts import terms as contract_terms
from ramp.ledger.events import RecordAppended

EVENTS_MAX: Final = 999  # `contract.<40 chars>.<n>` stays within a record id's 64 characters
SIGNED: Final = "contract.signed"
OBLIGATED: Final = "contract.obligated"
ATTESTED: Final = "contract.attested"
ACCEPTED: Final = "contract.accepted"
RELEASED: Final = "contract.released"
HELD: Final = "contract.held"
UNHELD: Final = "contract.unheld"
AMENDED: Final = "contract.amended"
EXPIRED: Final = "contract.expired"
TYPES: Final = frozenset({SIGNED, OBLIGATED, ATTESTED, ACCEPTED, RELEASED, HELD, UNHELD, AMENDED, EXPIRED})

Lookup = Callable[[str], RecordAppended | None]


def record_id(contract_id: str, n: int) -> str:
    return f"contract.{contract_id}.{n}"


@dataclass(frozen=True, slots=True)
class Attestation:
    n: int  # the record's number on the contract
    milestone: str
    slot: str
    identity: str
    organisation: str
    via: str  # signature | session
    at_ns: int


@dataclass
class Milestone:
    """A milestone's progress ("final" is final acceptance: amount 0, releases the retention)."""

    id: str
    amount_yen: int
    due: str
    rule: contract_terms.Rule | None
    attestations: list[Attestation] = field(default_factory=list)
    accepted_on: str = ""
    accepted_at_ns: int = 0
    days_late: int = 0
    penalty_yen: int = 0
    retention_yen: int = 0
    net_yen: int = 0
    paid_yen: int = 0  # net paid to the vendor (retention comes with final acceptance)
    paid_at_ns: int = 0
    cancelled: bool = False

    @property
    def accepted(self) -> bool:
        return bool(self.accepted_on)

    @property
    def released(self) -> bool:
        return self.accepted and self.paid_at_ns > 0

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.released:
            return "released"
        if self.accepted:
            return "accepted"  # payment pending: held, or its money not payable yet
        return "attesting" if self.attestations else "open"

    def slots_filled(self) -> set[str]:
        return {a.slot for a in self.attestations}


@dataclass
class ContractState:
    id: str
    terms: contract_terms.Terms  # as amended
    signed_terms: contract_terms.Terms
    signer: str
    signed_at_ns: int
    events: int  # records so far: the next is `contract.<id>.<events + 1>`
    milestones: dict[str, Milestone]  # in the terms' order, then "final"
    obligated: dict[int, int] = field(default_factory=dict)  # fiscal year -> yen moved into escrow
    held: bool = False
    hold_reason: str = ""
    expired: bool = False
    expired_at_ns: int = 0
    deobligated_yen: int = 0
    forfeited_retention_yen: int = 0
    retention_paid_yen: int = 0
    retention_paid_at_ns: int = 0
    amendments: int = 0
    records: list[RecordAppended] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return contract_terms.digest(self.terms)

    @property
    def final(self) -> Milestone | None:
        return self.milestones.get(contract_terms.FINAL)

    @property
    def real_milestones(self) -> list[Milestone]:
        return [m for k, m in self.milestones.items() if k != contract_terms.FINAL]

    @property
    def retention_held_yen(self) -> int:
        if self.retention_paid_at_ns or self.expired:
            return 0
        return sum(m.retention_yen for m in self.real_milestones if m.released)

    @property
    def released_yen(self) -> int:
        return sum(m.paid_yen for m in self.real_milestones) + self.retention_paid_yen

    @property
    def penalties_yen(self) -> int:
        return sum(m.penalty_yen for m in self.real_milestones if m.released)

    @property
    def pending_yen(self) -> int:
        """Owed to the vendor and not yet paid: accepted milestones' net, and the retention held."""
        owed = sum(m.net_yen for m in self.real_milestones if m.accepted and not m.released)
        return owed + self.retention_held_yen

    @property
    def status(self) -> str:
        if self.retention_paid_at_ns or (self.final is None and all(m.released for m in self.real_milestones)):
            return "completed"
        if self.expired:
            return "expired"
        if self.held:
            return "held"
        if any(m.attestations for m in self.milestones.values()):
            return "in_progress"
        return "signed"


def load(lookup: Lookup, contract_id: str) -> ContractState | None:
    """The contract's state from its records, or None if it was never signed."""
    first = lookup(record_id(contract_id, 1))
    if first is None or first.type != SIGNED:
        return None
    signed = contract_terms.decode(first.body["terms"])
    state = ContractState(contract_id, signed, signed, str(first.body["by"]), int(first.body["at_ns"]),  # type: ignore[call-overload]
                          1, _milestones(signed), records=[first])  # fmt: skip
    year = first.body.get("obligated_fiscal_year")
    if year is not None:
        state.obligated[int(year)] = int(first.body["obligated_yen"])  # type: ignore[call-overload]
    for n in range(2, EVENTS_MAX + 1):
        r = lookup(record_id(contract_id, n))
        if r is None or r.type not in TYPES:
            break
        fold(state, n, r)
    return state


def _milestones(terms: contract_terms.Terms) -> dict[str, Milestone]:
    out = {m.id: Milestone(m.id, m.amount_yen, m.due, m.rule) for m in terms.milestones}
    if terms.final_acceptance is not None:
        out[contract_terms.FINAL] = Milestone(contract_terms.FINAL, 0, terms.expires, terms.final_acceptance)
    return out


def fold(state: ContractState, n: int, r: RecordAppended) -> None:
    """Apply record `n` of the contract (the next one) to its state."""
    assert n == state.events + 1, (n, state.events)
    state.events = n
    state.records.append(r)
    b = r.body
    t = r.type
    if t == ATTESTED:
        m = state.milestones[str(b["milestone"])]
        m.attestations.append(Attestation(n, str(b["milestone"]), str(b["slot"]), str(b["identity"]),
                                          str(b["organisation"]), str(b["via"]), int(b["at_ns"])))  # type: ignore[call-overload]  # fmt: skip
    elif t == ACCEPTED:
        m = state.milestones[str(b["milestone"])]
        m.accepted_on, m.accepted_at_ns = str(b["accepted_on"]), int(b["at_ns"])  # type: ignore[call-overload]
        m.days_late, m.penalty_yen = int(b["days_late"]), int(b["penalty_yen"])  # type: ignore[call-overload]
        m.retention_yen, m.net_yen = int(b["retention_yen"]), int(b["net_yen"])  # type: ignore[call-overload]
    elif t == RELEASED:
        if b["what"] == "retention":
            state.retention_paid_yen = int(b["amount_yen"])  # type: ignore[call-overload]
            state.retention_paid_at_ns = int(b["at_ns"])  # type: ignore[call-overload]
        else:
            m = state.milestones[str(b["milestone"])]
            m.paid_yen, m.paid_at_ns = int(b["net_yen"]), int(b["at_ns"])  # type: ignore[call-overload]
    elif t == OBLIGATED:
        fy = int(b["fiscal_year"])  # type: ignore[call-overload]
        state.obligated[fy] = state.obligated.get(fy, 0) + int(b["amount_yen"])  # type: ignore[call-overload]
    elif t == HELD:
        state.held, state.hold_reason = True, str(b.get("reason", ""))
    elif t == UNHELD:
        state.held, state.hold_reason = False, ""
    elif t == AMENDED:
        state.terms = contract_terms.decode(b["terms"])
        for moved in b["obligation_delta"]:  # type: ignore[union-attr]
            fy, delta = int(moved["fiscal_year"]), int(moved["delta_yen"])  # type: ignore[index]
            state.obligated[fy] = state.obligated.get(fy, 0) + delta
        for m_terms in state.terms.milestones:
            m = state.milestones[m_terms.id]
            m.amount_yen, m.due, m.rule = m_terms.amount_yen, m_terms.due, m_terms.rule
        state.amendments += 1
    elif t == EXPIRED:
        state.expired, state.expired_at_ns = True, int(b["at_ns"])  # type: ignore[call-overload]
        state.deobligated_yen = int(b["deobligated_yen"])  # type: ignore[call-overload]
        state.forfeited_retention_yen = int(b["forfeited_retention_yen"])  # type: ignore[call-overload]
        for mid in b["cancelled"]:  # type: ignore[union-attr]
            state.milestones[str(mid)].cancelled = True


def body_json(obj: object) -> dict[str, object]:
    return msgspec.json.decode(msgspec.json.encode(obj))  # type: ignore[no-any-return]
