"""What is about a secret line is secret in the log, not only the line's own accounts: the
budget's records of a movement into it (budget.transferred), of a threshold it crosses
(budget.availability_*), of a contract registered under it (budget.contract_registered, the
contract's anchor and escrow accounts, its obligations and payments), and every record of a
milestone contract of a secret project. The same operations on a restricted line stay
restricted: the level follows the line, it is not raised for all."""

from __future__ import annotations

import msgspec
import pytest

from ramp.budget import model as budget_model
from ramp.budget.requests import (
    DefineNode,
    Disburse,
    Instalment,
    Obligate,
    RegisterContract,
    RegisterVendor,
    Transfer,
)
from ramp.contracts import requests as contract_requests
from ramp.contracts.desk import ContractDesk
from ramp.disclosure.classify import Classifier
from ramp.journal import Journal
from ramp.journal.envelope import Level, parse
from ramp.ledger.events import AccountCreated, RecordAppended, TransferApplied, decode_event
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry, identity_added
from ramp.service.access import may_open_payment, may_read_contract
from ramp.store import SQLiteStore
from tests.approvals.helpers import raw
from tests.budget.helpers import AT, BN, FY, PROJECTS, build
from tests.contracts.helpers import PEOPLE, VENDOR, terms

PROGRAM = PROJECTS["equipment"].rsplit(":", 1)[0]


def _levels(journal: Journal) -> dict[str, Level]:
    """Every event's id (record, transfer, account) -> the level its envelope in the log records."""
    out: dict[str, Level] = {}
    size = journal.size
    for leaf, (_, body) in zip(journal.store.iter_entries(0, size), journal.openings(0, size), strict=True):
        event = decode_event(body)
        if isinstance(event, RecordAppended | TransferApplied | AccountCreated):
            out[event.id] = parse(leaf).level
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("secret-records") / "s.db")
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(path), projections=[identities, ActivePolicy()], classifier=Classifier())
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    journal.submit([identity_added(who, org, roles, raw(Ed25519PrivateKey.generate()))
                    for who, (org, roles) in PEOPLE.items()], AT - BN)  # fmt: skip
    svc = build(journal)
    svc.execute(RegisterVendor(vendor=VENDOR, name="Kanto Aerospace K.K. (fictitious)"), at_ns=AT)
    for level in ("secret", "restricted"):
        line = f"{PROGRAM}:zq-{level}"
        svc.execute(DefineNode(fiscal_year=FY, path=line, name=f"{level} line", classification=level), at_ns=AT)
        svc.execute(Transfer(id=f"move-{level}", fiscal_year=FY, source=PROJECTS["equipment"], target=line,
                             amount_yen=10 * BN), at_ns=AT)  # fmt: skip
        svc.execute(RegisterContract(contract=f"c-{level}", vendor=VENDOR, fiscal_year=FY, project=line,
                                     schedule=(Instalment(FY, 2 * BN),)), at_ns=AT)  # fmt: skip
        svc.execute(Obligate(id=f"o-{level}", contract=f"c-{level}", fiscal_year=FY, amount_yen=2 * BN), at_ns=AT)
        svc.execute(Disburse(id=f"p-{level}", contract=f"c-{level}", fiscal_year=FY, amount_yen=BN), at_ns=AT)
        # A milestone contract of the line takes 7.5 of its 8 remaining: above the 70 % threshold.
        t = msgspec.structs.replace(terms(f"mc-{level}", amounts=(2 * BN, 3 * BN, 2 * BN + BN // 2)), project=line)
        desk = ContractDesk(identities)
        [*_, signed] = journal.submit_planned_async(desk.sign(contract_requests.Sign(f"sign-{level}", t), "atla.co", AT),
                                                    AT).result()  # fmt: skip
        assert signed.result == "ok", signed
    yield journal, _levels(journal)
    journal.close()


@pytest.mark.parametrize("level", [Level.SECRET, Level.RESTRICTED])
def test_what_is_about_a_line_is_as_secret_as_the_line(world, level):
    _, levels = world
    name = level.value
    about = {
        f"fy{FY}:{PROGRAM}:zq-{name}": "the line",
        f"move-{name}": "the movement into it",
        f"move-{name}.rec": "the budget.transferred record",
        f"contract.c-{name}": "the contract's registration",
        budget_model.contract_account(f"c-{name}"): "the contract's anchor",
        budget_model.escrow_account(f"c-{name}", FY): "its escrow",
        f"o-{name}": "its obligation",
        f"p-{name}": "its payment",
        budget_model.contract_account(f"mc-{name}"): "the milestone contract's anchor",
        f"contract.mc-{name}.1": "the milestone contract's signing",
        f"contract.mc-{name}": "the milestone contract's registration",
        f"sign-{name}.avail": "the threshold its obligation crossed",
    }
    for event_id, what in about.items():
        assert levels.get(event_id) is level, (what, event_id, levels.get(event_id))


def test_a_secret_record_says_nothing_in_the_clear(world):
    journal, levels = world
    size = journal.size
    for leaf, (_, body) in zip(journal.store.iter_entries(0, size), journal.openings(0, size), strict=True):
        if parse(leaf).level is Level.SECRET:
            assert b"zq-secret" not in leaf and b"c-secret" not in leaf  # a commitment only
        if b"zq-secret" in body or b'"c-secret"' in body or b"mc-secret" in body:
            assert parse(leaf).level is Level.SECRET, body[:200]
    assert sum(1 for v in levels.values() if v is Level.SECRET) >= 12


class _Reader:
    def __init__(self, organisation: str, *roles: str) -> None:
        self.organisation, self.roles = organisation, roles

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def test_a_secret_projects_contract_and_payment_are_read_by_auditors_only(world):
    """The access rules the contract pages, the portal, the queue and the payment checks share."""
    journal, _ = world
    engine = journal.engine
    readers = {"auditor": _Reader("boa", "auditor"), "ledger reader": _Reader("gsdf", "ledger_reader"),
               "inspector": _Reader("atla", "inspector"), "its contractor": _Reader(f"contractor-{VENDOR}", "contractor"),
               "another contractor": _Reader("contractor-other", "contractor")}  # fmt: skip
    for contract in ("c-secret", "mc-secret"):
        assert [who for who, r in readers.items() if may_read_contract(r, contract, VENDOR, engine)] == ["auditor"]
    assert [who for who, r in readers.items() if may_open_payment(r, "p-secret", VENDOR, engine)] == ["auditor"]
    for contract in ("c-restricted", "mc-restricted"):
        assert [who for who, r in readers.items() if may_read_contract(r, contract, VENDOR, engine)] == [
            "auditor", "ledger reader", "inspector", "its contractor"]  # fmt: skip
    assert [who for who, r in readers.items() if may_open_payment(r, "p-restricted", VENDOR, engine)] == [
        "auditor", "ledger reader", "its contractor"]  # fmt: skip
