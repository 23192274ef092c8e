"""The demo dataset as budget operations in time order, up to an as-of date: FY2024's
continuing part, FY2025 and FY2026 (the Cabinet's draft, labelled so), each year closed as the
law closes it: carry-overs (明許繰越 / 事故繰越) on 31 March, the year's last payments in April
(出納整理期間, 財政法施行令 第4条: the year's money pays what the year received), and the close
that lapses the rest (不用) on 1 May, once that period is over.

Each yield is (instant, operations): the loader runs them as batches at that instant. Ids
are derived from the dataset (contract ids, payment counters), so the same seed gives the
same operations; the as-of date only cuts the stream: nothing dated after it is yielded.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date, timedelta

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
from ramp.demo.dataset import FY, NEXT_FY, Dataset, Payment, YearPlan, at, invoice_ref

Batch = tuple[int, list[Operation]]


def cutoff_ns(as_of: date) -> int:
    """The first instant after the as-of date (00:00 JST the next day): nothing is at or after it."""
    after = as_of + timedelta(days=1)
    return budget_model.jst_ns(after.year, after.month, after.day, 0)


def close_ns(fiscal_year: int) -> int:
    """When a year is closed: 1 May of the next, once 出納整理期間 (to 30 April) is over."""
    return at(date(fiscal_year + 1, 5, 1), 9)


def batches(ds: Dataset, as_of: date) -> Iterator[Batch]:
    """(instant, operations) in time order, from FY2024's act to the last day of `as_of`."""
    end = cutoff_ns(as_of)
    streams = (_fy2024(ds), _fy2025(ds), _fy2026(ds))
    for at_ns, ops in heapq.merge(*streams, key=lambda b: b[0]):  # stable: a year's own order kept
        if at_ns >= end:
            return
        if ops:
            yield at_ns, ops


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
    return Obligate(id=f"o-{c.id}" + ("" if fiscal_year == c.fiscal_year else f"-{fiscal_year}"), contract=c.id,
                    fiscal_year=fiscal_year, amount_yen=c.schedule[fiscal_year])  # fmt: skip


def _disbursements(
    ds: Dataset, fiscal_year: int, day: list[Payment], counter: list[int]
) -> list[Operation]:
    out: list[Operation] = []
    contracts = ds.contracts
    for ci, amount, seq, mark in day:
        c = contracts[ci]
        counter[0] += 1
        milestone = f"m{seq + 1:02d}" if c.milestones and mark == 0 and seq < 100 else ""
        out.append(Disburse(id=f"p{counter[0]:07d}", contract=c.id, fiscal_year=fiscal_year, amount_yen=amount,
                            invoice=invoice_ref(c.id, seq, mark), milestone=milestone))  # fmt: skip
    return out


def _budgets(ds: Dataset, fiscal_year: int) -> dict[str, int]:
    return {p.path: ds.budget(p, fiscal_year) for p in ds.projects}


def _act_and_tree(ds: Dataset, fiscal_year: int, act: str) -> list[Operation]:
    return [_act(ds, fiscal_year, _budgets(ds, fiscal_year), act),
            *_tree_ops(ds, fiscal_year, [p.path for p in ds.projects])]  # fmt: skip


def _days(
    ds: Dataset, y: YearPlan, counter: list[int], extra: dict[int, list[Operation]]
) -> Iterator[Batch]:
    """The year's business days: contracts concluded and obligated, payments; then 出納整理期間."""
    for d, day in enumerate(y.days):
        ops: list[Operation] = []
        for ci in y.obligations.get(d, []):
            ops += [_register(ds, ci), _obligate(ds, ci, y.fy)]
        ops += extra.get(d, [])
        ops += _disbursements(ds, y.fy, y.payments[d], counter)
        yield at(day, 10), ops
    for day, payments in zip(y.seiri_days, y.seiri, strict=True):
        yield at(day, 11), _disbursements(ds, y.fy, payments, counter)


def _opening(ds: Dataset, y: YearPlan) -> Iterator[Batch]:
    """1 April: the year's allotment, top down, then the instalments of earlier contracts."""
    yield at(y.days[0], 9), _allot_ops(ds, y.fy, _budgets(ds, y.fy))
    yield at(y.days[0], 9) + 1, [_obligate(ds, ci, y.fy) for ci in y.obligations.get(-1, [])]


def _carried_payments(
    ds: Dataset, fiscal_year: int, carried: list[tuple[str, int, str]]
) -> dict[int, list[Operation]]:
    """Carried (事故繰越) money paid in April-May of `fiscal_year`, once the late delivery is accepted."""
    out: dict[int, list[Operation]] = {}
    for k, (contract, amount, milestone) in enumerate(carried):
        out.setdefault(10 + 5 * k, []).append(Disburse(id=f"p-carried-{fiscal_year}-{k + 1}", contract=contract,
                                                       fiscal_year=fiscal_year, carried=True, amount_yen=amount,
                                                       invoice=f"{contract}-carried", milestone=milestone))  # fmt: skip
    return out


