"""Contracts benchmark: the time from the attestation that accepts a milestone to the payment
in the vendor's wallet, over a real `ramp serve` and real HTTP, on SQLite and PostgreSQL.

Set-up (not timed, all through the real tools): `ramp init`, `ramp identity add` for the
contracting officer and the inspectors, then over the API the year's budget (enact, nodes,
issue, allot), one vendor per contract, the contracts (`POST /v1/contracts`, 3 milestones of
2-of-3 attestations each, 5 % retention, a late penalty) and every milestone's first
attestation (the unit's receipt). Then, each request pre-signed (RFC 9421 and the attester's
own signature over the attestation statement) before its clock starts:

- latency, one client: the attestation that completes a milestone (an ATLA inspector's test
  evaluation), then a read of the vendor's position; the response to the attestation already
  carries the release (written in the same durable batch), the read shows the wallet holding
  it. Baseline in the same run: one signed single transfer (`POST /v1/transfers`) at a time;
  the ratio is attestation-to-payment latency over transfer latency (p50, p99).
- throughput, `clients` (32) concurrent clients: completing attestations per second, against
  single signed transfers per second by the same clients in the same run.
- one batch: `payment_latency_ns` (accepting attestation to payment, from the contract view)
  must be 0 for every milestone; finally every vendor's wallet is read and must hold exactly
  what its accepted milestones owe (amount less retention).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from ramp.bench.api import (
    DEFAULT_PG_URL,
    ServerProcess,
    Target,
    fresh_target,
    random_transfers,
    running_server,
    setup_ledger,
)
from ramp.bench.loadgen import LoadResult, run_load, signed_get, signed_post
from ramp.budget import model as budget_model
from ramp.client import SigningKey
from ramp.contracts import terms as contract_terms
from ramp.contracts.desk import statement

MILESTONES: Final = 3
MILESTONE_YEN: Final = 10_000_000
RETENTION_BP: Final = 500
PROJECT: Final = "equipment:missiles:atla:stand-off:bench"
ATTESTERS: Final = 4  # ATLA inspectors sharing the completing attestations
SIGN_SLICE: Final = 2_000  # requests signed at once: a signature is good for five minutes
_ENC = msgspec.json.Encoder()

CAST: Final = {  # identity -> (organisation, roles)
    # The budget's officers (admin holds no budget role: it operates the system).
    "mod.budget.bench": ("mod", "treasury_officer,finance_officer,contracting_officer,certifying_officer"),
    "atla.co.bench": ("atla", "contracting_officer,certifying_officer"),
    "asdf.inspector.bench": ("asdf", "inspector"),
    **{f"atla.inspector.bench-{k}": ("atla", "inspector") for k in range(ATTESTERS)},
}


@dataclass(frozen=True, slots=True)
class Milestone:
    contract: str
    vendor: str
    milestone: str
    digest: str  # of the contract's terms: what attesters sign


def _net_yen() -> int:
    return MILESTONE_YEN - MILESTONE_YEN * RETENTION_BP // contract_terms.BP


def _terms(cid: str, vendor: str, fiscal_year: int) -> contract_terms.Terms:
    last_day = budget_model.date_of(budget_model.fy_end_ns(fiscal_year) - 1)  # due and expiring on the year's last day: never late
    rule = contract_terms.Rule(required=2, slots=(
        contract_terms.Slot("test-evaluation", "inspector", "atla", "test evaluation passed"),
        contract_terms.Slot("receipt", "inspector", "asdf", "received by the unit"),
        contract_terms.Slot("documents", "contracting_officer", "atla", "documentation complete"),
    ))  # fmt: skip
    return contract_terms.Terms(
        contract=cid, vendor=vendor, project=PROJECT, fiscal_year=fiscal_year, total_yen=MILESTONES * MILESTONE_YEN,
        milestones=tuple(contract_terms.MilestoneTerms(f"m{k + 1}", MILESTONE_YEN, last_day, rule, name=f"lot {k + 1} delivery")
                         for k in range(MILESTONES)),
        expires=last_day, retention_bp=RETENTION_BP, penalty=contract_terms.Penalty(rate_ppm_per_day=1_000, cap_bp=500),
        final_acceptance=contract_terms.Rule(required=1, slots=(contract_terms.Slot("final", "inspector", "atla"),)), name=f"bench {cid}",
    )  # fmt: skip


def _budget_ops(fiscal_year: int, total_yen: int) -> list[dict[str, Any]]:
    keys = PROJECT.split(":")
    ops: list[dict[str, Any]] = [{"op": "enact", "id": f"act-{fiscal_year}", "fiscal_year": fiscal_year,
                                  "act": "bench-act", "items": [{"key": keys[0], "amount_yen": total_yen}]}]  # fmt: skip
    ops += [{"op": "define_node", "fiscal_year": fiscal_year, "path": ":".join(keys[:d])} for d in range(2, 6)]
    ops.append({"op": "issue", "id": f"issue-{fiscal_year}", "fiscal_year": fiscal_year, "item": keys[0],
                "amount_yen": total_yen})  # fmt: skip
    ops += [{"op": "allot", "id": f"allot-{fiscal_year}-{d}", "fiscal_year": fiscal_year,
             "source": ":".join(keys[:d]), "target": ":".join(keys[: d + 1]), "amount_yen": total_yen}
            for d in range(1, 5)]  # fmt: skip
    return ops


def _post_each(server: ServerProcess, key: SigningKey, posts: list[tuple[str, object]], expect: int,
               clients: int) -> float:  # fmt: skip
    """Set-up writes (path, body), `clients` at a time (in order when 1), every answer `expect`:
    the seconds they took."""
    seconds = 0.0
    for i in range(0, len(posts), SIGN_SLICE):
        reqs = [signed_post(server.url + path, _ENC.encode(body), key) for path, body in posts[i : i + SIGN_SLICE]]
        res = run_load(server.url, reqs, clients, keep_bodies=True)
        if set(res.statuses) != {expect}:
            refused = next((b for b in res.bodies if b'"code"' in b), b"")
            raise RuntimeError(f"set-up {posts[i][0]}: statuses {res.statuses}: {refused[:300]!r}")
        seconds += res.seconds
    return seconds


def _attestation(m: Milestone, slot: str, key: SigningKey) -> tuple[str, dict[str, str]]:
    """(path, body) of `key`'s attestation of `slot`, its own signature over the statement."""
    signature = key.private_key.sign(statement(m.contract, m.milestone, slot, m.digest, key.identity))
    body = {"milestone": m.milestone, "slot": slot, "signature": base64.b64encode(signature).decode()}
    return f"/v1/contracts/{m.contract}/attestations", body


