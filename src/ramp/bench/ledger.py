"""Ledger write-path benchmark: durable transfers/s through engine + log + store.

Baseline, measured in the same run: the raw SQLite append rate of the very same rows (the
batches the journal wrote, captured) into a fresh database with the same schema and the same
durable settings, with no engine, no encoding and no hashing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time

from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import BATCH_MAX_EVENTS, CreateAccount, CreateTransfer
from ramp.store import SQLiteStore

_FUNDING_PER_ACCOUNT = 10**12


def open_signed_journal(workdir: str) -> Journal:
    """A journal as production runs it: SQLite, synchronous=FULL, a checkpoint signed per batch."""
    key = os.path.join(workdir, "log.key")
    create_log_key(key, "bench.ramp/ledger")
    log = LogSigner.from_key_file(key, "bench.ramp/ledger")
    return Journal(SQLiteStore(os.path.join(workdir, "ledger.db")), log=log, record_batches=True)


def _batches(items: list, size: int = BATCH_MAX_EVENTS) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run(accounts: int, transfers: int, seed: int = 1, workdir: str | None = None) -> dict:
    workdir = workdir or tempfile.mkdtemp(prefix="ramp-bench-")
    journal = open_signed_journal(workdir)
    ids = [f"bench:acct-{i}" for i in range(accounts)]
    setup = [CreateAccount(id="bench:issuer", asset="JPYD")]
    setup += [CreateAccount(id=a, asset="JPYD", flags=("debits_must_not_exceed_credits",)) for a in ids]
    setup += [
        CreateTransfer(id=f"fund-{i}", debit_account="bench:issuer", credit_account=a,
                       amount=_FUNDING_PER_ACCOUNT, asset="JPYD", code="MINT")
        for i, a in enumerate(ids)
    ]  # fmt: skip
    for b in _batches(setup):
        journal.submit(b)
    rng = random.Random(seed)
    work = []
    for k in range(transfers):
        d = rng.randrange(accounts)
        c = rng.randrange(accounts - 1)
        c += c >= d
        work.append(CreateTransfer(id=f"t{k}", debit_account=ids[d], credit_account=ids[c],
                                   amount=rng.randrange(1, 1_000_000), asset="JPYD", code="TRANSFER"))  # fmt: skip
    batches = _batches(work)
    del work
    journal.times.__init__()
    assert journal.recorded_batches is not None
    journal.recorded_batches.clear()
    t0 = time.perf_counter()
    failed = 0
    futures = []
    for b in batches:
        futures.append(journal.submit_async(b))
    for f in futures:
        failed += sum(1 for r in f.result() if r.result != "ok")
    elapsed = time.perf_counter() - t0
    phases = journal.times.as_dict()
    captured = journal.recorded_batches
    journal.close()

    raw = SQLiteStore(os.path.join(workdir, "raw.db"))
    t0 = time.perf_counter()
    for batch in captured:
        raw.commit(batch)
    raw_elapsed = time.perf_counter() - t0
    raw.close()
    tps = transfers / elapsed
    raw_tps = transfers / raw_elapsed
    return {
        "accounts": accounts,
        "transfers": transfers,
        "failed": failed,
        "batch_size": BATCH_MAX_EVENTS,
        "synchronous": "FULL",
        "checkpoint_signed_per_batch": True,
        "seconds": round(elapsed, 3),
        "transfers_per_s": round(tps),
        "raw_append_per_s": round(raw_tps),
        "ratio": round(tps / raw_tps, 3),
        # Share of wall time per phase; commit runs on its own thread, so shares may sum past 1.
        "phase_share": {k: round(phases[k] / elapsed, 3) for k in ("engine", "encode", "tree", "commit")},
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp bench ledger", description=__doc__)
    p.add_argument("--accounts", type=int, default=10_000)
    p.add_argument("--transfers", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.accounts < 2 or args.transfers < 1:
        p.error("need at least 2 accounts and 1 transfer")
    result = run(args.accounts, args.transfers, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>18}: {v}")
    return 0 if result["failed"] == 0 else 1
