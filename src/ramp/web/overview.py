"""What the overview and the public view show, computed from the read models (no event walk).

The budget projection keeps every node's figures and the activity projection the months, so
a page costs one snapshot of the year (a few hundred nodes) whatever the journal's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import Alerts, BudgetTree, Figures, TreeNode, Withheld, alerts, budget_tree
from ramp.service.activity import MONTHS, Activity
from ramp.web import charts
from ramp.web.i18n import label, month_names
from ramp.web.money import basis_points, percent, yen
from ramp.web.names import CATEGORIES, category_name

ALERTS_SHOWN: Final = 10
OTHER: Final = "other"  # projects without a category tag
UNALLOTTED: Final = "~unallotted"  # money held above the projects of an organisation
WITHHELD: Final = "~withheld"  # money in lines withheld from the viewer (secret: auditors only)
# A category's colour is its own, every year (never its rank in a year): the known categories
# in the palette's order, the parts that are no category in greys; another tag by its hash.
CATEGORY_COLOURS: Final = {tag: charts.PALETTE[k % len(charts.PALETTE)] for k, tag in enumerate(CATEGORIES)} | {
    OTHER: "#bdbdbd", UNALLOTTED: "#e0e0e0", WITHHELD: "#9e9e9e"}


@dataclass(frozen=True, slots=True)
class OrgCategories:
    key: str
    name: str
    name_ja: str
    figures: Figures
    by_category: dict[str, int]  # category -> appropriated of its projects (+ UNALLOTTED)


def default_fiscal_year(projection: BudgetProjection) -> int | None:
    """The latest fiscal year still open, else the latest one; None without any budget."""
    years = projection.fiscal_years()
    for fy in reversed(years):
        snap = projection.snapshot(fy)
        if snap is not None and not snap.closed:
            return fy
    return years[-1] if years else None


def _minus(a: Figures, parts: list[Figures]) -> list[int]:
    out = [getattr(a, f) for f in Figures.__struct_fields__]
    for p in parts:
        for k, f in enumerate(Figures.__struct_fields__):
            out[k] -= getattr(p, f)
    return out


def _split(node: TreeNode, inherited: str | None, out: dict[str, list[int]]) -> None:
    """Add each node's own figures (its rolled figures less its children's and its withheld
    lines') to its primary category: the first tag of the nearest tagged node at or above it.

    Every yen of the subtree lands in exactly one part, so the parts add up to the node."""
    primary = node.tags[0] if node.tags else inherited
    own = _minus(node.figures, [c.figures for c in node.children] + ([node.withheld] if node.withheld else []))
    key = primary if primary is not None else (OTHER if node.kind == "project" else UNALLOTTED)
    if any(own):
        _add_into(out, key, own)
    if node.withheld is not None:
        _add_into(out, WITHHELD, [getattr(node.withheld, f) for f in Figures.__struct_fields__])
    for c in node.children:
        _split(c, primary, out)


def _add_into(out: dict[str, list[int]], key: str, figures: list[int]) -> None:
    row = out.setdefault(key, [0] * len(Figures.__struct_fields__))
    for k, v in enumerate(figures):
        row[k] += v


def primary_split(nodes: list[TreeNode]) -> dict[str, Figures]:
    """The nodes' figures split by primary category (a partition: no yen counted twice)."""
    out: dict[str, list[int]] = {}
    for n in nodes:
        _split(n, None, out)
    return {k: Figures(*v) for k, v in out.items()}


def org_categories(tree: BudgetTree) -> list[OrgCategories]:
    """Each organisation's appropriation split by primary category (`primary_split`): the parts
    add up to the organisation's appropriation exactly; what its higher nodes still hold is one
    more part (UNALLOTTED), and what lines withheld from the viewer hold another (WITHHELD: one
    sum, no names)."""
    out: dict[str, tuple[str, str, list[int], dict[str, int]]] = {}
    stack = list(tree.items)
    while stack:
        node = stack.pop()
        if node.kind != "organisation":
            stack.extend(node.children)
            continue
        key = node.path.rsplit(":", 1)[1]
        name, name_ja, figures, cats = out.setdefault(key, (node.name, node.name_ja, [0] * 9, {}))
        for k, field in enumerate(Figures.__struct_fields__):
            figures[k] += getattr(node.figures, field)
        for cat, f in primary_split([node]).items():
            if f.appropriated > 0:
                cats[cat] = cats.get(cat, 0) + f.appropriated
    return [OrgCategories(k, n, nj, Figures(*f), c) for k, (n, nj, f, c) in sorted(out.items())]


@dataclass(frozen=True, slots=True)
class CategoryRow:
    key: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class Categories:
    """The year by category: `parts` partition the year (each yen under its node's first tag,
    and `total` is their sum, equal to the year's figures); `overlapping` are the tags that
    also sit on nodes under another first tag (`ai`), each with all it covers, counted within
    the parts already: shown as "of which", never added to a total."""

    parts: list[CategoryRow]
    total: Figures
    overlapping: list[CategoryRow]


