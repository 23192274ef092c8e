"""Merkle-sum tree: known answers, boundaries, properties, and the browser verifier under node.

The known answers were derived by hand from docs/sumtree.md's byte layouts with hashlib alone
(see `_by_hand_*` below, which never calls the module). Tamper cases carry their expected code
written here; Python and static/sumtree.js must both give exactly that code. The vector file
tests/tlog/vectors/sumtree.json is `make_vectors()`'s output: regenerate it with
`.venv/bin/python tests/tlog/test_sumtree.py` after a deliberate change.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ramp.tlog import sumtree
from ramp.tlog.sumtree import (
    AMOUNT_MAX,
    GROUP_PROOF_MAX,
    GROUPS_MAX,
    LINE_PROOF_MAX,
    LINES_MAX,
    PRIVATE_BYTES_MAX,
    SUM_MAX,
    DuplicateLineError,
    GroupKey,
    GroupTotal,
    InvalidLineError,
    Line,
    LineNotFoundError,
    LineOpening,
    SumNode,
    SumOverflowError,
    SumProofError,
    SumRoot,
    SumTree,
    SumTreeError,
    SumTreeErrorCode,
    TreeLimitError,
    build,
    commitment,
    empty_root,
    verify_inclusion,
    verify_lines,
    verify_totals,
)
from ramp.tlog.sumtree_wire import (
    groups_from_wire,
    groups_to_wire,
    opening_from_wire,
    opening_to_wire,
    proof_from_wire,
    proof_to_wire,
    root_from_wire,
    root_to_wire,
)

ROOT_DIR = Path(__file__).resolve().parents[2]
SUMTREE_JS = ROOT_DIR / "src" / "ramp" / "web" / "static" / "sumtree.js"
NODE_RUNNER = Path(__file__).resolve().parent / "sumtree_node.js"
VECTORS = Path(__file__).resolve().parent / "vectors" / "sumtree.json"

FY = 2025
GSDF_EQUIPMENT = GroupKey("gsdf", "equipment")
AMOUNTS = [1_000, 2_000, 3_000, 4_000, 5_000]
Code = SumTreeErrorCode


def _salt(i: int) -> bytes:
    return i.to_bytes(32, "big") if i > 255 else bytes([i]) * 32


def _private(i: int) -> bytes:
    return f"payment-{i}".encode()


def _opening(i: int, amount_yen: int, count: int = 1) -> LineOpening:
    return LineOpening(amount_yen, count, _salt(i), _private(i))


def _line(i: int, group: GroupKey, amount_yen: int, count: int = 1) -> Line:
    return Line(group, commitment(_salt(i), _private(i)), amount_yen, count)


def _kat_lines(n: int) -> list[Line]:
    return [_line(i, GSDF_EQUIPMENT, AMOUNTS[i - 1]) for i in range(1, n + 1)]


_MULTI_SPEC: list[tuple[int, GroupKey, int, int]] = [
    (1, GroupKey("asdf", "fuel"), 1_000, 1),
    (2, GroupKey("asdf", "fuel"), 2_000, 1),
    (3, GroupKey("gsdf", "equipment"), 3_000, 1),
    (4, GroupKey("msdf", "ships"), 4_000, 1),
    (5, GroupKey("msdf", "ships"), 5_000, 3),  # a line aggregating three payments
]


def _multi_lines() -> list[Line]:
    return [_line(i, g, a, n) for i, g, a, n in _MULTI_SPEC]


# --------------------------------------------------------------------------- known answers

KAT_EMPTY_2025 = "489c40b3f778fddb23ea2593b96a4ef3784894388eedeb3ef15edc302e64b4e1"
KAT_COMMITMENT_1 = "8c33a67af52944fdc6668087fb258f11019a0d6bb24cd3f37f8644f342fcf80e"
KAT_LEAF_1 = "34ec6c27e6c35be589da7c57e801b0006ab35c2257f469f028bfbd7a448ebc5a"
# n lines of ("gsdf", "equipment"), fiscal year 2025: group root, then the year's root.
KAT_TREES = {
    1: ("34ec6c27e6c35be589da7c57e801b0006ab35c2257f469f028bfbd7a448ebc5a",
        "ba4eb790d4f8a13ebe66d4de3a8fc217ea713ec391ce0800b7d5783e92b02c7b", 1_000, 1),
    2: ("7f891baaf410895cb765608971eb1de21688a6e703905c671a35483685e5c85a",
        "ebf7c068fcc1e35cea490c5ce5110b4a1b5df67983fbb8a90afed57e95e52180", 3_000, 2),
    3: ("6efa8ca4a891865e79dc741072f26d3e6aa3de1ef6c79788db9e28d0a96caf88",
        "45aa9de155a91dc4206c75c62a03761721b1a74174375ffe29e4aba179401350", 6_000, 3),
    5: ("90f9418792a8a7227f62cca690266c2027ee37b482cf9a66dfe80d4a5bfaf170",
        "3cb7e9494e8c0b6e6d8c3b8f8a7c31e2ab79d4522ccce76de2c06068fd9daf7c", 15_000, 5),
}  # fmt: skip
KAT_MULTI_GROUPS = [
    ("asdf", "fuel", "7f891baaf410895cb765608971eb1de21688a6e703905c671a35483685e5c85a", 3_000, 2),
    ("gsdf", "equipment", "4ea9dda03a03ab22238dc71e079ae2982fafcd283939309ddce13fa04d859af0", 3_000, 1),
    ("msdf", "ships", "718dade130c25287ffec8228d95b2db6a76665e2abb8bcfb62bc78d74557d80c", 9_000, 4),
]  # fmt: skip
KAT_MULTI_ROOT = ("0ab663f4a6afdce9baeb5f145e5923265de97ae72dfc750ed7cb6b25042de166", 15_000, 7)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _by_hand_node(
    left: tuple[bytes, int, int], right: tuple[bytes, int, int]
) -> tuple[bytes, int, int]:
    lh, ls, lc = left
    rh, rs, rc = right
    preimage = b"\x11" + lh + ls.to_bytes(8, "big") + lc.to_bytes(8, "big")
    preimage += rh + rs.to_bytes(8, "big") + rc.to_bytes(8, "big")
    assert len(preimage) == 1 + 2 * (32 + 8 + 8)
    return _h(preimage), ls + rs, lc + rc


def _by_hand_mth(nodes: list[tuple[bytes, int, int]]) -> tuple[bytes, int, int]:
    if len(nodes) == 1:
        return nodes[0]
    k = 1
    while k * 2 < len(nodes):
        k *= 2
    return _by_hand_node(_by_hand_mth(nodes[:k]), _by_hand_mth(nodes[k:]))


def _by_hand_group_leaf(org: str, cat: str, g: tuple[bytes, int, int]) -> tuple[bytes, int, int]:
    o, c = org.encode(), cat.encode()
    preimage = b"\x12" + FY.to_bytes(2, "big") + bytes([len(o)]) + o + bytes([len(c)]) + c
    preimage += g[0] + g[1].to_bytes(8, "big") + g[2].to_bytes(8, "big")
    return _h(preimage), g[1], g[2]


def test_known_answers_for_commitment_leaf_and_empty_root() -> None:
    assert commitment(_salt(1), _private(1)).hex() == KAT_COMMITMENT_1
    assert (
        _h(b"RAMP-SUMTREE-V1-COMMITMENT\x00" + b"\x01" * 32 + b"payment-1").hex()
        == KAT_COMMITMENT_1
    )
    assert sumtree.line_leaf_hash(bytes.fromhex(KAT_COMMITMENT_1), 1_000, 1).hex() == KAT_LEAF_1
    assert empty_root(FY) == SumRoot(FY, bytes.fromhex(KAT_EMPTY_2025), 0, 0)
    assert _h(b"\x13\x07\xe9").hex() == KAT_EMPTY_2025  # 2025 = 0x07e9


@pytest.mark.parametrize("n", sorted(KAT_TREES))
def test_known_answer_trees(n: int) -> None:
    group_hex, root_hex, total, count = KAT_TREES[n]
    tree = build(FY, _kat_lines(n))
    assert tree.groups == (
        GroupTotal(GSDF_EQUIPMENT, SumNode(bytes.fromhex(group_hex), total, count)),
    )
    assert tree.root == SumRoot(FY, bytes.fromhex(root_hex), total, count)
    # The same answer by hand: leaves sorted by commitment, RFC 6962 split, then the group leaf.
    leaves = sorted((commitment(_salt(i), _private(i)), AMOUNTS[i - 1]) for i in range(1, n + 1))
    by_hand = _by_hand_mth(
        [(_h(b"\x10" + c + a.to_bytes(8, "big") + (1).to_bytes(8, "big")), a, 1) for c, a in leaves]
    )
    assert by_hand == (bytes.fromhex(group_hex), total, count)
    assert _by_hand_group_leaf("gsdf", "equipment", by_hand)[0].hex() == root_hex


def test_known_answer_three_groups() -> None:
    tree = build(FY, _multi_lines())
    assert [(g.group.organisation, g.group.category, g.node.hash.hex(), g.node.sum_yen, g.node.count)
            for g in tree.groups] == KAT_MULTI_GROUPS  # fmt: skip
    assert (tree.root.hash.hex(), tree.root.sum_yen, tree.root.count) == KAT_MULTI_ROOT
    leaves = [
        _by_hand_group_leaf(o, c, (bytes.fromhex(h), s, n)) for o, c, h, s, n in KAT_MULTI_GROUPS
    ]
    assert _by_hand_mth(leaves) == (bytes.fromhex(KAT_MULTI_ROOT[0]), 15_000, 7)


# --------------------------------------------------------------------------- boundaries


def test_zero_lines_is_the_empty_root() -> None:
    tree = build(FY, [])
    assert tree.root == empty_root(FY) and tree.groups == ()
    verify_totals(tree.root, [])
    verify_lines(tree.root, [])
    with pytest.raises(SumProofError) as err:
        verify_totals(replace(empty_root(FY), fiscal_year=FY + 1), [])  # it binds its year
    assert err.value.code == Code.ROOT_MISMATCH


def test_one_line_proof_is_empty_and_verifies() -> None:
    tree = build(FY, _kat_lines(1))
    proof = tree.inclusion_proof(_kat_lines(1)[0].commitment)
    assert proof.line_path == () and proof.group_path == ()
    verify_inclusion(tree.root, _opening(1, 1_000), proof)
    verify_totals(tree.root, tree.groups)


def test_max_amount_is_counted() -> None:
    lines = [_line(1, GSDF_EQUIPMENT, AMOUNT_MAX), _line(2, GroupKey("msdf", "ships"), 0)]
    tree = build(FY, lines)
    assert tree.root.sum_yen == AMOUNT_MAX == SUM_MAX
    for i, line in enumerate(lines, start=1):
        verify_inclusion(
            tree.root, _opening(i, line.amount_yen), tree.inclusion_proof(line.commitment)
        )
    verify_totals(tree.root, tree.groups)


@pytest.mark.parametrize("same_group", [True, False], ids=["within_group", "across_groups"])
def test_overflow_is_refused(same_group: bool) -> None:
    other = GSDF_EQUIPMENT if same_group else GroupKey("msdf", "ships")
    with pytest.raises(SumOverflowError) as err:
        build(FY, [_line(1, GSDF_EQUIPMENT, AMOUNT_MAX), _line(2, other, 1)])
    assert err.value.code == Code.SUM_OVERFLOW


def test_count_overflow_is_refused() -> None:
    with pytest.raises(SumOverflowError):
        build(FY, [_line(1, GSDF_EQUIPMENT, 1, 2**63 - 1), _line(2, GSDF_EQUIPMENT, 1, 1)])


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("amount_yen", -1, Code.NEGATIVE),
        ("amount_yen", AMOUNT_MAX + 1, Code.OUT_OF_RANGE),
        ("amount_yen", 1000.0, Code.NOT_INTEGER),
        ("amount_yen", True, Code.NOT_INTEGER),
        ("amount_yen", "1000", Code.NOT_INTEGER),
        ("count", 0, Code.ZERO_COUNT),
        ("count", -2, Code.NEGATIVE),
        ("commitment", b"\x00" * 31, Code.BAD_HASH_LENGTH),
        ("group", GroupKey("GSDF", "equipment"), Code.BAD_LABEL),
        ("group", GroupKey("gsdf", ""), Code.BAD_LABEL),
        ("group", GroupKey("gsdf", "a" * 65), Code.BAD_LABEL),
        ("group", GroupKey("gsdf", "装備"), Code.BAD_LABEL),
    ],
)
def test_invalid_line_is_refused(field: str, value: object, code: Code) -> None:
    bad = replace(_line(1, GSDF_EQUIPMENT, 1_000), **{field: value})
    with pytest.raises(InvalidLineError) as err:
        build(FY, [_line(2, GSDF_EQUIPMENT, 5), bad])
    assert err.value.code == code


@pytest.mark.parametrize("fiscal_year", [1946, 10_000, 2025.0, "2025"])
def test_bad_fiscal_year_is_refused(fiscal_year: object) -> None:
    with pytest.raises(InvalidLineError) as err:
        build(fiscal_year, [])  # type: ignore[arg-type]
    assert err.value.code == Code.BAD_FISCAL_YEAR


def test_commitment_inputs_are_bounded() -> None:
    with pytest.raises(InvalidLineError) as err:
        commitment(b"\x00" * 31, b"")
    assert err.value.code == Code.BAD_SALT_LENGTH
    commitment(b"\x00" * 32, b"x" * PRIVATE_BYTES_MAX)
    with pytest.raises(InvalidLineError) as err:
        commitment(b"\x00" * 32, b"x" * (PRIVATE_BYTES_MAX + 1))
    assert err.value.code == Code.PRIVATE_TOO_LARGE


@pytest.mark.parametrize("same_group", [True, False], ids=["within_group", "across_groups"])
def test_duplicate_line_is_refused(same_group: bool) -> None:
    first = _line(1, GSDF_EQUIPMENT, 1_000)
    again = first if same_group else replace(first, group=GroupKey("msdf", "ships"), amount_yen=7)
    with pytest.raises(DuplicateLineError) as err:
        build(FY, [first, _line(2, GSDF_EQUIPMENT, 5), again])
    assert err.value.code == Code.DUPLICATE_LINE


def test_limits_are_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert 2**LINE_PROOF_MAX == LINES_MAX and 2**GROUP_PROOF_MAX == GROUPS_MAX
    monkeypatch.setattr(sumtree, "LINES_MAX", 8)
    consumed = []

    def lines() -> Any:
        for i in range(1, 100):
            consumed.append(i)
            yield _line(i, GSDF_EQUIPMENT, 1)

    with pytest.raises(TreeLimitError) as err:
        build(FY, lines())
    assert err.value.code == Code.TOO_MANY_LINES and len(consumed) == 9  # stops at the first over
    build(FY, (_line(i, GSDF_EQUIPMENT, 1) for i in range(1, 9)))


def test_too_many_groups_is_refused() -> None:
    lines = [_line(i + 1, GroupKey("gsdf", f"c{i}"), 1) for i in range(GROUPS_MAX + 1)]
    with pytest.raises(TreeLimitError) as err:
        build(FY, lines)
    assert err.value.code == Code.TOO_MANY_GROUPS
    tree = build(FY, lines[:GROUPS_MAX])
    proof = tree.inclusion_proof(lines[0].commitment)
    assert len(proof.group_path) == GROUP_PROOF_MAX
    verify_inclusion(tree.root, _opening(1, 1), proof)
    verify_totals(tree.root, tree.groups)


def test_unknown_line_has_no_proof() -> None:
    with pytest.raises(LineNotFoundError) as err:
        build(FY, _kat_lines(3)).inclusion_proof(commitment(_salt(9), _private(9)))
    assert err.value.code == Code.LINE_NOT_FOUND


def test_errors_are_precise_types() -> None:
    for cls in (InvalidLineError, DuplicateLineError, TreeLimitError, SumOverflowError,
                LineNotFoundError, SumProofError):  # fmt: skip
        assert issubclass(cls, SumTreeError) and cls is not Exception
    assert not issubclass(SumOverflowError, SumProofError)


def test_auditor_rebuild_detects_any_changed_line() -> None:
    lines = _multi_lines()
    root = build(FY, lines).root
    verify_lines(root, reversed(lines))
    with pytest.raises(SumProofError) as err:
        verify_lines(root, [replace(lines[0], amount_yen=999)] + lines[1:])
    assert err.value.code == Code.ROOT_MISMATCH


# --------------------------------------------------------------------------- properties

_GROUPS = [GroupKey(o, c) for o in ("asdf", "gsdf", "msdf") for c in ("equipment", "fuel")]


@st.composite
def _year(draw: st.DrawFn, min_size: int = 1) -> list[tuple[int, Line]]:
    n = draw(st.integers(min_size, 24))
    out = []
    for i in range(1, n + 1):
        group = draw(st.sampled_from(_GROUPS))
        amount = draw(st.integers(0, 10**15))
        count = draw(st.integers(1, 5))
        out.append((i, _line(i, group, amount, count)))
    return out


def _open(i: int, line: Line) -> LineOpening:
    return _opening(i, line.amount_yen, line.count)


def _refused(check: Callable[[], None]) -> Code:
    with pytest.raises(SumProofError) as err:
        check()
    return err.value.code


@settings(max_examples=40, deadline=None)
@given(_year(min_size=0), st.randoms(use_true_random=False))
def test_root_is_independent_of_insertion_order(
    year: list[tuple[int, Line]], rnd: random.Random
) -> None:
    lines = [line for _, line in year]
    shuffled = lines[:]
    rnd.shuffle(shuffled)
    a, b = build(FY, lines), build(FY, shuffled)
    assert a.root == b.root and a.groups == b.groups
    assert a.root.sum_yen == sum(line.amount_yen for line in lines)
    assert a.root.count == sum(line.count for line in lines)


@settings(max_examples=40, deadline=None)
@given(_year())
def test_every_line_proof_verifies_and_totals_add_up(year: list[tuple[int, Line]]) -> None:
    tree = build(FY, [line for _, line in year])
    for i, line in year:
        proof = tree.inclusion_proof(line.commitment)
        assert proof.group == line.group
        verify_inclusion(tree.root, _open(i, line), proof)
    verify_totals(tree.root, tree.groups)
    assert sum(g.node.sum_yen for g in tree.groups) == tree.root.sum_yen


def _bump_node(node: SumNode, field: str) -> SumNode:
    if field == "hash":
        return replace(node, hash=bytes([node.hash[0] ^ 1]) + node.hash[1:])
    return replace(node, **{field: getattr(node, field) + 1})


@settings(max_examples=60, deadline=None)
@given(_year(), st.data())
def test_any_tampered_proof_fails(year: list[tuple[int, Line]], data: st.DataObject) -> None:
    tree = build(FY, [line for _, line in year])
    i, line = data.draw(st.sampled_from(year))
    opening, proof = _open(i, line), tree.inclusion_proof(line.commitment)
    tampers: list[tuple[SumRoot, LineOpening, sumtree.InclusionProof]] = [
        (tree.root, replace(opening, amount_yen=opening.amount_yen + 1), proof),
        (tree.root, replace(opening, count=opening.count + 1), proof),
        (
            tree.root,
            replace(opening, salt=bytes([opening.salt[0] ^ 0x80]) + opening.salt[1:]),
            proof,
        ),
        (tree.root, replace(opening, private_bytes=opening.private_bytes + b" "), proof),
        (tree.root, opening, replace(proof, group=GroupKey("zz", "equipment"))),
        (replace(tree.root, fiscal_year=FY + 1), opening, proof),
        (replace(tree.root, sum_yen=tree.root.sum_yen + 1), opening, proof),
        (replace(tree.root, count=tree.root.count + 1), opening, proof),
    ]
    for path_name in ("line_path", "group_path"):
        path: tuple[SumNode, ...] = getattr(proof, path_name)
        for k in range(len(path)):
            for field in ("hash", "sum_yen", "count"):
                bumped = path[:k] + (_bump_node(path[k], field),) + path[k + 1 :]
                tampers.append((tree.root, opening, replace(proof, **{path_name: bumped})))
            negative = path[:k] + (replace(path[k], sum_yen=-path[k].sum_yen - 1),) + path[k + 1 :]
            tampers.append((tree.root, opening, replace(proof, **{path_name: negative})))
            dropped = path[:k] + path[k + 1 :]
            tampers.append((tree.root, opening, replace(proof, **{path_name: dropped})))
            doubled = path[: k + 1] + path[k:]
            tampers.append((tree.root, opening, replace(proof, **{path_name: doubled})))
        for k in range(len(path) - 1):
            swapped = path[:k] + (path[k + 1], path[k]) + path[k + 2 :]
            tampers.append((tree.root, opening, replace(proof, **{path_name: swapped})))
    # Another position for the same siblings: a swap of left and right at some level.
    size = proof.line_tree_size
    if size > 1:
        moved = replace(proof, line_index=(proof.line_index + 1) % size)
        tampers.append((tree.root, opening, moved))
    for root, bad_opening, bad_proof in tampers:
        _refused(lambda r=root, o=bad_opening, p=bad_proof: verify_inclusion(r, o, p))


@settings(max_examples=60, deadline=None)
@given(_year(), st.data())
def test_any_tampered_totals_fail(year: list[tuple[int, Line]], data: st.DataObject) -> None:
    tree = build(FY, [line for _, line in year])
    groups = list(tree.groups)
    k = data.draw(st.integers(0, len(groups) - 1))
    bad: list[list[GroupTotal]] = [
        groups[:k] + groups[k + 1 :],  # a group removed
        groups[: k + 1] + groups[k:],  # a group duplicated
    ]
    for field in ("hash", "sum_yen", "count"):
        bad.append(
            groups[:k]
            + [replace(groups[k], node=_bump_node(groups[k].node, field))]
            + groups[k + 1 :]
        )
    negative = replace(groups[k].node, sum_yen=-1)
    bad.append(groups[:k] + [replace(groups[k], node=negative)] + groups[k + 1 :])
    if len(groups) > 1:
        j = (k + 1) % len(groups)
        swapped = groups[:]
        swapped[k], swapped[j] = swapped[j], swapped[k]
        bad.append(swapped)
        # Yen shifted between two groups: the total is unchanged, the commitments are not.
        shifted = groups[:]
        donor = next((x for x in range(len(groups)) if groups[x].node.sum_yen > 0 and x != k), None)
        if donor is not None:
            shifted[donor] = replace(
                groups[donor],
                node=replace(groups[donor].node, sum_yen=groups[donor].node.sum_yen - 1),
            )
            shifted[k] = replace(
                groups[k], node=replace(groups[k].node, sum_yen=groups[k].node.sum_yen + 1)
            )
            bad.append(shifted)
    for groups_bad in bad:
        _refused(lambda g=groups_bad: verify_totals(tree.root, g))


@settings(max_examples=30, deadline=None)
@given(_year(min_size=2), st.data())
def test_dropped_or_duplicated_line_fails(
    year: list[tuple[int, Line]], data: st.DataObject
) -> None:
    lines = [line for _, line in year]
    honest = build(FY, lines)
    k = data.draw(st.integers(0, len(year) - 1))
    i, gone = year[k]
    dropped = build(FY, lines[:k] + lines[k + 1 :])
    # The contractor of the dropped line: its proof no longer reaches the published root.
    _refused(
        lambda: verify_inclusion(
            dropped.root, _open(i, gone), honest.inclusion_proof(gone.commitment)
        )
    )
    with pytest.raises(LineNotFoundError):
        dropped.inclusion_proof(gone.commitment)
    # The public: the smaller tree's totals do not verify against the committed root.
    _refused(lambda: verify_totals(honest.root, dropped.groups))
    # A forged group tree counting one leaf twice (the builder refuses it; forged by hand).
    group = gone.group
    members = sorted((x for x in lines if x.group == group), key=lambda x: x.commitment)
    leaves = [
        (sumtree.line_leaf_hash(x.commitment, x.amount_yen, x.count), x.amount_yen, x.count)
        for x in members
    ]
    forged_leaves = sorted(leaves + [leaves[0]])
    h, s, c = _by_hand_mth(forged_leaves)
    forged = [g if g.group != group else GroupTotal(group, SumNode(h, s, c)) for g in honest.groups]
    _refused(lambda: verify_totals(honest.root, forged))


# --------------------------------------------------------------------------- wire cases


def _case(name: str, kind: str, expect: str | None, **fields: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "expect": expect, **fields}


def _inclusion_cases(
    tag: str, tree: SumTree, i: int, line: Line, *, tampered: bool = True
) -> list[dict[str, Any]]:
    root = root_to_wire(tree.root)
    opening = opening_to_wire(_open(i, line))
    proof = proof_to_wire(tree.inclusion_proof(line.commitment))
    cases = [_case(f"{tag}/honest", "inclusion", None, root=root, opening=opening, proof=proof)]
    if not tampered:
        return cases

    def add(name: str, expect: str, mutate: Callable[[dict[str, Any]], None]) -> None:
        c = copy.deepcopy({"root": root, "opening": opening, "proof": proof})
        mutate(c)
        cases.append(_case(f"{tag}/{name}", "inclusion", expect, **c))

    def flip(hex_value: str) -> str:
        return f"{int(hex_value[:2], 16) ^ 1:02x}{hex_value[2:]}"

    def setter(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
        def mutate(c: dict[str, Any]) -> None:
            target = c
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value(target[keys[-1]]) if callable(value) else value

        return mutate

    inc = lambda v: str(int(v) + 1)  # noqa: E731
    add("amount_plus_one", "root_mismatch", setter("opening", "amount_yen", value=inc))
    add("amount_negative", "negative", setter("opening", "amount_yen", value="-1"))
    add("amount_too_large", "out_of_range", setter("opening", "amount_yen", value=str(2**63)))
    add("amount_as_number", "malformed", setter("opening", "amount_yen", value=line.amount_yen))
    add("count_plus_one", "root_mismatch", setter("opening", "count", value=inc))
    add("count_zero", "zero_count", setter("opening", "count", value="0"))
    add("salt_altered", "root_mismatch", setter("opening", "salt", value=flip))
    add("salt_short", "bad_salt_length", setter("opening", "salt", value=lambda s: s[2:]))
    add("salt_uppercase", "malformed", setter("opening", "salt", value=lambda s: "AB" + s[2:]))
    add("private_altered", "root_mismatch", setter("opening", "private", value=lambda s: s + "20"))
    add("root_hash_altered", "root_mismatch", setter("root", "hash", value=flip))
    add("root_sum_plus_one", "sum_mismatch", setter("root", "sum_yen", value=inc))
    add("root_count_plus_one", "count_mismatch", setter("root", "count", value=inc))
    add("root_other_year", "root_mismatch", setter("root", "fiscal_year", value=FY + 1))
    add("root_bad_year", "bad_fiscal_year", setter("root", "fiscal_year", value=1900))
    add("root_extra_key", "malformed", setter("root", "note", value="x"))
    add("other_organisation", "root_mismatch", setter("proof", "organisation", value="zz"))
    add("bad_label", "bad_label", setter("proof", "organisation", value="GSDF"))
    size = proof["line_tree_size"]
    add("size_zero", "size_out_of_range", setter("proof", "line_tree_size", value=0))
    add(
        "size_over_limit",
        "size_out_of_range",
        setter("proof", "line_tree_size", value=LINES_MAX + 1),
    )
    add("index_at_size", "index_out_of_range", setter("proof", "line_index", value=size))
    add("group_size_over_limit", "size_out_of_range",
        setter("proof", "group_tree_size", value=GROUPS_MAX + 1))  # fmt: skip
    if size > 1:
        other = (proof["line_index"] + 1) % size
        same_length = len(sumtree._sibling_on_left(other, size)) == len(proof["line_path"])
        add("index_moved", "root_mismatch" if same_length else "wrong_proof_length",
            setter("proof", "line_index", value=other))  # fmt: skip
    for path_name in ("line_path", "group_path"):
        path = proof[path_name]
        if not path:
            add(f"{path_name}_extra", "wrong_proof_length",
                setter("proof", path_name, value=[{"hash": "00" * 32, "sum_yen": "0", "count": "1"}]))  # fmt: skip
            continue
        p = path_name
        add(f"{p}_hash_altered", "root_mismatch", setter("proof", p, 0, "hash", value=flip))
        add(f"{p}_sum_plus_one", "root_mismatch", setter("proof", p, 0, "sum_yen", value=inc))
        add(f"{p}_count_plus_one", "root_mismatch", setter("proof", p, 0, "count", value=inc))
        add(
            f"{p}_sum_negative",
            "negative",
            setter("proof", p, 0, "sum_yen", value=lambda v: f"-{v}" if v != "0" else "-1"),
        )
        add(f"{p}_count_zero", "zero_count", setter("proof", p, 0, "count", value="0"))
        # The rest of the year plus SUM_MAX passes the limit unless the rest is 0 yen.
        rest = tree.root.sum_yen - int(path[0]["sum_yen"])
        add(f"{p}_sum_overflows", "sum_overflow" if rest > 0 else "root_mismatch",
            setter("proof", p, 0, "sum_yen", value=str(SUM_MAX)))  # fmt: skip
        add(
            f"{p}_hash_short",
            "bad_hash_length",
            setter("proof", p, 0, "hash", value=lambda v: v[2:]),
        )
        add(f"{p}_dropped", "wrong_proof_length", setter("proof", p, value=lambda v: v[1:]))
        add(f"{p}_duplicated", "wrong_proof_length", setter("proof", p, value=lambda v: v[:1] + v))
        add(f"{p}_not_array", "malformed", setter("proof", p, value={}))
        if len(path) > 1:
            add(
                f"{p}_swapped",
                "root_mismatch",
                setter("proof", p, value=lambda v: [v[1], v[0], *v[2:]]),
            )
    return cases


def _totals_cases(tag: str, tree: SumTree) -> list[dict[str, Any]]:
    root = root_to_wire(tree.root)
    groups = groups_to_wire(tree.groups)
    cases = [_case(f"{tag}/honest", "totals", None, root=root, groups=groups)]

    def add(name: str, expect: str, new_root: dict[str, Any], new_groups: Any) -> None:
        cases.append(_case(f"{tag}/{name}", "totals", expect, root=new_root, groups=new_groups))

    def with_group(k: int, **fields: Any) -> list[dict[str, Any]]:
        out = copy.deepcopy(groups)
        out[k].update(fields)
        return out

    add(
        "root_sum_plus_one",
        "sum_mismatch",
        {**root, "sum_yen": str(int(root["sum_yen"]) + 1)},
        groups,
    )
    add(
        "root_count_plus_one",
        "count_mismatch",
        {**root, "count": str(int(root["count"]) + 1)},
        groups,
    )
    add("root_other_year", "root_mismatch", {**root, "fiscal_year": FY + 1}, groups)
    add("groups_not_array", "malformed", root, {"groups": groups})
    if not groups:
        add("group_added", "root_mismatch", root, [{"organisation": "gsdf", "category": "fuel",
            "hash": "00" * 32, "sum_yen": "0", "count": "1"}])  # fmt: skip
        return cases
    g0 = groups[0]
    add("group_removed", "root_mismatch", root, groups[1:])
    add("group_duplicated", "group_order", root, [g0, *groups])
    add(
        "group_sum_plus_one",
        "root_mismatch",
        root,
        with_group(0, sum_yen=str(int(g0["sum_yen"]) + 1)),
    )
    add(
        "group_count_plus_one",
        "root_mismatch",
        root,
        with_group(0, count=str(int(g0["count"]) + 1)),
    )
    add("group_hash_altered", "root_mismatch", root,
        with_group(0, hash=f"{int(g0['hash'][:2], 16) ^ 1:02x}{g0['hash'][2:]}"))  # fmt: skip
    add("group_sum_negative", "negative", root, with_group(0, sum_yen="-1"))
    add("group_count_zero", "zero_count", root, with_group(0, count="0"))
    add("group_hash_short", "bad_hash_length", root, with_group(0, hash=g0["hash"][2:]))
    add("group_relabelled", "root_mismatch", root, with_group(len(groups) - 1, category="zzz"))
    add("group_bad_label", "bad_label", root, with_group(0, organisation="A B"))
    add("group_sum_as_number", "malformed", root, with_group(0, sum_yen=0))
    if len(groups) > 1:
        add("groups_swapped", "group_order", root, [groups[1], g0, *groups[2:]])
        rest = tree.root.sum_yen - int(g0["sum_yen"])
        add("group_sum_overflows", "sum_overflow" if rest > 0 else "root_mismatch", root,
            with_group(0, sum_yen=str(SUM_MAX)))  # fmt: skip
        shifted = with_group(0, sum_yen=str(int(g0["sum_yen"]) + 1))
        shifted[1]["sum_yen"] = str(int(shifted[1]["sum_yen"]) - 1)
        add("yen_shifted_between_groups", "root_mismatch" if int(groups[1]["sum_yen"]) > 0 else "negative",
            root, shifted)  # fmt: skip
    return cases


def make_vectors() -> dict[str, Any]:
    """The vector file's content: known-answer trees and every tamper case, with expectations."""
    cases: list[dict[str, Any]] = [
        _case("commitment/1", "commitment", None, salt=_salt(1).hex(), private=_private(1).hex(),
              value=KAT_COMMITMENT_1),
        _case("commitment/short_salt", "commitment", "bad_salt_length", salt="00" * 31, private="", value=None),
        _case("empty_root/2025", "empty_root", None, fiscal_year=FY, value=KAT_EMPTY_2025),
        _case("empty_root/1900", "empty_root", "bad_fiscal_year", fiscal_year=1900, value=None),
    ]  # fmt: skip
    cases += _totals_cases("empty/totals", build(FY, []))
    one = build(FY, _kat_lines(1))
    big = opening_to_wire(replace(_opening(1, 1_000), private_bytes=b"x" * (PRIVATE_BYTES_MAX + 1)))
    cases.append(
        _case(
            "kat1/private_too_large",
            "inclusion",
            "private_too_large",
            root=root_to_wire(one.root),
            opening=big,
            proof=proof_to_wire(one.inclusion_proof(_kat_lines(1)[0].commitment)),
        )
    )
    trees = {
        f"kat{n}": (build(FY, _kat_lines(n)), list(enumerate(_kat_lines(n), start=1)))
        for n in sorted(KAT_TREES)
    }
    trees["multi"] = (
        build(FY, _multi_lines()),
        [(i, _line(i, g, a, n)) for i, g, a, n in _MULTI_SPEC],
    )
    for tag, (tree, numbered) in trees.items():
        cases += _totals_cases(f"{tag}/totals", tree)
        # Every line's proof verifies; the first and last lines (the two edges) are also tampered.
        for k, (i, line) in enumerate(numbered):
            edge = k in (0, len(numbered) - 1)
            cases += _inclusion_cases(f"{tag}/line{i}", tree, i, line, tampered=edge)
    return {
        "description": "RAMP Merkle-sum tree vectors (docs/sumtree.md); produced by tests/tlog/test_sumtree.py",
        "fiscal_year": FY,
        "cases": cases,
    }


