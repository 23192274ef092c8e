"""The demo dataset, generated from a seed: the tree, vendors, contracts and payments of
FY2024's continuing part, FY2025 and FY2026 (`timeline` turns them into budget operations in
time order and keeps those up to an as-of date). Pure: no journal, no clock; the same seed and
size give the same data, byte for byte, whatever the date (the date only cuts the timeline).

Each year is generated whole, then cut: FY2026 as planned for the full year, so that a later
as-of date extends an earlier one's history and never rewrites it. The payments of a size are
shared between FY2025 and FY2026 (`YEAR_SHARE_PERCENT` each of `Size.payments`), so a demo in
December of FY2026 loads about as many as the FY2025-only demo did.

Every amount is an integer split of a published (or labelled estimated) total: `split`
gives each part floor(total * weight / sum of weights) and the few yen left over one each
to the first parts, so parts always add up exactly. Payments follow the seasonality of
Japanese public spending: month weights below, a quarter of the year's payments in March.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Final

from ramp.budget import model as budget_model
from ramp.demo import figures


@dataclass(frozen=True, slots=True)
class Size:
    projects_per_program: int
    vendors: int
    payments: int  # disbursements of FY2025 and the part of FY2026 up to December, about
    payroll_units: int  # units paid separately by each payroll project, monthly and twice a bonus
    irregular: int  # injected cases of each kind


SIZES: Final = {
    "tiny": Size(1, 40, 4_000, 8, 2),  # a quick look; the dashboard tests' data
    "small": Size(1, 40, 20_000, 8, 2),
    "default": Size(6, 400, 990_000, 150, 6),
    "large": Size(12, 800, 3_000_000, 300, 12),
}
# Share of the year's payments by month, April first (percent): heavy in March (年度末).
MONTH_WEIGHTS: Final = (5, 6, 7, 7, 6, 8, 7, 7, 9, 6, 7, 25)
SPLIT_THRESHOLD_YEN: Final = (
    10_000_000  # the demo's "second approval from here" line that split payments dodge
)
FY: Final = 2025  # the last year closed in the demo's default (today's) history
NEXT_FY: Final = FY + 1  # the open year: the Cabinet's FY2026 draft (figures.FY2026_TOTAL_YEN)
YEAR_SHARE_PERCENT: Final = 65  # of Size.payments, generated for each of FY2025 and FY2026
SEIRI_SHARE: Final = (
    4  # one in SEIRI_SHARE of the last March week's invoices is paid in April (出納整理期間)
)
LATER_SHARE_PERCENT: Final = (
    60  # at most this much of a project's FY2026 budget pays earlier contracts
)
MEIKYO_SHARE_PERCENT: Final = 10  # of a project's FY2025 slack, carried as 明許繰越 into FY2026


def split(total: int, weights: list[int]) -> list[int]:
    """Integer parts of `total` in proportion to `weights`, adding up exactly."""
    w = sum(weights)
    parts = [total * x // w for x in weights]
    for k in range(total - sum(parts)):
        parts[k % len(parts)] += 1
    return parts


def business_days(fiscal_year: int, end: date | None = None) -> list[date]:
    """Weekdays of the fiscal year (or from its first day to `end`, for 出納整理期間)."""
    d, end = date(fiscal_year, 4, 1), end or date(fiscal_year + 1, 3, 31)
    out = []
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def at(d: date, hour: int = 9) -> int:
    return budget_model.jst_ns(d.year, d.month, d.day, hour)


@dataclass(slots=True)
class Project:
    path: str
    program: figures.Program
    budget: int  # FY2025 yen
    estimate: bool
    budget26: int = 0  # FY2026 yen (the Cabinet's draft, split by estimate)


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


Payment = tuple[
    int, int, int, int
]  # (contract index, amount, sequence number in its contract, mark)


@dataclass(slots=True)
class YearPlan:
    """What one fiscal year pays and obligates, by its business day."""

    fy: int
    days: list[date]
    cum: list[int]  # cumulative seasonal weight per day (`Dataset._cum`)
    payments: list[list[Payment]]
    obligations: dict[int, list[int]] = field(
        default_factory=dict
    )  # day (-1: the first, at opening) -> contracts
    seiri: list[list[Payment]] = field(
        default_factory=list
    )  # paid in April of the next year (出納整理期間)
    seiri_days: list[date] = field(default_factory=list)


@dataclass(slots=True)
class Irregularities:
    """The answer key of what was injected, for the oversight analytics to come."""

    split_payments: list[dict[str, object]] = field(default_factory=list)
    duplicate_invoices: list[dict[str, object]] = field(default_factory=list)


class Dataset:
    """What the years hold, generated by `Dataset(seed, size)`; `timeline.batches(dataset,
    as_of)` turns it into operations in time order."""

    def __init__(self, seed: int, size: str = "default") -> None:
        self.seed = seed
        self.size_name = size
        self.size = SIZES[size]
        self.rng = random.Random(seed)
        self.days24 = [d for d in business_days(FY - 1) if d < date(FY, 3, 28)]
        self.irregular = Irregularities()
        self.projects = self._projects()
        self.vendors = self._vendors()
        self.contracts: list[Contract] = []
        self.years = {fy: self._year(fy) for fy in (FY, NEXT_FY)}
        y25 = self.years[FY]
        self.days, self.payments, self.obligations = (
            y25.days,
            y25.payments,
            y25.obligations,
        )  # FY2025's
        self.payments24: list[list[Payment]] = [[] for _ in self.days24]
        self.seiri24_days = business_days(FY, date(FY, 4, 30))
        self.seiri24: list[list[Payment]] = [
            [] for _ in self.seiri24_days
        ]  # FY2024 money paid in April 2025
        self.carried: dict[str, int] = {}  # FY2024 contract -> 事故繰越 amount, paid in FY2025
        self.meikyo: dict[str, int] = {}  # project -> 明許繰越 amount into FY2025
        self.carried25: dict[
            str, tuple[int, int]
        ] = {}  # FY2025 contract -> (事故繰越 amount, milestone seq), paid in FY2026
        self.meikyo25: dict[str, int] = {}  # project -> 明許繰越 amount into FY2026
        self._plan_contracts(y25)
        self._later_years(NEXT_FY)
        self._plan_contracts(self.years[NEXT_FY])
        self._carry_overs()
        self._seiri(self.payments24, self.days24, self.seiri24)
        self._seiri(y25.payments, y25.days, y25.seiri)

    def _year(self, fy: int) -> YearPlan:
        days = business_days(fy)
        seiri_days = business_days(fy + 1, date(fy + 1, 4, 30))
        return YearPlan(fy, days, self._cum(days), [[] for _ in days], seiri=[[] for _ in seiri_days],
                        seiri_days=seiri_days)  # fmt: skip

    # --- the tree --------------------------------------------------------------------------
    def _projects(self) -> list[Project]:
        out: list[Project] = []
        rng, per = self.rng, self.size.projects_per_program
        for area in figures.AREAS:
            programs = [p for p in figures.PROGRAMS if p.area == area.tag]
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
        assert sum(p.budget for p in out) == figures.FY2025_TOTAL_YEN
        self._budgets26(out)
        return out

    @staticmethod
    def _budgets26(projects: list[Project]) -> None:
        """FY2026: the Cabinet draft's total (press) split over the same projects in proportion to
        FY2025, the Buildup Program's part and the rest (SACO, realignment) each exact; GCAP at its
        press figure. Every split is an estimate, to the yen."""
        outside = [p for p in projects if p.program.area == "us-realignment"]
        gcap = [p for p in projects if p.program.path == figures.GCAP_PROGRAM]
        inside = [p for p in projects if p not in outside and p not in gcap]
        for p in gcap:
            p.budget26 = figures.FY2026_GCAP_YEN
        for group, total in ((inside, figures.FY2026_DBP_COVERED_YEN - figures.FY2026_GCAP_YEN),
                             (outside, figures.FY2026_TOTAL_YEN - figures.FY2026_DBP_COVERED_YEN)):  # fmt: skip
            thousands = split(total // 1000, [p.budget // 1000 for p in group])
            for p, part in zip(group, thousands, strict=True):
                p.budget26 = part * 1000
            group[0].budget26 += total - sum(p.budget26 for p in group)
        assert sum(p.budget26 for p in projects) == figures.FY2026_TOTAL_YEN

    def budget(self, project: Project, fy: int) -> int:
        return project.budget if fy == FY else project.budget26

    def _vendors(self) -> dict[str, list[str]]:
        """Vendor ids by style; payroll payees per organisation."""
        by_style: dict[str, list[str]] = {s: [] for s in figures.TRADES}
        per_style = max(2, self.size.vendors // len(figures.TRADES))
        for style, trades in figures.TRADES.items():
            for k in range(per_style):
                region = figures.REGIONS[(k * 7 + len(style)) % len(figures.REGIONS)]
                by_style[style].append(f"{region}-{trades[k % len(trades)]}-{k + 1:02d}")
        by_style["payroll"] = [f"payroll-{org}" for org in figures.ORGANISATIONS]
        every = [v for vs in by_style.values() for v in vs]
        assert len(set(every)) == len(every), "vendor ids collide"
        return by_style

    def vendor_name(self, vendor: str) -> str:
        if vendor.startswith("payroll-"):
            org = figures.ORGANISATIONS[vendor[len("payroll-"):]][0]
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

    def _plan_contracts(self, y: YearPlan) -> None:
        rng, fy = self.rng, y.fy
        n_days = len(y.days)
        call_offs: list[tuple[int, int]] = []  # (contract index, the year's amount): invoices later
        earlier = self._earlier_instalments(fy)
        for project in self.projects:
            style, budget = project.program.style, self.budget(project, fy)
            # 0.5 % - 8 % left unobligated; in FY2026 at least 1 %: the milestone contracts' FY2026
            # instalments (ramp.demo.contracts, up to 0.72 % of a project's FY2025 budget) come from it
            permille = rng.choice((5, 10, 20, 30, 50, 80) if fy == FY else (10, 20, 30, 50, 80))
            slack = budget * permille // 1000
            to_obligate = budget - slack - earlier.get(project.path, 0)
            assert to_obligate > 0, (project.path, fy)
            vendors = self.vendors["payroll"] if style == "payroll" else self.vendors[style]
            if style in ("acquisition", "rd", "works"):
                existing = 0
                if (
                    fy == FY and rng.random() < 0.8
                ):  # FY2024 contracts continuing (FY2026's are FY2025's own)
                    existing = to_obligate * rng.randint(35, 60) // 100
                    self._existing(project, existing, rng.choice(vendors), y)
                parts = split(
                    to_obligate - existing, [rng.randint(30, 100) for _ in range(rng.randint(1, 3))]
                )
                for part in parts:
                    day = min(rng.randrange(n_days * 3 // 4), rng.randrange(n_days * 3 // 4))  # early-heavy
                    years = rng.randint(2, 5)
                    designated = style == "acquisition" and part > 20_000_000_000 and rng.random() < 0.5
                    if designated:
                        years = rng.randint(6, 10)
                    later = split(
                        part * rng.randint(2, 6), [rng.randint(50, 100) for _ in range(years - 1)]
                    )
                    schedule = {fy: part, **{fy + k + 1: a for k, a in enumerate(later) if a}}
                    ci = self._new(
                        rng.choice(vendors), project, fy, schedule, style, day, designated
                    )
                    self._milestone_payments(ci, part, rng.randint(2, 6), day, y)
                    if fy > FY:
                        self._later_milestones(ci, fy)
            elif style == "payroll":
                ci = self._new(vendors[list(figures.ORGANISATIONS).index(project.path.split(":")[2])], project, fy,
                               {fy: to_obligate}, style, 0)  # fmt: skip
                self._payroll(ci, to_obligate, y)
            elif style == "services":
                for part in split(
                    to_obligate, [rng.randint(30, 100) for _ in range(rng.randint(1, 2))]
                ):
                    ci = self._new(rng.choice(vendors), project, fy, {fy: part}, style, 0)
                    self._monthly(ci, part, y)
            else:  # upkeep and supply: service contracts and call-off invoices
                n_service = rng.randint(1, 2) if style == "upkeep" else 0
                n_call = rng.randint(1, 3)
                parts = split(to_obligate, [rng.randint(30, 100) for _ in range(n_service + n_call)])
                for k, part in enumerate(parts):
                    ci = self._new(rng.choice(vendors), project, fy, {fy: part}, style, 0)
                    if k < n_service:
                        self._milestone_payments(ci, part, rng.randint(3, 6), 0, y)
                    else:
                        call_offs.append((ci, part))
        for ci, c in enumerate(self.contracts):
            if c.fiscal_year == fy:
                y.obligations.setdefault(c.day, []).append(ci)
        self._call_off_invoices(call_offs, y)
        if fy == FY:
            self._inject(call_offs, y)

    def _earlier_instalments(self, fy: int) -> dict[str, int]:
        """Per project, what contracts of earlier years pay from its FY`fy` budget."""
        out: dict[str, int] = {}
        for c in self.contracts:
            if c.fiscal_year < fy and fy in c.schedule:
                out[c.project] = out.get(c.project, 0) + c.schedule[fy]
        return out

    def _existing(self, project: Project, fy25: int, vendor: str, y: YearPlan) -> None:
        """A contract concluded in FY2024 whose FY2025 instalment this year's budget pays."""
        rng = self.rng
        first = fy25 * rng.randint(10, 30) // 100
        later = [fy25 * rng.randint(20, 80) // 100 for _ in range(rng.randint(0, 2))]
        schedule = {FY - 1: first, FY: fy25, **{FY + 1 + k: a for k, a in enumerate(later) if a}}
        day = rng.randrange(len(self.days24) // 2)
        ci = self._new(vendor, project, FY - 1, schedule, project.program.style, day)
        c = self.contracts[ci]
        cum24 = self._cum(self.days24)
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
        y.obligations.setdefault(-1, []).append(ci)
        self._milestone_payments(ci, fy25, rng.randint(2, 5), 0, y, milestones_from=len(pay))

    def _milestone_payments(self, ci: int, amount: int, n: int, after: int, y: YearPlan,
                            milestones_from: int = 0) -> None:  # fmt: skip
        rng, c = self.rng, self.contracts[ci]
        parts = split(amount, [rng.randint(50, 150) for _ in range(n)])
        days = sorted(min(self._pick_day(y.cum, after), len(y.days) - 1) for _ in range(n))
        unpaid_last = rng.random() < 0.05  # delivery slips past 31 March: obligated, not yet paid
        for seq, (d, part) in enumerate(zip(days, parts, strict=True)):
            c.milestones.append((f"m{milestones_from + seq + 1:02d}", part, y.days[d].isoformat()))
            if not (unpaid_last and seq == n - 1):
                y.payments[d].append((ci, part, milestones_from + seq, 0))
            elif y.fy == FY and len(self.carried25) < self.size.irregular and c.fiscal_year == FY:
                self.carried25[c.id] = (part, milestones_from + seq)  # 事故繰越, paid in FY2026

    def _later_years(self, fy: int) -> None:
        """Fit earlier contracts' FY`fy` instalments into that year's budget (at most
        `LATER_SHARE_PERCENT` of a project's), then give every contract a milestone per later
        year: FY`fy`'s on a day of that year (paid then), later years' on 15 March."""
        by_project: dict[str, list[Contract]] = {}
        for c in self.contracts:
            if fy in c.schedule:
                by_project.setdefault(c.project, []).append(c)
        budgets = {p.path: self.budget(p, fy) for p in self.projects}
        for path, contracts in by_project.items():
            cap, owed = (
                budgets[path] * LATER_SHARE_PERCENT // 100,
                sum(c.schedule[fy] for c in contracts),
            )
            if owed > cap:
                for c in contracts:
                    c.schedule[fy] = max(1, c.schedule[fy] * cap // owed)
        for ci in range(len(self.contracts)):
            self._later_milestones(ci, fy - 1)

    def _later_milestones(self, ci: int, after_fy: int) -> None:
        c, y = self.contracts[ci], self.years[NEXT_FY]
        for year, amount in sorted(c.schedule.items()):
            if year <= after_fy:
                continue
            seq = len(c.milestones)
            if year == NEXT_FY:
                d = min(self._pick_day(y.cum, -1), len(y.days) - 1)
                c.milestones.append((f"m{seq + 1:02d}", amount, y.days[d].isoformat()))
                y.obligations.setdefault(-1, []).append(ci)  # obligated as FY2026 opens
                y.payments[d].append((ci, amount, seq, 0))
            else:
                c.milestones.append((f"m{seq + 1:02d}", amount, f"{year + 1}-03-15"))

    def _carry_overs(self) -> None:
        """FY2025's 明許繰越: a share of a few designated projects' unobligated money (the
        事故繰越 are the slipped deliveries `_milestone_payments` chose)."""
        rng, fy = self.rng, FY
        spent: dict[str, int] = {}
        for c in self.contracts:
            spent[c.project] = spent.get(c.project, 0) + c.schedule.get(fy, 0)
        candidates = [p for p in self.projects if figures.ITEMS[p.path.split(":")[0]][2]
                      and p.program.style in ("acquisition", "rd", "works")]  # fmt: skip
        for p in rng.sample(candidates, min(self.size.irregular, len(candidates))):
            slack = p.budget + self.meikyo.get(p.path, 0) - spent.get(p.path, 0)
            amount = slack * MEIKYO_SHARE_PERCENT // 100 // 1_000_000 * 1_000_000
            if amount > 0:
                self.meikyo25[p.path] = amount

    def _seiri(
        self, payments: list[list[Payment]], days: list[date], seiri: list[list[Payment]]
    ) -> None:
        """Move one in `SEIRI_SHARE` of the last March week's invoices to April: delivered and
        accepted in the year, paid in its 出納整理期間 from the year's money."""
        for d in range(len(days)):
            if days[d].month != 3 or days[d].day < 24:
                continue
            kept = []
            for k, pay in enumerate(payments[d]):
                ci, _amount, _seq, mark = pay
                if (
                    mark == 0
                    and k % SEIRI_SHARE == 0
                    and self.contracts[ci].style in ("supply", "upkeep")
                ):
                    seiri[(k // SEIRI_SHARE) % len(seiri)].append(pay)
                else:
                    kept.append(pay)
            payments[d] = kept

    def _payroll(self, ci: int, amount: int, y: YearPlan) -> None:
        """Monthly pay on the 17th (or the business day before) and bonuses in June and December."""
        units, rng = self.size.payroll_units, self.rng
        runs = [d for d in range(len(y.days)) if self._payday(d, y.days)]
        weights = [2 if y.days[d].month in (6, 12) and y.days[d].day < 17 else 1 for d in runs]
        per_run = split(amount, weights)
        seq = 0
        for d, run_amount in zip(runs, per_run, strict=True):
            for part in split(run_amount, [rng.randint(60, 140) for _ in range(units)]):
                y.payments[d].append((ci, part, seq, 0))
                seq += 1

    @staticmethod
    def _payday(d: int, days: list[date]) -> bool:
        day = days[d]
        nxt = days[d + 1] if d + 1 < len(days) else None
        monthly = day.day <= 17 and (nxt is None or nxt.day > 17 or nxt.month != day.month)
        bonus = (day.month, day.day) in ((6, 30), (12, 10))
        return monthly or bonus

    def _monthly(self, ci: int, amount: int, y: YearPlan) -> None:
        days = y.days
        month_ends = [d for d in range(len(days) - 1) if days[d + 1].month != days[d].month]
        month_ends.append(len(days) - 1)
        for seq, (d, part) in enumerate(
            zip(month_ends, split(amount, [1] * len(month_ends)), strict=True)
        ):
            y.payments[d].append((ci, part, seq, 0))

    def _call_off_invoices(self, call_offs: list[tuple[int, int]], y: YearPlan) -> None:
        made = sum(len(x) for x in y.payments)
        budget = max(len(call_offs) * 12, self.size.payments * YEAR_SHARE_PERCENT // 100 - made)
        counts = split(budget, [max(1, amount // 1_000_000) for _, amount in call_offs])
        rng, last, cum = self.rng, len(y.days) - 1, y.cum
        for (ci, amount), n in zip(call_offs, counts, strict=True):
            n = max(12, min(n, amount // 10_000))  # invoices of at least ¥10,000
            reserve = amount // 50  # held back: what irregular payments may draw on, else unpaid
            parts = split(amount - reserve, [rng.randint(20, 180) for _ in range(n)])
            choose = rng.randrange
            total = cum[-1]
            for seq, part in enumerate(parts):
                y.payments[min(bisect_right(cum, choose(total)), last)].append((ci, part, seq, 0))

    def _inject(self, call_offs: list[tuple[int, int]], y: YearPlan) -> None:
        """Split payments, duplicate invoices, self-approvals: `size.irregular` of each (FY2025)."""
        rng, n = self.rng, self.size.irregular
        days, payments = y.days, y.payments
        candidates = [(ci, a) for ci, a in call_offs if a // 50 > 4 * SPLIT_THRESHOLD_YEN]
        for ci, _amount in rng.sample(candidates, min(n, len(candidates))):
            d = rng.randrange(20, len(days) - 5)
            parts = [SPLIT_THRESHOLD_YEN - rng.randint(10_000, 300_000) for _ in range(3)]
            for k, part in enumerate(parts):
                payments[d].append((ci, part, 900_000 + k, 2))  # invoices ...-split-a, -b, -c
            cid = self.contracts[ci].id
            self.irregular.split_payments.append({
                "contract": cid, "vendor": self.contracts[ci].vendor, "date": days[d].isoformat(),
                "invoices": [invoice_ref(cid, 900_000 + k, 2) for k in range(3)], "amounts_yen": parts,
                "threshold_yen": SPLIT_THRESHOLD_YEN,
            })  # fmt: skip
        for ci, amount in rng.sample(candidates, min(n, len(candidates))):
            room = amount // 50 - 3 * SPLIT_THRESHOLD_YEN  # what the held-back reserve still covers
            start = rng.randrange(20, len(days) - 15)
            found = next(((d, a, s) for d in range(start, len(days) - 12) for c, a, s, m in payments[d]
                          if c == ci and m == 0 and a <= room), None)  # fmt: skip
            if found is None:
                continue
            d, paid, seq = found
            again = d + rng.randint(3, 10)
            payments[again].append((ci, paid, seq, 1))  # the same invoice, paid a second time
            self.irregular.duplicate_invoices.append({
                "contract": self.contracts[ci].id, "invoice": invoice_ref(self.contracts[ci].id, seq, 0),
                "amount_yen": paid, "dates": [days[d].isoformat(), days[again].isoformat()],
            })  # fmt: skip

    def officer(self, ci: int, role: str) -> str:
        """A (fictitious) officer of the contract's organisation: `gsdf.cert.03`."""
        org = self.contracts[ci].project.split(":")[2]
        return f"{org}.{role}.{ci % 7 + 1:02d}"

    def manifest(self) -> dict[str, object]:
        """What the `demo.dataset` record says: the figures and their status, what was injected."""
        return {
            "seed": self.seed, "size": self.size_name, "fiscal_year": FY, "total_yen": figures.FY2025_TOTAL_YEN,
            "total_status": "published (MOF, April 2025: 8兆7,005億円)",
            "next_fiscal_year": {"fiscal_year": NEXT_FY, "total_yen": figures.FY2026_TOTAL_YEN,
                                 "total_status": figures.FY2026_STATUS, "act": figures.FY2026_ACT,
                                 "label": figures.FY2026_LABEL},
            "areas": [{"tag": a.tag, "yen": a.yen, "status": a.status} for a in figures.AREAS],
            "estimates": "items and sub-items are illustrative; splits of an area among programs and projects are "
                         "estimates (node metadata estimate=true); FY2026's project amounts are FY2025's split of "
                         "the Cabinet draft's total (press), estimates too; FY2024 is modelled only where it "
                         "continues into FY2025; vendors are fictitious",
            "irregularities": {k: len(v) for k, v in asdict(self.irregular).items()},
        }  # fmt: skip


def invoice_ref(contract: str, seq: int, mark: int) -> str:
    if mark == 2:
        return f"{contract}-split-{'abc'[seq - 900_000]}"
    return f"{contract}-{seq + 1:05d}"
