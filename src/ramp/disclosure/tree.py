"""A fiscal year's Merkle-sum tree over its payments, and one payment's opening and proof in it.

Each line's commitment hides its private bytes (`payment.private_bytes`) under a salt the writer
alone derives: HMAC under the log's disclosure key of ("sumtree-line", transfer id)
(`journal/disclosure.py`). The same payment gets the same salt whenever the tree is rebuilt, so
a tree rebuilt from the journal reproduces the published root exactly.

A published group total of one payment would be that payment's amount: a group of fewer than
`MIN_GROUP_LINES` lines is folded into its organisation's `other` category, what is still too
small into (`other`, `other`), and if that too is small, into the smallest group big enough: so
every total shown sums several payments (only a year with fewer lines than that in all would
show fewer, all in one total).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ramp.disclosure.payment import OTHER_CATEGORY, OTHER_ORGANISATION, Payment, private_bytes
from ramp.tlog import sumtree
from ramp.tlog.sumtree import GroupKey, InclusionProof, Line, LineOpening, SumTree

MIN_GROUP_LINES: Final = 5  # no published total sums fewer payments than this (k-anonymity of amounts)

SaltOf = Callable[[str], bytes]  # transfer id -> 32-byte salt


@dataclass(frozen=True, slots=True)
class YearTree:
    fiscal_year: int
    log_size: int  # the tree holds the year's lines committed below this log size
    tree: SumTree


def opening_of(p: Payment, salt_of: SaltOf) -> LineOpening:
    return LineOpening(p.amount_yen, 1, salt_of(p.transfer_id), private_bytes(p))


def line_of(p: Payment, salt_of: SaltOf, group: GroupKey | None = None) -> Line:
    opening = opening_of(p, salt_of)
    return Line(group or p.group, sumtree.commitment(opening.salt, opening.private_bytes), p.amount_yen, 1)


def published_groups(payments: Sequence[Payment]) -> dict[GroupKey, GroupKey]:
    """Each payment's group -> the group it is published under (small groups folded)."""
    sizes = Counter(p.group for p in payments)
    mapping = {g: g if n >= MIN_GROUP_LINES else GroupKey(g.organisation, OTHER_CATEGORY) for g, n in sizes.items()}
    folded = Counter()
    for g, n in sizes.items():
        folded[mapping[g]] += n
    everything_else = GroupKey(OTHER_ORGANISATION, OTHER_CATEGORY)
    mapping = {g: m if folded[m] >= MIN_GROUP_LINES else everything_else for g, m in mapping.items()}
    final = Counter()
    for g, n in sizes.items():
        final[mapping[g]] += n
    if 0 < final[everything_else] < MIN_GROUP_LINES:  # still too few: into the smallest group big enough
        big = sorted((n, k.organisation, k.category) for k, n in final.items() if n >= MIN_GROUP_LINES)
        if big:
            into = GroupKey(big[0][1], big[0][2])
            mapping = {g: into if m == everything_else else m for g, m in mapping.items()}
    return mapping


def lines_of(payments: Sequence[Payment], salt_of: SaltOf) -> list[Line]:
    """The year's lines, each under its published group: what an auditor rebuilds the root from."""
    groups = published_groups(payments)
    return [line_of(p, salt_of, groups[p.group]) for p in payments]


def build_year(fiscal_year: int, log_size: int, payments: Sequence[Payment], salt_of: SaltOf) -> YearTree:
    """The tree of `payments` (the year's lines below `log_size`); SumTreeError past a limit."""
    assert all(p.fiscal_year == fiscal_year and p.seq < log_size for p in payments)
    tree = sumtree.build(fiscal_year, lines_of(payments, salt_of))
    assert tree.root.sum_yen == sum(p.amount_yen for p in payments) and tree.root.count == len(payments)
    return YearTree(fiscal_year, log_size, tree)


def payment_proof(year: YearTree, p: Payment, salt_of: SaltOf) -> tuple[LineOpening, InclusionProof]:
    """The payment's opening and its proof in the year's tree; LineNotFoundError when the tree
    does not hold it (a payment committed after the tree's log size)."""
    opening = opening_of(p, salt_of)
    proof = year.tree.inclusion_proof(sumtree.commitment(opening.salt, opening.private_bytes))
    sumtree.verify_inclusion(year.tree.root, opening, proof)  # what is served verifies
    return opening, proof
