"""The policy in force: the default shipped with RAMP until an executed `policy_change`
request appends `policy.changed` records (`policy:1`, `policy:2`, ...); the last one rules.

`ActivePolicy` is the journal projection (committed state); `live(engine)` adds the changes
of batches not yet durable, for planners that decide under the write lock.
"""

from __future__ import annotations

import threading
from typing import Final

from ramp.ledger import AppendRecord
from ramp.ledger.events import Event, RecordAppended
from ramp.policy.engine import Policy, PolicyInvalid, default_policy, policy_from_body

POLICY_CHANGED: Final = "policy.changed"
POLICY_CHANGES_MAX: Final = 10_000  # a bound for the live probe; far above any real history


def policy_record_id(n: int) -> str:
    return f"policy:{n}"


def policy_changed(n: int, policy: Policy, request: str) -> AppendRecord:
    return AppendRecord(id=policy_record_id(n), type=POLICY_CHANGED,
                        body={"n": n, "request": request, "digest": policy.digest, **policy.as_body()})  # fmt: skip


def fold(current: Policy, changes: int, record: RecordAppended) -> tuple[Policy, int]:
    """The policy after one `policy.changed` record (the same fold for the projection, the
    live view and the offline verifier). A record that does not validate changes nothing:
    the planner never writes one, so only a forged log could hold it, and verify says so."""
    if record.type != POLICY_CHANGED or record.id != policy_record_id(changes + 1):
        return current, changes
    try:
        return policy_from_body(record.body), changes + 1
    except PolicyInvalid:
        return current, changes


class ActivePolicy:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._policy = default_policy()
        self._changes = 0

    def reset(self) -> None:
        with self._lock:
            self._policy, self._changes = default_policy(), 0

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type == POLICY_CHANGED:
                with self._lock:
                    self._policy, self._changes = fold(self._policy, self._changes, e)

    @property
    def current(self) -> Policy:
        return self._policy

    @property
    def changes(self) -> int:
        return self._changes

    def live(self, engine: object) -> tuple[Policy, int]:
        """(policy, number of changes) including changes not yet durable."""
        policy, changes = self._policy, self._changes
        record = engine.record  # type: ignore[attr-defined]
        while changes < POLICY_CHANGES_MAX:
            nxt = record(policy_record_id(changes + 1))
            if nxt is None:
                break
            policy, folded = fold(policy, changes, nxt)
            if folded == changes:
                break
            changes = folded
        return policy, changes