def _completing(server: ServerProcess, milestones: list[Milestone], keys: list[SigningKey],
                reader: SigningKey | None = None) -> list[bytes]:  # fmt: skip
    """The attestations that complete each milestone (ATLA's test evaluation, inspectors in
    turn), each followed by a read of the vendor's position when `reader` is given."""
    out = []
    for k, m in enumerate(milestones):
        key = keys[k % len(keys)]
        path, body = _attestation(m, "test-evaluation", key)
        out.append(signed_post(server.url + path, _ENC.encode(body), key))
        if reader is not None:
            out.append(signed_get(f"{server.url}/v1/vendors/{m.vendor}", reader))
    return out


def _transfers(server: ServerProcess, admin: SigningKey, ids: list[str], n: int, seed: int, prefix: str) -> list[bytes]:
    return [signed_post(server.url + "/v1/transfers", _ENC.encode({"transfers": [t]}), admin)
            for t in random_transfers(ids, n, seed, prefix)]  # fmt: skip


def _payment_latency_ns(body: bytes, m: Milestone) -> int | None:
    """The milestone's `payment_latency_ns` in an attestation's answer; None if not released."""
    view = msgspec.json.decode(body)["contract"]
    mv = next(x for x in view["milestones"] if x["id"] == m.milestone)
    return mv["payment_latency_ns"] if mv["status"] == "released" else None


