"""A short scripted FY2025 scenario on the real published figures, through the journal.

Issuance of the enacted total (¥8,700,500,000,000), allotment to the areas MOF and the press
published (each labelled with its source status), one contract obligated into escrow, a
milestone paid in two phases (reserved, then posted on acceptance), and a retention held.
Until the budget domain and the dashboard exist, this is what `make demo` shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ramp.journal import Journal
from ramp.ledger import CreateAccount, CreateTransfer

_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "japan-defense-budget.json"
FY2025_TOTAL_YEN = 8_700_500_000_000  # MOF, April 2025: 8兆7,005億円 (published)
_LIMITED = ("debits_must_not_exceed_credits",)
# Used when shared/data is not beside the checkout: the same published/press figures.
_FALLBACK_AREAS = {
    "stand_off_defense": (939_000_000_000, "press"),
    "space": (540_300_000_000, "press"),
    "ammunition": (767_500_000_000, "published"),
    "maintenance_and_equipment_upkeep": (2_224_700_000_000, "published"),
    "personnel_treatment_and_living_environment": (409_700_000_000, "published"),
    "gcap_next_fighter_development": (108_700_000_000, "press"),
    "kc46a_tankers_x4": (223_100_000_000, "published"),
}


@dataclass(frozen=True)
class Area:
    key: str
    yen: int
    status: str


def fy2025_areas() -> list[Area]:
    if _DATA.is_file():
        raw = json.loads(_DATA.read_text())["fiscal_years"]["FY2025"]["selected_areas"]
        return [Area(k.replace("_", "-"), int(v["yen"]), v["status"]) for k, v in raw.items()]
    return [Area(k.replace("_", "-"), y, s) for k, (y, s) in _FALLBACK_AREAS.items()]


def run_scenario(journal: Journal) -> list[str]:
    """Apply the scenario; returns the human-readable steps it took."""
    steps: list[str] = []
    appropriation = "fy2025:appropriation:defense"
    areas = fy2025_areas()

    def submit(label: str, commands: list) -> None:
        results = journal.submit(commands)
        bad = [r for r in results if r.result not in ("ok", "exists")]
        if bad:
            raise RuntimeError(f"{label}: {bad}")
        steps.append(label)

    submit("open accounts", [
        CreateAccount(id="treasury:issuer", asset="JPYD", metadata={"role": "issuer"}),
        CreateAccount(id=appropriation, asset="JPYD", flags=_LIMITED,
                      metadata={"fiscal_year": "2025", "status": "published"}),
        *[CreateAccount(id=f"fy2025:area:{a.key}", asset="JPYD", flags=_LIMITED,
                        metadata={"fiscal_year": "2025", "status": a.status}) for a in areas],
        CreateAccount(id="contract:atla-2025-0001", asset="JPYD", flags=_LIMITED,
                      metadata={"vendor": "demo-heavy-industries", "status": "illustrative"}),
        CreateAccount(id="vendor:demo-heavy-industries", asset="JPYD", flags=_LIMITED),
    ])  # fmt: skip
    submit("issue FY2025 appropriation (歳出予算) ¥8,700,500,000,000", [
        CreateTransfer(id="fy2025-mint-main", debit_account="treasury:issuer", credit_account=appropriation,
                       amount=FY2025_TOTAL_YEN, asset="JPYD", code="MINT",
                       references={"act": "fy2025-budget-act"}, memo="FY2025 defense-related total"),
    ])  # fmt: skip
    submit("allot (配賦/示達) to the published areas", [
        CreateTransfer(id=f"fy2025-allot-{a.key}", debit_account=appropriation,
                       credit_account=f"fy2025:area:{a.key}", amount=a.yen, asset="JPYD", code="ALLOT",
                       memo=f"{a.key} ({a.status} figure)")
        for a in areas
    ])  # fmt: skip
    contract_total = 12_000_000_000
    submit("obligate (支出負担行為) contract ATLA-2025-0001 into escrow", [
        CreateTransfer(id="fy2025-obligate-c1", debit_account="fy2025:area:stand-off-defense",
                       credit_account="contract:atla-2025-0001", amount=contract_total, asset="JPYD",
                       code="OBLIGATE", references={"contract": "atla-2025-0001"}),
    ])  # fmt: skip
    milestone = 4_000_000_000
    retention = milestone * 500 // 10_000  # 5 % retention, in basis points, rounded down
    submit("reserve milestone 1 payment (pending)", [
        CreateTransfer(id="c1-m1-reserve", debit_account="contract:atla-2025-0001",
                       credit_account="vendor:demo-heavy-industries", amount=milestone - retention,
                       asset="JPYD", code="DISBURSE", flags=("pending",), timeout_s=30 * 86_400,
                       references={"contract": "atla-2025-0001", "milestone": "m1"}),
    ])  # fmt: skip
    submit("milestone 1 accepted: payment posted (支出)", [
        CreateTransfer(id="c1-m1-pay", pending_id="c1-m1-reserve", flags=("post_pending",),
                       references={"contract": "atla-2025-0001", "milestone": "m1"}),
    ])  # fmt: skip
    return steps


def yen(n: int) -> str:
    return f"¥{n:,}"
