"""What the API (and the dashboard) show of contracts: one contract with its milestones,
attestations, releases, retention and penalties; a vendor's obligated, released and pending
amounts; the time from the attestation that accepted a milestone to its payment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from ramp.budget import model as budget_model
from ramp.budget.view import View
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts.desk import STATEMENT_PREFIX, escrows, funding_year, schedule
from ramp.ledger import LedgerEngine


class SlotOut(msgspec.Struct, frozen=True):
    name: str
    role: str
    organisation: str
    claim: str
    attested_by: str | None
    attestation: int | None  # the record's number on the contract


class AttestationOut(msgspec.Struct, frozen=True):
    n: int
    milestone: str
    slot: str
    identity: str
    organisation: str
    via: str  # signature (the attester's own key) | session (a web login with a fresh TOTP code)
    at_ns: int


class MilestoneOut(msgspec.Struct, frozen=True):
    id: str
    name: str
    amount_yen: int
    due: str
    funded_by_fiscal_year: int | None
    status: str  # open | attesting | accepted (payment pending) | released | cancelled
    required: int
    slots: list[SlotOut]
    accepted_on: str | None
    days_late: int
    penalty_yen: int
    retention_yen: int
    net_yen: int
    paid_yen: int
    accepted_at_ns: int | None
    paid_at_ns: int | None
    payment_latency_ns: int | None  # from the accepting attestation to the payment


class ReleaseOut(msgspec.Struct, frozen=True):
    n: int
    what: str  # milestone | retention
    milestone: str
    paid_yen: int
    penalty_yen: int
    accepted_at_ns: int
    paid_at_ns: int
    latency_ns: int


class InstalmentOut(msgspec.Struct, frozen=True):
    fiscal_year: int
    amount_yen: int
    obligated_yen: int


class EventOut(msgspec.Struct, frozen=True):
    n: int
    type: str
    at_ns: int
    by: str
    seq: int


class ContractOut(msgspec.Struct, frozen=True):
    id: str
    name: str
    vendor: str
    project: str
    fiscal_year: int
    currency: str
    status: str  # signed | in_progress | held | completed | expired
    total_yen: int
    expires: str
    retention_bp: int
    penalty: dict[str, int] | None
    digest: str  # of the terms in force: what attesters sign
    signed_by: str
    signed_at_ns: int
    hold_reason: str
    obligated_yen: int
    released_yen: int  # paid to the vendor, retention included
    penalties_yen: int
    retention_held_yen: int
    pending_yen: int  # owed to the vendor and not paid yet
    deobligated_yen: int
    forfeited_retention_yen: int
    escrow_yen: int  # what the contract's escrow accounts hold now (the ledger's balances)
    amendments: int
    schedule: list[InstalmentOut]
    milestones: list[MilestoneOut]
    releases: list[ReleaseOut]
    attestations: list[AttestationOut]
    events: list[EventOut]
    terms: dict[str, Any]
    statement: str  # what an attester signs, with {milestone}, {slot} and {identity} to fill in


class ContractSummary(msgspec.Struct, frozen=True):
    id: str
    name: str
    vendor: str
    project: str
    status: str
    total_yen: int
    released_yen: int
    pending_yen: int
    penalties_yen: int
    expires: str


class ContractsPage(msgspec.Struct, frozen=True):
    contracts: list[ContractSummary]
    next: int | None


class VendorOut(msgspec.Struct, frozen=True):
    vendor: str
    contracts: int
    obligated_yen: int
    released_yen: int
    pending_yen: int  # accepted and not paid, and retention held
    penalties_yen: int
    to_come_yen: int  # milestones neither accepted nor cancelled
    received_yen: int  # the vendor wallet's balance on the ledger
    payment_latency_ns_max: int | None
    items: list[ContractSummary]


def escrow_yen(engine: LedgerEngine, state: contract_state.ContractState) -> int:
    return sum(a.balance for a in escrows(View(engine), state))


def _latency(m: contract_state.Milestone) -> int | None:
    return m.paid_at_ns - m.accepted_at_ns if m.paid_at_ns and m.accepted_at_ns else None


def contract_view(state: contract_state.ContractState, engine: LedgerEngine) -> ContractOut:
    terms = state.terms
    milestones = []
    for m in state.milestones.values():
        named = terms.milestone(m.id)
        filled = {a.slot: a for a in m.attestations}
        slots = [] if m.rule is None else [
            SlotOut(s.name, s.role, s.organisation, s.claim, filled[s.name].identity if s.name in filled else None,
                    filled[s.name].n if s.name in filled else None) for s in m.rule.slots]  # fmt: skip
        paid = m.paid_yen if m.id != contract_terms.FINAL else state.retention_paid_yen
        paid_at = m.paid_at_ns if m.id != contract_terms.FINAL else state.retention_paid_at_ns
        milestones.append(MilestoneOut(
            m.id, named.name if named else "final acceptance", m.amount_yen, m.due,
            funding_year(state, m.id) if m.id != contract_terms.FINAL else None,
            "released" if m.id == contract_terms.FINAL and state.retention_paid_at_ns else m.status,
            m.rule.required if m.rule else 0, slots, m.accepted_on or None, m.days_late, m.penalty_yen,
            m.retention_yen, m.net_yen, paid, m.accepted_at_ns or None, paid_at or None,
            paid_at - m.accepted_at_ns if paid_at and m.accepted_at_ns else None,
        ))  # fmt: skip
    releases = []
    for n, r in enumerate(state.records, start=1):
        if r.type != contract_state.RELEASED:
            continue
        b = r.body
        what = str(b["what"])
        paid = int(b["amount_yen"] if what == "retention" else b["net_yen"])  # type: ignore[call-overload]
        at, accepted = int(b["at_ns"]), int(b["accepted_at_ns"])  # type: ignore[call-overload]
        releases.append(ReleaseOut(n, what, str(b.get("milestone", contract_terms.FINAL)), paid, int(b.get("penalty_yen", 0)),  # type: ignore[call-overload]
                                   accepted, at, at - accepted))  # fmt: skip
    attestations = [AttestationOut(a.n, a.milestone, a.slot, a.identity, a.organisation, a.via, a.at_ns)
                    for m in state.milestones.values() for a in m.attestations]  # fmt: skip
    events = [EventOut(n, r.type, int(r.body["at_ns"]), str(r.body.get("by", "")), r.seq)  # type: ignore[call-overload]
              for n, r in enumerate(state.records, start=1)]  # fmt: skip
    plan = schedule(state)
    penalty = None if terms.penalty is None else msgspec.structs.asdict(terms.penalty)
    return ContractOut(
        state.id, terms.name, terms.vendor, terms.project, terms.fiscal_year, terms.currency, state.status,
        terms.total_yen, terms.expires, terms.retention_bp, penalty, state.digest, state.signer, state.signed_at_ns,
        state.hold_reason, sum(state.obligated.values()), state.released_yen, state.penalties_yen,
        state.retention_held_yen, state.pending_yen,
        state.deobligated_yen, state.forfeited_retention_yen, escrow_yen(engine, state), state.amendments,
        [InstalmentOut(fy, a, state.obligated.get(fy, 0)) for fy, a in sorted(plan.items())],
        milestones, releases, sorted(attestations, key=lambda a: a.n), events, contract_terms.encode(terms),
        f"{STATEMENT_PREFIX}\\n{state.id}\\n{{milestone}}\\n{{slot}}\\n{state.digest}\\n{{identity}}\\n",
    )  # fmt: skip


def summary(state: contract_state.ContractState) -> ContractSummary:
    return ContractSummary(state.id, state.terms.name, state.terms.vendor, state.terms.project, state.status,
                           state.terms.total_yen, state.released_yen, state.pending_yen, state.penalties_yen,
                           state.terms.expires)  # fmt: skip


def vendor_view(vendor: str, states: Iterable[contract_state.ContractState], engine: LedgerEngine) -> VendorOut:
    items, obligated, latency = [], 0, None
    to_come = 0
    for st in states:
        items.append(summary(st))
        obligated += sum(st.obligated.values()) - st.deobligated_yen
        to_come += sum(m.amount_yen for m in st.real_milestones if not m.accepted and not m.cancelled)
        for m in st.real_milestones:
            lat = _latency(m)
            if lat is not None:
                latency = lat if latency is None else max(latency, lat)
    wallet = engine.account(budget_model.vendor_account(vendor))
    received = 0 if wallet is None else wallet.credits_posted - wallet.debits_posted
    return VendorOut(vendor, len(items), obligated, sum(i.released_yen for i in items),
                     sum(i.pending_yen for i in items), sum(i.penalties_yen for i in items), to_come, received,
                     latency, items)  # fmt: skip


def committed_lookup(engine: LedgerEngine, size: Callable[[], int]) -> contract_state.Lookup:
    """Records of committed batches only (a reader must not see what may still fail)."""

    def lookup(record_id: str):  # noqa: ANN202 - a state.Lookup
        r = engine.record(record_id)
        return r if r is not None and r.seq < size() else None

    return lookup
