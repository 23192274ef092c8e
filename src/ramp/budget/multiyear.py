"""Multi-year contract authority (国庫債務負担行為) and later-year burdens (後年度負担).

A contract carries a schedule: how much it pays in each fiscal year. Only the year's
instalment is ever obligated, from that year's budget, once that year's money is issued; the
instalments of later years are burdens the budgets to come already owe. The schedule lives
in the metadata of the contract's anchor account, so planners read it from the live ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from ramp.budget import rules as budget_rules
from ramp.text import is_digits

STANDARD_YEARS: Final = 5  # 財政法 第15条 第3項: at most five years
DESIGNATED_YEARS: Final = 10  # 特定防衛調達 (designated defense procurement): at most ten years


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    vendor: str
    project: str  # node path, the same in every year's tree
    fiscal_year: int  # concluded in
    designated: bool
    schedule: dict[int, int]  # fiscal year -> instalment (yen)
    name: str = ""

    @property
    def total_yen(self) -> int:
        return sum(self.schedule.values())

    def metadata(self) -> dict[str, str]:
        meta = {
            "kind": "contract", "vendor": self.vendor, "project": self.project,
            "fiscal_year": str(self.fiscal_year), "authority": "designated" if self.designated else "standard",
            "total_yen": str(self.total_yen),
        }  # fmt: skip
        if self.name:
            meta["name"] = self.name
        for year, amount in sorted(self.schedule.items()):
            meta[f"fy{year}"] = str(amount)
        return meta

    @classmethod
    def of(cls, contract_id: str, meta: dict[str, str]) -> Contract | None:
        """The contract an anchor account defines, or None if its metadata is not one (a
        forged account opened by a raw ledger write)."""
        try:
            schedule = {int(k[2:]): int(v) for k, v in meta.items() if k.startswith("fy") and is_digits(k[2:])}
            c = cls(contract_id, meta["vendor"], meta["project"], int(meta["fiscal_year"]),
                    meta["authority"] == "designated", schedule, meta.get("name", ""))  # fmt: skip
        except (KeyError, ValueError):
            return None
        return c if schedule and meta.get("kind") == "contract" else None


def check_schedule(fiscal_year: int, schedule: dict[int, int], designated: bool, entries: int) -> None:
    """Instalments from the concluding year on, one per year, within the authority's term."""
    budget_rules.require(len(schedule) == entries, budget_rules.SCHEDULE_INVALID, "one instalment per fiscal year")
    budget_rules.require(min(schedule) >= fiscal_year, budget_rules.SCHEDULE_INVALID, "an instalment before the contract's year")
    limit = DESIGNATED_YEARS if designated else STANDARD_YEARS
    years = max(schedule) - fiscal_year + 1
    budget_rules.require(years <= limit, budget_rules.CONTRACT_TERM_TOO_LONG,
              f"payments over {years} years; the authority allows {limit}"
              + ("" if designated else " (10 for designated defense procurement)"))  # fmt: skip


@dataclass
class Burdens:
    """Later-year burdens as seen from one fiscal year: what later budgets already owe."""

    fiscal_year: int
    by_year: dict[int, list[int]] = field(default_factory=dict)  # later year -> [new, existing]

    @property
    def new_yen(self) -> int:
        return sum(v[0] for v in self.by_year.values())

    @property
    def existing_yen(self) -> int:
        return sum(v[1] for v in self.by_year.values())

    @property
    def total_yen(self) -> int:
        return self.new_yen + self.existing_yen


def later_year_burdens(contracts: Iterable[Contract], fiscal_year: int) -> Burdens:
    """Instalments after `fiscal_year` of contracts concluded in it (new) or before (existing)."""
    out = Burdens(fiscal_year)
    for c in contracts:
        if c.fiscal_year > fiscal_year:
            continue
        column = 0 if c.fiscal_year == fiscal_year else 1
        for year, amount in c.schedule.items():
            if year > fiscal_year:
                out.by_year.setdefault(year, [0, 0])[column] += amount
    out.by_year = dict(sorted(out.by_year.items()))
    return out