def _ms(latencies_s: list[float], p: float) -> float:
    ordered = sorted(latencies_s)
    return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


def _failed_transfers(res: LoadResult) -> int:
    bad = sum(1 for b in res.bodies for r in msgspec.json.decode(b)["results"] if r["result"] != "ok")
    return bad + len(res.latencies_s) - res.statuses.get(200, 0)


def bench_backend(target: Target, workdir: str, latency_samples: int, attestations: int, clients: int,
                  seed: int) -> dict[str, Any]:  # fmt: skip
    fiscal_year = budget_model.fiscal_year_of(time.time_ns())  # the server's clock: the current year
    n_contracts = -(-(latency_samples + attestations) // MILESTONES)
    with running_server(target, workdir, cast=CAST) as (server, admin, keys):
        # --- set-up: budget, vendors, contracts, every milestone's first attestation ----------
        budget = _budget_ops(fiscal_year, n_contracts * MILESTONES * MILESTONE_YEN)
        officer = keys["mod.budget.bench"]
        _post_each(server, officer, [("/v1/budget/operations", {"operation": op}) for op in budget], 200, 1)
        vendors = [f"bench-vendor-{k:05d}" for k in range(n_contracts)]
        _post_each(server, officer, [("/v1/budget/operations", {"operation": {"op": "register_vendor", "vendor": v}})
                                   for v in vendors], 200, clients)  # fmt: skip
        terms = [_terms(f"bench-c{k:05d}", v, fiscal_year) for k, v in enumerate(vendors)]
        signing_s = _post_each(server, keys["atla.co.bench"], [("/v1/contracts", {"id": f"sign-{t.contract}",
                               "terms": t}) for t in terms], 201, clients)  # fmt: skip
        milestones = [Milestone(t.contract, t.vendor, m.id, contract_terms.digest(t)) for t in terms for m in t.milestones]
        unit = keys["asdf.inspector.bench"]
        first_s = _post_each(server, unit, [_attestation(m, "receipt", unit) for m in milestones], 201, clients)
        inspectors = [keys[f"atla.inspector.bench-{k}"] for k in range(ATTESTERS)]
        ids = setup_ledger(server, admin, 1000)
        run_load(server.url, _transfers(server, admin, ids, 200, seed, "w"), clients)  # warm-up
        # --- latency, one client: a plain transfer; acceptance to payment, then the wallet ----
        base_lat = run_load(server.url, _transfers(server, admin, ids, latency_samples, seed, "l"), 1, True)
        lat_ms = milestones[:latency_samples]
        lat = run_load(server.url, _completing(server, lat_ms, inspectors, reader=inspectors[0]), 1, True)
        # --- throughput, `clients` concurrent clients -----------------------------------------
        base_tp = run_load(server.url, _transfers(server, admin, ids, attestations, seed, "t"), clients, True)
        tp_ms = milestones[latency_samples : latency_samples + attestations]
        tp = run_load(server.url, _completing(server, tp_ms, inspectors), clients, True)
        # --- every payment arrived: each vendor's wallet, read back ---------------------------
        owed: dict[str, int] = {}
        for m in [*lat_ms, *tp_ms]:
            owed[m.vendor] = owed.get(m.vendor, 0) + _net_yen()
        wallets = run_load(server.url, [signed_get(f"{server.url}/v1/vendors/{v}", inspectors[0]) for v in owed],
                           clients, True)  # fmt: skip
    # --- the report -------------------------------------------------------------------------
    attest_s, read_s = lat.latencies_s[0::2], lat.latencies_s[1::2]
    end_to_end_s = [a + r for a, r in zip(attest_s, read_s, strict=True)]
    answers = [lat.bodies[2 * k] for k in range(len(lat_ms))] + tp.bodies
    payment_ns = [_payment_latency_ns(b, m) for b, m in zip(answers, [*lat_ms, *tp_ms], strict=True)]
    seen: dict[str, int] = {}  # a vendor's wallet as the read right after each attestation must show it
    visible = 0
    for k, m in enumerate(lat_ms):
        seen[m.vendor] = seen.get(m.vendor, 0) + _net_yen()
        visible += msgspec.json.decode(lat.bodies[2 * k + 1])["received_yen"] == seen[m.vendor]
    received = {v["vendor"]: v["received_yen"] for v in map(msgspec.json.decode, wallets.bodies)}
    paid_in_full = sum(1 for vendor, yen in owed.items() if received.get(vendor) == yen)
    released = sum(1 for x in payment_ns if x is not None)
    bad_status = int(lat.statuses != {201: len(lat_ms), 200: len(lat_ms)}) + int(tp.statuses != {201: len(tp_ms)})
    p50_attest, p50_transfer = _ms(attest_s, 50), _ms(base_lat.latencies_s, 50)
    p99_attest, p99_transfer = _ms(attest_s, 99), _ms(base_lat.latencies_s, 99)
    tp_rate, base_rate = len(tp_ms) / tp.seconds, len(tp_ms) / base_tp.seconds
    return {
        "backend": target.backend, "fiscal_year": fiscal_year, "contracts": n_contracts,
        "setup": {"contracts_signed_per_s": round(n_contracts / signing_s),
                  "first_attestations_per_s": round(len(milestones) / first_s)},
        "latency": {
            "samples": len(lat_ms), "attest_to_payment_p50_ms": p50_attest, "attest_to_payment_p99_ms": p99_attest,
            "attest_then_wallet_read_p50_ms": _ms(end_to_end_s, 50),
            "attest_then_wallet_read_p99_ms": _ms(end_to_end_s, 99), "wallet_reads_showing_payment": visible,
            "baseline_transfer_p50_ms": p50_transfer, "baseline_transfer_p99_ms": p99_transfer,
            "ratio_p50": round(p50_attest / p50_transfer, 2), "ratio_p99": round(p99_attest / p99_transfer, 2),
        },
        "throughput": {
            "clients": clients, "attestations": len(tp_ms), "attestations_per_s": round(tp_rate),
            "p50_ms": _ms(tp.latencies_s, 50), "p99_ms": _ms(tp.latencies_s, 99),
            "baseline_transfers_per_s": round(base_rate), "baseline_p50_ms": _ms(base_tp.latencies_s, 50),
            "baseline_p99_ms": _ms(base_tp.latencies_s, 99), "ratio": round(tp_rate / base_rate, 3),
        },
        "payments_expected": len(payment_ns), "payments_released": released,
        "one_batch": released == len(payment_ns) and all(x == 0 for x in payment_ns),
        "payment_latency_ns_max": max((x for x in payment_ns if x is not None), default=None),
        "vendors": len(owed), "vendors_paid_in_full": paid_in_full,
        "failed": (len(payment_ns) - released) + (len(owed) - paid_in_full) + (len(lat_ms) - visible) + bad_status
        + _failed_transfers(base_lat) + _failed_transfers(base_tp),
    }  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp bench contracts", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--pg-url", default=os.environ.get("RAMP_BENCH_POSTGRES_URL", DEFAULT_PG_URL),
                   help="a database the benchmark may create (and drop) schemas in")  # fmt: skip
    p.add_argument("--latency-samples", type=int, default=500, help="completing attestations sent one at a time")
    p.add_argument("--attestations", type=int, default=5_000, help="completing attestations sent by --clients")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if not set(backends) <= {"sqlite", "postgresql"} or args.latency_samples < 1 or args.attestations < 1:
        p.error("unknown backend, or nothing to measure")
    out = []
    workdir = tempfile.mkdtemp(prefix="ramp-bench-contracts-")
    for backend in backends:
        with fresh_target(backend, workdir, args.pg_url) as target:
            r = bench_backend(target, workdir, args.latency_samples, args.attestations, args.clients, args.seed)
        out.append(r)
        if not args.json:
            print(json.dumps(r), flush=True)
    if args.json:
        print(json.dumps({"contracts": out}))
    return 0 if sum(r["failed"] for r in out) == 0 else 1
