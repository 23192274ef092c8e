"""A fiscal year's Merkle-sum tree over its payments, and one payment's opening and proof in it.

Each line's commitment hides its private bytes (`payment.private_bytes`) under a salt the writer
alone derives: HMAC under the log's disclosure key of ("sumtree-line", transfer id)
(`journal/disclosure.py`). The same payment gets the same salt whenever the tree is rebuilt, so
a tree rebuilt from the journal reproduces the published root exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ramp.disclosure.payment import Payment, private_bytes
from ramp.tlog import sumtree
from ramp.tlog.sumtree import InclusionProof, Line, LineOpening, SumTree

SaltOf = Callable[[str], bytes]  # transfer id -> 32-byte salt


@dataclass(frozen=True, slots=True)
class YearTree:
    fiscal_year: int
    log_size: int  # the tree holds the year's lines committed below this log size
    tree: SumTree


def opening_of(p: Payment, salt_of: SaltOf) -> LineOpening:
    return LineOpening(p.amount_yen, 1, salt_of(p.transfer_id), private_bytes(p))


def line_of(p: Payment, salt_of: SaltOf) -> Line:
    opening = opening_of(p, salt_of)
    return Line(p.group, sumtree.commitment(opening.salt, opening.private_bytes), p.amount_yen, 1)


def build_year(fiscal_year: int, log_size: int, payments: Sequence[Payment], salt_of: SaltOf) -> YearTree:
    """The tree of `payments` (the year's lines below `log_size`); SumTreeError past a limit."""
    assert all(p.fiscal_year == fiscal_year and p.seq < log_size for p in payments)
    tree = sumtree.build(fiscal_year, (line_of(p, salt_of) for p in payments))
    assert tree.root.sum_yen == sum(p.amount_yen for p in payments) and tree.root.count == len(payments)
    return YearTree(fiscal_year, log_size, tree)


def payment_proof(year: YearTree, p: Payment, salt_of: SaltOf) -> tuple[LineOpening, InclusionProof]:
    """The payment's opening and its proof in the year's tree; LineNotFoundError when the tree
    does not hold it (a payment committed after the tree's log size)."""
    opening = opening_of(p, salt_of)
    proof = year.tree.inclusion_proof(sumtree.commitment(opening.salt, opening.private_bytes))
    sumtree.verify_inclusion(year.tree.root, opening, proof)  # what is served verifies
    return opening, proof
