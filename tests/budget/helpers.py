"""A small FY2025 budget on a real journal, for the budget tests.

Items: `equipment` (繰越明許費, 移用 allowed with `maintenance`), `maintenance`, `personnel`.
Each has one path down to a project; `equipment` has two sub-items so 流用 can be tried.
"""

from __future__ import annotations

from ramp.budget import model as budget_model
from ramp.budget.requests import (
    Allot,
    DefineNode,
    Enact,
    Instalment,
    Issue,
    ItemEnactment,
    RegisterContract,
    RegisterVendor,
)
from ramp.budget.service import BudgetService
from ramp.journal import Journal

FY = 2025
AT = budget_model.jst_ns(2025, 6, 2)  # a working day inside FY2025
BN = 1_000_000_000

PROJECTS = {
    "equipment": "equipment:missiles:atla:stand-off:type12-upgrade",
    "equipment2": "equipment:aircraft:asdf:fighters:f35a",
    "maintenance": "maintenance:ships:msdf:upkeep:destroyers",
    "personnel": "personnel:salaries:gsdf:pay:regular",
}
ITEMS = {"equipment": 100 * BN, "maintenance": 50 * BN, "personnel": 30 * BN}


def enact(fy: int = FY) -> Enact:
    return Enact(id=f"act-{fy}", fiscal_year=fy, act=f"budget-act-fy{fy}", reserve_yen=5 * BN, items=(
        ItemEnactment(key="equipment", amount_yen=ITEMS["equipment"], name="Equipment acquisition",
                      name_ja="装備品等購入費", carryover_designated=True, iyo_with=("maintenance",), tags=("acquisition",)),
        ItemEnactment(key="maintenance", amount_yen=ITEMS["maintenance"], name_ja="装備品等整備費"),
        ItemEnactment(key="personnel", amount_yen=ITEMS["personnel"], name_ja="人件・糧食費"),
    ))  # fmt: skip


def build(journal: Journal, fy: int = FY, at: int = AT, issue: bool = True) -> BudgetService:
    """Enact, define the tree, issue and allot every item fully down to its projects."""
    svc = BudgetService(journal)
    svc.execute(enact(fy), at_ns=at)
    defined: set[str] = set()
    for path in PROJECTS.values():
        keys = path.split(":")
        for depth in range(2, len(keys) + 1):
            sub = ":".join(keys[:depth])
            if sub not in defined:
                tags = ("stand-off",) if sub.endswith("stand-off") else ()
                svc.execute(DefineNode(fiscal_year=fy, path=sub, name=sub.rsplit(":", 1)[-1], tags=tags), at_ns=at)
                defined.add(sub)
    if not issue:
        return svc
    for item, amount in ITEMS.items():
        svc.execute(Issue(id=f"issue-{fy}-{item}", fiscal_year=fy, item=item, amount_yen=amount), at_ns=at)
    svc.execute(Issue(id=f"issue-{fy}-reserve", fiscal_year=fy, item="reserve", amount_yen=5 * BN), at_ns=at)
    shares = {"equipment": {PROJECTS["equipment"]: 60 * BN, PROJECTS["equipment2"]: 40 * BN},
              "maintenance": {PROJECTS["maintenance"]: 50 * BN}, "personnel": {PROJECTS["personnel"]: 30 * BN}}  # fmt: skip
    for projects in shares.values():
        for project, amount in projects.items():
            keys = project.split(":")
            for depth in range(1, len(keys)):
                source, target = ":".join(keys[:depth]), ":".join(keys[: depth + 1])
                svc.execute(Allot(id=f"allot-{fy}-{len(target)}-{target.rsplit(':', 1)[-1]}", fiscal_year=fy, source=source,
                                  target=target, amount_yen=amount), at_ns=at)  # fmt: skip
    return svc


def contract(svc: BudgetService, contract_id: str = "c1", project: str = PROJECTS["equipment"],
             schedule: dict[int, int] | None = None, fy: int = FY, designated: bool = False) -> None:  # fmt: skip
    svc.execute(RegisterVendor(vendor="kanto-aero", name="Kanto Aerospace K.K. (fictitious)"), at_ns=AT)
    schedule = schedule or {fy: 10 * BN}
    svc.execute(RegisterContract(contract=contract_id, vendor="kanto-aero", fiscal_year=fy, project=project,
                                 designated=designated,
                                 schedule=tuple(Instalment(y, a) for y, a in sorted(schedule.items()))), at_ns=AT)  # fmt: skip
