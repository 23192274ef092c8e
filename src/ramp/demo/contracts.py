"""The demo's milestone contracts: ten fictitious FY2025 contracts signed and driven through
the contracts desk (and the approvals desk for a hold, a change order and the carry-overs) at
instants of the timeline, so that the demo holds a contract in every state (docs/contracts.md).

`ContractStory` runs between the budget's batches (`ramp.demo.load`): its steps are planners
at fixed instants, derived from the dataset alone, so the same seed gives the same log. The
open requests (a hold software proposed, a change order) are made at the real time by
`ramp.demo.contract_requests`: a request made in demo time would have expired long ago.

DEMO KEYS: the attesters' and officers' Ed25519 keys below are derived from the seed (that is
what makes the log reproducible): anyone can sign as them. Never for real data.

Money: every contract's total is a share of the money its project leaves unobligated all
year (the dataset's slack), so availability control never refuses it. The milestones left
waiting for an ATLA inspector (`AWAITING_ATLA_INSPECTOR`) are funded by FY2025: one more
attestation pays them at once while FY2025 runs (an attestation dated before
`PAYABLE_BEFORE_NS`). On 31 March 2026 what every open contract holds of FY2025 money (late
deliveries, retention, a held payment) is carried over as 事故繰越 into FY2026 (`CARRIED`,
approved by MOF and MoD accounts), so an acceptance in FY2026 is paid at once from the carried
money; the multi-year contracts' FY2026 instalments are obligated on 1 April 2026. Steps after
the as-of date are not taken.
"""

from __future__ import annotations

import base64
import hashlib
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.approvals import model as approval_model
from ramp.approvals.actions import BudgetAction, ContractAction
from ramp.approvals.desk import Desk
from ramp.approvals.state import load as load_request
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts.desk import ContractDesk, Planner, statement
from ramp.demo.dataset import FY, Dataset, split
from ramp.journal import Journal
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry, identity_added

# The cast: who signs, attests, asks and decides in the story (organisation, roles).
CAST: Final = {
    "atla.co.01": ("atla", ("contracting_officer", "certifying_officer")),
    "atla.co.02": ("atla", ("contracting_officer",)),
    "atla.inspector.01": ("atla", ("inspector",)),
    "atla.inspector.02": ("atla", ("inspector",)),
    "asdf.inspector.01": ("asdf", ("inspector",)),
    "gsdf.inspector.01": ("gsdf", ("inspector",)),
    "msdf.inspector.01": ("msdf", ("inspector",)),
    "fo.finance.01": ("mod-feb", ("finance_officer",)),
    "fo.finance.02": ("mod-feb", ("finance_officer",)),
    "mof.examiner.01": ("mof", ("mof_examiner",)),
    "boa.auditor.01": ("boa", ("auditor",)),
    "analytics.bot": ("mod-dbpb", ("analytics",)),  # software: proposes holds, decides nothing
}
SIGNER: Final = "atla.co.01"
RETENTION_BP: Final = 500  # 5 % of each release held until final acceptance
PENALTY: Final = contract_terms.Penalty(rate_ppm_per_day=1_000, cap_bp=500)  # 0.1 % a day late, at most 5 %
SLACK_SHARE_PERMILLE: Final = 300  # a contract takes at most 30 % of its project's unobligated money
UNIT_YEN: Final = 1_000_000  # milestone amounts are whole millions
PAYABLE_BEFORE_NS: Final = budget_model.fy_end_ns(FY)  # FY2025 money pays FY2025 acceptances only
HOLD_REQUEST: Final = "hold-mc25-gh-sensors"  # the hold analytics proposed and an auditor approved
CHANGE_ORDER_REQUEST: Final = "co-mc25-ssa-sat-ground"  # the change order executed in FY2025
CARRY_REQUESTER: Final = (
    "fo.finance.01"  # asks for the year-end 事故繰越; MOF and MoD accounts approve
)
CARRY_APPROVERS: Final = ("mof.examiner.01", "fo.finance.02")


@dataclass(frozen=True, slots=True)
class Spec:
    """One demo contract: where its money comes from, its milestones and what the story leaves
    it as (`state`, what tests/demo check)."""

    id: str
    state: str
    program: str  # the project is the program's one with the most money left unobligated
    unit: str  # the receiving unit: its inspector attests receipt
    vendor: tuple[str, str]  # (style, trade) of the dataset's vendors
    name: str
    signed: tuple[int, int, int]
    milestones: tuple[tuple[str, str, int], ...]  # (name, due, weight of the total)
    expires: str


