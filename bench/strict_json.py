"""Benchmark: what refusing duplicate JSON keys costs on a full batch body.

    .venv/bin/python bench/strict_json.py [--runs 15] [--json]

A full batch (8,189 transfers with references and a memo, ~2.66 MB of JSON) decoded three
ways, best of --runs each, in one run: msgspec's typed decode alone (the baseline), the
service's decode with the duplicate-key check (`ramp.service.http.decode`), and what the check
would cost as `json.loads(object_pairs_hook=...)`. Reports each figure and the ratio to the
baseline. Exits 1 when the check costs more than the pairs hook would, or more than 6x the
plain decode. Not a unit test: the machine is shared and timings swing by a third.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

import msgspec

from ramp.api.models import TransfersRequest
from ramp.ledger import BATCH_MAX_EVENTS
from ramp.service.http import decode


def full_batch_body() -> bytes:
    transfers = [{"id": f"bench-transfer-{k:08d}", "debit_account": f"fy2025:equipment:missiles:acct-{k % 997}",
                  "credit_account": f"fy2025:equipment:missiles:acct-{(k * 7) % 991}", "amount": 1 + k * 7919,
                  "asset": "JPYD", "code": "TRANSFER", "references": {"invoice": f"inv-{k}", "contract": f"c-{k}"},
                  "memo": "payment for a milestone of the contract " + "x" * 28}
                 for k in range(BATCH_MAX_EVENTS)]  # fmt: skip
    return msgspec.json.encode({"transfers": transfers})


def best_s(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _pairs_check(pairs: list[tuple[str, object]]) -> dict[str, object]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise ValueError("duplicate key")
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    body = full_batch_body()
    decoder = msgspec.json.Decoder(TransfersRequest)
    plain_s = best_s(lambda: decoder.decode(body), args.runs)
    checked_s = best_s(lambda: decode(body, TransfersRequest), args.runs)
    hook_s = best_s(lambda: json.loads(body, object_pairs_hook=_pairs_check), args.runs)
    figures = {"body_bytes": len(body), "transfers": BATCH_MAX_EVENTS, "msgspec_ms": plain_s * 1e3,
               "checked_ms": checked_s * 1e3, "ratio_checked_to_msgspec": checked_s / plain_s,
               "check_alone_ms": (checked_s - plain_s) * 1e3, "pairs_hook_ms": hook_s * 1e3}  # fmt: skip
    ok = checked_s - plain_s < hook_s and checked_s < 6 * plain_s
    if args.json:
        print(json.dumps({**figures, "met": ok}))
    else:
        print(f"{len(body) / 1e6:.2f} MB, {BATCH_MAX_EVENTS} transfers: msgspec {plain_s * 1e3:.1f} ms (baseline); "
              f"with the check {checked_s * 1e3:.1f} ms (x{checked_s / plain_s:.1f}); "
              f"json.loads(object_pairs_hook) {hook_s * 1e3:.1f} ms; target {'met' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