def category_split(tree: BudgetTree) -> Categories:
    split = primary_split(tree.items)
    parts = sorted((CategoryRow(k, f) for k, f in split.items()), key=lambda r: (-r.figures.appropriated, r.key))
    total = Figures(*(sum(getattr(r.figures, f) for r in parts) for f in Figures.__struct_fields__))
    assert total == tree.figures, "the primary split is a partition of the year"
    later: set[str] = set()
    stack = list(tree.items)
    while stack:
        n = stack.pop()
        later.update(n.tags[1:])
        stack.extend(n.children)
    overlapping = [CategoryRow(g.key, g.figures) for g in tree.by_category if g.key in later]
    return Categories(parts, total, sorted(overlapping, key=lambda r: (-r.figures.appropriated, r.key)))


@dataclass(frozen=True, slots=True)
class Overview:
    tree: BudgetTree
    names: dict[str, tuple[str, str]]  # node path -> (name, name_ja), for alerts
    orgs: list[OrgCategories]
    categories: list[str]  # the treemap's categories: by total, largest first
    by_category: Categories
    obligated_cum: tuple[int, ...]  # per month, yen
    disbursed_cum: tuple[int, ...]
    alerts: Alerts


def overview(projection: BudgetProjection, activity: Activity, fiscal_year: int, withheld: Withheld) -> Overview:
    """The year as the viewer may see it: lines `withheld` from them are left out (`budget.queries`)."""
    tree = budget_tree(projection, fiscal_year, withheld)  # QueryError for a year without a budget
    orgs = org_categories(tree)
    totals: dict[str, int] = {}
    for o in orgs:
        for c, v in o.by_category.items():
            totals[c] = totals.get(c, 0) + v
    categories = sorted(totals, key=lambda c: (-totals[c], c))
    m = activity.monthly(fiscal_year)
    return Overview(tree, _names(tree.items), orgs, categories, category_split(tree),
                    _cumulative(m.obligated), _cumulative(m.disbursed),
                    alerts(projection, fiscal_year, withheld=withheld))  # fmt: skip


def _names(items: list[TreeNode]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    stack = list(items)
    while stack:
        n = stack.pop()
        out[n.path] = (n.name, n.name_ja)
        stack.extend(n.children)
    return out


def node_name(ov: Overview, path: str, lang: str) -> str:
    name, name_ja = ov.names.get(path, ("", ""))
    return (name_ja or name or path) if lang == "ja" else (name or path)


def _cumulative(values: tuple[int, ...]) -> tuple[int, ...]:
    out, run = [], 0
    for v in values:
        run += v
        out.append(run)
    return tuple(out)


def org_name(o: OrgCategories, lang: str) -> str:
    return (o.name_ja or o.name) if lang == "ja" else (o.name or o.key)


def category_label(category: str, lang: str) -> str:
    if category == OTHER:
        return label(lang, "category.other")
    if category == UNALLOTTED:
        return label(lang, "category.unallotted")
    if category == WITHHELD:
        return label(lang, "category.withheld")
    return category_name(category, lang)


def treemap(ov: Overview, lang: str) -> str:
    colours = charts.colour_of(ov.categories, CATEGORY_COLOURS)
    groups = []
    for o in ov.orgs:
        name = org_name(o, lang)
        blocks = tuple(
            charts.Block(c, category_label(c, lang), f"{name} / {category_label(c, lang)}: {yen(v, lang)} "
                         f"({percent(v, ov.tree.figures.appropriated)})", v)
            for c, v in o.by_category.items() if v > 0
        )  # fmt: skip
        title = f"{name}: {yen(o.figures.appropriated, lang)}"
        groups.append(charts.Group(name, title, blocks))
    return charts.treemap_svg(groups, colours, label(lang, "treemap"))


def legend(ov: Overview, lang: str) -> list[tuple[str, str]]:
    colours = charts.colour_of(ov.categories, CATEGORY_COLOURS)
    return [(colours[c], category_label(c, lang)) for c in ov.categories]


def utilisation_chart(ov: Overview, lang: str) -> str:
    whole = ov.tree.figures.appropriated
    series = [
        charts.Series("obligated", label(lang, "obligated"), tuple(basis_points(v, whole) for v in ov.obligated_cum)),
        charts.Series("disbursed", label(lang, "disbursed"), tuple(basis_points(v, whole) for v in ov.disbursed_cum)),
    ]
    assert len(ov.obligated_cum) == MONTHS
    return charts.utilisation_svg(month_names(lang), series, label(lang, "utilisation.caption"))


@dataclass(frozen=True)
class YearStatus:
    """Where a fiscal year stands on the business clock: `ahead` (not begun), `in_progress`,
    `settling` (ended, not yet closed: the 出納整理期間 until the close), `closed` (決算)."""

    state: str
    as_of: str  # the business clock's date, JST
    start: str
    end: str
    day: int  # the day of the year the clock is on (1 = 1 April), while in progress
    days: int


def year_status(fiscal_year: int, closed: bool, now_ns: int) -> YearStatus:
    start, end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    today = date.fromisoformat(budget_model.date_of(now_ns))
    days = (end - start).days + 1
    if closed:
        state = "closed"
    elif today < start:
        state = "ahead"
    elif today > end:
        state = "settling"
    else:
        state = "in_progress"
    return YearStatus(state, today.isoformat(), start.isoformat(), end.isoformat(),
                      min(max((today - start).days + 1, 0), days), days)  # fmt: skip
