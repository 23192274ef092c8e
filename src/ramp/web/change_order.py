"""A change order (契約変更) as a person reads it: each milestone amount, due date or expiry it
changes, before and after, instead of the action's JSON.

"Before" is the contract's terms as they stood when the change order came to be decided: the
signed terms with every earlier amendment folded in (an executed change order's own amendment
is the "after"); for an open request, the terms in force now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.ledger.events import RecordAppended

Lookup = Any  # record id -> RecordAppended | None (Service.committed_record)


@dataclass(frozen=True, slots=True)
class Change:
    milestone: str  # a milestone id, or "" for the contract's expiry
    what: str  # amount | due | expires
    before: str | int  # yen for an amount, an ISO date otherwise; "" when unknown
    after: str | int

    @property
    def is_amount(self) -> bool:
        return self.what == "amount"


def _terms_before(lookup: Lookup, contract_id: str, request_id: str) -> contract_terms.Terms | None:
    state = contract_state.load(lookup, contract_id)
    if state is None:
        return None
    terms = state.signed_terms
    for r in state.records[1:]:
        assert isinstance(r, RecordAppended)
        if r.type != contract_state.AMENDED:
            continue
        if r.body.get("request") == request_id:
            return terms  # what this change order changed
        terms = contract_terms.decode(r.body["terms"])
    return terms  # not executed (yet): the terms in force


def changes(lookup: Lookup, operation: dict[str, Any], request_id: str) -> list[Change] | None:
    """The rows of a change order, or None when `operation` is no change order or its contract
    cannot be read."""
    if operation.get("op") != "change_order" or not isinstance(operation.get("contract"), str):
        return None
    before = _terms_before(lookup, operation["contract"], request_id)
    by_id = {m.id: m for m in before.milestones} if before is not None else {}
    out: list[Change] = []
    for ch in operation.get("milestones") or ():
        if not isinstance(ch, dict):
            continue
        mid = str(ch.get("id", ""))
        old = by_id.get(mid)
        if isinstance(ch.get("amount_yen"), int):
            out.append(Change(mid, "amount", old.amount_yen if old else "", ch["amount_yen"]))
        if isinstance(ch.get("due"), str):
            out.append(Change(mid, "due", str(old.due) if old else "", ch["due"]))
    if isinstance(operation.get("expires"), str):
        out.append(
            Change(
                "",
                "expires",
                str(before.expires) if before is not None else "",
                operation["expires"],
            )
        )
    return out
