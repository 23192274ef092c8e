"""Budget queries: the tree of a fiscal year with its figures rolled up, the same figures by
organisation and by category, a node's history, later-year burdens, availability alerts.

Figures of a node cover its whole subtree (own figures plus its children's):

    appropriated = issued + reserve released + carried in + moved in - moved out
    allotted     = appropriated - unallotted - carried over - lapsed  = obligated + available
    obligated    = disbursed + obligated and not yet paid
    available    = what projects hold (free to obligate); unallotted = what higher nodes hold

Results are msgspec structs: the API renders them as they are, the CLI prints them.

A reader not cleared for a line (`withheld`, by node account: a secret line to anyone but an
auditor) never sees it: not its node nor anything below it, not its alerts, not its movements
in another node's history, not its figures in a group by organisation or category. Its money
stays in its ancestors' figures — those are theirs, and an item's figure is the Diet's, public
by law — and the parent says how much of them is withheld (`TreeNode.withheld`, one sum for all
its withheld children: neither their number nor their names).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import msgspec

from ramp.budget import model as budget_model
from ramp.budget import projection as budget_projection
from ramp.budget.multiyear import later_year_burdens
from ramp.journal.queries import PAGE_DEFAULT, account_events
from ramp.ledger.events import Event, TransferApplied
from ramp.refusal import Kind, Refused

if TYPE_CHECKING:
    from ramp.budget.projection import BudgetProjection
    from ramp.journal import Journal

ALERTS_MAX: Final = 1000  # newest first; a year has one per node and threshold at most


class Figures(msgspec.Struct, frozen=True):
    appropriated: int
    allotted: int
    unallotted: int
    obligated: int
    disbursed: int
    available: int
    carried_in: int
    carried_over: int
    lapsed: int


class TreeNode(msgspec.Struct, frozen=True, omit_defaults=True):
    path: str
    kind: str
    name: str
    name_ja: str
    tags: list[str]
    estimate: bool
    figures: Figures
    children: list[TreeNode]
    withheld: Figures | None = None  # the summed figures of children this reader is not cleared for


Withheld = Callable[[str], bool]  # a node account -> the reader may not know of it


def _nothing_withheld(_account: str) -> bool:
    return False


class Group(msgspec.Struct, frozen=True):
    key: str
    name: str
    estimate: bool  # any node in the group carries an estimated figure
    figures: Figures


class ItemAuthority(msgspec.Struct, frozen=True):
    item: str
    enacted: int
    issued: int


class BudgetTree(msgspec.Struct, frozen=True):
    fiscal_year: int
    closed: bool
    enacted: int  # appropriation authority granted by the Diet's acts
    issued: int  # digital yen minted against it
    reserve: list[int]  # reserve fund: issued, released, balance
    authority: list[ItemAuthority]
    figures: Figures  # the whole year
    items: list[TreeNode]
    by_organisation: list[Group]
    by_category: list[Group]


class NodeMovement(msgspec.Struct, frozen=True):
    seq: int
    timestamp: int
    id: str
    code: str
    amount: int
    direction: str  # in | out
    counterparty: str
    references: dict[str, str]


class NodeHistory(msgspec.Struct, frozen=True):
    fiscal_year: int
    path: str
    movements: list[NodeMovement]
    next_after_seq: int | None


class BurdenYear(msgspec.Struct, frozen=True):
    fiscal_year: int
    new: int
    existing: int
    total: int


class Burdens(msgspec.Struct, frozen=True):
    fiscal_year: int
    new: int
    existing: int
    total: int
    by_year: list[BurdenYear]


class AlertOut(msgspec.Struct, frozen=True):
    seq: int
    level: str
    node: str
    operation: str
    kind: str
    threshold_bp: int
    utilisation_bp: int


class Alerts(msgspec.Struct, frozen=True):
    fiscal_year: int
    alerts: list[AlertOut]


def _figures(own: tuple[int, ...] | list[int], project: bool) -> list[int]:
    """Own figures in the order of `Figures`."""
    appropriated = own[budget_projection.ISSUED] + own[budget_projection.RESERVE] + own[budget_projection.CARRIED_IN] + own[budget_projection.MOVED]
    available = own[budget_projection.BALANCE] if project else 0
    unallotted = 0 if project else own[budget_projection.BALANCE]
    allotted = appropriated - unallotted - own[budget_projection.CARRIED_OVER] - own[budget_projection.LAPSED]
    return [appropriated, allotted, unallotted, own[budget_projection.OBLIGATED], own[budget_projection.DISBURSED], available, own[budget_projection.CARRIED_IN],
            own[budget_projection.CARRIED_OVER], own[budget_projection.LAPSED]]  # fmt: skip


def _add(a: list[int], b: list[int]) -> None:
    for k, v in enumerate(b):
        a[k] += v


def hidden_paths(projection: BudgetProjection, fiscal_year: int, withheld: Withheld) -> frozenset[str]:
    """The year's nodes withheld from a reader, and every node below one."""
    snap = projection.snapshot(fiscal_year)
    if snap is None:
        return frozenset()
    hidden: set[str] = set()
    for path in sorted(snap.nodes):  # a parent sorts before its children
        parent = budget_model.parent_path(path)
        if (parent is not None and parent in hidden) or withheld(budget_model.node_account(fiscal_year, path)):
            hidden.add(path)
    return frozenset(hidden)


