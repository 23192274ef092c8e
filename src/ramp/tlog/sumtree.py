"""Merkle-sum tree over a fiscal year's budget lines: public totals that are provably complete.

Every node carries (hash, sum_yen, count), and a parent's hash commits to each child's hash,
sum and count separately (the fix to Maxwell's first proof-of-liabilities tree, where a node
committed only to the total and a prover could hide a negative child). A contractor checks
that its payment is counted in the published root; the public checks that the published
totals add up to that root; no line's amount or detail is shown. Pure: no I/O, no clock, no
randomness — salts come in as arguments. Byte layouts and limits: docs/sumtree.md.

Grouping: two levels. The lines of one (organisation, category) form a *group tree*, sorted
by commitment; each group's root, with its labels and the fiscal year, becomes one *group
leaf* of the year's *top tree*, sorted by (organisation, category). The year's root is the
top tree's root. Why not labels hashed into the line leaves of one tree: the public could only
total a group by seeing every leaf, i.e. every line's amount. Why not a separate root per
group alone: the set of groups would not be committed, so a whole group could be left out of
the log unnoticed. With two levels, one root in the log binds the year total, every group
total and every line, and the public page shows the group totals (and their roots) only.

Canonical order (commitments within a group, labels across groups) makes the root independent
of insertion order; sizes that are not a power of two split at the largest power of two
below the size, as RFC 6962 section 2.1 does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# --- limits -------------------------------------------------------------------------------
HASH_SIZE: Final = 32
SALT_SIZE: Final = 32  # 256 bits of salt: a commitment cannot be brute-forced from a guess.
AMOUNT_MAX: Final = 2**63 - 1  # a line's yen fit SQLite's and PostgreSQL's signed 64 bits.
SUM_MAX: Final = 2**63 - 1  # the same bound for every node's sum: overflow is refused.
COUNT_MAX: Final = 2**63 - 1  # counts share the 8-byte field and its bound.
# A year's payments: the demo has about 20,000 and the ministry's central procurement tens of
# thousands of contracts; 2**20 leaves room for every payment while a build (about 2**21
# nodes) stays in memory, and bounds a line proof to 20 siblings.
LINES_MAX: Final = 2**20
LINE_PROOF_MAX: Final = 20
# (organisation, category) pairs: some 40 organisations times some 50 categories; 4,096
# bounds the public page and a group proof to 12 siblings.
GROUPS_MAX: Final = 2**12
GROUP_PROOF_MAX: Final = 12
PRIVATE_BYTES_MAX: Final = 64 * 1024  # a canonical payment body is a few hundred bytes.
LABEL_MAX_CHARS: Final = 64
# An account-id segment: ASCII, so a label's length in bytes is its length in chars.
LABEL_RE: Final = re.compile(r"[a-z0-9_-]{1,64}")
FISCAL_YEAR_MIN: Final = 1947  # 財政法 (Public Finance Act, 1947) defines the fiscal year.
FISCAL_YEAR_MAX: Final = 9999  # four digits; fits the 2-byte field.

# --- domain tags (distinct from the log's RFC 6962 0x00/0x01, so no preimage serves both) --
COMMITMENT_TAG: Final = b"RAMP-SUMTREE-V1-COMMITMENT\x00"
LINE_LEAF_PREFIX: Final = b"\x10"
NODE_PREFIX: Final = b"\x11"
GROUP_LEAF_PREFIX: Final = b"\x12"
EMPTY_PREFIX: Final = b"\x13"

_sha256 = hashlib.sha256


class SumTreeErrorCode(StrEnum):
    NOT_INTEGER = "not_integer"
    NEGATIVE = "negative"
    OUT_OF_RANGE = "out_of_range"
    ZERO_COUNT = "zero_count"
    BAD_HASH_LENGTH = "bad_hash_length"
    BAD_SALT_LENGTH = "bad_salt_length"
    PRIVATE_TOO_LARGE = "private_too_large"
    BAD_LABEL = "bad_label"
    BAD_FISCAL_YEAR = "bad_fiscal_year"
    DUPLICATE_LINE = "duplicate_line"
    LINE_NOT_FOUND = "line_not_found"
    TOO_MANY_LINES = "too_many_lines"
    TOO_MANY_GROUPS = "too_many_groups"
    SUM_OVERFLOW = "sum_overflow"
    SIZE_OUT_OF_RANGE = "size_out_of_range"
    INDEX_OUT_OF_RANGE = "index_out_of_range"
    WRONG_PROOF_LENGTH = "wrong_proof_length"
    GROUP_ORDER = "group_order"
    ROOT_MISMATCH = "root_mismatch"
    SUM_MISMATCH = "sum_mismatch"
    COUNT_MISMATCH = "count_mismatch"
    MALFORMED = "malformed"


class SumTreeError(Exception):
    """Base of every refusal here; `code` says why in machine-readable form."""

    def __init__(self, code: SumTreeErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class InvalidLineError(SumTreeError):
    """A line (or salt, label, fiscal year) given to the builder is refused."""


class DuplicateLineError(SumTreeError):
    """Two lines share a commitment: each line is counted once."""


class TreeLimitError(SumTreeError):
    """More lines or groups than the limits allow."""


class SumOverflowError(SumTreeError):
    """A sum or count would pass 2**63 - 1."""

    def __init__(self, message: str) -> None:
        super().__init__(SumTreeErrorCode.SUM_OVERFLOW, message)


class LineNotFoundError(SumTreeError):
    """No line of the tree has this commitment."""


class SumProofError(SumTreeError):
    """An inclusion proof or a totals check does not verify."""


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class GroupKey:
    """Public labels of a group: the codes the public totals are summed by."""

    organisation: str
    category: str


@dataclass(frozen=True, slots=True)
class SumNode:
    """A node of a sum tree: its hash and the yen and count of every line below it."""

    hash: bytes
    sum_yen: int
    count: int


@dataclass(frozen=True, slots=True)
class SumRoot:
    """What the log commits for a fiscal year: the top tree's root."""

    fiscal_year: int
    hash: bytes
    sum_yen: int
    count: int


