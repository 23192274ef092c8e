"""Verifiable-log benchmarks: offline verification rate and inclusion-proof latency.

- verify: `ramp verify` of an N-event bundle (signatures, canonical bytes, replay through the
  engine, tree, tiles, balances). Baseline in the same run: reading and JSON-decoding the same
  entries with no verification at all.
- proofs: inclusion proofs for random leaves of the committed log, served from the store's hash
  runs and checked against the root, p50/p99. Baseline in the same run: the same proofs from an
  in-memory tree of every node (no store).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time

import msgspec

from ramp.audit.bundle import entry_bundle_ids, export_store
from ramp.audit.verify import verify_bundle
from ramp.bench.ledger import _batches, open_signed_journal
from ramp.journal import proofs
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.tlog import merkle
from ramp.tlog.tiles import decode_entry_bundle


def build_log(workdir: str, events: int, accounts: int = 1000, seed: int = 1):
    journal = open_signed_journal(workdir)
    ids = [f"bench:acct-{i}" for i in range(accounts)]
    journal.submit([CreateAccount(id="bench:issuer", asset="JPYD")] + [CreateAccount(id=a, asset="JPYD") for a in ids])
    rng = random.Random(seed)
    work = [
        CreateTransfer(id=f"t{k}", debit_account="bench:issuer", credit_account=ids[rng.randrange(accounts)],
                       amount=rng.randrange(1, 10**9), asset="JPYD", code="ALLOT")
        for k in range(events - accounts - 1)
    ]  # fmt: skip
    futures = [journal.submit_async(b) for b in _batches(work)]
    for f in futures:
        f.result()
    return journal


def bench_verify(journal, workdir: str) -> dict:
    bundle = os.path.join(workdir, "bundle")
    export_store(journal.store, bundle)
    size = journal.size
    t0 = time.perf_counter()
    n = 0
    for bid in entry_bundle_ids(size):
        with open(os.path.join(bundle, bid.path), "rb") as f:
            for leaf in decode_entry_bundle(f.read(), bid.width):
                msgspec.json.decode(leaf)
                n += 1
    raw_s = time.perf_counter() - t0
    assert n == size
    t0 = time.perf_counter()
    report = verify_bundle(bundle, log_key=journal.log.verifier_key)
    verify_s = time.perf_counter() - t0
    assert report.size == size
    return {
        "events": size,
        "verify_events_per_s": round(size / verify_s),
        "raw_read_events_per_s": round(size / raw_s),
        "ratio": round(raw_s / verify_s, 3),
    }


def bench_proofs(journal, samples: int, seed: int = 2) -> dict:
    size = journal.size
    rng = random.Random(seed)
    indexes = [rng.randrange(size) for _ in range(samples)]
    times = []
    for i in indexes:
        t0 = time.perf_counter()
        proofs.inclusion(journal, i)
        times.append(time.perf_counter() - t0)
    leaves = [merkle.leaf_hash(e) for e in journal.store.iter_entries(0, size)]
    tree = merkle.MemoryTree(leaves)
    base = []
    for i in indexes:
        t0 = time.perf_counter()
        tree.inclusion_proof(i)
        base.append(time.perf_counter() - t0)
    q = statistics.quantiles(times, n=100)
    b = statistics.quantiles(base, n=100)
    return {
        "leaves": size,
        "samples": samples,
        "proof_p50_ms": round(q[49] * 1000, 3),
        "proof_p99_ms": round(q[98] * 1000, 3),
        "memory_tree_p99_ms": round(b[98] * 1000, 3),
        "ratio_p99": round(q[98] / b[98], 2),
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp bench log", description=__doc__)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="ramp-bench-log-")
    journal = build_log(workdir, max(args.events, 1002))
    result = {"verify": bench_verify(journal, workdir), "proofs": bench_proofs(journal, args.samples)}
    journal.close()
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0