def budget_tree(projection: BudgetProjection, fiscal_year: int, withheld: Withheld = _nothing_withheld) -> BudgetTree:
    snap = projection.snapshot(fiscal_year)
    if snap is None:
        raise Refused(Kind.NOT_FOUND, "fiscal_year_not_found", f"no budget for FY{fiscal_year}")
    hidden = hidden_paths(projection, fiscal_year, withheld)
    rolled: dict[str, list[int]] = {}
    for path in sorted(snap.nodes, key=lambda p: -p.count(":")):  # children before parents
        n, own = snap.nodes[path]
        figures = rolled.setdefault(path, [0] * 9)
        _add(figures, _figures(own, n.kind == "project"))
        parent = budget_model.parent_path(path)
        if parent is not None:
            _add(rolled.setdefault(parent, [0] * 9), figures)
    children: dict[str | None, list[str]] = {}
    for path in sorted(snap.nodes):
        children.setdefault(budget_model.parent_path(path), []).append(path)

    def build(path: str) -> TreeNode:
        n, _ = snap.nodes[path]
        below = children.get(path, [])
        withheld_figures = [0] * 9
        for c in below:
            if c in hidden:
                _add(withheld_figures, rolled[c])
        any_withheld = any(c in hidden for c in below)
        return TreeNode(path, n.kind, n.name, n.name_ja, list(n.tags), n.estimate, Figures(*rolled[path]),
                        [build(c) for c in below if c not in hidden],
                        Figures(*withheld_figures) if any_withheld else None)  # fmt: skip

    items = [build(p) for p in children.get(None, []) if p not in hidden]
    total = [0] * 9
    for item in children.get(None, []):
        _add(total, rolled[item])
    return BudgetTree(
        fiscal_year=fiscal_year, closed=snap.closed, enacted=sum(snap.enacted.values()),
        issued=sum(snap.issued.values()), reserve=list(snap.reserve),
        authority=[ItemAuthority(k, snap.enacted[k], snap.issued.get(k, 0)) for k in sorted(snap.enacted)],
        figures=Figures(*total), items=items,
        by_organisation=_by_organisation(snap, rolled, hidden), by_category=_by_category(snap, rolled, hidden),
    )  # fmt: skip


def _by_organisation(snap: budget_projection.Snapshot, rolled: dict[str, list[int]],
                     hidden: frozenset[str]) -> list[Group]:  # fmt: skip
    """Organisation nodes (depth 3) of every item and sub-item, summed by their key."""
    groups: dict[str, tuple[list[int], str, bool]] = {}
    for path, (n, _) in snap.nodes.items():
        if n.kind != "organisation" or path in hidden:
            continue
        key = path.rsplit(":", 1)[1]
        figures, name, estimate = groups.get(key, ([0] * 9, n.name, False))
        _add(figures, rolled[path])
        groups[key] = (figures, name or n.name, estimate or _estimated(snap, path))
    return [Group(k, name, est, Figures(*f)) for k, (f, name, est) in sorted(groups.items())]


