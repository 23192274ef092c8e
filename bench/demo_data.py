"""Benchmark: `ramp demo-data` at the default size must generate in under 60 s.

    .venv/bin/python bench/demo_data.py [--size default] [--seed 2025] [--as-of 2026-12-07] [--target-s 60]

Reports the load's time and events/s, and the ratio to a baseline measured in the same run:
generating the same operations without the ledger (the dataset's own Python work). Exits 1
when the load misses the target. Not a unit test: unit tests never time anything.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date

from ramp.demo.dataset import Dataset
from ramp.demo.load import load, today_jst
from ramp.demo.timeline import batches


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", default="default")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--target-s", type=float, default=60.0)
    p.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: today in JST")
    args = p.parse_args(argv)
    as_of = args.as_of or today_jst()
    t0 = time.perf_counter()
    operations = sum(len(ops) for _, ops in batches(Dataset(args.seed, args.size), as_of))
    baseline_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="ramp-bench-demo-") as tmp:
        loaded = load(os.path.join(tmp, "demo.db"), args.seed, args.size, as_of)
    ok = loaded.seconds < args.target_s
    print(f"demo-data --size {args.size}: {loaded.events:,} events ({operations:,} operations) in "
          f"{loaded.seconds:.1f} s = {loaded.events / loaded.seconds:,.0f} events/s; baseline (operations "
          f"generated, no ledger) {baseline_s:.1f} s; ratio {baseline_s / loaded.seconds:.2f}; "
          f"target < {args.target_s:.0f} s: {'met' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
