"""`ramp log-keygen --origin NAME --out FILE`: a new Ed25519 log key (file 0600)."""

from __future__ import annotations

import argparse

from ramp.journal.log import create_log_key


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp log-keygen", description=__doc__)
    p.add_argument("--origin", required=True, help="the log's origin, e.g. ramp.mod.go.jp/fy2025")
    p.add_argument("--out", required=True, help="private key file to create (never overwritten)")
    args = p.parse_args(argv)
    try:
        print(create_log_key(args.out, args.origin))
    except (FileExistsError, ValueError) as exc:
        p.error(str(exc))
    return 0