def _python_result(case: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    try:
        if case["kind"] == "inclusion":
            root, opening, proof = (
                root_from_wire(case["root"]),
                opening_from_wire(case["opening"]),
                proof_from_wire(case["proof"]),
            )
            verify_inclusion(root, opening, proof)
            return True, None, None
        if case["kind"] == "totals":
            verify_totals(root_from_wire(case["root"]), groups_from_wire(case["groups"]))
            return True, None, None
        if case["kind"] == "commitment":
            return (
                True,
                None,
                commitment(bytes.fromhex(case["salt"]), bytes.fromhex(case["private"])).hex(),
            )
        if case["kind"] == "empty_root":
            return True, None, empty_root(case["fiscal_year"]).hash.hex()
    except SumTreeError as exc:
        return False, str(exc.code), None
    raise AssertionError(f"unknown case kind {case['kind']}")


def _run_node(cases: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node is not None, "node is required: the browser verifier must run, never skip"
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases))
    done = subprocess.run(
        [node, str(NODE_RUNNER), str(SUMTREE_JS), str(cases_file)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(cases)
    return results


def _expectation(case: dict[str, Any]) -> tuple[bool, str | None]:
    return case["expect"] is None, case["expect"]


def test_vector_file_is_current() -> None:
    assert VECTORS.is_file(), f"missing {VECTORS}: run this file as a script to write it"
    assert json.loads(VECTORS.read_text()) == make_vectors()


def test_python_agrees_with_the_vector_file() -> None:
    cases = json.loads(VECTORS.read_text())["cases"]
    assert len(cases) > 300
    for case in cases:
        ok, code, value = _python_result(case)
        assert (ok, code) == _expectation(case), case["name"]
        if case.get("value") is not None:
            assert value == case["value"], case["name"]


def test_javascript_agrees_with_the_vector_file(tmp_path: Path) -> None:
    cases = json.loads(VECTORS.read_text())["cases"]
    for case, result in zip(cases, _run_node(cases, tmp_path), strict=True):
        assert (result["ok"], result["code"]) == _expectation(case), case["name"]
        if case.get("value") is not None:
            assert result["value"] == case["value"], case["name"]


def test_javascript_agrees_with_python_on_random_years(tmp_path: Path) -> None:
    """Random years (seeded) with large amounts, every line's cases and a too-long group list."""
    rnd = random.Random(20250401)
    cases: list[dict[str, Any]] = []
    for year in range(12):
        numbered = []
        for i in range(1, rnd.randint(1, 40) + 1):
            amount = rnd.choice([0, 1, rnd.randint(0, 10**6), rnd.randint(0, 2**56)])
            numbered.append((i, _line(i, rnd.choice(_GROUPS), amount, rnd.randint(1, 9))))
        tree = build(FY, [line for _, line in numbered])
        cases += _totals_cases(f"random{year}/totals", tree)
        for i, line in rnd.sample(numbered, min(4, len(numbered))):
            cases += _inclusion_cases(f"random{year}/line{i}", tree, i, line)
    many = [{"organisation": "gsdf", "category": f"c{i:05d}", "hash": "00" * 32, "sum_yen": "1", "count": "1"}
            for i in range(GROUPS_MAX + 1)]  # fmt: skip
    cases.append(
        _case(
            "too_many_groups",
            "totals",
            "too_many_groups",
            root=root_to_wire(empty_root(FY)),
            groups=many,
        )
    )
    results = _run_node(cases, tmp_path)
    for case, result in zip(cases, results, strict=True):
        ok, code, _ = _python_result(case)
        assert (ok, code) == _expectation(case), case["name"]
        assert (result["ok"], result["code"]) == (ok, code), case["name"]


if __name__ == "__main__":
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    # One case a line: small enough to diff, no indentation to weigh it down.
    vectors = make_vectors()
    body = ",\n".join(json.dumps(c, sort_keys=True) for c in vectors.pop("cases"))
    head = json.dumps(vectors, sort_keys=True)[:-1]
    VECTORS.write_text(f'{head}, "cases": [\n{body}\n]}}\n')
    print(f"wrote {VECTORS}")
