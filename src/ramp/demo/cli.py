"""`ramp demo`: run the FY2025 scenario on a fresh SQLite journal and print the result."""

from __future__ import annotations

import argparse
import os
import tempfile

from ramp.demo.scenario import run_scenario, yen
from ramp.journal import Journal
from ramp.store import SQLiteStore


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp demo", description=__doc__)
    p.add_argument("--db", help="SQLite file to create (default: a new temporary file)")
    args = p.parse_args(argv)
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="ramp-demo-"), "demo.db")
    if os.path.exists(path):
        p.error(f"{path} exists: the demo writes a fresh journal")
    journal = Journal(SQLiteStore(path), check_invariants=True)
    for step in run_scenario(journal):
        print(f"  ✓ {step}")
    print()
    print(f"{'account':<52}{'balance':>24}")
    for account_id in sorted(journal.read.accounts):
        a = journal.read.account(account_id)
        print(f"{account_id:<52}{yen(a.balance):>24}")
    last = journal.store.last_batch()
    print()
    print(f"journal: {path}")
    print(f"events: {journal.size}   tree root: {last[1].hex() if last else '-'}")
    journal.close()
    reopened = Journal(SQLiteStore(path), check_invariants=True)  # replays and checks everything
    print(f"reopened: {reopened.size} events replayed, balances and root verified")
    reopened.close()
    return 0
