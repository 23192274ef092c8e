"""RFC 6962 / RFC 9162 Merkle tree: hashing, proof verification, proof generation, appending.

Nodes are addressed as complete subtrees: `(level, index)` is the perfect subtree of height
`level` covering leaves [index * 2**level, (index + 1) * 2**level). A store only ever keeps
complete subtrees; the incomplete right edge of a tree is recomputed from them on demand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

HASH_SIZE = 32
# Tree sizes and indexes are uint64 on the wire (RFC 9162, tlog-checkpoint); a tree never
# holds 2**64 leaves, so a compact range never holds more than 64 hashes.
TREE_SIZE_MAX = (1 << 64) - 1
FRONTIER_MAX_HASHES = 64

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256

EMPTY_ROOT = _sha256(b"").digest()

NodeId = tuple[int, int]
"""(level, index) of a complete subtree."""

GetNode = Callable[[int, int], bytes]
"""Returns the hash of the complete subtree (level, index); only complete ones are asked."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """`leaf_hash` of every leaf, in order: the write path's batch form (no call per leaf)."""
    return [_sha256(_LEAF_PREFIX + leaf).digest() for leaf in leaves]


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of the perfect subtree whose bottom row is `hashes` (a power-of-two count >= 1)."""
    assert hashes and len(hashes) & (len(hashes) - 1) == 0, "a perfect subtree has 2**k leaves"
    row = hashes
    while len(row) > 1:
        row = [_sha256(_NODE_PREFIX + row[k] + row[k + 1]).digest() for k in range(0, len(row), 2)]
    return row[0]


# --------------------------------------------------------------------------- verification


class ProofErrorCode(StrEnum):
    INDEX_OUT_OF_RANGE = "index_out_of_range"
    SIZE_OUT_OF_RANGE = "size_out_of_range"
    SIZE_ORDER = "size1_greater_than_size2"
    EMPTY_TREE = "proof_from_empty_tree"
    BAD_HASH_LENGTH = "bad_hash_length"
    WRONG_PROOF_LENGTH = "wrong_proof_length"
    ROOT_MISMATCH = "root_mismatch"


class ProofError(Exception):
    """A proof does not verify. `code` says why, in machine-readable form."""

    def __init__(self, code: ProofErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def _check_size(name: str, value: int) -> None:
    if not 0 <= value <= TREE_SIZE_MAX:
        raise ProofError(ProofErrorCode.SIZE_OUT_OF_RANGE, f"{name}={value} is not a uint64")


def _check_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(ProofErrorCode.BAD_HASH_LENGTH, f"proof[{i}] has {len(h)} bytes")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-5)."""
    _check_size("size", size)
    _check_size("index", index)
    if index >= size:
        raise ProofError(ProofErrorCode.INDEX_OUT_OF_RANGE, f"index {index} >= size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(ProofErrorCode.BAD_HASH_LENGTH, f"leaf hash has {len(leaf_hash)} bytes")
    _check_hashes(proof)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # fn is the last node of its level: skip the levels where it has no sibling.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "proof is too short")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf `index` of tree `size` hashes to `root`."""
    if root_from_inclusion_proof(leaf_hash, index, size, proof) != root:
        raise ProofError(ProofErrorCode.ROOT_MISMATCH, "computed root differs from root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise ProofError unless `proof` shows tree (size1, root1) is a prefix of (size2, root2).

    RFC 9162 section 2.1.4.2 defines proofs for 0 < size1 < size2. Equal sizes are consistent
    exactly when the roots are equal and the proof is empty. A proof from the empty tree is
    meaningless (every tree extends it) and is rejected, as transparency-dev/merkle does;
    tlog-witness handles old size 0 before asking for a proof. Proof hashes must be 32 bytes;
    roots are only compared, so a malformed root can never match a computed one.
    """
    _check_size("size1", size1)
    _check_size("size2", size2)
    if size1 > size2:
        raise ProofError(ProofErrorCode.SIZE_ORDER, f"size1 {size1} > size2 {size2}")
    if size1 == 0:
        raise ProofError(ProofErrorCode.EMPTY_TREE, "consistency proof from the empty tree")
    _check_hashes(proof)
    if size1 == size2:
        if proof:
            raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "sizes are equal, proof is not")
        if root1 != root2:
            raise ProofError(ProofErrorCode.ROOT_MISMATCH, "sizes are equal, roots are not")
        return
    if not proof:
        raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # size1 is a power of two: its root is a node of the new tree, so it starts the path.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(ProofErrorCode.WRONG_PROOF_LENGTH, "proof is too short")
    if fr != root1:
        raise ProofError(ProofErrorCode.ROOT_MISMATCH, "proof does not reproduce root1")
    if sr != root2:
        raise ProofError(ProofErrorCode.ROOT_MISMATCH, "proof does not reproduce root2")


# --------------------------------------------------------------------------- generation


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The fewest complete subtrees covering leaves [begin, end), left to right."""
    nodes: list[NodeId] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """The complete subtrees a proof needs, so a store can fetch them in one batch.

    Proof element i is the right-to-left fold of the next `groups[i]` hashes of `nodes`:
    one node for a complete sibling, several for a sibling on the tree's incomplete edge.
    """

    nodes: tuple[NodeId, ...]
    groups: tuple[int, ...]

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        if len(hashes) != len(self.nodes):
            raise ValueError(f"plan needs {len(self.nodes)} hashes, got {len(hashes)}")
        proof: list[bytes] = []
        pos = 0
        for count in self.groups:
            end = pos + count
            h = hashes[end - 1]
            for i in range(end - 2, pos - 1, -1):
                h = node_hash(hashes[i], h)
            proof.append(h)
            pos = end
        return proof

    def fetch(self, get_node: GetNode) -> list[bytes]:
        return self.assemble([get_node(level, index) for level, index in self.nodes])


def _plan(elements: list[list[NodeId]]) -> ProofPlan:
    # Elements were collected root-down; proofs list them leaf-up.
    elements.reverse()
    return ProofPlan(
        nodes=tuple(n for group in elements for n in group),
        groups=tuple(len(group) for group in elements),
    )


def _split(n: int) -> int:
    """Level of k, the largest power of two smaller than n (RFC 6962 section 2.1)."""
    return (n - 1).bit_length() - 1


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """RFC 6962 PATH(index, D[0:size]) as complete subtrees."""
    if not 0 <= index < size <= TREE_SIZE_MAX:
        raise ValueError(f"need 0 <= index < size <= 2**64-1, got index={index} size={size}")
    elements: list[list[NodeId]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k_level = _split(hi - lo)
        mid = lo + (1 << k_level)
        if index < mid:
            elements.append(range_nodes(mid, hi))
            hi = mid
        else:
            elements.append([(k_level, lo >> k_level)])
            lo = mid
    return _plan(elements)


def consistency_plan(size1: int, size2: int) -> ProofPlan:
    """RFC 6962 PROOF(size1, D[0:size2]) as complete subtrees.

    Empty when size1 == size2, and when size1 == 0 (the tlog-witness convention for a
    witness that has seen nothing yet).
    """
    if not 0 <= size1 <= size2 <= TREE_SIZE_MAX:
        raise ValueError(f"need 0 <= size1 <= size2 <= 2**64-1, got {size1}, {size2}")
    elements: list[list[NodeId]] = []
    if size1 == 0:
        return _plan(elements)
    lo, hi, whole = 0, size2, True
    while size1 != hi:
        k_level = _split(hi - lo)
        mid = lo + (1 << k_level)
        if size1 <= mid:
            elements.append(range_nodes(mid, hi))
            hi = mid
        else:
            elements.append([(k_level, lo >> k_level)])
            lo = mid
            whole = False
    if not whole:
        # SUBPROOF(m, D[m], false) = MTH(D[m]); reached only after a left step, so complete.
        level = (hi - lo).bit_length() - 1
        assert hi - lo == 1 << level
        elements.append([(level, lo >> level)])
    return _plan(elements)


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """Inclusion proof of leaf `index` in the tree of `size` leaves, leaf-up order."""
    return inclusion_plan(index, size).fetch(get_node)


def consistency_proof(size1: int, size2: int, get_node: GetNode) -> list[bytes]:
    """Consistency proof from tree size1 to tree size2 (RFC 6962 section 2.1.2)."""
    return consistency_plan(size1, size2).fetch(get_node)


def root_from_nodes(size: int, get_node: GetNode) -> bytes:
    """The root of the tree of `size` leaves, from its at most 64 covering subtrees."""
    if size == 0:
        return EMPTY_ROOT
    nodes = tuple(range_nodes(0, size))
    return ProofPlan(nodes, (len(nodes),)).fetch(get_node)[0]


# --------------------------------------------------------------------------- appending


class TreeBuilder:
    """Appends leaves, keeping only the right frontier (a compact range [0, size)).

    The frontier holds the hash of one complete subtree per set bit of `size`, highest level
    first: exactly the nodes `range_nodes(0, size)` names.
    """

    __slots__ = ("_size", "_frontier")

    def __init__(self) -> None:
        self._size = 0
        self._frontier: list[bytes] = []

    @classmethod
    def restore(cls, size: int, frontier: Sequence[bytes]) -> TreeBuilder:
        """Rebuild from a size and the hashes of `frontier_nodes(size)`, in that order."""
        if not 0 <= size <= TREE_SIZE_MAX:
            raise ValueError(f"size {size} is not a uint64")
        if len(frontier) != size.bit_count():
            raise ValueError(f"size {size} needs {size.bit_count()} hashes, got {len(frontier)}")
        for h in frontier:
            if len(h) != HASH_SIZE:
                raise ValueError(f"frontier hash has {len(h)} bytes")
        builder = cls()
        builder._size = size
        builder._frontier = list(frontier)
        return builder

    @classmethod
    def restore_from(cls, size: int, get_node: GetNode) -> TreeBuilder:
        return cls.restore(size, [get_node(lv, ix) for lv, ix in frontier_nodes(size)])

    @property
    def size(self) -> int:
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        return tuple(self._frontier)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; return the newly complete nodes, the leaf itself first."""
        assert len(leaf_hash) == HASH_SIZE, "leaf hash must be 32 bytes"
        index = self._size
        if index == TREE_SIZE_MAX:
            raise OverflowError("tree is full")
        completed = [(0, index, leaf_hash)]
        frontier = self._frontier
        h = leaf_hash
        level = 0
        while index & 1:
            h = _sha256(_NODE_PREFIX + frontier.pop() + h).digest()
            index >>= 1
            level += 1
            completed.append((level, index, h))
        frontier.append(h)
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append many leaves; one list of all newly complete nodes, in creation order."""
        completed: list[tuple[int, int, bytes]] = []
        add = completed.append
        frontier = self._frontier
        push, pop = frontier.append, frontier.pop
        size = self._size
        try:
            for h in leaf_hashes:
                assert len(h) == HASH_SIZE, "leaf hash must be 32 bytes"
                if size == TREE_SIZE_MAX:
                    raise OverflowError("tree is full")
                index = size
                add((0, index, h))
                level = 0
                while index & 1:
                    h = _sha256(_NODE_PREFIX + pop() + h).digest()
                    index >>= 1
                    level += 1
                    add((level, index, h))
                push(h)
                size += 1
        finally:
            # Leaves appended before a failure stay appended: size must match the frontier.
            self._size = size
        return completed

    def root(self) -> bytes:
        frontier = self._frontier
        if not frontier:
            return EMPTY_ROOT
        h = frontier[-1]
        for i in range(len(frontier) - 2, -1, -1):
            h = _sha256(_NODE_PREFIX + frontier[i] + h).digest()
        return h


def frontier_nodes(size: int) -> list[NodeId]:
    """The complete subtrees whose hashes restore a TreeBuilder at `size`."""
    return range_nodes(0, size)


class MemoryTree:
    """A TreeBuilder plus a dict of every complete subtree: proofs for tests and audits."""

    __slots__ = ("_builder", "_nodes")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._builder = TreeBuilder()
        self._nodes: dict[NodeId, bytes] = {}
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        return self._builder.size

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        nodes = self._nodes
        for level, index, h in self._builder.extend(leaf_hashes):
            nodes[level, index] = h

    def get_node(self, level: int, index: int) -> bytes:
        return self._nodes[level, index]

    def root(self, size: int | None = None) -> bytes:
        """The root now, or of the earlier tree of `size` leaves."""
        if size is None:
            return self._builder.root()
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} outside 0..{self.size}")
        return root_from_nodes(size, self.get_node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.get_node)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.get_node)
