"""Properties of proof generation, verification and appending, against a naive RFC 6962 tree."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ramp.tlog.merkle import (
    EMPTY_ROOT,
    FRONTIER_MAX_HASHES,
    MemoryTree,
    ProofError,
    ProofErrorCode,
    TreeBuilder,
    consistency_plan,
    frontier_nodes,
    inclusion_plan,
    leaf_hash,
    node_hash,
    range_nodes,
    verify_consistency,
    verify_inclusion,
)

SIZE_MAX = 3000
_LEAVES = [leaf_hash(i.to_bytes(8, "big")) for i in range(SIZE_MAX)]
# One shared tree: a prefix of it is the tree of any smaller size.
_TREE = MemoryTree(_LEAVES)


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 6962 section 2.1 writes it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def _flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    tampered = list(proof)
    h = bytearray(tampered[i])
    h[bit // 8] ^= 1 << (bit % 8)
    tampered[i] = bytes(h)
    return tampered


sizes = st.integers(min_value=1, max_value=SIZE_MAX)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(sizes)
    return draw(st.integers(min_value=1, max_value=size2)), size2


@settings(max_examples=300, deadline=None)
@given(size_and_index(), st.data())
def test_inclusion_proofs_verify_and_tampering_fails(
    si: tuple[int, int], data: st.DataObject
) -> None:
    size, index = si
    root = _TREE.root(size)
    proof = _TREE.inclusion_proof(index, size)
    assert len(proof) <= 64
    verify_inclusion(_LEAVES[index], index, size, proof, root)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        with pytest.raises(ProofError):
            verify_inclusion(_LEAVES[index], index, size, _flip(proof, i, bit), root)
        with pytest.raises(ProofError):
            verify_inclusion(_LEAVES[index], index, size, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(_LEAVES[index], index, size, [*proof, root], root)
    other = data.draw(st.integers(0, size - 1))
    if _LEAVES[other] != _LEAVES[index] and other != index:
        with pytest.raises(ProofError):
            verify_inclusion(_LEAVES[other], index, size, proof, root)
    # (A proof for size n may also fit size n+1: inclusion proofs do not authenticate the
    # size, the signed checkpoint does. So no "wrong size" property here.)


@settings(max_examples=300, deadline=None)
@given(two_sizes(), st.data())
def test_consistency_proofs_verify_and_tampering_fails(
    ss: tuple[int, int], data: st.DataObject
) -> None:
    size1, size2 = ss
    root1, root2 = _TREE.root(size1), _TREE.root(size2)
    proof = _TREE.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, root1, root2)
    if size1 == size2:
        assert proof == []
        return
    i = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, _flip(proof, i, bit), root1, root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof[1:], root1, root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root2, root1)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, _TREE.root(size2 - 1))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=600))
def test_tree_builder_root_equals_naive_root(size: int) -> None:
    builder = TreeBuilder()
    builder.extend(_LEAVES[:size])
    assert builder.root() == naive_root(_LEAVES[:size])
    assert len(builder.frontier) == size.bit_count() <= FRONTIER_MAX_HASHES


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=70), max_size=40))
def test_batching_does_not_change_root_or_nodes(batches: list[int]) -> None:
    total = min(sum(batches), SIZE_MAX)
    one_by_one = TreeBuilder()
    single_nodes = [n for leaf in _LEAVES[:total] for n in one_by_one.append(leaf)]
    batched = TreeBuilder()
    batched_nodes = []
    start = 0
    for count in batches:
        end = min(start + count, total)
        batched_nodes.extend(batched.extend(_LEAVES[start:end]))
        start = end
    assert batched.size == one_by_one.size == total
    assert batched.root() == one_by_one.root() == _TREE.root(total)
    assert batched_nodes == single_nodes


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=SIZE_MAX), st.integers(min_value=0, max_value=50))
def test_restore_from_frontier_continues_identically(size: int, more: int) -> None:
    more = min(more, SIZE_MAX - size)
    restored = TreeBuilder.restore_from(size, _TREE.get_node)
    assert restored.root() == _TREE.root(size)
    restored.extend(_LEAVES[size : size + more])
    assert restored.root() == _TREE.root(size + more)


def test_appended_nodes_are_exactly_the_complete_subtrees() -> None:
    builder = TreeBuilder()
    seen = []
    for leaf in _LEAVES[:64]:
        seen.extend((level, index) for level, index, _ in builder.append(leaf))
    # A perfect tree of 64 leaves has 127 nodes, each reported once, children before parents.
    assert len(seen) == len(set(seen)) == 127
    assert seen[:4] == [(0, 0), (0, 1), (1, 0), (0, 2)]


def test_proofs_ask_only_for_complete_subtrees_a_logarithmic_number_of_times() -> None:
    for size in [1, 2, 3, 7, 8, 9, 1000, 1023, 1024, 1025, (1 << 40) + 12345, (1 << 64) - 1]:
        for index in {0, size // 2, size - 1}:
            plan = inclusion_plan(index, size)
            assert all((i + 1) << lv <= size for lv, i in plan.nodes)
            assert len(plan.nodes) <= 2 * 64
        for size1 in {1, size // 3 or 1, size - 1 or 1, size}:
            plan = consistency_plan(size1, size)
            assert all((i + 1) << lv <= size for lv, i in plan.nodes)
            assert len(plan.nodes) <= 2 * 64


def test_range_nodes_and_frontier() -> None:
    assert range_nodes(0, 0) == []
    assert range_nodes(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert range_nodes(3, 9) == [(0, 3), (2, 1), (0, 8)]
    assert frontier_nodes(6) == [(2, 0), (1, 2)]


def test_argument_errors() -> None:
    with pytest.raises(ValueError):
        inclusion_plan(5, 5)
    with pytest.raises(ValueError):
        consistency_plan(6, 5)
    assert consistency_plan(0, 5).nodes == ()  # tlog-witness: empty proof from size 0
    with pytest.raises(ValueError):
        TreeBuilder.restore(3, [EMPTY_ROOT])
    with pytest.raises(ProofError) as info:
        verify_inclusion(b"\x00" * 31, 0, 1, [], b"\x00" * 32)
    assert info.value.code is ProofErrorCode.BAD_HASH_LENGTH
    with pytest.raises(ProofError) as info:
        verify_inclusion(_LEAVES[0], 0, 1 << 64, [], _LEAVES[0])
    assert info.value.code is ProofErrorCode.SIZE_OUT_OF_RANGE
    with pytest.raises(ProofError) as info:
        verify_consistency(1, 2, [b"\x00" * 33], _LEAVES[0], _TREE.root(2))
    assert info.value.code is ProofErrorCode.BAD_HASH_LENGTH
