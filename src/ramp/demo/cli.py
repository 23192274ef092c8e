"""`ramp demo` and `ramp demo-data`: generate the FY2025 dataset into a new SQLite database.

`ramp demo` (small by default, a few seconds) prints the budget tree; `ramp demo-data`
(default size: about a million transactions) prints what it generated. Both leave beside the
database its log key (`.log.key`), an admin key file (`.admin.json`, for `ramp serve`) and
the answer key of the injected irregularities (`.irregularities.json`).
"""

from __future__ import annotations

import argparse
import os
import tempfile

from ramp.budget.cli import format_tree
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import budget_tree, burdens
from ramp.demo.dataset import SIZES
from ramp.demo.load import Loaded, load
from ramp.journal import Journal
from ramp.store import SQLiteStore


def _parser(prog: str, default_size: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", help="SQLite file to create (default: a new temporary directory)")
    p.add_argument("--seed", type=int, default=2025, help="the same seed gives the same data (default 2025)")
    p.add_argument("--size", choices=sorted(SIZES), default=default_size, help=f"default: {default_size}")
    return p


def _generate(p: argparse.ArgumentParser, argv: list[str]) -> Loaded:
    args = p.parse_args(argv)
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="ramp-demo-"), "demo.db")
    if os.path.exists(path):
        p.error(f"{path} exists: the demo writes a fresh database")
    return load(path, args.seed, args.size)


def _summary(loaded: Loaded) -> str:
    rate = loaded.events / loaded.seconds if loaded.seconds else 0
    ds = loaded.dataset
    return (f"{loaded.events:,} events ({loaded.disbursements:,} payments, {loaded.operations:,} operations) in "
            f"{loaded.seconds:.1f} s ({rate:,.0f} events/s); seed {ds.seed}, size {ds.size_name}: "
            f"{len(ds.projects)} projects, {sum(len(v) for v in ds.vendors.values())} vendors, "
            f"{len(ds.contracts)} contracts\n"
            f"database: {loaded.path}   verify: ramp verify --db {loaded.path}   "
            f"serve: ramp serve --db {loaded.path} (key {loaded.path}.admin.json)")  # fmt: skip


def main(argv: list[str]) -> int:
    """`ramp demo`: generate (small by default) and print the FY2025 budget tree."""
    loaded = _generate(_parser("ramp demo", "small"), argv)
    projection = BudgetProjection()
    journal = Journal(SQLiteStore(loaded.path), projections=[projection])  # replays and checks everything
    try:
        tree = budget_tree(projection, 2025)
        print(format_tree(tree, depth=2))
        print()
        print(format_tree(tree, by="organisation").split("\n", 3)[3])
        b = burdens(projection, 2025)
        print(f"\nlater-year burdens (後年度負担) as of FY2025: ¥{b.total:,} (new ¥{b.new:,}, existing ¥{b.existing:,})")
        print(f"issued for FY2025: ¥{tree.issued:,} (published total ¥8,700,500,000,000)")
    finally:
        journal.close()
    print(_summary(loaded))
    return 0


def demo_data(argv: list[str]) -> int:
    """`ramp demo-data`: generate the dataset (default size) and say what was made."""
    print(_summary(_generate(_parser("ramp demo-data", "default"), argv)))
    return 0
