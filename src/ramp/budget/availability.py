"""Availability control (after SAP Funds Management): allotments and obligations are checked
against the budget of the node they draw on, with a tolerance profile.

Utilisation of a node = what has left it (allotted down, obligated, transferred away) over
what has reached it: the debits and credits posted on its account, so the check reads the
live ledger and nothing else. Thresholds are basis points compared exactly (no rounding):
utilisation crosses t when debits * 10,000 >= credits * t. Crossing info or warning appends
one record in the operation's chain; above the reject threshold the operation is refused
(`exceeds_available` when the money is simply not there, `exceeds_tolerance` when a profile
holds back part of a budget).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ramp.budget import rules as budget_rules
from ramp.budget.view import Acc
from ramp.disclosure.classify import CLASSIFICATION_KEY
from ramp.ledger import AppendRecord
from ramp.refusal import Kind, Refused

BP: Final = 10_000


@dataclass(frozen=True, slots=True)
class Tolerance:
    info_bp: int = 7_000
    warning_bp: int = 9_000
    reject_bp: int = 10_000

    def __post_init__(self) -> None:
        assert 0 < self.info_bp <= self.warning_bp <= self.reject_bp <= BP, self

    def encode(self) -> str:
        return f"{self.info_bp},{self.warning_bp},{self.reject_bp}"

    @classmethod
    def decode(cls, text: str | None) -> Tolerance:
        if not text:
            return DEFAULT
        info, warning, reject = (int(x) for x in text.split(","))
        return cls(info, warning, reject)


DEFAULT: Final = Tolerance()


def valid(bp: tuple[int, int, int]) -> bool:
    return 0 < bp[0] <= bp[1] <= bp[2] <= BP


def check(acc: Acc, amount: int, tolerance: Tolerance) -> tuple[str, int] | None:
    """Refuse a draw of `amount` on `acc` above the reject threshold; otherwise the highest
    threshold (level, bp) this draw crosses, or None."""
    credits, before = acc.credits, acc.debits
    after = before + amount
    if after > credits:
        raise Refused(Kind.CONFLICT, budget_rules.EXCEEDS_AVAILABLE, f"{acc.id} holds {credits - before:,} yen; {amount:,} asked")
    if after * BP > credits * tolerance.reject_bp:
        raise Refused(Kind.CONFLICT, budget_rules.EXCEEDS_TOLERANCE,
                        f"{acc.id} would be above its reject threshold of {tolerance.reject_bp} bp")  # fmt: skip
    for level, bp in (("warning", tolerance.warning_bp), ("info", tolerance.info_bp)):
        if before * BP < credits * bp <= after * BP:
            return level, bp
    return None


def crossing_record(
    op_id: str, operation: str, fiscal_year: int, path: str, acc: Acc, amount: int, crossed: tuple[str, int]
) -> AppendRecord:
    """The event a dashboard and alerts read: which node crossed which threshold, and why."""
    level, bp = crossed
    after = acc.debits + amount
    return AppendRecord(
        id=f"{op_id}.avail",
        type=f"budget.availability_{level}",
        body={
            "fiscal_year": fiscal_year,
            "node": path,
            "operation": op_id,
            "kind": operation,
            "threshold_bp": bp,
            "utilisation_bp": after * BP // acc.credits,  # rounded down, for display
            "budget_yen": str(acc.credits),  # decimal strings: yen may exceed 2^53
            "used_yen": str(after),
            **({CLASSIFICATION_KEY: "secret"} if acc.metadata.get(CLASSIFICATION_KEY) == "secret" else {}),
        },
    )
