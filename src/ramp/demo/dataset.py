"""The FY2025 demo dataset, generated from a seed: the tree, vendors, contracts and a year of
payments, as budget operations in time order. Pure: no journal, no clock; the same seed and
size give the same operations, byte for byte.

Every amount is an integer split of a published (or labelled estimated) total: `split`
gives each part floor(total * weight / sum of weights) and the few yen left over one each
to the first parts, so parts always add up exactly. Payments follow the seasonality of
Japanese public spending: month weights below, a quarter of the year's payments in March.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Final

from ramp.budget import model as M
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
from ramp.demo import figures as F


@dataclass(frozen=True, slots=True)
class Size:
    projects_per_program: int
    vendors: int
    payments: int  # disbursements in FY2025, about
    payroll_units: int  # units paid separately by each payroll project, monthly and twice a bonus
    irregular: int  # injected cases of each kind


SIZES: Final = {
    "small": Size(1, 40, 20_000, 8, 2),
    "default": Size(6, 400, 990_000, 150, 6),
    "large": Size(12, 800, 3_000_000, 300, 12),
}
# Share of the year's payments by month, April first (percent): heavy in March (年度末).
MONTH_WEIGHTS: Final = (5, 6, 7, 7, 6, 8, 7, 7, 9, 6, 7, 25)
SPLIT_THRESHOLD_YEN: Final = 10_000_000  # the demo's "second approval from here" line that split payments dodge
FY: Final = 2025


def split(total: int, weights: list[int]) -> list[int]:
    """Integer parts of `total` in proportion to `weights`, adding up exactly."""
    w = sum(weights)
    parts = [total * x // w for x in weights]
    for k in range(total - sum(parts)):
        parts[k % len(parts)] += 1
    return parts


def business_days(fiscal_year: int) -> list[date]:
    d, end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    out = []
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def at(d: date, hour: int = 9) -> int:
    return M.jst_ns(d.year, d.month, d.day, hour)


@dataclass(slots=True)
class Project:
    path: str
    program: F.Program
    budget: int  # FY2025 yen
    estimate: bool


@dataclass(slots=True)
class Contract:
    id: str
    vendor: str
    project: str
    fiscal_year: int
    schedule: dict[int, int]
    style: str
    day: int  # concluding business day index in its year
    designated: bool = False
    milestones: list[tuple[str, int, str]] = field(default_factory=list)
    name: str = ""


@dataclass(slots=True)
class Irregularities:
    """The answer key of what was injected, for the oversight analytics to come."""

    split_payments: list[dict[str, object]] = field(default_factory=list)
    duplicate_invoices: list[dict[str, object]] = field(default_factory=list)
    self_approvals: list[dict[str, object]] = field(default_factory=list)


class Dataset:
    """Build with `Dataset(seed, size)`; `batches()` yields (at_ns, operations) in time order."""

    def __init__(self, seed: int, size: str = "default") -> None:
        self.seed = seed
        self.size_name = size
        self.size = SIZES[size]
        self.rng = random.Random(seed)
        self.days = business_days(FY)
        self.days24 = [d for d in business_days(FY - 1) if d < date(FY, 3, 28)]
        self.irregular = Irregularities()
        self.projects = self._projects()
        self.vendors = self._vendors()
        self.contracts: list[Contract] = []
        # payments[day] = list of (contract index, amount, sequence number in its contract, mark)
        self.payments: list[list[tuple[int, int, int, int]]] = [[] for _ in self.days]
        self.payments24: list[list[tuple[int, int, int, int]]] = [[] for _ in self.days24]
        self.obligations: dict[int, list[int]] = {}  # FY2025 day -> contract indexes obligated that day
        self.carried: dict[str, int] = {}  # FY2024 contract -> 事故繰越 amount, paid in FY2025
        self.meikyo: dict[str, int] = {}  # project -> 明許繰越 amount into FY2025
        self.self_approved: set[int] = set()  # contracts whose obligation the requester approved
        self._plan_contracts()

    # --- the tree --------------------------------------------------------------------------
    def _projects(self) -> list[Project]:
        out: list[Project] = []
        rng, per = self.rng, self.size.projects_per_program
        for area in F.AREAS:
            programs = [p for p in F.PROGRAMS if p.area == area.tag]
            rest = area.yen - sum(p.fixed_yen for p in programs)
            shares = iter(split(rest // 1000, [p.weight for p in programs if not p.fixed_yen]))
            for p in programs:
                if p.fixed_yen:
                    out.append(Project(f"{p.path}:{p.path.rsplit(':', 1)[1]}-01", p, p.fixed_yen, False))
                    continue
                amount = next(shares) * 1000
                parts = split(amount // 1000, [rng.randint(20, 100) for _ in range(per)])
                for k, part in enumerate(parts):
                    out.append(Project(f"{p.path}:{p.path.rsplit(':', 1)[1]}-{k + 1:02d}", p, part * 1000, True))
            # the yen below a thousand go to the area's first project: totals stay exact
            first = next(x for x in out if x.program.area == area.tag and not x.program.fixed_yen)
            first.budget += rest - sum(x.budget for x in out if x.program.area == area.tag and not x.program.fixed_yen)
        assert sum(p.budget for p in out) == F.FY2025_TOTAL_YEN
        return out

    def _vendors(self) -> dict[str, list[str]]:
        """Vendor ids by style; payroll payees per organisation."""
        by_style: dict[str, list[str]] = {s: [] for s in F.TRADES}
        per_style = max(2, self.size.vendors // len(F.TRADES))
        for style, trades in F.TRADES.items():
            for k in range(per_style):
                region = F.REGIONS[(k * 7 + len(style)) % len(F.REGIONS)]
                by_style[style].append(f"{region}-{trades[k % len(trades)]}-{k + 1:02d}")
        by_style["payroll"] = [f"payroll-{org}" for org in F.ORGANISATIONS]
        every = [v for vs in by_style.values() for v in vs]
        assert len(set(every)) == len(every), "vendor ids collide"
        return by_style

    def vendor_name(self, vendor: str) -> str:
        if vendor.startswith("payroll-"):
            org = F.ORGANISATIONS[vendor[len("payroll-"):]][0]
            return f"{org} payroll (staff pay, aggregated by unit)"
        words = vendor.rsplit("-", 1)[0].replace("-", " ").title()
        return f"{words} K.K. (fictitious)"

    # --- contracts and payments ----------------------------------------------------------
    def _pick_day(self, cum: list[int], after: int) -> int:
        """A business day after `after` (the last day if none is left), weighted by the season."""
        if after >= len(cum) - 1:
            return len(cum) - 1
        lo = cum[after] if after >= 0 else 0
        return bisect_right(cum, self.rng.randrange(lo, cum[-1]))

    def _cum(self, days: list[date]) -> list[int]:
        counts = [0] * 12
        for d in days:
            counts[(d.month - 4) % 12] += 1
        out, total = [], 0
        for d in days:
            # weight per day: the month's share spread over its days, the last week of March doubled
            w = MONTH_WEIGHTS[(d.month - 4) % 12] * 10_000 // counts[(d.month - 4) % 12]
            if d.month == 3 and d.day >= 24:
                w *= 2
            total += w
            out.append(total)
        return out

    def _new(self, vendor: str, project: Project, fiscal_year: int, schedule: dict[int, int], style: str, day: int,
             designated: bool = False) -> int:  # fmt: skip
        c = Contract(f"c{fiscal_year}-{len(self.contracts) + 1:06d}", vendor, project.path, fiscal_year, schedule,
                     style, day, designated, name=f"{project.program.name} ({style})")  # fmt: skip
        self.contracts.append(c)
        return len(self.contracts) - 1

    def _plan_contracts(self) -> None:
        rng, cum, cum24 = self.rng, self._cum(self.days), self._cum(self.days24)
        n_days = len(self.days)
        call_offs: list[tuple[int, int]] = []  # (contract index, FY2025 amount): invoices later
        for project in self.projects:
            style, budget = project.program.style, project.budget
            slack = budget * rng.choice((5, 10, 20, 30, 50, 80)) // 1000  # 0.5 % - 8 % left unobligated
            to_obligate = budget - slack
            vendors = self.vendors["payroll"] if style == "payroll" else self.vendors[style]
            if style in ("acquisition", "rd", "works"):
                existing = to_obligate * rng.randint(35, 60) // 100 if rng.random() < 0.8 else 0
                if existing:
                    self._existing(project, existing, rng.choice(vendors), cum24)
                parts = split(to_obligate - existing, [rng.randint(30, 100) for _ in range(rng.randint(1, 3))])
                for part in parts:
                    day = min(rng.randrange(n_days * 3 // 4), rng.randrange(n_days * 3 // 4))  # early-heavy
                    years = rng.randint(2, 5)
                    designated = style == "acquisition" and part > 20_000_000_000 and rng.random() < 0.5
                    if designated:
                        years = rng.randint(6, 10)
                    later = split(part * rng.randint(2, 6), [rng.randint(50, 100) for _ in range(years - 1)])
                    schedule = {FY: part, **{FY + k + 1: a for k, a in enumerate(later) if a}}
                    ci = self._new(rng.choice(vendors), project, FY, schedule, style, day, designated)
                    self._milestone_payments(ci, part, rng.randint(2, 6), day, cum)
            elif style == "payroll":
                ci = self._new(vendors[list(F.ORGANISATIONS).index(project.path.split(":")[2])], project, FY,
                               {FY: to_obligate}, style, 0)  # fmt: skip
                self._payroll(ci, to_obligate)
            elif style == "services":
                for part in split(to_obligate, [rng.randint(30, 100) for _ in range(rng.randint(1, 2))]):
                    ci = self._new(rng.choice(vendors), project, FY, {FY: part}, style, 0)
                    self._monthly(ci, part)
            else:  # upkeep and supply: service contracts and call-off invoices
                n_service = rng.randint(1, 2) if style == "upkeep" else 0
                n_call = rng.randint(1, 3)
                parts = split(to_obligate, [rng.randint(30, 100) for _ in range(n_service + n_call)])
                for k, part in enumerate(parts):
                    ci = self._new(rng.choice(vendors), project, FY, {FY: part}, style, 0)
                    if k < n_service:
                        self._milestone_payments(ci, part, rng.randint(3, 6), 0, cum)
                    else:
                        call_offs.append((ci, part))
        for ci, c in enumerate(self.contracts):
            if c.fiscal_year == FY:
                self.obligations.setdefault(c.day, []).append(ci)
        self._call_off_invoices(call_offs, cum)
        self._inject(call_offs)

    def _existing(self, project: Project, fy25: int, vendor: str, cum24: list[int]) -> None:
        """A contract concluded in FY2024 whose FY2025 instalment this year's budget pays."""
        rng = self.rng
        first = fy25 * rng.randint(10, 30) // 100
        later = [fy25 * rng.randint(20, 80) // 100 for _ in range(rng.randint(0, 2))]
        schedule = {FY - 1: first, FY: fy25, **{FY + 1 + k: a for k, a in enumerate(later) if a}}
        day = rng.randrange(len(self.days24) // 2)
        ci = self._new(vendor, project, FY - 1, schedule, project.program.style, day)
        c = self.contracts[ci]
        # FY2024: the first instalment in one or two milestones; a few stay unpaid at the
        # year's end and are carried over (事故繰越), to be paid in FY2025.
        pay = split(first, [1, 1]) if rng.random() < 0.5 else [first]
        d = day
        for seq, amount in enumerate(pay):
            d = self._pick_day(cum24, d)
            c.milestones.append((f"m{seq + 1:02d}", amount, self.days24[d].isoformat()))
            if seq == len(pay) - 1 and len(self.carried) < self.size.irregular and rng.random() < 0.2:
                self.carried[c.id] = amount
            else:
                self.payments24[d].append((ci, amount, seq, 0))
        if len(self.meikyo) < self.size.irregular and rng.random() < 0.1:  # unobligated FY2024 money, 明許繰越
            self.meikyo[project.path] = self.meikyo.get(project.path, 0) + first // 10 + 1_000_000
        # FY2025: its instalment is obligated on the first day and paid by milestones.
        self.obligations.setdefault(-1, []).append(ci)
        self._milestone_payments(ci, fy25, rng.randint(2, 5), 0, self._cum(self.days), milestones_from=len(pay))

    def _milestone_payments(self, ci: int, amount: int, n: int, after: int, cum: list[int],
                            milestones_from: int = 0) -> None:  # fmt: skip
        rng, c = self.rng, self.contracts[ci]
        parts = split(amount, [rng.randint(50, 150) for _ in range(n)])
        days = sorted(min(self._pick_day(cum, after), len(self.days) - 1) for _ in range(n))
        unpaid_last = rng.random() < 0.05  # delivery slips past 31 March: obligated, not yet paid
        for seq, (d, part) in enumerate(zip(days, parts, strict=True)):
            c.milestones.append((f"m{milestones_from + seq + 1:02d}", part, self.days[d].isoformat()))
            if not (unpaid_last and seq == n - 1):
                self.payments[d].append((ci, part, milestones_from + seq, 0))
        for year, later in sorted(c.schedule.items()):
            if year > FY:
                c.milestones.append((f"m{len(c.milestones) + 1:02d}", later, f"{year + 1}-03-15"))

    def _payroll(self, ci: int, amount: int) -> None:
        """Monthly pay on the 17th (or the business day before) and bonuses in June and December."""
        units, rng = self.size.payroll_units, self.rng
        runs = [d for d in range(len(self.days)) if self._payday(d)]
        weights = [2 if self.days[d].month in (6, 12) and self.days[d].day < 17 else 1 for d in runs]
        per_run = split(amount, weights)
        seq = 0
        for d, run_amount in zip(runs, per_run, strict=True):
            for part in split(run_amount, [rng.randint(60, 140) for _ in range(units)]):
                self.payments[d].append((ci, part, seq, 0))
                seq += 1

    def _payday(self, d: int) -> bool:
        day = self.days[d]
        nxt = self.days[d + 1] if d + 1 < len(self.days) else None
        monthly = day.day <= 17 and (nxt is None or nxt.day > 17 or nxt.month != day.month)
        bonus = (day.month, day.day) in ((6, 30), (12, 10))
        return monthly or bonus

    def _monthly(self, ci: int, amount: int) -> None:
        month_ends = [d for d in range(len(self.days) - 1) if self.days[d + 1].month != self.days[d].month]
        month_ends.append(len(self.days) - 1)
        for seq, (d, part) in enumerate(zip(month_ends, split(amount, [1] * len(month_ends)), strict=True)):
            self.payments[d].append((ci, part, seq, 0))

    def _call_off_invoices(self, call_offs: list[tuple[int, int]], cum: list[int]) -> None:
        made = sum(len(x) for x in self.payments)
        budget = max(len(call_offs) * 12, self.size.payments - made)
        counts = split(budget, [max(1, amount // 1_000_000) for _, amount in call_offs])
        rng, last = self.rng, len(self.days) - 1
        for (ci, amount), n in zip(call_offs, counts, strict=True):
            n = max(12, min(n, amount // 10_000))  # invoices of at least ¥10,000
            reserve = amount // 50  # held back: what irregular payments may draw on, else unpaid
            parts = split(amount - reserve, [rng.randint(20, 180) for _ in range(n)])
            choose = rng.randrange
            total = cum[-1]
            for seq, part in enumerate(parts):
                self.payments[min(bisect_right(cum, choose(total)), last)].append((ci, part, seq, 0))

    def _inject(self, call_offs: list[tuple[int, int]]) -> None:
        """Split payments, duplicate invoices, self-approvals: `size.irregular` of each."""
        rng, n = self.rng, self.size.irregular
        candidates = [(ci, a) for ci, a in call_offs if a // 50 > 4 * SPLIT_THRESHOLD_YEN]
        for ci, _amount in rng.sample(candidates, min(n, len(candidates))):
            d = rng.randrange(20, len(self.days) - 5)
            parts = [SPLIT_THRESHOLD_YEN - rng.randint(10_000, 300_000) for _ in range(3)]
            for k, part in enumerate(parts):
                self.payments[d].append((ci, part, 900_000 + k, 2))  # invoices ...-split-a, -b, -c
            cid = self.contracts[ci].id
            self.irregular.split_payments.append({
                "contract": cid, "vendor": self.contracts[ci].vendor, "date": self.days[d].isoformat(),
                "invoices": [_invoice(cid, 900_000 + k, 2) for k in range(3)], "amounts_yen": parts,
                "threshold_yen": SPLIT_THRESHOLD_YEN,
            })  # fmt: skip
        for ci, amount in rng.sample(candidates, min(n, len(candidates))):
            room = amount // 50 - 3 * SPLIT_THRESHOLD_YEN  # what the held-back reserve still covers
            start = rng.randrange(20, len(self.days) - 15)
            found = next(((d, a, s) for d in range(start, len(self.days) - 12) for c, a, s, m in self.payments[d]
                          if c == ci and m == 0 and a <= room), None)  # fmt: skip
            if found is None:
                continue
            d, paid, seq = found
            again = d + rng.randint(3, 10)
            self.payments[again].append((ci, paid, seq, 1))  # the same invoice, paid a second time
            self.irregular.duplicate_invoices.append({
                "contract": self.contracts[ci].id, "invoice": _invoice(self.contracts[ci].id, seq, 0),
                "amount_yen": paid, "dates": [self.days[d].isoformat(), self.days[again].isoformat()],
            })  # fmt: skip
        fy25 = [ci for ci, c in enumerate(self.contracts) if c.fiscal_year == FY]
        self.self_approved = set(rng.sample(fy25, min(n, len(fy25))))
        for ci in sorted(self.self_approved):
            self.irregular.self_approvals.append({"obligation": f"o-{self.contracts[ci].id}",
                                                  "officer": self._officer(ci, "cert")})  # fmt: skip

    def _officer(self, ci: int, role: str) -> str:
        """A (fictitious) officer of the contract's organisation: `gsdf.cert.03`."""
        org = self.contracts[ci].project.split(":")[2]
        return f"{org}.{role}.{ci % 7 + 1:02d}"

    # --- the operations, in time order ----------------------------------------------------
    def batches(self) -> Iterator[tuple[int, list[Operation]]]:
        yield from self._fy2024()
        yield from self._fy2025()

    def _tree_ops(self, fiscal_year: int, paths: list[str]) -> Iterator[DefineNode]:
        defined: set[str] = set()
        by_path = {p.path: p for p in self.projects}
        for path in paths:
            keys = path.split(":")
            for depth in range(2, 6):
                sub = ":".join(keys[:depth])
                if sub in defined:
                    continue
                defined.add(sub)
                project = by_path.get(sub)
                program = next((p for p in F.PROGRAMS if p.path == sub), None)
                if project is not None:
                    yield DefineNode(fiscal_year=fiscal_year, path=sub, name=project.program.name,
                                     name_ja=project.program.name_ja, estimate=project.estimate,
                                     tags=(project.program.area, *project.program.tags))  # fmt: skip
                elif program is not None:
                    yield DefineNode(fiscal_year=fiscal_year, path=sub, name=program.name, name_ja=program.name_ja,
                                     estimate=not program.fixed_yen)  # fmt: skip
                elif depth == 3:
                    name, name_ja = F.ORGANISATIONS[keys[2]]
                    yield DefineNode(fiscal_year=fiscal_year, path=sub, name=name, name_ja=name_ja, estimate=True)
                else:
                    yield DefineNode(fiscal_year=fiscal_year, path=sub, name=keys[1], name_ja=F.SUB_ITEMS[keys[1]],
                                     estimate=True)  # fmt: skip

    def _allot_ops(self, fiscal_year: int, budgets: dict[str, int]) -> list[Operation]:
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

    def _act(self, fiscal_year: int, budgets: dict[str, int], act: str) -> Enact:
        totals: dict[str, int] = {}
        for path, amount in budgets.items():
            totals[path.split(":")[0]] = totals.get(path.split(":")[0], 0) + amount
        items = []
        for key, (name, name_ja, designated, iyo) in F.ITEMS.items():
            if key in totals:
                items.append(ItemEnactment(key=key, amount_yen=totals[key], name=name, name_ja=name_ja, estimate=True,
                                           carryover_designated=designated, iyo_with=iyo))  # fmt: skip
        return Enact(id=f"act-{fiscal_year}", fiscal_year=fiscal_year, act=act, items=tuple(items))

    def _register(self, ci: int) -> RegisterContract:
        c = self.contracts[ci]
        return RegisterContract(
            contract=c.id, vendor=c.vendor, fiscal_year=c.fiscal_year, project=c.project, designated=c.designated,
            schedule=tuple(Instalment(y, a) for y, a in sorted(c.schedule.items())), name=c.name[:120],
            milestones=tuple(Milestone(m, a, due) for m, a, due in c.milestones) if c.milestones
            and len(c.milestones) <= 24 and sum(a for _, a, _ in c.milestones) == sum(c.schedule.values()) else (),
        )  # fmt: skip

    def _obligate(self, ci: int, fiscal_year: int) -> Obligate:
        c = self.contracts[ci]
        requested = self._officer(ci, "cert")
        approved = requested if ci in self.self_approved and fiscal_year == FY else self._officer(ci, "fin")
        return Obligate(id=f"o-{c.id}" + ("" if fiscal_year == FY else f"-{fiscal_year}"), contract=c.id,
                        fiscal_year=fiscal_year, amount_yen=c.schedule[fiscal_year],
                        references={"requested_by": requested, "approved_by": approved})  # fmt: skip

    def _disbursements(self, fiscal_year: int, day: list[tuple[int, int, int, int]], counter: list[int]) -> list[Operation]:
        out: list[Operation] = []
        contracts = self.contracts
        for ci, amount, seq, mark in day:
            c = contracts[ci]
            counter[0] += 1
            milestone = f"m{seq + 1:02d}" if c.milestones and mark == 0 and seq < 100 else ""
            out.append(Disburse(id=f"p{counter[0]:07d}", contract=c.id, fiscal_year=fiscal_year, amount_yen=amount,
                                invoice=_invoice(c.id, seq, mark), milestone=milestone))  # fmt: skip
        return out

    def _fy2024(self) -> Iterator[tuple[int, list[Operation]]]:
        old = [ci for ci, c in enumerate(self.contracts) if c.fiscal_year == FY - 1]
        budgets: dict[str, int] = {}
        for ci in old:
            c = self.contracts[ci]
            budgets[c.project] = budgets.get(c.project, 0) + c.schedule[FY - 1]
        for path, extra in self.meikyo.items():
            budgets[path] = budgets.get(path, 0) + extra
        for path in budgets:  # a little that neither pays nor carries: it lapses at the close
            budgets[path] += 1_000_000
        paths = sorted(budgets)
        yield at(date(2024, 3, 28), 10), [self._act(FY - 1, budgets, "fy2024-budget-act (modelled part only)"),
                                           *self._tree_ops(FY - 1, paths)]  # fmt: skip
        vendors = sorted({v for vs in self.vendors.values() for v in vs})
        yield at(self.days24[0]), [*(RegisterVendor(vendor=v, name=self.vendor_name(v)) for v in vendors),
                                   *self._allot_ops(FY - 1, budgets)]  # fmt: skip
        counter = [0]
        for d, day in enumerate(self.days24):
            ops: list[Operation] = []
            for ci in old:
                if self.contracts[ci].day == d:
                    ops += [self._register(ci), self._obligate(ci, FY - 1)]
            ops += self._disbursements(FY - 1, self.payments24[d], counter)
            if ops:
                yield at(day, 10), ops
        # FY2025's act and tree, then FY2024's carry-overs and close, then FY2025 begins.
        fy25 = {p.path: p.budget for p in self.projects}
        yield at(date(2025, 3, 28), 10), [self._act(FY, fy25, "fy2025-budget-act"),
                                           *self._tree_ops(FY, [p.path for p in self.projects])]  # fmt: skip
        carry: list[Operation] = []
        for k, (path, amount) in enumerate(sorted(self.meikyo.items())):
            carry.append(CarryOver(id=f"kurikoshi-2024-m{k + 1}", fiscal_year=FY - 1, kind="meikyo", node=path,
                                   amount_yen=amount, approvals=(f"mof:2025-03-meikyo-{k + 1}",)))  # fmt: skip
        for k, (contract, amount) in enumerate(sorted(self.carried.items())):
            carry.append(CarryOver(id=f"kurikoshi-2024-j{k + 1}", fiscal_year=FY - 1, kind="jiko", contract=contract,
                                   amount_yen=amount, approvals=(f"mof:2025-03-jiko-{k + 1}",)))  # fmt: skip
        yield at(date(2025, 3, 31), 20), carry
        yield M.fy_end_ns(FY - 1), [CloseYear(id="close-fy2024", fiscal_year=FY - 1)]

    def _fy2025(self) -> Iterator[tuple[int, list[Operation]]]:
        budgets = {p.path: p.budget for p in self.projects}
        yield at(self.days[0], 9), self._allot_ops(FY, budgets)
        by_id = {c.id: ci for ci, c in enumerate(self.contracts)}
        first: list[Operation] = [self._obligate(ci, FY) for ci in self.obligations.get(-1, [])]
        carried_pay: dict[int, list[Operation]] = {}
        for k, (contract, amount) in enumerate(sorted(self.carried.items())):
            d = 10 + 5 * k  # paid in April-May, once the delayed delivery is accepted
            carried_pay.setdefault(d, []).append(Disburse(id=f"p-carried-{k + 1}", contract=contract, fiscal_year=FY,
                                                          carried=True, amount_yen=amount,
                                                          invoice=f"{contract}-carried"))  # fmt: skip
            assert contract in by_id
        yield at(self.days[0], 10), first
        counter = [self._fy2024_payments()]
        for d, day in enumerate(self.days):
            ops: list[Operation] = []
            for ci in self.obligations.get(d, []):
                ops += [self._register(ci), self._obligate(ci, FY)]
            ops += carried_pay.get(d, [])
            ops += self._disbursements(FY, self.payments[d], counter)
            if ops:
                yield at(day, 10), ops

    def _fy2024_payments(self) -> int:
        return sum(len(x) for x in self.payments24)

    def manifest(self) -> dict[str, object]:
        """What the `demo.dataset` record says: the figures and their status, what was injected."""
        return {
            "seed": self.seed, "size": self.size_name, "fiscal_year": FY, "total_yen": F.FY2025_TOTAL_YEN,
            "total_status": "published (MOF, April 2025: 8兆7,005億円)",
            "areas": [{"tag": a.tag, "yen": a.yen, "status": a.status} for a in F.AREAS],
            "estimates": "items and sub-items are illustrative; splits of an area among programs and projects are "
                         "estimates (node metadata estimate=true); FY2024 is modelled only where it continues into "
                         "FY2025; vendors are fictitious",
            "irregularities": {k: len(v) for k, v in asdict(self.irregular).items()},
        }  # fmt: skip


def _invoice(contract: str, seq: int, mark: int) -> str:
    if mark == 2:
        return f"{contract}-split-{'abc'[seq - 900_000]}"
    return f"{contract}-{seq + 1:05d}"
