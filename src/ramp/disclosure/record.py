"""The log record that publishes a fiscal year's Merkle-sum root: `disclosure.sumtree`, public.

Its body is the root and every group total in the wire shapes of `ramp.tlog.sumtree_wire`, with
the fiscal year and the log size whose payments it covers (every line of the year committed
below that size, `disclosure/payment.py`):

    {"fiscal_year": 2025, "log_size": 21850,
     "root": {"fiscal_year": 2025, "hash": "…", "sum_yen": "…", "count": "…"},
     "groups": [{"organisation": "asdf", "category": "iamd", "hash": "…", "sum_yen": "…", "count": "…"}, …]}

Ids are `disclosure.sumtree.fy<year>.<n>`, n = 1, 2, … per year; the latest root of a year is
its record with the highest seq. A ledger record body is at most 8 KiB
(`ledger.model.RECORD_BODY_MAX_BYTES`): some 50 groups of typical labels, about 27 of the
longest (64-character) ones. A year with more is refused (`disclosure_too_many_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import msgspec

from ramp.ledger import AppendRecord
from ramp.ledger.events import RecordAppended
from ramp.ledger.model import JSON_SAFE_INT, RECORD_BODY_MAX_BYTES
from ramp.refusal import Kind, Refused
from ramp.tlog import sumtree_wire
from ramp.tlog.sumtree import GroupTotal, SumProofError, SumRoot, SumTreeErrorCode, verify_totals

RECORD_TYPE: Final = "disclosure.sumtree"  # public: the classifier keeps its body in the leaf
_BODY_KEYS: Final = frozenset({"fiscal_year", "log_size", "root", "groups"})


def record_id(fiscal_year: int, n: int) -> str:
    assert n >= 1
    return f"{RECORD_TYPE}.fy{fiscal_year}.{n}"


def body(fiscal_year: int, log_size: int, root: SumRoot, groups: tuple[GroupTotal, ...]) -> dict[str, Any]:
    assert root.fiscal_year == fiscal_year and 0 <= log_size <= JSON_SAFE_INT
    return {"fiscal_year": fiscal_year, "log_size": log_size, "root": sumtree_wire.root_to_wire(root),
            "groups": sumtree_wire.groups_to_wire(groups)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Published:
    """A body decoded: the root, its groups, and the log size whose lines it covers."""

    fiscal_year: int
    log_size: int
    root: SumRoot
    groups: tuple[GroupTotal, ...]


def decode_body(value: Any) -> Published:
    """Strict: exact keys and types (SumProofError `malformed`), the root's year the body's."""
    if type(value) is not dict or set(value) != _BODY_KEYS:
        raise SumProofError(SumTreeErrorCode.MALFORMED, f"a {RECORD_TYPE} body has keys {sorted(_BODY_KEYS)}")
    fy, log_size = value["fiscal_year"], value["log_size"]
    if type(fy) is not int or type(log_size) is not int or not 0 <= log_size <= JSON_SAFE_INT:
        raise SumProofError(SumTreeErrorCode.MALFORMED, "fiscal_year and log_size are JSON integers")
    root = sumtree_wire.root_from_wire(value["root"])
    if root.fiscal_year != fy:
        raise SumProofError(SumTreeErrorCode.MALFORMED, f"the root is of FY{root.fiscal_year}, the body of FY{fy}")
    return Published(fy, log_size, root, tuple(sumtree_wire.groups_from_wire(value["groups"])))


@dataclass(frozen=True, slots=True)
class Publication:
    """A committed `disclosure.sumtree` record."""

    record_id: str
    seq: int
    published: Published

    @property
    def fiscal_year(self) -> int:
        return self.published.fiscal_year

    @classmethod
    def of(cls, e: RecordAppended) -> Publication | None:
        """The record's publication, or None when its body is not one whose groups add up to
        its root (no planner writes such a record; a projection must not raise)."""
        try:
            published = decode_body(e.body)
            verify_totals(published.root, published.groups)
        except SumProofError:
            return None
        return cls(e.id, e.seq, published)


def publication_record(fiscal_year: int, n: int, log_size: int, root: SumRoot,
                       groups: tuple[GroupTotal, ...]) -> AppendRecord:  # fmt: skip
    """The n-th root of the year as a record; refused when its body passes the record limit."""
    value = body(fiscal_year, log_size, root, groups)
    size = len(msgspec.json.encode(value))
    if size > RECORD_BODY_MAX_BYTES:
        raise Refused(Kind.TOO_LARGE, "disclosure_too_many_groups",
                      f"FY{fiscal_year}'s {len(groups)} group totals take {size} bytes; a record holds "
                      f"{RECORD_BODY_MAX_BYTES}")  # fmt: skip
    decoded = decode_body(value)  # paired with the encoder: what is written reads back the same
    assert decoded.root == root and decoded.groups == groups
    return AppendRecord(id=record_id(fiscal_year, n), type=RECORD_TYPE, body=value)