def _fy2024(ds: Dataset) -> Iterator[Batch]:
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
        yield at(day, 10), ops
    carry: list[Operation] = []
    for k, (path, amount) in enumerate(sorted(ds.meikyo.items())):
        carry.append(CarryOver(id=f"kurikoshi-2024-m{k + 1}", fiscal_year=FY - 1, kind="meikyo", node=path,
                               amount_yen=amount, approvals=(f"mof:2025-03-meikyo-{k + 1}",)))  # fmt: skip
    for k, (contract, amount) in enumerate(sorted(ds.carried.items())):
        carry.append(CarryOver(id=f"kurikoshi-2024-j{k + 1}", fiscal_year=FY - 1, kind="jiko", contract=contract,
                               amount_yen=amount, approvals=(f"mof:2025-03-jiko-{k + 1}",)))  # fmt: skip
    yield at(date(2025, 3, 31), 20), carry
    for day, payments in zip(
        ds.seiri24_days, ds.seiri24, strict=True
    ):  # 出納整理期間: FY2024 money in April 2025
        yield at(day, 11), _disbursements(ds, FY - 1, payments, counter)
    yield close_ns(FY - 1), [CloseYear(id="close-fy2024", fiscal_year=FY - 1)]


def _fy2025(ds: Dataset) -> Iterator[Batch]:
    y = ds.years[FY]
    yield at(date(2025, 3, 28), 10), _act_and_tree(ds, FY, "fy2025-budget-act")
    yield from _opening(ds, y)
    carried = [(c, a, "") for c, a in sorted(ds.carried.items())]
    counter = [_payments(ds.payments24) + _payments(ds.seiri24)]
    yield from _until_close(ds, y, _days(ds, y, counter, _carried_payments(ds, FY, carried)))


def _until_close(ds: Dataset, y: YearPlan, days: Iterator[Batch]) -> Iterator[Batch]:
    """The year's days, its carry-overs on 31 March (between its March and its April), its close."""
    carry_at = at(date(y.fy + 1, 3, 31), 20)
    for at_ns, ops in days:
        if carry_at is not None and at_ns > carry_at:
            yield carry_at, _carry_overs(ds, y.fy)
            carry_at = None
        yield at_ns, ops
    if y.fy == FY:
        yield close_ns(y.fy), [CloseYear(id=f"close-fy{y.fy}", fiscal_year=y.fy)]


def _carry_overs(ds: Dataset, fiscal_year: int) -> list[Operation]:
    if fiscal_year != FY:
        return []  # FY2026's year end is not in the demo's calendar yet
    out: list[Operation] = []
    for k, (path, amount) in enumerate(sorted(ds.meikyo25.items())):
        out.append(CarryOver(id=f"kurikoshi-{fiscal_year}-m{k + 1}", fiscal_year=fiscal_year, kind="meikyo", node=path,
                             amount_yen=amount, approvals=(f"mof:{fiscal_year + 1}-03-meikyo-{k + 1}",)))  # fmt: skip
    for k, (contract, (amount, _seq)) in enumerate(sorted(ds.carried25.items())):
        out.append(CarryOver(id=f"kurikoshi-{fiscal_year}-j{k + 1}", fiscal_year=fiscal_year, kind="jiko",
                             contract=contract, amount_yen=amount,
                             approvals=(f"mof:{fiscal_year + 1}-03-jiko-{k + 1}",)))  # fmt: skip
    return out


def _fy2026(ds: Dataset) -> Iterator[Batch]:
    """The open year: the Cabinet's draft enacted as the demo's FY2026 act (labelled so)."""
    y = ds.years[NEXT_FY]
    yield at(date(2026, 3, 27), 10), _act_and_tree(ds, NEXT_FY, figures.FY2026_ACT)
    yield from _opening(ds, y)
    carried = [(c, a, f"m{seq + 1:02d}") for c, (a, seq) in sorted(ds.carried25.items())]
    y25 = ds.years[FY]
    counter = [_payments(ds.payments24) + _payments(ds.seiri24) + _payments(y25.payments) + _payments(y25.seiri)
               + len(ds.carried)]  # fmt: skip
    yield from _until_close(ds, y, _days(ds, y, counter, _carried_payments(ds, NEXT_FY, carried)))


def _payments(days: list[list[Payment]]) -> int:
    return sum(len(x) for x in days)
