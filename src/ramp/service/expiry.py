"""The service's own timed work: contracts whose expiry passed are expired by the service.

Run at start and every minute by the server's lifespan, as actor `system:expiry`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts import views as contract_views
from ramp.contracts.desk import ContractDesk
from ramp.contracts.index import ContractIndex
from ramp.ledger import Command, LedgerEngine
from ramp.refusal import Refused
from ramp.service.core import Service
from ramp.store.base import StoreError

EXPIRY_SWEEP_S: Final = 60.0
EXPIRY_ACTOR: Final = "system:expiry"


async def expire_overdue(svc: Service) -> list[str]:
    """Expire every open contract whose expiry date has passed; the ids expired. One refused
    (payments still owed: held, or not payable this year) stays open and is tried again."""
    journal = svc.journal
    index = journal.projection(ContractIndex)
    committed = contract_views.committed_lookup(journal.engine, lambda: journal.size)
    desk = ContractDesk(svc.identities)
    now = svc.now_ns()
    expired = []
    for cid in index.ids():
        state = contract_state.load(committed, cid)
        if (state is None or state.expired or state.status == "completed"
                or now < contract_terms.day_end_ns(state.terms.expires)):  # fmt: skip
            continue

        def planner(engine: LedgerEngine, cid: str = cid) -> list[Command]:
            try:
                return desk.expire(cid, EXPIRY_ACTOR, now)(engine)
            except Refused:
                return []  # owed payments first (or expired meanwhile): nothing to write

        results = await svc.committer.submit_planned(planner)
        if results and all(r.result == "ok" for r in results):
            expired.append(cid)
    return expired


async def sweep_expiries(svc: Service, interval_s: float = EXPIRY_SWEEP_S) -> None:
    """Run `expire_overdue` now and every `interval_s` until cancelled (the app's lifespan)."""
    while True:
        with contextlib.suppress(StoreError, Refused):  # the next sweep tries again (overloaded, say)
            await expire_overdue(svc)
        await asyncio.sleep(interval_s)
