"""What `ramp verify` says: the first thing that does not hold, or what it checked."""

from __future__ import annotations

from dataclasses import dataclass, field


class VerifyFailure(Exception):
    """The first thing that does not hold; `where` names the file, table row, entry or signature."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass
class Report:
    size: int = 0
    origin: str = ""
    cosigned_by: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0
    accounts: int = 0
    decisions: int = 0  # approval decisions whose signature and right to decide were checked
    attestations: int = 0  # milestone attestations whose attester's own signature was checked
    executions: int = 0  # executed approval requests whose quorum was checked
    rows_checked: int = 0  # store rows re-derived or cross-checked (`--db` only)
    seconds: float = 0.0
    levels: dict[str, int] = field(default_factory=dict)  # entries per classification
    public_only: bool = False  # a public bundle: envelopes checked, nothing opened or replayed
