"""Who may do and read what, as both faces ask it: role sets per act, and who reads a contract.

The Cedar policy decides approvals (`ramp.policy`); these are the coarse gates in front of the
ledger, budget and contract acts, the officer the law names for each. Every read of an account
or a transfer, on either face, asks `may_read_account` / `may_read_transfer`: the classification
the log's envelope records for it (`ramp.disclosure.classify`), against `may_read_level`.
"""

from __future__ import annotations

from typing import Final, Protocol

from ramp.approvals.state import RequestState
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.disclosure.classify import account_level, transfer_level
from ramp.journal.envelope import Level
from ramp.ledger.engine import LedgerEngine
from ramp.ledger.events import Event, PendingExpired, TransferApplied
from ramp.policy.engine import Policy, Resource
from ramp.policy.identities import ROLES, Identity

ANYONE: Final = tuple(sorted(ROLES))  # authenticated: the policy decides the rest
LEDGER_WRITERS: Final = ("ledger_writer",)
LEDGER_READERS: Final = ("ledger_reader", "auditor")
KEY_REVOKERS: Final = ("security_officer", "admin")  # besides the key's own identity

# Who may ask for which budget operation: the officer the law names for each act.
OPERATION_ROLES: Final[dict[type, tuple[str, ...]]] = {
    budget_requests.Enact: ("treasury_officer",), budget_requests.Issue: ("treasury_officer",),
    budget_requests.ReleaseReserve: ("treasury_officer",), budget_requests.CloseYear: ("treasury_officer",),
    budget_requests.DefineNode: ("finance_officer",), budget_requests.Allot: ("finance_officer",),
    budget_requests.Transfer: ("finance_officer",), budget_requests.CarryOver: ("finance_officer",),
    budget_requests.RegisterVendor: ("contracting_officer", "certifying_officer"),
    budget_requests.RegisterContract: ("contracting_officer", "certifying_officer"),
    budget_requests.Obligate: ("certifying_officer",), budget_requests.Disburse: ("disbursing_officer",),
}  # fmt: skip
OPERATORS: Final = tuple(sorted({r for roles in OPERATION_ROLES.values() for r in roles}))
BUDGET_READERS: Final = ("ledger_reader", "auditor", "mof_examiner", *OPERATORS)

CONTRACT_SIGNERS: Final = ("contracting_officer", "certifying_officer")
CONTRACT_OBLIGATORS: Final = ("certifying_officer",)
CONTRACT_SETTLERS: Final = ("disbursing_officer", "certifying_officer", "contracting_officer")
CONTRACT_READERS: Final = (*BUDGET_READERS, "inspector", "contractor")
CONTRACT_STATUSES: Final = ("signed", "in_progress", "held", "completed", "expired")


class Reader(Protocol):
    """Who reads: an identity (the API) or a dashboard viewer."""

    @property
    def organisation(self) -> str: ...

    def has_role(self, *roles: str) -> bool: ...


def may_read_level(reader: Reader, level: Level) -> bool:
    """Who is cleared for an event's body: anyone for public, budget readers for restricted,
    auditors (the Board of Audit) for secret."""
    if level is Level.PUBLIC:
        return True
    if level is Level.RESTRICTED:
        return reader.has_role(*BUDGET_READERS, "auditor")
    return reader.has_role("auditor")


def may_read_account(reader: Reader, account_id: str, engine: LedgerEngine) -> bool:
    """An account, as its creation's envelope classified it. To a reader not cleared for it the
    account does not exist: every read answers as for an unknown id."""
    return may_read_level(reader, account_level(account_id, engine))


def may_read_transfer(reader: Reader, transfer: TransferApplied, engine: LedgerEngine) -> bool:
    """A transfer, as secret as its more secret account."""
    return may_read_level(reader, transfer_level(transfer, engine))


def may_read_movement(reader: Reader, event: Event, engine: LedgerEngine) -> bool:
    """A transfer or an expiry (as its pending transfer) in an account's history; other events
    are not movements and are never shown as one."""
    if isinstance(event, TransferApplied):
        return may_read_transfer(reader, event, engine)
    if isinstance(event, PendingExpired):
        pending = engine.transfer(event.pending_id)
        return pending is not None and may_read_transfer(reader, pending, engine)
    return False


def may_read_vendor(reader: Reader, vendor: str) -> bool:
    """Budget readers and inspectors read every vendor's contracts; a contractor its own only."""
    return reader.has_role(*BUDGET_READERS, "inspector") or reader.organisation == f"contractor-{vendor}"


def may_read_contract(reader: Reader, contract: str, vendor: str, engine: LedgerEngine) -> bool:
    """A contract: its vendor's readers (`may_read_vendor`), unless it is a secret project's
    (its anchor account secret): then auditors only, and to anyone else it does not exist."""
    if account_level(budget_model.contract_account(contract), engine) is Level.SECRET:
        return may_read_level(reader, Level.SECRET)
    return may_read_vendor(reader, vendor)


def may_open_payment(reader: Reader, transfer_id: str, vendor: str, engine: LedgerEngine) -> bool:
    """A payment's line in the public totals (its amount, salt and private bytes): budget readers,
    auditors among them, and the payment's own contractor; no other contractor, no inspector. A
    secret project's payment (a secret transfer): auditors only."""
    t = engine.transfer(transfer_id)
    if t is not None and transfer_level(t, engine) is Level.SECRET:
        return may_read_level(reader, Level.SECRET)
    return reader.has_role(*BUDGET_READERS) or (reader.has_role("contractor")
                                                and reader.organisation == f"contractor-{vendor}")  # fmt: skip


CONTRACTOR_ORGANISATION_PREFIX: Final = "contractor-"  # a vendor's people: `contractor-<vendor id>`


def is_contractor(reader: Reader) -> bool:
    """A party outside the government: a vendor's people (by role or by organisation)."""
    return reader.has_role("contractor") or reader.organisation.startswith(CONTRACTOR_ORGANISATION_PREFIX)


def request_resource(state: RequestState, requester: Identity) -> Resource:
    """The request as the policy sees it."""
    body = state.body
    return Resource(state.id, state.kind, int(body["amount_yen"]), tuple(body["accounts"]), requester)  # type: ignore[call-overload, arg-type]


def may_read_request(reader: Reader, state: RequestState, requester: Identity | None, policy: Policy) -> bool:
    """Who reads an approval request, in the inbox and in GET /v1/approvals alike: the government's
    people every request; a contractor only its own party's (made by its organisation) and those the
    policy lets it decide. A contractor never learns of a freeze, a hold or a 流用 it has no part in:
    to it such a request does not exist (404)."""
    if not is_contractor(reader):
        return True
    if requester is None:  # pragma: no cover - identities are never removed
        return False
    if requester.organisation == reader.organisation:
        return True
    if not isinstance(reader, Identity):  # a dashboard viewer the registry does not know decides nothing
        return False
    resource = request_resource(state, requester)
    return policy.allows(reader, "approve", resource) or policy.allows(reader, "reject", resource)
