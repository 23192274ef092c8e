"""The ring fence: the budget's namespaces, where money moves only as the law's operations.

Accounts whose first segment is in the fence (`fy2025:…`, `treasury:…`, `contract:…`, `vendor:…`,
`diet:…`) are opened and moved only by the budget layer's planners (ramp.budget operations, the
contracts desk, executed approval requests). A raw ledger write — accounts, transfers, flag
changes, a Numscript run's postings — that touches one is refused, whoever signs it. The fence is
policy data (`rules.json`, `ring_fence`), shown by `GET /v1/policy`; `ramp verify` re-checks every
movement inside it against its operation (`ramp.audit.budget_check`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Final

import msgspec

from ramp.ledger import ChangeAccountFlags, Command, CreateAccount, CreateTransfer
from ramp.refusal import Kind, Refused

RING_FENCED: Final = "ring_fenced"  # the refusal code of a raw write into the fence
NAMESPACES_MAX: Final = 16  # a handful of top-level account families; bounds the per-command check
# A namespace is an account id's first segment, or a prefix of it ending in `*` (`fy*`: every
# fiscal year's tree). Over-fencing is safe: `fy*` also covers `fyx`, which no budget opens.
NAMESPACE_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}\*?")
# What the budget layer itself opens (ramp.budget.model's addresses): a policy may fence more,
# never less. `diet:authority` and `fy<N>:authority:<item>` hold appropriation authority.
BUDGET_NAMESPACES: Final = ("contract", "diet", "fy*", "treasury", "vendor")

Namespace = Annotated[str, msgspec.Meta(pattern=f"^{NAMESPACE_RE.pattern}$")]


class RingFence(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    namespaces: Annotated[tuple[Namespace, ...], msgspec.Meta(min_length=1, max_length=NAMESPACES_MAX)]

    def covers(self, account_id: str) -> bool:
        """Whether the account lies inside the fence (by its first segment)."""
        head = account_id.split(":", 1)[0]
        for ns in self.namespaces:
            if head == ns or (ns.endswith("*") and head.startswith(ns[:-1])):
                return True
        return False


DEFAULT_FENCE: Final = RingFence(BUDGET_NAMESPACES)


def check_fence(fence: RingFence) -> list[str]:
    """Every reason this fence may not be used; empty when it may."""
    errors = []
    if len(set(fence.namespaces)) != len(fence.namespaces):
        errors.append("rules.ring_fence: a namespace is listed twice")
    missing = [ns for ns in BUDGET_NAMESPACES if ns not in fence.namespaces]
    if missing:
        errors.append(f"rules.ring_fence: the budget's own namespaces must be fenced; missing {missing}")
    return errors


def _accounts(command: Command, pending_of: Callable[[str], object | None]) -> Iterable[str]:
    kind = type(command)
    if kind is CreateAccount:
        yield command.id  # type: ignore[union-attr]
    elif kind is CreateTransfer:
        yield command.debit_account  # type: ignore[union-attr]
        yield command.credit_account  # type: ignore[union-attr]
        pending_id = command.pending_id  # type: ignore[union-attr]
        if pending_id:  # post/void of a pending transfer may leave its accounts to the engine
            pending = pending_of(pending_id)
            if pending is not None:
                yield pending.debit_account  # type: ignore[attr-defined]
                yield pending.credit_account  # type: ignore[attr-defined]
    elif kind is ChangeAccountFlags:
        yield command.account  # type: ignore[union-attr]


def refuse_raw_write(fence: RingFence, commands: Iterable[Command],
                     pending_of: Callable[[str], object | None] = lambda _id: None) -> None:  # fmt: skip
    """Refuse (`Refused(FORBIDDEN, "ring_fenced")`, nothing written) a raw ledger write that
    touches the fence; `pending_of` finds the pending transfer a post/void names."""
    for n, command in enumerate(commands):
        for account in _accounts(command, pending_of):
            if account and fence.covers(account):
                raise Refused(Kind.FORBIDDEN, RING_FENCED,
                              f"command {n} ({command.id}) touches {account!r}, inside the budget's ring fence: money "
                              "there moves only as the law's operations (POST /v1/budget/operations, /v1/contracts, "
                              "/v1/approvals)")  # fmt: skip
