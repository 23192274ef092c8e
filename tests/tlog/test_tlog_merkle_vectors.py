"""RFC 6962/9162 conformance: transparency-dev/merkle proof vectors and reference roots."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ramp.tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_inclusion_proof,
    root_from_nodes,
    verify_consistency,
    verify_inclusion,
)

# Parametrisation happens at collection time, before fixtures exist: locate the vectors here.
TLOG_VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "tlog"
MERKLE_DIR = TLOG_VECTORS / "merkle"
MERKLE_CASE_COUNT = 196  # shared/vectors/README.md
CASES = sorted(MERKLE_DIR.rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _case_id(path: Path) -> str:
    return str(path.relative_to(MERKLE_DIR))


def test_all_vector_cases_are_collected() -> None:
    assert len(CASES) == MERKLE_CASE_COUNT
    kinds = {p.relative_to(MERKLE_DIR).parts[0] for p in CASES}
    assert kinds == {"inclusion", "consistency"}


@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_merkle_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    if "leafIdx" in case:
        # Indexes are uint64 in the Go source: 2**64-1 stands for "0 - 1".
        index, size = case["leafIdx"], case["treeSize"]
        assert 0 <= index < 1 << 64 and 0 <= size < 1 << 64
        run = lambda: verify_inclusion(  # noqa: E731
            _b64(case["leafHash"]), index, size, proof, _b64(case["root"])
        )
    else:
        run = lambda: verify_consistency(  # noqa: E731
            case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"])
        )
    if case["wantErr"]:
        with pytest.raises(ProofError) as info:
            run()
        assert info.value.code  # every failure names its reason
    else:
        run()


# --------------------------------------------------------------------------- reference tree


def _reference() -> tuple[list[bytes], list[bytes]]:
    ref = json.loads((TLOG_VECTORS / "reference-tree.json").read_text())
    leaves = [leaf_hash(bytes.fromhex(x)) for x in ref["leaf_inputs_hex"]]
    roots = [bytes.fromhex(x) for x in ref["root_hashes_hex_by_tree_size"]]
    return leaves, roots


def test_reference_roots_by_tree_builder() -> None:
    leaves, roots = _reference()
    assert len(roots) == 9 and roots[0] == EMPTY_ROOT
    for size in range(9):
        builder = TreeBuilder()
        builder.extend(leaves[:size])
        assert builder.size == size
        assert builder.root() == roots[size], size
    one_by_one = TreeBuilder()
    for size, leaf in enumerate(leaves, start=1):
        one_by_one.append(leaf)
        assert one_by_one.root() == roots[size]


def test_reference_roots_by_proof_generation() -> None:
    leaves, roots = _reference()
    nodes: dict[tuple[int, int], bytes] = {}
    asked: list[tuple[int, int]] = []

    def get_node(level: int, index: int) -> bytes:
        asked.append((level, index))
        assert (index + 1) << level <= len(leaves), "only complete subtrees are asked for"
        return nodes[level, index]

    for level, index, h in TreeBuilder().extend(leaves):
        nodes[level, index] = h
    for size in range(1, 9):
        assert root_from_nodes(size, get_node) == roots[size]
        for index in range(size):
            proof = inclusion_proof(index, size, get_node)
            assert root_from_inclusion_proof(leaves[index], index, size, proof) == roots[size]
        for size1 in range(1, size + 1):
            proof = consistency_proof(size1, size, get_node)
            verify_consistency(size1, size, proof, roots[size1], roots[size])
    assert asked


def test_generated_proofs_match_vector_happy_paths() -> None:
    """Our generated proofs are byte-identical to the vectors' (the 8-leaf reference tree)."""
    leaves, _ = _reference()
    tree = MemoryTree(leaves)
    compared = 0
    for path in CASES:
        case = json.loads(path.read_text())
        if case["wantErr"] or case["desc"] != "happy path":
            continue
        want = [_b64(p) for p in case["proof"] or []]
        if "leafIdx" in case and case["treeSize"] <= 8:
            got = tree.inclusion_proof(case["leafIdx"], case["treeSize"])
            if _b64(case["leafHash"]) == leaves[case["leafIdx"]]:
                assert got == want, path
                compared += 1
        elif (
            "size1" in case
            and case["size2"] <= 8
            and _b64(case["root2"]) == tree.root(case["size2"])
        ):
            assert tree.consistency_proof(case["size1"], case["size2"]) == want, path
            compared += 1
    assert compared >= 6, compared
