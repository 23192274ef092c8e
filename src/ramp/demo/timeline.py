"""The demo dataset as budget operations in time order: FY2024's continuing part, its
carry-overs and close, then FY2025 from the act to the last payment of 31 March 2026.

Each yield is (instant, operations): the loader runs them as batches at that instant. Ids
are derived from the dataset (contract ids, payment counters), so the same seed gives the
same operations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ramp.budget import model as budget_model
from ramp.budget.requests import (
    Allot,
    CarryOver,
    CloseYear,
    DefineNode,
    Disburse,
    Enact,
    Instalment,
    Issue,
    ItemEnactment,
    Milestone,
    Obligate,
    Operation,
    RegisterContract,
    RegisterVendor,
)
from ramp.demo import figures
from ramp.demo.dataset import FY, Dataset, at, invoice_ref


def batches(ds: Dataset) -> Iterator[tuple[int, list[Operation]]]:
    """(instant, operations) in time order, from FY2024's act to FY2025's last payment."""
    yield from _fy2024(ds)
    yield from _fy2025(ds)


def _tree_ops(ds: Dataset, fiscal_year: int, paths: list[str]) -> Iterator[DefineNode]:
    defined: set[str] = set()
    by_path = {p.path: p for p in ds.projects}
    for path in paths:
        keys = path.split(":")
        for depth in range(2, 6):
            sub = ":".join(keys[:depth])
            if sub in defined:
                continue
            defined.add(sub)
            project = by_path.get(sub)
            program = next((p for p in figures.PROGRAMS if p.path == sub), None)
            if project is not None:
                yield DefineNode(fiscal_year=fiscal_year, path=sub, name=project.program.name,
                                 name_ja=project.program.name_ja, estimate=project.estimate,
                                 tags=(project.program.area, *project.program.tags))  # fmt: skip
            elif program is not None:
                yield DefineNode(fiscal_year=fiscal_year, path=sub, name=program.name, name_ja=program.name_ja,
                                 estimate=not program.fixed_yen)  # fmt: skip
            elif depth == 3:
                name, name_ja = figures.ORGANISATIONS[keys[2]]
                yield DefineNode(fiscal_year=fiscal_year, path=sub, name=name, name_ja=name_ja, estimate=True)
            else:
                yield DefineNode(fiscal_year=fiscal_year, path=sub, name=keys[1], name_ja=figures.SUB_ITEMS[keys[1]],
                                 estimate=True)  # fmt: skip


def _allot_ops(ds: Dataset, fiscal_year: int, budgets: dict[str, int]) -> list[Operation]:
    """Issue each item and allot every node's subtree sum to it, top down."""
    sums: dict[str, int] = {}
    for path, amount in budgets.items():
        keys = path.split(":")
        for depth in range(1, 6):
            sub = ":".join(keys[:depth])
            sums[sub] = sums.get(sub, 0) + amount
    ops: list[Operation] = [Issue(id=f"issue-{fiscal_year}-{k}", fiscal_year=fiscal_year, item=k, amount_yen=v)
                            for k, v in sums.items() if ":" not in k]  # fmt: skip
    for n, (path, amount) in enumerate(sorted(sums.items(), key=lambda kv: kv[0].count(":"))):
        if ":" in path:
            ops.append(Allot(id=f"allot-{fiscal_year}-{n:04d}", fiscal_year=fiscal_year,
                             source=path.rsplit(":", 1)[0], target=path, amount_yen=amount))  # fmt: skip
    return ops


def _act(ds: Dataset, fiscal_year: int, budgets: dict[str, int], act: str) -> Enact:
    totals: dict[str, int] = {}
    for path, amount in budgets.items():
        totals[path.split(":")[0]] = totals.get(path.split(":")[0], 0) + amount
    items = []
    for key, (name, name_ja, designated, iyo) in figures.ITEMS.items():
        if key in totals:
            items.append(ItemEnactment(key=key, amount_yen=totals[key], name=name, name_ja=name_ja, estimate=True,
                                       carryover_designated=designated, iyo_with=iyo))  # fmt: skip
    return Enact(id=f"act-{fiscal_year}", fiscal_year=fiscal_year, act=act, items=tuple(items))


def _register(ds: Dataset, ci: int) -> RegisterContract:
    c = ds.contracts[ci]
    return RegisterContract(
        contract=c.id, vendor=c.vendor, fiscal_year=c.fiscal_year, project=c.project, designated=c.designated,
        schedule=tuple(Instalment(y, a) for y, a in sorted(c.schedule.items())), name=c.name[:120],
        milestones=tuple(Milestone(m, a, due) for m, a, due in c.milestones) if c.milestones
        and len(c.milestones) <= 24 and sum(a for _, a, _ in c.milestones) == sum(c.schedule.values()) else (),
    )  # fmt: skip


def _obligate(ds: Dataset, ci: int, fiscal_year: int) -> Obligate:
    """An obligation; above the policy's threshold the loader makes it an approval request."""
    c = ds.contracts[ci]
    return Obligate(id=f"o-{c.id}" + ("" if fiscal_year == FY else f"-{fiscal_year}"), contract=c.id,
                    fiscal_year=fiscal_year, amount_yen=c.schedule[fiscal_year])  # fmt: skip


