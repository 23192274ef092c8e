"""The `Service` object: one open journal, its identities, its group committer and its clocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ramp.journal import Journal
from ramp.journal.group_commit import GroupCommitter
from ramp.policy.identities import IdentityRegistry


@dataclass
class Service:
    journal: Journal
    identities: IdentityRegistry
    committer: GroupCommitter
    clock: Callable[[], float] = time.time  # the wall clock: signatures' `created`, sessions, TOTP

    def now_ns(self) -> int:
        """The instant of the business (budget years, due dates, expiries): the journal's clock,
        which is the wall clock except on a demo's simulated calendar, or tests'."""
        return self.journal.clock_ns()

    def committed_record(self, record_id: str):  # noqa: ANN201 - a ledger Record or None
        """A record once durable (not yet durable is not yet there)."""
        record = self.journal.engine.record(record_id)
        return record if record is not None and record.seq < self.journal.size else None