SPECS: Final = (
    Spec("mc25-jsm-integration", "completed", "equipment:missiles:asdf:jsm", "asdf", ("acquisition", "electric"),
         "JSM integration on the F-35A", (2025, 4, 15), (
             ("critical design review", "2025-06-30", 2), ("first article test evaluation", "2025-10-31", 3),
             ("delivery to 2nd Air Wing", "2026-01-30", 5)), "2026-03-31"),
    Spec("mc25-ssm12-canisters", "late", "equipment:missiles:gsdf:ssm-12", "gsdf", ("acquisition", "heavy-ind"),
         "Type-12 SSM (upgraded): canister production lot", (2025, 5, 12), (
             ("critical design review", "2025-07-31", 2), ("first article test evaluation", "2025-11-28", 3),
             ("delivery to 5th Surface-to-Ship Missile Regiment", "2026-02-27", 5)), "2027-03-31"),
    Spec("mc25-uav-trials", "expired", "equipment:uav:gsdf:small-uav", "gsdf", ("acquisition", "aerospace"),
         "Small UAV operational trials", (2025, 6, 2), (
             ("prototype flight demonstration", "2025-09-30", 4), ("operational test evaluation", "2026-01-30", 6)),
         "2026-02-27"),
    Spec("mc25-asev-sonar", "signed", "equipment:vessels:msdf:asev", "msdf", ("acquisition", "shipbuilding"),
         "Aegis system equipped vessel: sonar suite", (2026, 3, 10), (
             ("critical design review", "2026-03-27", 1), ("factory acceptance test", "2026-11-30", 3),
             ("delivery to Escort Flotilla 1", "2027-06-30", 6)), "2028-03-31"),
    Spec("mc25-sm3-handling", "in_progress", "equipment:missiles:msdf:sm-3", "msdf", ("acquisition", "precision"),
         "SM-3 Block IIA canister handling equipment", (2025, 7, 1), (
             ("critical design review", "2025-09-30", 2), ("first article test evaluation", "2026-02-27", 3),
             ("delivery to Escort Flotilla 2", "2026-03-31", 3)), "2027-03-31"),
    Spec("mc25-gh-sensors", "held", "equipment:uav:asdf:global-hawk", "asdf", ("acquisition", "optics"),
         "RQ-4B Global Hawk sensor upgrade", (2025, 8, 4), (
             ("critical design review", "2025-10-31", 3), ("sensor integration test evaluation", "2026-02-27", 7)),
         "2027-03-31"),
    Spec("mc25-ssa-sat-ground", "amended", "equipment:space-systems:asdf:ssa-sat", "asdf", ("acquisition", "electric"),
         "SSA satellite ground station", (2025, 6, 16), (
             ("critical design review", "2025-08-29", 2), ("ground station installation", "2025-12-19", 4),
             ("first article test evaluation", "2026-02-27", 4)), "2027-03-31"),
    Spec("mc25-kc46-support", "multi_year", "equipment:aircraft:asdf:kc-46a", "asdf", ("acquisition", "aerospace"),
         "KC-46A initial support and spares", (2025, 5, 19), (
             ("critical design review", "2025-09-30", 2), ("first article test evaluation", "2026-09-30", 3),
             ("delivery to 1st Tactical Airlift Group", "2027-09-30", 5)), "2028-03-31"),
    Spec("mc25-hvgp-seeker", "awaiting_atla_inspector", "research:standoff-rd:atla:hvgp", "gsdf", ("rd", "aerospace"),
         "HVGP seeker prototype", (2025, 9, 1), (
             ("critical design review", "2025-11-28", 3), ("first article test evaluation", "2026-03-31", 7)),
         "2027-03-31"),
    Spec("mc25-pac3-launchers", "awaiting_atla_inspector", "equipment:missiles:asdf:pac-3", "asdf",
         ("acquisition", "heavy-ind"), "PAC-3 MSE launcher modification", (2025, 10, 6), (
             ("critical design review", "2025-12-19", 3), ("delivery to 1st Air Defense Missile Group", "2026-03-31", 7)),
         "2027-03-31"),
)  # fmt: skip
AWAITING_ATLA_INSPECTOR: Final = tuple(s.id for s in SPECS if s.state == "awaiting_atla_inspector")
# What holds FY2025 money on 31 March 2026, carried over (事故繰越): all but the finished ones.
CARRIED: Final = tuple(s.id for s in SPECS if s.state not in ("completed", "expired"))
CARRY_AT_NS: Final = budget_model.jst_ns(2026, 3, 31, 21)
# Multi-year contracts whose FY2026 instalment is obligated as FY2026 opens.
OBLIGATED_IN_FY2026: Final = ("mc25-kc46-support", "mc25-asev-sonar")