def _disbursements(ds: Dataset, fiscal_year: int, day: list[tuple[int, int, int, int]],
                   counter: list[int]) -> list[Operation]:  # fmt: skip
    out: list[Operation] = []
    contracts = ds.contracts
    for ci, amount, seq, mark in day:
        c = contracts[ci]
        counter[0] += 1
        milestone = f"m{seq + 1:02d}" if c.milestones and mark == 0 and seq < 100 else ""
        out.append(Disburse(id=f"p{counter[0]:07d}", contract=c.id, fiscal_year=fiscal_year, amount_yen=amount,
                            invoice=invoice_ref(c.id, seq, mark), milestone=milestone))  # fmt: skip
    return out


def _fy2024(ds: Dataset) -> Iterator[tuple[int, list[Operation]]]:
    old = [ci for ci, c in enumerate(ds.contracts) if c.fiscal_year == FY - 1]
    budgets: dict[str, int] = {}
    for ci in old:
        c = ds.contracts[ci]
        budgets[c.project] = budgets.get(c.project, 0) + c.schedule[FY - 1]
    for path, extra in ds.meikyo.items():
        budgets[path] = budgets.get(path, 0) + extra
    for path in budgets:  # a little that neither pays nor carries: it lapses at the close
        budgets[path] += 1_000_000
    paths = sorted(budgets)
    yield at(date(2024, 3, 28), 10), [_act(ds, FY - 1, budgets, "fy2024-budget-act (modelled part only)"),
                                       *_tree_ops(ds, FY - 1, paths)]  # fmt: skip
    vendors = sorted({v for vs in ds.vendors.values() for v in vs})
    yield at(ds.days24[0]), [*(RegisterVendor(vendor=v, name=ds.vendor_name(v)) for v in vendors),
                               *_allot_ops(ds, FY - 1, budgets)]  # fmt: skip
    counter = [0]
    for d, day in enumerate(ds.days24):
        ops: list[Operation] = []
        for ci in old:
            if ds.contracts[ci].day == d:
                ops += [_register(ds, ci), _obligate(ds, ci, FY - 1)]
        ops += _disbursements(ds, FY - 1, ds.payments24[d], counter)
        if ops:
            yield at(day, 10), ops
    # FY2025's act and tree, then FY2024's carry-overs and close, then FY2025 begins.
    fy25 = {p.path: p.budget for p in ds.projects}
    yield at(date(2025, 3, 28), 10), [_act(ds, FY, fy25, "fy2025-budget-act"),
                                       *_tree_ops(ds, FY, [p.path for p in ds.projects])]  # fmt: skip
    carry: list[Operation] = []
    for k, (path, amount) in enumerate(sorted(ds.meikyo.items())):
        carry.append(CarryOver(id=f"kurikoshi-2024-m{k + 1}", fiscal_year=FY - 1, kind="meikyo", node=path,
                               amount_yen=amount, approvals=(f"mof:2025-03-meikyo-{k + 1}",)))  # fmt: skip
    for k, (contract, amount) in enumerate(sorted(ds.carried.items())):
        carry.append(CarryOver(id=f"kurikoshi-2024-j{k + 1}", fiscal_year=FY - 1, kind="jiko", contract=contract,
                               amount_yen=amount, approvals=(f"mof:2025-03-jiko-{k + 1}",)))  # fmt: skip
    yield at(date(2025, 3, 31), 20), carry
    yield budget_model.fy_end_ns(FY - 1), [CloseYear(id="close-fy2024", fiscal_year=FY - 1)]


def _fy2025(ds: Dataset) -> Iterator[tuple[int, list[Operation]]]:
    budgets = {p.path: p.budget for p in ds.projects}
    yield at(ds.days[0], 9), _allot_ops(ds, FY, budgets)
    first: list[Operation] = [_obligate(ds, ci, FY) for ci in ds.obligations.get(-1, [])]
    carried_pay: dict[int, list[Operation]] = {}
    for k, (contract, amount) in enumerate(sorted(ds.carried.items())):
        d = 10 + 5 * k  # paid in April-May, once the delayed delivery is accepted
        carried_pay.setdefault(d, []).append(Disburse(id=f"p-carried-{k + 1}", contract=contract, fiscal_year=FY,
                                                      carried=True, amount_yen=amount,
                                                      invoice=f"{contract}-carried"))  # fmt: skip
    yield at(ds.days[0], 10), first
    counter = [_fy2024_payments(ds)]
    for d, day in enumerate(ds.days):
        ops: list[Operation] = []
        for ci in ds.obligations.get(d, []):
            ops += [_register(ds, ci), _obligate(ds, ci, FY)]
        ops += carried_pay.get(d, [])
        ops += _disbursements(ds, FY, ds.payments[d], counter)
        if ops:
            yield at(day, 10), ops


def _fy2024_payments(ds: Dataset) -> int:
    return sum(len(x) for x in ds.payments24)

