"""`ramp verify-receipt RECEIPT --log-key K`: check a filing's receipt offline, with nothing but
the log's verifier key (its text, or a file holding it). Exit 0 when it verifies, 1 otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from ramp.mining.receipt import RECEIPT_MAX_BYTES, ReceiptInvalid, verify

KEY_FILE_MAX_BYTES: Final = 4096  # a verifier key is one short line


def _key(value: str) -> str:
    path = Path(value)
    if path.is_file():
        return path.read_bytes()[:KEY_FILE_MAX_BYTES].decode("utf-8", "replace").strip()
    return value.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ramp verify-receipt", description=__doc__)
    parser.add_argument("receipt", help="the receipt file (JSON, as the API returned it under `receipt`)")
    parser.add_argument("--log-key", required=True, help="the log's verifier key, or a file holding it")
    args = parser.parse_args(argv)
    try:
        data = Path(args.receipt).read_bytes()[: RECEIPT_MAX_BYTES + 1]
        verified = verify(data, _key(args.log_key))
    except (OSError, ReceiptInvalid) as exc:
        print(f"receipt does not verify: {exc}", file=sys.stderr)
        return 1
    r = verified.record
    print(f"ok: {r.type} {r.id} is leaf {r.seq} of the log's signed checkpoint of size {verified.size}")
    return 0
