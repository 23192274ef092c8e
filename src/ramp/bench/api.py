"""API benchmarks: a real `ramp serve` process, real HTTP, signed requests, SQLite and PostgreSQL.

Three measurements, each on every backend asked for:

- single: `concurrency` clients (32) each POST one signed transfer per request. Baseline in the
  same run: the same clients GET the public `/v1/log/key` (no signature, no ledger), which is
  what the HTTP stack alone can answer; the ratio is transfers/s over that.
- batches: clients POST full batches of 8189 signed transfers. Baseline in the same run: the
  same batches submitted in-process to a journal on the same backend (no HTTP, no JSON, no
  signature); the ratio is API transfers/s over that.
- memory: the server's resident set after `accounts` accounts and `transfers` transfers have
  gone through the API, and again after a restart (open replays the whole log).

Every request is pre-signed before its clock starts; latency is first byte out to last byte in.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from ramp.bench.loadgen import plain_get, run_load, signed_post
from ramp.client import SigningKey, load_key_file
from ramp.ledger import BATCH_MAX_EVENTS

DEFAULT_PG_URL: Final = "postgresql://postgres@127.0.0.1:5432/test"
_FUNDING: Final = 10**12
_ENC = msgspec.json.Encoder()


@dataclass
class Target:
    """One database a server runs on: a SQLite file, or a fresh PostgreSQL schema."""

    backend: str
    url: str
    schema: str | None = None


@contextmanager
def fresh_target(backend: str, workdir: str, pg_url: str) -> Iterator[Target]:
    if backend == "sqlite":
        yield Target("sqlite", os.path.join(workdir, f"api-{uuid.uuid4().hex[:8]}.db"))
        return
    import psycopg

    schema = f"ramp_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_url else "?"
    try:
        yield Target("postgresql", f"{pg_url}{sep}options=-csearch_path%3D{schema}", schema)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as db:
            db.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _ramp(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "ramp.cli", *args], check=True, capture_output=True)


class ServerProcess:
    def __init__(self, db: str, port: int) -> None:
        self.db, self.port = db, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import httpx

        self.proc = subprocess.Popen([sys.executable, "-m", "ramp.cli", "serve", "--db", self.db,
                                      "--port", str(self.port)], stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 600  # a restart replays the whole log
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ramp serve exited: {self.proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                httpx.get(self.url + "/v1/log/key", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("ramp serve did not start")

    def rss_bytes(self) -> int:
        import psutil

        assert self.proc is not None
        return psutil.Process(self.proc.pid).memory_info().rss

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(
    target: Target, workdir: str, cast: Mapping[str, tuple[str, str]] | None = None
) -> Iterator[tuple[ServerProcess, SigningKey, dict[str, SigningKey]]]:
    """`ramp init`, `ramp identity add` for each of `cast` (id -> organisation, comma-separated
    roles), then `ramp serve`: the server, admin's key and the cast's keys."""
    tag = uuid.uuid4().hex[:8]
    key_file = os.path.join(workdir, f"admin-{tag}.key")
    log_key = os.path.join(workdir, f"log-{tag}.key")
    _ramp("init", "--db", target.url, "--origin", "bench.ramp/api", "--admin-key-out", key_file,
          "--log-key-out", log_key)  # fmt: skip
    keys = {}
    for identity, (organisation, roles) in (cast or {}).items():
        out = os.path.join(workdir, f"{identity}-{tag}.key")
        _ramp("identity", "add", "--db", target.url, "--id", identity, "--organisation", organisation,
              "--roles", roles, "--key-out", out)  # fmt: skip
        keys[identity] = load_key_file(out)
    server = ServerProcess(target.url, _free_port())
    server.start()
    try:
        yield server, load_key_file(key_file), keys
    finally:
        server.stop()


def _post_all(server: ServerProcess, key: SigningKey, path: str, field: str, items: list[dict],
              concurrency: int = 2) -> None:  # fmt: skip
    """Setup writes (not timed): every item must come back ok."""
    bodies = [_ENC.encode({field: items[i : i + BATCH_MAX_EVENTS]}) for i in range(0, len(items), BATCH_MAX_EVENTS)]
    result = run_load(server.url, [signed_post(server.url + path, b, key) for b in bodies], concurrency, True)
    if set(result.statuses) != {200}:
        raise RuntimeError(f"setup {path}: statuses {result.statuses}: {result.bodies[0][:300]!r}")
    for body in result.bodies:
        bad = [r for r in msgspec.json.decode(body)["results"] if r["result"] != "ok"]
        if bad:
            raise RuntimeError(f"setup {path}: {bad[:3]}")


def _accounts(n: int) -> list[str]:
    return [f"bench:acct-{i}" for i in range(n)]


def setup_ledger(server: ServerProcess, key: SigningKey, n_accounts: int) -> list[str]:
    ids = _accounts(n_accounts)
    accounts = [{"id": "bench:issuer", "asset": "JPYD"}]
    accounts += [{"id": a, "asset": "JPYD", "flags": ["debits_must_not_exceed_credits"]} for a in ids]
    _post_all(server, key, "/v1/accounts", "accounts", accounts)
    funding = [{"id": f"fund-{i}", "debit_account": "bench:issuer", "credit_account": a, "amount": _FUNDING,
                "asset": "JPYD", "code": "MINT"} for i, a in enumerate(ids)]  # fmt: skip
    _post_all(server, key, "/v1/transfers", "transfers", funding)
    return ids


def random_transfers(ids: list[str], n: int, seed: int, prefix: str) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        d = rng.randrange(len(ids))
        c = rng.randrange(len(ids) - 1)
        c += c >= d
        out.append({"id": f"{prefix}{k}", "debit_account": ids[d], "credit_account": ids[c],
                    "amount": rng.randrange(1, 1_000_000), "asset": "JPYD", "code": "TRANSFER"})  # fmt: skip
    return out


def _check_ok(bodies: list[bytes]) -> int:
    """How many results are not ok (a benchmark that fails its writes measures nothing)."""
    return sum(1 for b in bodies for r in msgspec.json.decode(b)["results"] if r["result"] != "ok")


def bench_single(target: Target, workdir: str, requests: int, concurrency: int, seed: int) -> dict[str, Any]:
    with running_server(target, workdir) as (server, key, _):
        ids = setup_ledger(server, key, 1000)
        # Warm-up (connections, code paths), then the baseline, then the measurement.
        warm = [signed_post(server.url + "/v1/transfers", _ENC.encode({"transfers": [t]}), key)
                for t in random_transfers(ids, 2000, seed + 1, "w")]  # fmt: skip
        run_load(server.url, warm, concurrency)
        base = run_load(server.url, [plain_get(server.url + "/v1/log/key")] * requests, concurrency)
        reqs = [signed_post(server.url + "/v1/transfers", _ENC.encode({"transfers": [t]}), key)
                for t in random_transfers(ids, requests, seed, "s")]  # fmt: skip
        res = run_load(server.url, reqs, concurrency, keep_bodies=True)
    tps = requests / res.seconds
    base_rps = requests / base.seconds
    return {
        "backend": target.backend, "clients": concurrency, "requests": requests,
        "statuses": res.statuses, "failed": _check_ok(res.bodies) + requests - res.statuses.get(200, 0),
        "transfers_per_s": round(tps),
        "p50_ms": round(res.percentile_ms(50), 2), "p99_ms": round(res.percentile_ms(99), 2),
        "max_ms": round(1000 * max(res.latencies_s), 2),
        "baseline_unsigned_get_per_s": round(base_rps), "ratio": round(tps / base_rps, 3),
    }  # fmt: skip


def _in_process_rate(target: Target, workdir: str, ids: list[str], batches: list[list[dict]]) -> float:
    """The same batches into a journal on a fresh store of the same backend, no HTTP."""
    from ramp.journal import Journal
    from ramp.journal.log import LogSigner, create_log_key
    from ramp.ledger import CreateAccount, CreateTransfer
    from ramp.store import open_store

    key = os.path.join(workdir, f"inproc-{uuid.uuid4().hex[:8]}.key")
    create_log_key(key, "bench.ramp/api")
    journal = Journal(open_store(target.url), log=LogSigner.from_key_file(key, "bench.ramp/api"))
    try:
        setup = [CreateAccount(id="bench:issuer", asset="JPYD")]
        setup += [CreateAccount(id=a, asset="JPYD", flags=("debits_must_not_exceed_credits",)) for a in ids]
        setup += [CreateTransfer(id=f"fund-{i}", debit_account="bench:issuer", credit_account=a, amount=_FUNDING,
                                 asset="JPYD", code="MINT") for i, a in enumerate(ids)]  # fmt: skip
        for i in range(0, len(setup), BATCH_MAX_EVENTS):
            journal.submit(setup[i : i + BATCH_MAX_EVENTS])
        commands = [[msgspec.convert(t, CreateTransfer) for t in b] for b in batches]
        t0 = time.perf_counter()
        futures = [journal.submit_async(b) for b in commands]
        bad = sum(1 for f in futures for r in f.result() if r.result != "ok")
        elapsed = time.perf_counter() - t0
    finally:
        journal.close()
    if bad:
        raise RuntimeError(f"in-process baseline: {bad} transfers failed")
    return sum(map(len, batches)) / elapsed


def bench_batches(
    target: Target, workdir: str, pg_url: str, transfers: int, concurrency: int, seed: int
) -> dict[str, Any]:
    n_accounts = 10_000
    with running_server(target, workdir) as (server, key, _):
        ids = setup_ledger(server, key, n_accounts)
        work = random_transfers(ids, transfers, seed, "b")
        batches = [work[i : i + BATCH_MAX_EVENTS] for i in range(0, len(work), BATCH_MAX_EVENTS)]
        reqs = [signed_post(server.url + "/v1/transfers", _ENC.encode({"transfers": b}), key) for b in batches]
        res = run_load(server.url, reqs, concurrency, keep_bodies=True)
    tps = transfers / res.seconds
    with fresh_target(target.backend, workdir, pg_url) as baseline_target:
        base = _in_process_rate(baseline_target, workdir, ids, batches)
    return {
        "backend": target.backend, "clients": concurrency, "transfers": transfers, "batch_size": BATCH_MAX_EVENTS,
        "request_bytes_mean": round(sum(map(len, reqs)) / len(reqs)), "statuses": res.statuses,
        "failed": _check_ok(res.bodies) + len(reqs) - res.statuses.get(200, 0),
        "transfers_per_s": round(tps), "p50_ms": round(res.percentile_ms(50), 1),
        "p99_ms": round(res.percentile_ms(99), 1),
        "baseline_in_process_per_s": round(base), "ratio": round(tps / base, 3),
    }  # fmt: skip


def bench_memory(target: Target, workdir: str, accounts: int, transfers: int, seed: int) -> dict[str, Any]:
    with running_server(target, workdir) as (server, key, _):
        rss_empty = server.rss_bytes()
        ids = setup_ledger(server, key, accounts)
        work = random_transfers(ids, transfers, seed, "m")
        for i in range(0, len(work), 20 * BATCH_MAX_EVENTS):  # sign in slices: signatures expire
            _post_all(server, key, "/v1/transfers", "transfers", work[i : i + 20 * BATCH_MAX_EVENTS], concurrency=4)
        del work
        rss_loaded = server.rss_bytes()
        server.stop()
        t0 = time.perf_counter()
        server.start()
        reopen_s = time.perf_counter() - t0
        rss_reopened = server.rss_bytes()
    mib = 2**20
    return {
        "backend": target.backend, "accounts": accounts, "transfers": transfers,
        "rss_empty_mib": round(rss_empty / mib), "rss_loaded_mib": round(rss_loaded / mib),
        "rss_after_restart_mib": round(rss_reopened / mib), "restart_s": round(reopen_s, 1),
        "limit_mib": 1024, "within_limit": max(rss_loaded, rss_reopened) < 1024 * mib,
    }  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp bench api", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--pg-url", default=os.environ.get("RAMP_BENCH_POSTGRES_URL", DEFAULT_PG_URL),
                   help="a database the benchmark may create (and drop) schemas in")  # fmt: skip
    p.add_argument("--only", default="single,batches,memory", help="comma-separated: single, batches, memory")
    p.add_argument("--single-requests", type=int, default=30_000)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--batch-transfers", type=int, default=500_000)
    p.add_argument("--batch-clients", type=int, default=4)
    p.add_argument("--memory-accounts", type=int, default=100_000)
    p.add_argument("--memory-transfers", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    only = set(args.only.split(","))
    if not set(backends) <= {"sqlite", "postgresql"} or not only <= {"single", "batches", "memory"}:
        p.error("unknown backend or measurement")
    out: dict[str, list] = {"single": [], "batches": [], "memory": []}
    workdir = tempfile.mkdtemp(prefix="ramp-bench-api-")
    for backend in backends:
        for name in ("single", "batches", "memory"):
            if name not in only:
                continue
            with fresh_target(backend, workdir, args.pg_url) as target:
                if name == "single":
                    r = bench_single(target, workdir, args.single_requests, args.clients, args.seed)
                elif name == "batches":
                    r = bench_batches(target, workdir, args.pg_url, args.batch_transfers, args.batch_clients, args.seed)
                else:
                    r = bench_memory(target, workdir, args.memory_accounts, args.memory_transfers, args.seed)
            out[name].append(r)
            if not args.json:
                print(f"{name:>8} {json.dumps(r)}", flush=True)
    if args.json:
        print(json.dumps({k: v for k, v in out.items() if v}))
    failed = sum(r.get("failed", 0) for rows in out.values() for r in rows)
    return 0 if failed == 0 else 1