def _by_category(snap: budget_projection.Snapshot, rolled: dict[str, list[int]],
                 hidden: frozenset[str]) -> list[Group]:  # fmt: skip
    """Per tag, the outermost nodes carrying it (a tag on a node covers its subtree, counted once)."""
    groups: dict[str, tuple[list[int], bool]] = {}
    for path, (n, _) in snap.nodes.items():
        if path in hidden:
            continue
        for tag in n.tags:
            if _ancestor_has_tag(snap, path, tag):
                continue
            figures, estimate = groups.get(tag, ([0] * 9, False))
            _add(figures, rolled[path])
            groups[tag] = (figures, estimate or _estimated(snap, path))
    return [Group(k, k, est, Figures(*f)) for k, (f, est) in sorted(groups.items())]


def _ancestor_has_tag(snap: budget_projection.Snapshot, path: str, tag: str) -> bool:
    parent = budget_model.parent_path(path)
    while parent is not None:
        if tag in snap.nodes[parent][0].tags:
            return True
        parent = budget_model.parent_path(parent)
    return False


def _estimated(snap: budget_projection.Snapshot, path: str) -> bool:
    """A node's figure is an estimate when it or anything in its subtree is labelled so."""
    prefix = path + ":"
    return any(n.estimate for p, (n, _) in snap.nodes.items() if p == path or p.startswith(prefix))


def node_history(
    journal: Journal, fiscal_year: int, path: str, *, after_seq: int | None = None, limit: int = PAGE_DEFAULT,
    withheld: Withheld = _nothing_withheld,
) -> NodeHistory:
    """The movements of a node's own account, oldest first (pages as in `account_events`); a
    withheld node is not found, a movement to or from a withheld account is left out."""
    if budget_model.split_path(path) is None:
        raise Refused(Kind.INVALID, "path_invalid", f"{path!r} is not a node path")
    account = budget_model.node_account(fiscal_year, path)
    a = journal.read.account(account)
    if a is None or a.metadata.get("kind") not in budget_model.KINDS or _withheld_line(fiscal_year, path, withheld):
        raise Refused(Kind.NOT_FOUND, "node_not_found", f"no node {path!r} in FY{fiscal_year}")

    def visible(e: Event) -> bool:
        if isinstance(e, TransferApplied):
            return not (withheld(e.debit_account) or withheld(e.credit_account))
        return False  # an expiry: budget operations never reserve, so none is a node's movement

    page = account_events(journal, account, after_seq=after_seq, limit=limit, visible=visible)
    out = []
    for e in page.events:
        if isinstance(e, TransferApplied):
            incoming = e.credit_account == account
            out.append(NodeMovement(e.seq, int(e.timestamp), e.id, e.code, int(e.amount), "in" if incoming else "out",
                                    e.debit_account if incoming else e.credit_account, e.references))  # fmt: skip
    return NodeHistory(fiscal_year, path, out, page.next_after_seq)


def _withheld_line(fiscal_year: int, path: str, withheld: Withheld) -> bool:
    """The node or one of its ancestors is withheld."""
    keys = path.split(":")
    return any(withheld(budget_model.node_account(fiscal_year, ":".join(keys[:k]))) for k in range(1, len(keys) + 1))


def burdens(projection: BudgetProjection, fiscal_year: int) -> Burdens:
    """Later-year burdens (後年度負担) as of a fiscal year, by the year that owes them."""
    b = later_year_burdens(projection.contracts(), fiscal_year)
    years = [BurdenYear(y, new, existing, new + existing) for y, (new, existing) in b.by_year.items()]
    return Burdens(fiscal_year, b.new_yen, b.existing_yen, b.total_yen, years)


def alerts(projection: BudgetProjection, fiscal_year: int, limit: int = ALERTS_MAX,
           withheld: Withheld = _nothing_withheld) -> Alerts:  # fmt: skip
    hidden = hidden_paths(projection, fiscal_year, withheld)
    found = [a for a in projection.alerts(fiscal_year)[::-1] if a.node not in hidden][:limit]
    return Alerts(fiscal_year, [AlertOut(a.seq, a.level, a.node, a.operation, a.kind, a.threshold_bp,
                                         a.utilisation_bp) for a in found])  # fmt: skip
