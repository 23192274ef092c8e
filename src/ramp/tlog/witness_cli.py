"""`ramp witness`: run a tlog-witness, or make its key.

ramp witness keygen --name NAME --out FILE
ramp witness serve --key FILE --state PATH --log ORIGIN=VKEY [--log ...] [--host H] [--port N]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from ramp.tlog.cosignature import SIG_TYPE_COSIGNATURE, Cosigner
from ramp.tlog.keys import read_private_key_file, write_private_key_file
from ramp.tlog.note import (
    Ed25519Verifier,
    KeyFormatError,
    Verifier,
    generate_private_key,
    is_valid_key_name,
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ramp witness", description="C2SP tlog-witness")
    sub = parser.add_subparsers(dest="command", required=True)

    keygen = sub.add_parser("keygen", help="create a witness (cosignature/v1) key")
    keygen.add_argument("--name", required=True, help="witness name, e.g. witness.example/w1")
    keygen.add_argument("--out", required=True, type=Path, help="private key file (mode 0600)")

    serve = sub.add_parser("serve", help="serve POST /add-checkpoint")
    serve.add_argument("--key", required=True, type=Path, help="witness private key file")
    serve.add_argument("--state", required=True, type=Path, help="state database (SQLite)")
    serve.add_argument(
        "--log",
        action="append",
        required=True,
        metavar="ORIGIN=VKEY",
        help="a log to witness and one Ed25519 verifier key for it (repeatable)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--prefix", default="", help="submission prefix, e.g. /witness")
    return parser


def parse_log_specs(specs: Sequence[str]) -> dict[str, tuple[Verifier, ...]]:
    """ORIGIN=VKEY pairs; the origin ends at the first '=' (vkeys contain '+', not '=')."""
    logs: dict[str, list[Verifier]] = {}
    for spec in specs:
        origin, sep, vkey = spec.partition("=")
        if not sep or not origin:
            raise ValueError(f"--log {spec!r}: expected ORIGIN=VKEY")
        try:
            verifier = Ed25519Verifier.from_vkey(vkey)
        except KeyFormatError as exc:
            raise ValueError(f"--log {spec!r}: {exc}") from None
        logs.setdefault(origin, []).append(verifier)
    return {origin: tuple(keys) for origin, keys in logs.items()}


def _keygen(args: argparse.Namespace) -> int:
    if not is_valid_key_name(args.name):
        print(f"ramp witness: invalid key name {args.name!r}", file=sys.stderr)
        return EXIT_USAGE
    cosigner = Cosigner(generate_private_key(args.name, SIG_TYPE_COSIGNATURE))
    try:
        write_private_key_file(args.out, cosigner.private_key.encode())
    except FileExistsError:
        print(f"ramp witness: {args.out} exists; not overwriting a key", file=sys.stderr)
        return EXIT_FAILURE
    print(cosigner.verifier_key().encode())
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ramp.tlog.witness import WitnessConfig, create_app

    try:
        cosigner = Cosigner.from_skey(read_private_key_file(args.key))
        logs = parse_log_specs(args.log)
        app = create_app(WitnessConfig(cosigner, args.state, logs, prefix=args.prefix))
    except (OSError, sqlite3.Error, ValueError) as exc:  # KeyFileError, KeyFormatError too
        print(f"ramp witness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"witness {cosigner.verifier_key().encode()}", file=sys.stderr)
    print(f"listening on http://{args.host}:{args.port}{args.prefix}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "keygen":
        return _keygen(args)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
