"""What a line of a year's Merkle-sum tree is: one payment out of a contract's escrow, the public
labels it is summed under, and the private bytes its commitment hides.

A line is a committed `DISBURSE` (支出, escrow to the vendor) or `PENALTY` (a late-delivery
penalty offset against a payment, escrow to the treasury's revenue) out of an escrow the budget
knows, in the escrow's fiscal year: exactly what the budget projection counts as disbursed
(支出済), so a root over every line of a year has that year's disbursed total. Penalties count
because the budget counts them as spent; each is a line of its own (count 1) whose private
bytes say `PENALTY`, so the root's count is payments plus penalty offsets.

Labels are public codes: the organisation is the project node's organisation key (its third
path segment) and the category is the project's *primary* category, its first tag (`other`
without one), as the public view groups today (`web/overview.py`). A project counts under one
category only: an overlapping tag (`ai`) is never summed into a total, or the totals would add
up to more than was paid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from ramp.budget import model as budget_model
from ramp.budget.structure import Node
from ramp.tlog.sumtree import LABEL_RE, GroupKey

OTHER_CATEGORY: Final = "other"  # a project without a category tag (as web/overview.py says)
OTHER_ORGANISATION: Final = "other"  # a node above the organisation level (no planner makes one)
LINE_CODES: Final = frozenset({budget_model.Code.DISBURSE, budget_model.Code.PENALTY})
SALT_DOMAIN: Final = b"sumtree-line"  # a line's salt: HMAC(disclosure key, domain, transfer id)
_ORGANISATION_DEPTH: Final = 3  # item : sub-item : organisation : program : project


@dataclass(frozen=True, slots=True)
class Payment:
    """One line: a payment (or penalty offset) and what it is summed under."""

    fiscal_year: int
    transfer_id: str
    seq: int
    code: str  # DISBURSE | PENALTY
    amount_yen: int
    vendor: str
    contract: str
    milestone: str  # "" when the payment names none
    project: str  # the project node's path
    group: GroupKey


def private_bytes(p: Payment) -> bytes:
    """The line's private body, hidden under its commitment: canonical JSON (keys sorted, no
    spaces, ASCII; the amount a decimal string, as every amount in the log)."""
    body = {"amount_yen": str(p.amount_yen), "code": p.code, "contract": p.contract, "fiscal_year": p.fiscal_year,
            "milestone": p.milestone, "project": p.project, "seq": p.seq, "transfer_id": p.transfer_id,
            "vendor": p.vendor}  # fmt: skip
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def group_of(node: Node) -> GroupKey:
    """(organisation, primary category) of the node an escrow draws on."""
    keys = node.path.split(":")
    organisation = keys[_ORGANISATION_DEPTH - 1] if len(keys) >= _ORGANISATION_DEPTH else OTHER_ORGANISATION
    category = node.tags[0] if node.tags and LABEL_RE.fullmatch(node.tags[0]) else OTHER_CATEGORY
    return GroupKey(organisation, category)