def demo_key(seed: int, identity: str) -> Ed25519PrivateKey:
    """The cast's DEMO key: derived from the seed (see the module's note), never for real data."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"ramp-demo-key\n{seed}\n{identity}".encode()).digest())


def slack_by_project(ds: Dataset) -> dict[str, int]:
    """FY2025 money each project never obligates in the dataset (its minimum over the year:
    the dataset only ever obligates more)."""
    out = {p.path: p.budget + ds.meikyo.get(p.path, 0) for p in ds.projects}
    for c in ds.contracts:
        out[c.project] -= c.schedule.get(FY, 0)
    return out


def _rule(unit: str) -> contract_terms.Rule:
    """2 of 3: ATLA's test evaluation, receipt by the unit, the contracting officer's documents."""
    return contract_terms.Rule(required=2, slots=(
        contract_terms.Slot("test-evaluation", "inspector", "atla", "test evaluation passed"),
        contract_terms.Slot("receipt", "inspector", unit, "received by the unit"),
        contract_terms.Slot("documents", "contracting_officer", "atla", "documentation complete"),
    ))  # fmt: skip


FINAL_RULE: Final = contract_terms.Rule(required=1, slots=(contract_terms.Slot("final", "inspector", "atla", "final acceptance inspection"),))


def terms_for(ds: Dataset, spec: Spec, slack: dict[str, int]) -> contract_terms.Terms:
    """The spec's terms over the dataset: its project, vendor and amounts (`slack`: `slack_by_project`)."""
    projects = [p.path for p in ds.projects if p.program.path == spec.program]
    project = max(projects, key=lambda path: (slack[path], path))
    units = slack[project] * SLACK_SHARE_PERMILLE // 1000 // UNIT_YEN
    weights = [w for _, _, w in spec.milestones]
    assert units >= sum(weights), (spec.id, slack[project])  # every milestone at least a million
    amounts = [u * UNIT_YEN for u in split(units, weights)]
    style, trade = spec.vendor
    vendors = ds.vendors[style]
    vendor = next((v for v in vendors if f"-{trade}-" in v), vendors[0])
    return contract_terms.Terms(
        contract=spec.id, vendor=vendor, project=project, fiscal_year=FY, total_yen=sum(amounts),
        milestones=tuple(contract_terms.MilestoneTerms(f"m{k + 1}", a, due, _rule(spec.unit), name=name)
                         for k, ((name, due, _), a) in enumerate(zip(spec.milestones, amounts, strict=True))),
        expires=spec.expires, retention_bp=RETENTION_BP, penalty=PENALTY, final_acceptance=FINAL_RULE,
        name=spec.name,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    at_ns: int
    planner: Planner
    wait: bool = False  # durable before the next step is planned (identities: checks read the committed set)


def _at(year: int, month: int, day: int, hour: int = 14) -> int:
    return budget_model.jst_ns(year, month, day, hour)


class ContractStory:
    """The story's steps in time order; `until(at_ns)` submits those due before `at_ns`."""

    def __init__(self, journal: Journal, ds: Dataset, end_ns: int | None = None) -> None:
        self.journal = journal
        self.keys = {who: demo_key(ds.seed, who) for who in CAST}
        slack = slack_by_project(ds)
        self.terms = {s.id: terms_for(ds, s, slack) for s in SPECS}
        identities = journal.projection(IdentityRegistry)
        self.desk = ContractDesk(identities)
        self._now_ns = 0
        self.approvals = Desk(identities, ActivePolicy(), clock_ns=lambda: self._now_ns)
        steps = [
            s for s in self._story() if end_ns is None or s.at_ns < end_ns
        ]  # nothing after the as-of date
        self._steps = deque(
            sorted(steps, key=lambda s: s.at_ns)
        )  # stable: same-instant steps keep their order

    def until(self, at_ns: int | None) -> list[Future[list[Result]]]:
        """Submit every step due before `at_ns` (all that are left if None); their results to check."""
        out = []
        while self._steps and (at_ns is None or self._steps[0].at_ns < at_ns):
            step = self._steps.popleft()
            self._now_ns = step.at_ns
            future = self.journal.submit_planned_async(step.planner, step.at_ns)
            if step.wait:
                future.result()
            out.append(future)
        return out

    # --- planners ----------------------------------------------------------------------------
    def cast(self) -> Planner:
        """The cast's identities: submitted by the loader first of all, since the story's budget
        approvals (ramp.demo.budget_approvals) begin in FY2024."""

        def planner(_engine: LedgerEngine) -> list[Command]:
            return [identity_added(who, org, list(roles), self.keys[who].public_key().public_bytes_raw())
                    for who, (org, roles) in CAST.items()]  # fmt: skip

        return planner

    def _sign(self, cid: str, at_ns: int) -> Planner:
        return self.desk.sign(contract_requests.Sign(f"sign-{cid}", self.terms[cid]), SIGNER, at_ns)

    def _attest(self, cid: str, milestone: str, slot: str, who: str, at_ns: int) -> Planner:
        """`who` signs the statement over the terms in force when the step runs (after a change order too)."""

        def planner(engine: LedgerEngine) -> list[Command]:
            state = contract_state.load(engine.record, cid)
            assert state is not None, cid
            signature = self.keys[who].sign(statement(cid, milestone, slot, state.digest, who))
            req = contract_requests.AttestRequest(milestone, slot, base64.b64encode(signature).decode())
            return self.desk.attest(cid, req, who, at_ns, signature=signature)(engine)

        return planner

    def _carry_over(self, cid: str) -> list[Step]:
        """事故繰越 of what `cid` holds of FY2025 money (read when the step runs) into FY2026."""
        request_id = f"kurikoshi-{FY}-{cid}"

        def create(engine: LedgerEngine) -> list[Command]:
            escrow = engine.account(budget_model.escrow_account(cid, FY))
            assert escrow is not None and escrow.balance > 0, (
                cid
            )  # every carried contract holds some
            op = budget_requests.CarryOver(id=request_id, fiscal_year=FY, kind="jiko", contract=cid,
                                           amount_yen=escrow.balance, approvals=(f"mof:{FY + 1}-03-{cid}",))  # fmt: skip
            return self.approvals.create(CARRY_REQUESTER, request_id, BudgetAction(op),
                                         "事故繰越: delivery, retention or a held payment past 31 March")(engine)  # fmt: skip

        steps = [Step(CARRY_AT_NS, create)]
        for k, who in enumerate(CARRY_APPROVERS):
            steps.append(
                Step(
                    CARRY_AT_NS + k + 1,
                    self._approve(who, request_id, executes=k == len(CARRY_APPROVERS) - 1),
                )
            )
        return steps

    def _obligate(self, cid: str, fiscal_year: int, at_ns: int) -> Planner:
        op = contract_requests.ObligateInstalment(f"o-{cid}-{fiscal_year}", cid, fiscal_year)
        return self.desk.obligate(op, SIGNER, at_ns)

    def _request(
        self, who: str, request_id: str, op: contract_requests.ApprovedOperation, memo: str
    ) -> Planner:
        return self.approvals.create(who, request_id, ContractAction(op), memo)

    def _approve(self, who: str, request_id: str, *, executes: bool) -> Planner:
        def planner(engine: LedgerEngine) -> list[Command]:
            state = load_request(engine.record, request_id)
            assert state is not None, request_id
            signature = self.keys[who].sign(approval_model.statement("approve", request_id, state.digest, who))
            plan = self.approvals.decide(who, request_id, "approve", signature=signature)
            commands = plan(engine)
            assert plan.outcome.executing == executes, (request_id, plan.outcome)
            return commands

        return planner

    # --- the story ---------------------------------------------------------------------------
    def _story(self) -> list[Step]:
        steps: list[Step] = []
        for spec in SPECS:
            at_ns = _at(*spec.signed, 11)
            steps.append(Step(at_ns, self._sign(spec.id, at_ns)))

        def attest(cid: str, milestone: str, *who_slot: tuple[str, str], on: tuple[int, int, int]) -> None:
            for k, (who, slot) in enumerate(who_slot):
                at_ns = _at(*on, 14 + k)
                steps.append(Step(at_ns, self._attest(cid, milestone, slot, who, at_ns)))

        ai1, ai2 = ("atla.inspector.01", "test-evaluation"), ("atla.inspector.02", "test-evaluation")
        asdf, gsdf, msdf = (("asdf.inspector.01", "receipt"), ("gsdf.inspector.01", "receipt"),
                            ("msdf.inspector.01", "receipt"))  # fmt: skip
        docs = (SIGNER, "documents")
        final = ("atla.inspector.02", "final")
        # completed: every milestone on time, then final acceptance releases the retention
        attest("mc25-jsm-integration", "m1", ai1, asdf, on=(2025, 6, 27))
        attest("mc25-jsm-integration", "m2", ai2, docs, on=(2025, 10, 29))
        attest("mc25-jsm-integration", "m3", asdf, ai1, on=(2026, 1, 29))
        attest("mc25-jsm-integration", contract_terms.FINAL, final, on=(2026, 2, 13))
        # late: 14 and 17 days, paid less the penalty; final acceptance still to come
        attest("mc25-ssm12-canisters", "m1", ai1, gsdf, on=(2025, 7, 30))
        attest("mc25-ssm12-canisters", "m2", ai2, docs, on=(2025, 12, 12))
        attest("mc25-ssm12-canisters", "m3", gsdf, ai1, on=(2026, 3, 16))
        # expired: the second milestone never met its rule; what remains goes back to the project
        attest("mc25-uav-trials", "m1", gsdf, ai2, on=(2025, 9, 26))
        attest("mc25-uav-trials", "m2", gsdf, on=(2026, 2, 20))
        steps.append(Step(_at(2026, 3, 3), self.desk.expire("mc25-uav-trials", SIGNER, _at(2026, 3, 3))))
        # in progress: one milestone paid, the next attested once
        attest("mc25-sm3-handling", "m1", ai1, msdf, on=(2025, 9, 29))
        attest("mc25-sm3-handling", "m2", ai2, on=(2026, 2, 26))
        # held: software proposed the hold, the Board of Audit approved it; an accepted milestone waits
        steps.append(Step(_at(2025, 10, 20), self._request(
            "analytics.bot", HOLD_REQUEST, contract_requests.Hold("mc25-gh-sensors", "unit price 38 % above comparable sensor "
                                                  "contracts: hold payments pending review"),
            "analytics: price outlier on mc25-gh-sensors")))  # fmt: skip
        steps.append(Step(_at(2025, 10, 22), self._approve("boa.auditor.01", HOLD_REQUEST, executes=True)))
        attest("mc25-gh-sensors", "m1", ai1, asdf, on=(2025, 10, 30))
        # amended: a change order (a second antenna: +25 % on the installation, a month later)
        attest("mc25-ssa-sat-ground", "m1", ai2, asdf, on=(2025, 8, 28))
        m2 = self.terms["mc25-ssa-sat-ground"].milestones[1].amount_yen
        change = contract_requests.ChangeOrder("mc25-ssa-sat-ground", (contract_requests.MilestoneChange("m2", amount_yen=m2 * 5 // 4 // UNIT_YEN *
                               UNIT_YEN, due="2026-01-30"),), reason="scope: a second tracking antenna")  # fmt: skip
        steps.append(Step(_at(2025, 11, 10), self._request(SIGNER, CHANGE_ORDER_REQUEST, change, "second antenna")))
        steps.append(Step(_at(2025, 11, 11), self._approve("fo.finance.01", CHANGE_ORDER_REQUEST, executes=False)))
        steps.append(Step(_at(2025, 11, 12), self._approve("atla.co.02", CHANGE_ORDER_REQUEST, executes=True)))
        attest("mc25-ssa-sat-ground", "m2", ai1, asdf, on=(2026, 1, 29))
        # multi-year: FY2025's milestone paid; FY2026's and FY2027's instalments to be obligated then
        attest("mc25-kc46-support", "m1", ai2, asdf, on=(2025, 9, 29))
        # awaiting an ATLA inspector: one attestation of two; the next one pays
        attest("mc25-hvgp-seeker", "m1", ai1, gsdf, on=(2025, 11, 27))
        attest("mc25-hvgp-seeker", "m2", gsdf, on=(2026, 3, 25))
        attest("mc25-pac3-launchers", "m1", ai2, asdf, on=(2025, 12, 18))
        attest("mc25-pac3-launchers", "m2", docs, on=(2026, 3, 24))
        # FY2025's year end: what is still owed or held of its money is carried into FY2026
        for cid in CARRIED:
            steps += self._carry_over(cid)
        # FY2026: later instalments obligated as the year opens; the KC-46A's second milestone on time
        for k, cid in enumerate(OBLIGATED_IN_FY2026):
            at_ns = _at(2026, 4, 1, 12) + k
            steps.append(Step(at_ns, self._obligate(cid, FY + 1, at_ns)))
        attest("mc25-kc46-support", "m2", ai1, asdf, on=(2026, 9, 29))
        return steps
