"""`ramp budget tree|history|burdens|alerts`: the budget queries over a database.

Tables show yen in millions (百万円), rounded down; `--json` gives exact yen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import msgspec

from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import (
    BudgetTree,
    Figures,
    TreeNode,
    alerts,
    budget_tree,
    burdens,
    node_history,
)
from ramp.journal import Journal
from ramp.refusal import Refused
from ramp.store import open_store

_COLUMNS = ("appropriated", "allotted", "obligated", "disbursed", "available", "carried_over", "lapsed")
_HEAD = ("appropriated", "allotted", "obligated", "disbursed", "available", "carried over", "lapsed")
_WIDTH = 13


def millions(yen: int) -> str:
    return f"{yen // 1_000_000:,}"


def _row(label: str, f: Figures, width: int) -> str:
    return f"{label[:width]:<{width}}" + "".join(f"{millions(getattr(f, c)):>{_WIDTH}}" for c in _COLUMNS)


def _walk(nodes: list[TreeNode], depth: int, max_depth: int) -> Iterator[tuple[int, TreeNode]]:
    for n in nodes:
        yield depth, n
        if depth + 1 < max_depth:
            yield from _walk(n.children, depth + 1, max_depth)


def format_tree(tree: BudgetTree, *, by: str = "node", depth: int = 2, width: int = 44) -> str:
    """The year's figures as a text table (¥ million), by node (to `depth`), organisation or category."""
    lines = [f"FY{tree.fiscal_year} budget{' (closed)' if tree.closed else ''} — ¥ million, rounded down; "
             f"* = includes estimated splits",
             f"enacted {millions(tree.enacted)}   issued {millions(tree.issued)}   "
             f"reserve fund issued/released {millions(tree.reserve[0])}/{millions(tree.reserve[1])}",
             "",
             f"{'':<{width}}" + "".join(f"{h:>{_WIDTH}}" for h in _HEAD)]  # fmt: skip
    if by == "node":
        for d, n in _walk(tree.items, 0, depth):
            label = "  " * d + (n.name_ja or n.name or n.path.rsplit(":", 1)[-1]) + (" *" if n.estimate else "")
            lines.append(_row(label, n.figures, width))
    else:
        groups = tree.by_organisation if by == "organisation" else tree.by_category
        for g in groups:
            lines.append(_row(f"{g.name or g.key}{' *' if g.estimate else ''}", g.figures, width))
    lines.append(_row("total", tree.figures, width))
    return "\n".join(lines)


def _open(db: str) -> tuple[Journal, BudgetProjection]:
    projection = BudgetProjection()
    return Journal(open_store(db), projections=[projection]), projection


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp budget", description=__doc__)
    sub = p.add_subparsers(dest="query", required=True)
    for name, text in (("tree", "the budget tree with its figures"), ("history", "a node's movements"),
                       ("burdens", "later-year burdens (後年度負担)"), ("alerts", "availability alerts")):  # fmt: skip
        q = sub.add_parser(name, help=text)
        q.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
        q.add_argument("--fy", type=int, default=2025, help="fiscal year (default 2025)")
        q.add_argument("--json", action="store_true", help="exact yen, as JSON")
        if name == "tree":
            q.add_argument("--by", choices=("node", "organisation", "category"), default="node")
            q.add_argument("--depth", type=int, default=2, help="levels of the tree to show (1-5)")
        if name == "history":
            q.add_argument("--node", required=True, help="node path, e.g. equipment:missiles")
            q.add_argument("--limit", type=int, default=100)
    args = p.parse_args(argv)
    journal, projection = _open(args.db)
    try:
        if args.query == "tree":
            result: object = budget_tree(projection, args.fy)
            text = None if args.json else format_tree(result, by=args.by, depth=args.depth)  # type: ignore[arg-type]
        elif args.query == "history":
            result = node_history(journal, args.fy, args.node, limit=args.limit)
            text = None if args.json else "\n".join(
                f"{m.seq:>10} {m.code:<16}{m.direction:<4}{m.amount:>22,}  {m.counterparty}"
                for m in result.movements)  # type: ignore[attr-defined]  # fmt: skip
        elif args.query == "burdens":
            result = burdens(projection, args.fy)
            text = None if args.json else "\n".join(
                [f"later-year burdens as of FY{args.fy} (¥ million): new {millions(result.new)}, "  # type: ignore[attr-defined]
                 f"existing {millions(result.existing)}, total {millions(result.total)}"]  # type: ignore[attr-defined]
                + [f"  FY{y.fiscal_year}: {millions(y.total):>12}  (new {millions(y.new)}, existing {millions(y.existing)})"
                   for y in result.by_year])  # type: ignore[attr-defined]  # fmt: skip
        else:
            result = alerts(projection, args.fy)
            text = None if args.json else "\n".join(
                f"{a.seq:>10} {a.level:<8}{a.utilisation_bp // 100:>4}.{a.utilisation_bp % 100:02d} %  {a.kind:<9}{a.node}"
                for a in result.alerts)  # type: ignore[attr-defined]  # fmt: skip
    except Refused as exc:
        print(f"ramp budget: {exc.code}: {exc}", file=sys.stderr)
        return 1
    finally:
        journal.close()
    print(msgspec.json.encode(result).decode() if text is None else text)
    return 0
