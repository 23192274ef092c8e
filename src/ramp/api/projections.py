"""The read models a running service keeps, in one list.

Every projection is fed by the journal's one replay at open; a route that finds its read model
missing builds it by decoding the whole log again (seconds per million events). `ramp serve`
and `ramp demo` both open their journal with this list, so they cannot drift apart.
"""

from __future__ import annotations

from ramp.journal.writer import Projection
from ramp.policy.identities import IdentityRegistry


def service_projections() -> tuple[IdentityRegistry, list[Projection]]:
    """The identity registry (the HTTP layer needs it by name) and every projection, it included."""
    from ramp.approvals.index import RequestIndex
    from ramp.budget.projection import BudgetProjection
    from ramp.contracts.index import ContractIndex
    from ramp.policy.active import ActivePolicy
    from ramp.web.activity import Activity

    identities = IdentityRegistry()
    return identities, [identities, BudgetProjection(), Activity(), ActivePolicy(), RequestIndex(), ContractIndex()]
