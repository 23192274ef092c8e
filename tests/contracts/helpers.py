"""A FY2025 budget with the people of a contract's acceptance (ATLA's inspector, the receiving
unit, the programme office), a vendor, and the contracts desk over a real journal."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.approvals.desk import Desk
from ramp.approvals.index import RequestIndex
from ramp.auth.passkeys import PasskeyCounters
from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.requests import RegisterVendor
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts.desk import ContractDesk, Planner, statement
from ramp.contracts.index import ContractIndex
from ramp.journal import Journal
from ramp.ledger import Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry, identity_added
from tests.approvals.helpers import raw
from tests.budget.helpers import AT, PROJECTS, build

PROJECT = PROJECTS["equipment"]
VENDOR = "kanto-aero"
BN = 1_000_000_000

PEOPLE = {
    "atla.co": ("atla", ["contracting_officer", "certifying_officer"]),
    "atla.insp": ("atla", ["inspector"]),
    "atla.insp2": ("atla", ["inspector"]),
    "asdf.insp": ("asdf", ["inspector"]),
    "po.mori": ("atla", ["contracting_officer"]),
    "fin.tanaka": ("mod-feb", ["finance_officer"]),
    "boa.kato": ("boa", ["auditor"]),
    "bot.analytics": ("mod-dbpb", ["analytics"]),
    "disb.ueda": ("mod-feb", ["disbursing_officer"]),
    "reader.oda": ("gsdf", ["ledger_reader"]),
    "vendor.kanto": (f"contractor-{VENDOR}", ["contractor"]),
    "vendor.other": ("contractor-other", ["contractor"]),
}


PENALTY = contract_terms.Penalty(rate_ppm_per_day=1_000, cap_bp=500)  # 0.1 % a day late, at most 5 %


def rule(required: int = 2) -> contract_terms.Rule:
    """2 of 3 by default: test evaluation by ATLA's inspector, receipt by the unit, documents."""
    return contract_terms.Rule(required=required, slots=(
        contract_terms.Slot("test-evaluation", "inspector", "atla", "test evaluation passed"),
        contract_terms.Slot("receipt", "inspector", "asdf", "received by the unit"),
        contract_terms.Slot("documents", "contracting_officer", "atla", "documentation complete"),
    ))  # fmt: skip


def final_rule() -> contract_terms.Rule:
    return contract_terms.Rule(required=1, slots=(contract_terms.Slot("final", "inspector", "atla", "final acceptance"),))


def terms(contract: str = "c1", amounts: tuple[int, ...] = (3 * BN, 4 * BN, 3 * BN),
          dues: tuple[str, ...] = ("2025-07-01", "2025-09-01", "2025-12-01"), *, retention_bp: int = 500,
          penalty: contract_terms.Penalty | None = PENALTY,
          expires: str = "2026-03-15", fiscal_year: int = 2025, required: int = 2) -> contract_terms.Terms:  # fmt: skip
    return contract_terms.Terms(
        contract=contract, vendor=VENDOR, project=PROJECT, fiscal_year=fiscal_year, total_yen=sum(amounts),
        milestones=tuple(contract_terms.MilestoneTerms(f"m{k + 1}", a, d, rule(required), name=f"milestone {k + 1}")
                         for k, (a, d) in enumerate(zip(amounts, dues, strict=True))),
        expires=expires, retention_bp=retention_bp, penalty=penalty,
        final_acceptance=final_rule() if retention_bp else None, name=f"contract {contract}",
    )  # fmt: skip


@dataclass
class World:
    journal: Journal
    identities: IdentityRegistry
    desk: ContractDesk
    approvals: Desk
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    now: list[int] = field(default_factory=lambda: [AT])

    def at(self, year: int, month: int, day: int, hour: int = 10) -> int:
        self.now[0] = budget_model.jst_ns(year, month, day, hour)
        return self.now[0]

    def run(self, planner: Planner) -> list[Result]:
        return self.journal.submit_planned_async(planner, self.now[0]).result()

    def sign(self, t: contract_terms.Terms, op_id: str = "sign-c1", actor: str = "atla.co") -> list[Result]:
        return self.run(self.desk.sign(contract_requests.Sign(op_id, t), actor, self.now[0]))

    def attestation(self, who: str, contract: str, milestone: str, slot: str) -> tuple[contract_requests.AttestRequest, bytes]:
        state = self.state(contract)
        signature = self.keys[who].sign(statement(contract, milestone, slot, state.digest, who))
        req = contract_requests.AttestRequest(milestone, slot, base64.b64encode(signature).decode())
        return req, signature

    def attest(self, who: str, contract: str, milestone: str, slot: str) -> list[Result]:
        req, signature = self.attestation(who, contract, milestone, slot)
        return self.run(self.desk.attest(contract, req, who, self.now[0], signature=signature))

    def state(self, contract: str = "c1") -> contract_state.ContractState:
        state = contract_state.load(self.journal.engine.record, contract)
        assert state is not None
        return state

    def balance(self, account: str) -> int:
        a = self.journal.engine.account(account)
        return 0 if a is None else a.credits_posted - a.debits_posted


def make_world(store, *, log=None) -> World:
    identities, counters = IdentityRegistry(), PasskeyCounters()
    journal = Journal(store, projections=[identities, ActivePolicy(), BudgetProjection(), ContractIndex(),
                                          RequestIndex(), counters], log=log)  # fmt: skip
    keys = {who: Ed25519PrivateKey.generate() for who in [*PEOPLE, "admin"]}
    journal.submit([identity_added(who, org, roles, raw(keys[who])) for who, (org, roles) in PEOPLE.items()], AT - BN)
    svc = build(journal)
    svc.execute(RegisterVendor(vendor=VENDOR, name="Kanto Aerospace K.K. (fictitious)"), at_ns=AT)
    desk = ContractDesk(identities, counters)
    approvals = Desk(identities, journal.projection(ActivePolicy), counters)
    return World(journal, identities, desk, approvals, keys)
