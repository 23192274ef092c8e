"""JSON shapes of Merkle-sum roots, group totals, proofs and openings (the browser reads these).

Hashes, salts and private bytes are lowercase hex; sums and counts are decimal strings, since
a JSON number loses precision past 2**53 and yen go to 2**63 - 1; indexes, sizes and the fiscal
year are JSON integers. Decoding is strict (exact keys, exact types): anything else is
SumProofError(MALFORMED). Ranges are the verifiers' to check, so a negative sum decodes and is
then refused as `negative`, the same in Python and in static/sumtree.js.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ramp.tlog.sumtree import (
    GroupKey,
    GroupTotal,
    InclusionProof,
    LineOpening,
    SumNode,
    SumProofError,
    SumRoot,
    SumTreeErrorCode,
)

_HEX_RE: Final = re.compile(r"(?:[0-9a-f]{2})*")
# An optional minus (so a negative reaches the range check), no leading zeros, no "-0";
# 20 digits hold 2**64, anything longer is not a number any field can take.
_DEC_RE: Final = re.compile(r"0|-?[1-9][0-9]{0,19}")

_NODE_KEYS: Final = frozenset({"hash", "sum_yen", "count"})
_ROOT_KEYS: Final = frozenset({"fiscal_year", "hash", "sum_yen", "count"})
_GROUP_KEYS: Final = frozenset({"organisation", "category", "hash", "sum_yen", "count"})
_PROOF_KEYS: Final = frozenset(
    {"organisation", "category", "line_index", "line_tree_size", "line_path",
     "group_index", "group_tree_size", "group_path"}
)  # fmt: skip
_OPENING_KEYS: Final = frozenset({"amount_yen", "count", "salt", "private"})


def _malformed(message: str) -> SumProofError:
    return SumProofError(SumTreeErrorCode.MALFORMED, message)


def _object(value: Any, keys: frozenset[str], what: str) -> dict[str, Any]:
    if type(value) is not dict or set(value) != keys:
        raise _malformed(f"{what} must be an object with keys {sorted(keys)}")
    return value


def _hex(value: Any, what: str) -> bytes:
    if type(value) is not str or not _HEX_RE.fullmatch(value):
        raise _malformed(f"{what} is not lowercase hex")
    return bytes.fromhex(value)


def _dec(value: Any, what: str) -> int:
    if type(value) is not str or not _DEC_RE.fullmatch(value):
        raise _malformed(f"{what} is not a decimal string")
    return int(value)


def _int(value: Any, what: str) -> int:
    # 2**53 - 1 bounds what JSON carries exactly in every reader, the browser's included.
    if type(value) is not int or not -(2**53 - 1) <= value <= 2**53 - 1:
        raise _malformed(f"{what} is not a JSON integer")
    return value


def _str(value: Any, what: str) -> str:
    if type(value) is not str:
        raise _malformed(f"{what} is not a string")
    return value


def _node_to(node: SumNode) -> dict[str, Any]:
    return {"hash": node.hash.hex(), "sum_yen": str(node.sum_yen), "count": str(node.count)}


def _node_from(value: Any, what: str) -> SumNode:
    obj = _object(value, _NODE_KEYS, what)
    return SumNode(
        _hex(obj["hash"], f"{what}.hash"),
        _dec(obj["sum_yen"], f"{what}.sum_yen"),
        _dec(obj["count"], f"{what}.count"),
    )


def root_to_wire(root: SumRoot) -> dict[str, Any]:
    return {
        "fiscal_year": root.fiscal_year,
        **_node_to(SumNode(root.hash, root.sum_yen, root.count)),
    }


def root_from_wire(value: Any) -> SumRoot:
    obj = _object(value, _ROOT_KEYS, "root")
    node = _node_from({k: obj[k] for k in _NODE_KEYS}, "root")
    return SumRoot(
        _int(obj["fiscal_year"], "root.fiscal_year"), node.hash, node.sum_yen, node.count
    )


def groups_to_wire(groups: tuple[GroupTotal, ...] | list[GroupTotal]) -> list[dict[str, Any]]:
    return [
        {"organisation": g.group.organisation, "category": g.group.category, **_node_to(g.node)}
        for g in groups
    ]


def groups_from_wire(value: Any) -> list[GroupTotal]:
    if type(value) is not list:
        raise _malformed("groups must be an array")
    out: list[GroupTotal] = []
    for i, item in enumerate(value):
        obj = _object(item, _GROUP_KEYS, f"groups[{i}]")
        key = GroupKey(_str(obj["organisation"], "organisation"), _str(obj["category"], "category"))
        out.append(GroupTotal(key, _node_from({k: obj[k] for k in _NODE_KEYS}, f"groups[{i}]")))
    return out


def proof_to_wire(proof: InclusionProof) -> dict[str, Any]:
    return {
        "organisation": proof.group.organisation,
        "category": proof.group.category,
        "line_index": proof.line_index,
        "line_tree_size": proof.line_tree_size,
        "line_path": [_node_to(n) for n in proof.line_path],
        "group_index": proof.group_index,
        "group_tree_size": proof.group_tree_size,
        "group_path": [_node_to(n) for n in proof.group_path],
    }


def _path_from(value: Any, what: str) -> tuple[SumNode, ...]:
    if type(value) is not list:
        raise _malformed(f"{what} must be an array")
    return tuple(_node_from(item, f"{what}[{i}]") for i, item in enumerate(value))


def proof_from_wire(value: Any) -> InclusionProof:
    obj = _object(value, _PROOF_KEYS, "proof")
    return InclusionProof(
        group=GroupKey(
            _str(obj["organisation"], "organisation"), _str(obj["category"], "category")
        ),
        line_index=_int(obj["line_index"], "line_index"),
        line_tree_size=_int(obj["line_tree_size"], "line_tree_size"),
        line_path=_path_from(obj["line_path"], "line_path"),
        group_index=_int(obj["group_index"], "group_index"),
        group_tree_size=_int(obj["group_tree_size"], "group_tree_size"),
        group_path=_path_from(obj["group_path"], "group_path"),
    )


def opening_to_wire(opening: LineOpening) -> dict[str, Any]:
    return {
        "amount_yen": str(opening.amount_yen),
        "count": str(opening.count),
        "salt": opening.salt.hex(),
        "private": opening.private_bytes.hex(),
    }


def opening_from_wire(value: Any) -> LineOpening:
    obj = _object(value, _OPENING_KEYS, "opening")
    return LineOpening(
        _dec(obj["amount_yen"], "amount_yen"),
        _dec(obj["count"], "count"),
        _hex(obj["salt"], "salt"),
        _hex(obj["private"], "private"),
    )
