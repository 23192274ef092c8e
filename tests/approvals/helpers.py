"""A journal with the people of the division of powers, and a desk over it."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ramp.approvals import model as approval_model
from ramp.approvals.desk import Desk, Plan
from ramp.approvals.state import load
from ramp.auth.passkeys import PasskeyCounters
from ramp.journal import Journal
from ramp.ledger import CreateAccount, CreateTransfer, Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry, identity_added

# id -> (organisation, roles)
PEOPLE = {
    "fin.tanaka": ("mod-feb", ["finance_officer"]),
    "fin.suzuki": ("mod-feb", ["finance_officer"]),
    "mof.sato": ("mof", ["mof_examiner"]),
    "mof.ito": ("mof", ["mof_examiner"]),
    "boa.kato": ("boa", ["auditor"]),
    "boa.mori": ("boa", ["auditor"]),
    "atla.ono": ("atla", ["contracting_officer"]),
    "cert.abe": ("atla", ["certifying_officer"]),
    "treasury.ueda": ("mod-feb", ["treasury_officer"]),
    "cabinet.noda": ("cabinet", ["cabinet_officer"]),
    "sec.kimura": ("mod", ["security_officer"]),
    "sec.hayashi": ("mod-dpb", ["security_officer"]),
    "sec.ueno": ("joint-staff", ["security_officer"]),
    "reader.oda": ("gsdf", ["ledger_reader"]),
    "vendor.x": ("contractor-kanto", ["contractor"]),
}


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass
class World:
    journal: Journal
    identities: IdentityRegistry
    policy: ActivePolicy
    desk: Desk
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    now_ns: list[int] = field(default_factory=lambda: [0])

    def run(self, plan: Plan) -> list[Result]:
        return self.journal.submit_planned_async(plan).result()

    def sign(self, who: str, request_id: str, decision: str = "approve") -> bytes:
        state = load(self.journal.engine.record, request_id)
        assert state is not None
        return self.keys[who].sign(approval_model.statement(decision, request_id, state.digest, who))

    def approve(self, who: str, request_id: str, decision: str = "approve") -> tuple[Plan, list[Result]]:
        plan = self.desk.decide(who, request_id, decision, signature=self.sign(who, request_id, decision))
        return plan, self.run(plan)


def make_world(store, *, clock_ns=None, log=None) -> World:
    identities, policy, counters = IdentityRegistry(), ActivePolicy(), PasskeyCounters()
    journal = Journal(store, projections=[identities, policy, counters], log=log)
    keys = {who: Ed25519PrivateKey.generate() for who in PEOPLE}
    journal.submit([identity_added(who, org, roles, raw(keys[who])) for who, (org, roles) in PEOPLE.items()])
    desk = Desk(identities, policy, counters)
    world = World(journal, identities, policy, desk, keys)
    if clock_ns is not None:
        world.desk.clock_ns = clock_ns
    return world


def fund(world: World, account: str, amount: int) -> None:
    """An account holding `amount` JPYD from an issuer that may go negative."""
    results = world.journal.submit([
        CreateAccount(id="test:issuer", asset="JPYD"),
        CreateAccount(id=account, asset="JPYD", flags=("debits_must_not_exceed_credits",)),
        CreateAccount(id=f"{account}:sink", asset="JPYD"),
        CreateTransfer(id=f"fund-{account}", debit_account="test:issuer", credit_account=account, amount=amount,
                       asset="JPYD", code="MINT"),
    ])  # fmt: skip
    assert all(r.result in ("ok", "exists") for r in results), results
