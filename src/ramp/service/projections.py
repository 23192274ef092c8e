"""The read models a running service keeps, in one list, and opening a store with them.

Every projection is fed by the journal's one replay at open; a route that finds its read model
missing builds it by decoding the whole log again (seconds per million events). `ramp serve`,
`ramp demo` and the CLI tools all open their journal with this list, so they cannot drift apart.
"""

from __future__ import annotations

from ramp.approvals.index import RequestIndex
from ramp.auth.passkeys import PasskeyCounters
from ramp.budget.projection import BudgetProjection
from ramp.contracts.index import ContractIndex
from ramp.disclosure.classify import Classifier
from ramp.disclosure.lines import PaymentLines
from ramp.journal import Journal
from ramp.journal.opening import open_writer
from ramp.journal.progress import Reporter
from ramp.journal.writer import Projection
from ramp.mining.index import MiningIndex
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import IdentityRegistry
from ramp.service.activity import Activity
from ramp.service.search_index import SearchIndex
from ramp.supply.index import SupplyIndex


def service_projections() -> tuple[IdentityRegistry, list[Projection]]:
    """The identity registry (the faces need it by name) and every projection, it included."""
    identities = IdentityRegistry()
    return identities, [identities, BudgetProjection(), Activity(), ActivePolicy(), RequestIndex(), ContractIndex(),
                        PaymentLines(), SearchIndex(), SupplyIndex(), MiningIndex(), PasskeyCounters()]  # fmt: skip


def open_service_journal(db: str, log_key: str | None = None,
                         progress: Reporter | None = None) -> tuple[Journal, IdentityRegistry]:
    """The writer's journal over an initialised store, with every service projection."""
    identities, projections = service_projections()  # all fed by the one replay at open
    return open_writer(db, projections, log_key, Classifier(), progress), identities
