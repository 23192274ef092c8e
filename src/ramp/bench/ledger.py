"""Ledger write-path benchmark: durable transfers/s through engine + log + store.

Baseline, measured in the same run: the raw SQLite append rate of the very same rows (the
batches the journal wrote, captured) into a fresh database with the same schema and the same
durable settings, with no engine, no encoding and no hashing.

Secrecy's cost, also in the same run: the same transfers written once more with every event
public (its body in the envelope, no commitment: the log without secrecy), against the run
where every event is sealed (the benchmark's accounts are restricted, as a project's are), plus
the Merkle-sum tree of all the transfers as lines (`tlog/sumtree.py`, one commitment each).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time

from ramp.disclosure.classify import Classifier
from ramp.journal import Journal
from ramp.journal.envelope import Level
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import BATCH_MAX_EVENTS, CreateAccount, CreateTransfer
from ramp.ledger.events import TransferApplied, decode_event
from ramp.store import SQLiteStore
from ramp.tlog import sumtree
from ramp.tlog.sumtree import GroupKey, Line

_FUNDING_PER_ACCOUNT = 10**12


def open_signed_journal(workdir: str, name: str = "ledger", classifier: Classifier | None = None) -> Journal:
    """A journal as production runs it: SQLite, synchronous=FULL, a checkpoint signed per batch,
    the domain's classifier (every bench account is restricted: every event sealed)."""
    key = os.path.join(workdir, f"{name}.key")
    create_log_key(key, "bench.ramp/ledger")
    log = LogSigner.from_key_file(key, "bench.ramp/ledger")
    return Journal(SQLiteStore(os.path.join(workdir, f"{name}.db")), log=log, record_batches=True,
                   classifier=classifier or Classifier())  # fmt: skip


def _all_public(_event: object, _engine: object) -> Level:
    return Level.PUBLIC


def _batches(items: list, size: int = BATCH_MAX_EVENTS) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _write(journal: Journal, accounts: int, transfers: int, seed: int) -> tuple[float, int, dict[str, float]]:
    """Fund the accounts, then time the transfers through the journal: (seconds, failed, phases)."""
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
    return time.perf_counter() - t0, failed, journal.times.as_dict()


def _sumtree_seconds(journal: Journal) -> tuple[float, int]:
    """The Merkle-sum tree of every transfer of the run as a line (its commitment over its body)."""
    t0 = time.perf_counter()
    lines = []
    for salt, body in journal.openings(0, journal.size):
        event = decode_event(body)
        if isinstance(event, TransferApplied) and event.code == "TRANSFER":
            group = GroupKey(event.debit_account.split("-")[-1][-1:] or "0", "bench")
            lines.append(Line(group, sumtree.commitment(salt, body), int(event.amount), 1))
    tree = sumtree.build(2025, lines)
    return time.perf_counter() - t0, tree.root.count


def run(accounts: int, transfers: int, seed: int = 1, workdir: str | None = None) -> dict:
    workdir = workdir or tempfile.mkdtemp(prefix="ramp-bench-")
    journal = open_signed_journal(workdir)
    elapsed, failed, phases = _write(journal, accounts, transfers, seed)
    captured = journal.recorded_batches
    sum_s, sum_lines = _sumtree_seconds(journal)
    journal.close()
    plain = open_signed_journal(workdir, "plain", _all_public)
    plain_elapsed, plain_failed, _ = _write(plain, accounts, transfers, seed)
    plain.close()
    failed += plain_failed

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
        # The log without secrecy (every event public) against this run's sealed log, and the
        # Merkle-sum tree over all its transfers: the cost of commitments and of the public sums.
        "plain_log_transfers_per_s": round(transfers / plain_elapsed),
        "sealed_to_plain_ratio": round(plain_elapsed / elapsed, 3),
        "sumtree_lines": sum_lines,
        "sumtree_seconds": round(sum_s, 3),
        "sealed_and_sumtree_to_plain_ratio": round(plain_elapsed / (elapsed + sum_s), 3),
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