@dataclass(frozen=True, slots=True)
class Line:
    """A leaf as the prover holds it: public labels, the commitment, yen and count."""

    group: GroupKey
    commitment: bytes
    amount_yen: int
    count: int


@dataclass(frozen=True, slots=True)
class LineOpening:
    """What a contractor holds for its payment: enough to recompute the leaf."""

    amount_yen: int
    count: int
    salt: bytes
    private_bytes: bytes


@dataclass(frozen=True, slots=True)
class GroupTotal:
    """One row of the public totals: a group's labels and its group tree's root."""

    group: GroupKey
    node: SumNode


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Siblings, leaf-up, from a line to its group root, then from the group leaf to the root."""

    group: GroupKey
    line_index: int
    line_tree_size: int
    line_path: tuple[SumNode, ...]
    group_index: int
    group_tree_size: int
    group_path: tuple[SumNode, ...]


# --- hashing ------------------------------------------------------------------------------


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "big")  # OverflowError on a negative: never silently wrapped


def commitment(salt: bytes, private_bytes: bytes) -> bytes:
    """SHA-256(COMMITMENT_TAG || salt (32 bytes) || canonical private bytes)."""
    if type(salt) is not bytes or len(salt) != SALT_SIZE:
        raise InvalidLineError(SumTreeErrorCode.BAD_SALT_LENGTH, f"salt must be {SALT_SIZE} bytes")
    if type(private_bytes) is not bytes or len(private_bytes) > PRIVATE_BYTES_MAX:
        raise InvalidLineError(
            SumTreeErrorCode.PRIVATE_TOO_LARGE, f"private bytes must be <= {PRIVATE_BYTES_MAX}"
        )
    return _sha256(COMMITMENT_TAG + salt + private_bytes).digest()


def line_leaf_hash(commitment: bytes, amount_yen: int, count: int) -> bytes:
    """SHA-256(0x10 || commitment (32) || amount_yen (8, BE) || count (8, BE))."""
    return _sha256(LINE_LEAF_PREFIX + commitment + _u64(amount_yen) + _u64(count)).digest()


def node_hash(left: SumNode, right: SumNode) -> bytes:
    """SHA-256(0x11 || L.hash || L.sum (8) || L.count (8) || R.hash || R.sum (8) || R.count (8))."""
    return _sha256(
        NODE_PREFIX
        + left.hash + _u64(left.sum_yen) + _u64(left.count)
        + right.hash + _u64(right.sum_yen) + _u64(right.count)
    ).digest()  # fmt: skip


def group_leaf_hash(fiscal_year: int, group: GroupKey, group_root: SumNode) -> bytes:
    """SHA-256(0x12 || fy (2) || len (1) || organisation || len (1) || category || root hash,
    sum (8), count (8))."""
    org, cat = group.organisation.encode("ascii"), group.category.encode("ascii")
    return _sha256(
        GROUP_LEAF_PREFIX + fiscal_year.to_bytes(2, "big")
        + bytes([len(org)]) + org + bytes([len(cat)]) + cat
        + group_root.hash + _u64(group_root.sum_yen) + _u64(group_root.count)
    ).digest()  # fmt: skip


def empty_root(fiscal_year: int) -> SumRoot:
    """The root of a year with no lines: SHA-256(0x13 || fy (2)), 0 yen, count 0."""
    _check_fiscal_year(fiscal_year, InvalidLineError)
    return SumRoot(
        fiscal_year, _sha256(EMPTY_PREFIX + fiscal_year.to_bytes(2, "big")).digest(), 0, 0
    )


def _join(left: SumNode, right: SumNode) -> SumNode:
    total, count = left.sum_yen + right.sum_yen, left.count + right.count
    if total > SUM_MAX:
        raise SumOverflowError(f"sum {total} passes {SUM_MAX}")
    if count > COUNT_MAX:
        raise SumOverflowError(f"count {count} passes {COUNT_MAX}")
    return SumNode(node_hash(left, right), total, count)


# --- checks shared by the builder and the verifiers (the error type is the caller's) --------


def _int_fault(value: object, minimum: int, maximum: int) -> SumTreeErrorCode | None:
    if type(value) is not int:  # bool and float are refused: money is an int
        return SumTreeErrorCode.NOT_INTEGER
    if value < 0:
        return SumTreeErrorCode.NEGATIVE
    if value < minimum:
        return SumTreeErrorCode.ZERO_COUNT
    if value > maximum:
        return SumTreeErrorCode.OUT_OF_RANGE
    return None


def _check_int(
    name: str, value: object, minimum: int, maximum: int, error: type[SumTreeError]
) -> None:
    fault = _int_fault(value, minimum, maximum)
    if fault is not None:
        raise error(fault, f"{name}={value!r} is not an integer in {minimum}..{maximum}")


def _check_hash(name: str, value: object, error: type[SumTreeError]) -> None:
    if type(value) is not bytes or len(value) != HASH_SIZE:
        raise error(SumTreeErrorCode.BAD_HASH_LENGTH, f"{name} is not {HASH_SIZE} bytes")


def _check_fiscal_year(value: object, error: type[SumTreeError]) -> None:
    if type(value) is not int or not FISCAL_YEAR_MIN <= value <= FISCAL_YEAR_MAX:
        raise error(SumTreeErrorCode.BAD_FISCAL_YEAR, f"fiscal year {value!r} out of range")


def _check_group(group: object, error: type[SumTreeError]) -> None:
    ok = isinstance(group, GroupKey) and all(
        type(label) is str and LABEL_RE.fullmatch(label)
        for label in (group.organisation, group.category)
    )
    if not ok:
        raise error(
            SumTreeErrorCode.BAD_LABEL, f"labels {group!r} are not codes {LABEL_RE.pattern}"
        )


def _check_node(name: str, node: SumNode, min_count: int, error: type[SumTreeError]) -> None:
    _check_hash(f"{name}.hash", node.hash, error)
    _check_int(f"{name}.sum_yen", node.sum_yen, 0, SUM_MAX, error)
    _check_int(f"{name}.count", node.count, min_count, COUNT_MAX, error)


def _check_root(root: SumRoot) -> None:
    _check_fiscal_year(root.fiscal_year, SumProofError)
    _check_node("root", SumNode(root.hash, root.sum_yen, root.count), 0, SumProofError)


# --- tree shape ---------------------------------------------------------------------------


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (RFC 6962 section 2.1), for n >= 2."""
    return 1 << ((n - 1).bit_length() - 1)


def _sibling_on_left(index: int, size: int) -> list[bool]:
    """Leaf-up, for each proof element of leaf `index`: is the sibling the left child?"""
    sides: list[bool] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            sides.append(False)
            hi = mid
        else:
            sides.append(True)
            lo = mid
    sides.reverse()
    return sides


_Levels = list[list[SumNode]]


def _levels(leaves: list[SumNode]) -> _Levels:
    """Every complete aligned subtree, by level; the incomplete right edge is folded on demand."""
    levels = [leaves]
    while len(levels[-1]) >= 2:
        below = levels[-1]
        levels.append([_join(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def _range_node(levels: _Levels, lo: int, hi: int) -> SumNode:
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        assert lo % n == 0, "an RFC 6962 split only asks for aligned complete subtrees"
        return levels[level][lo >> level]
    k = _split(n)
    return _join(_range_node(levels, lo, lo + k), _range_node(levels, lo + k, hi))


def _path(levels: _Levels, index: int, size: int) -> tuple[SumNode, ...]:
    path: list[SumNode] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            path.append(_range_node(levels, mid, hi))
            hi = mid
        else:
            path.append(_range_node(levels, lo, mid))
            lo = mid
    path.reverse()
    return tuple(path)


# --- building -----------------------------------------------------------------------------


class SumTree:
    """A fiscal year's two-level sum tree, with every complete subtree kept for proofs."""

    __slots__ = (
        "fiscal_year", "root", "groups", "_group_levels", "_group_index", "_top_levels", "_where"
    )  # fmt: skip

    def __init__(self, fiscal_year: int, lines: Iterable[Line]) -> None:
        _check_fiscal_year(fiscal_year, InvalidLineError)
        by_group: dict[GroupKey, list[Line]] = {}
        seen: set[bytes] = set()
        total_yen = total_count = 0
        for n_lines, line in enumerate(lines, start=1):
            if n_lines > LINES_MAX:
                raise TreeLimitError(
                    SumTreeErrorCode.TOO_MANY_LINES, f"more than {LINES_MAX} lines"
                )
            _check_group(line.group, InvalidLineError)
            _check_hash("commitment", line.commitment, InvalidLineError)
            _check_int("amount_yen", line.amount_yen, 0, AMOUNT_MAX, InvalidLineError)
            _check_int("count", line.count, 1, COUNT_MAX, InvalidLineError)
            if line.commitment in seen:
                raise DuplicateLineError(
                    SumTreeErrorCode.DUPLICATE_LINE, f"commitment {line.commitment.hex()} twice"
                )
            seen.add(line.commitment)
            by_group.setdefault(line.group, []).append(line)
            total_yen += line.amount_yen
            total_count += line.count
        if len(by_group) > GROUPS_MAX:
            raise TreeLimitError(SumTreeErrorCode.TOO_MANY_GROUPS, f"more than {GROUPS_MAX} groups")

        self.fiscal_year = fiscal_year
        self._group_levels: dict[GroupKey, _Levels] = {}
        self._where: dict[bytes, tuple[GroupKey, int]] = {}
        totals: list[GroupTotal] = []
        for group in sorted(by_group):
            members = sorted(by_group[group], key=lambda line: line.commitment)
            leaves = [
                SumNode(line_leaf_hash(m.commitment, m.amount_yen, m.count), m.amount_yen, m.count)
                for m in members
            ]
            levels = _levels(leaves)
            self._group_levels[group] = levels
            for i, m in enumerate(members):
                self._where[m.commitment] = (group, i)
            totals.append(GroupTotal(group, _range_node(levels, 0, len(leaves))))
        self.groups: tuple[GroupTotal, ...] = tuple(totals)
        self._group_index = {g.group: i for i, g in enumerate(totals)}
        top = [
            SumNode(group_leaf_hash(fiscal_year, g.group, g.node), g.node.sum_yen, g.node.count)
            for g in totals
        ]
        if top:
            self._top_levels = _levels(top)
            node = _range_node(self._top_levels, 0, len(top))
            self.root = SumRoot(fiscal_year, node.hash, node.sum_yen, node.count)
        else:
            self._top_levels = [[]]
            self.root = empty_root(fiscal_year)
        # Paired with the checks above: what the tree says is what the lines add up to.
        assert self.root.sum_yen == total_yen and self.root.count == total_count
        assert sum(g.node.sum_yen for g in self.groups) == total_yen

    def inclusion_proof(self, commitment: bytes) -> InclusionProof:
        """The proof a contractor checks its line against; LineNotFoundError if absent."""
        found = self._where.get(commitment)
        if found is None:
            raise LineNotFoundError(SumTreeErrorCode.LINE_NOT_FOUND, "no line has this commitment")
        group, line_index = found
        levels = self._group_levels[group]
        group_index = self._group_index[group]
        return InclusionProof(
            group=group,
            line_index=line_index,
            line_tree_size=len(levels[0]),
            line_path=_path(levels, line_index, len(levels[0])),
            group_index=group_index,
            group_tree_size=len(self.groups),
            group_path=_path(self._top_levels, group_index, len(self.groups)),
        )


def build(fiscal_year: int, lines: Iterable[Line]) -> SumTree:
    """The year's tree; InvalidLineError, DuplicateLineError, TreeLimitError, SumOverflowError."""
    return SumTree(fiscal_year, lines)


# --- verifying ----------------------------------------------------------------------------


def _check_path(
    kind: str, index: object, size: object, path: Sequence[SumNode], size_max: int
) -> None:
    if type(size) is not int or not 1 <= size <= size_max:
        raise SumProofError(SumTreeErrorCode.SIZE_OUT_OF_RANGE, f"{kind} size {size!r}")
    if type(index) is not int or not 0 <= index < size:
        raise SumProofError(SumTreeErrorCode.INDEX_OUT_OF_RANGE, f"{kind} index {index!r}")
    expected = len(_sibling_on_left(index, size))
    if len(path) != expected:
        raise SumProofError(
            SumTreeErrorCode.WRONG_PROOF_LENGTH, f"{kind} path has {len(path)}, needs {expected}"
        )
    for i, node in enumerate(path):
        _check_node(f"{kind}_path[{i}]", node, 1, SumProofError)


def _fold(node: SumNode, index: int, size: int, path: Sequence[SumNode]) -> SumNode:
    for sibling, on_left in zip(path, _sibling_on_left(index, size), strict=True):
        node = _join(sibling, node) if on_left else _join(node, sibling)
    return node


def _compare(root: SumRoot, node: SumNode) -> None:
    if node.hash != root.hash:
        raise SumProofError(SumTreeErrorCode.ROOT_MISMATCH, "computed hash differs from the root")
    if node.sum_yen != root.sum_yen:
        raise SumProofError(SumTreeErrorCode.SUM_MISMATCH, f"sum {node.sum_yen} != {root.sum_yen}")
    if node.count != root.count:
        raise SumProofError(SumTreeErrorCode.COUNT_MISMATCH, f"count {node.count} != {root.count}")


def verify_inclusion(root: SumRoot, opening: LineOpening, proof: InclusionProof) -> None:
    """Raise SumProofError unless the opened line is counted in `root` under `proof.group`."""
    _check_root(root)
    _check_int("amount_yen", opening.amount_yen, 0, AMOUNT_MAX, SumProofError)
    _check_int("count", opening.count, 1, COUNT_MAX, SumProofError)
    if type(opening.salt) is not bytes or len(opening.salt) != SALT_SIZE:
        raise SumProofError(SumTreeErrorCode.BAD_SALT_LENGTH, f"salt must be {SALT_SIZE} bytes")
    if type(opening.private_bytes) is not bytes or len(opening.private_bytes) > PRIVATE_BYTES_MAX:
        raise SumProofError(SumTreeErrorCode.PRIVATE_TOO_LARGE, "private bytes too large")
    _check_group(proof.group, SumProofError)
    _check_path("line", proof.line_index, proof.line_tree_size, proof.line_path, LINES_MAX)
    _check_path("group", proof.group_index, proof.group_tree_size, proof.group_path, GROUPS_MAX)
    digest = commitment(opening.salt, opening.private_bytes)
    leaf = SumNode(
        line_leaf_hash(digest, opening.amount_yen, opening.count), opening.amount_yen, opening.count
    )
    try:
        group_root = _fold(leaf, proof.line_index, proof.line_tree_size, proof.line_path)
        group_leaf = SumNode(
            group_leaf_hash(root.fiscal_year, proof.group, group_root),
            group_root.sum_yen,
            group_root.count,
        )
        top = _fold(group_leaf, proof.group_index, proof.group_tree_size, proof.group_path)
    except SumOverflowError as exc:
        raise SumProofError(SumTreeErrorCode.SUM_OVERFLOW, str(exc)) from exc
    _compare(root, top)


def verify_totals(root: SumRoot, groups: Sequence[GroupTotal]) -> None:
    """Raise SumProofError unless the published group totals are exactly those under `root`.

    Groups come in canonical order (strictly ascending labels), so a duplicated, reordered,
    removed, added or altered group changes the recomputed root.
    """
    _check_root(root)
    if len(groups) > GROUPS_MAX:
        raise SumProofError(SumTreeErrorCode.TOO_MANY_GROUPS, f"more than {GROUPS_MAX} groups")
    leaves: list[SumNode] = []
    previous: GroupKey | None = None
    for i, g in enumerate(groups):
        _check_group(g.group, SumProofError)
        _check_node(f"groups[{i}]", g.node, 1, SumProofError)
        if previous is not None and not previous < g.group:
            raise SumProofError(
                SumTreeErrorCode.GROUP_ORDER, f"groups[{i}] is not after groups[{i - 1}]"
            )
        previous = g.group
        leaves.append(
            SumNode(
                group_leaf_hash(root.fiscal_year, g.group, g.node), g.node.sum_yen, g.node.count
            )
        )
    if not leaves:
        empty = empty_root(root.fiscal_year)
        _compare(root, SumNode(empty.hash, empty.sum_yen, empty.count))
        return
    try:
        top = _range_node(_levels(leaves), 0, len(leaves))
    except SumOverflowError as exc:
        raise SumProofError(SumTreeErrorCode.SUM_OVERFLOW, str(exc)) from exc
    _compare(root, top)


def verify_lines(root: SumRoot, lines: Iterable[Line]) -> None:
    """A cleared auditor's check: every line, rebuilt, gives exactly `root`."""
    _check_root(root)
    tree = build(root.fiscal_year, lines)
    _compare(root, SumNode(tree.root.hash, tree.root.sum_yen, tree.root.count))
