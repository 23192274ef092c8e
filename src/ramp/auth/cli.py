"""`ramp auth enrol`: give an identity a web login (a password and a new TOTP secret).

The password is read from a file or stdin (never an argument: it would sit in the shell's
history); the TOTP secret is printed once, with the otpauth:// URI an authenticator app
scans. The log records that the identity was enrolled (`auth.enrolled`), never the secrets.
Run it with the service stopped, like `ramp identity add`.
"""

from __future__ import annotations

import argparse
import sys

from ramp.auth import audit, totp
from ramp.auth.credentials import CredentialError, CredentialFile


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp auth", description="web login credentials")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("enrol", help="set an identity's password and a new TOTP secret")
    e.add_argument("--db", required=True)
    e.add_argument("--credentials", required=True, help="the credentials file `ramp serve --credentials` reads")
    e.add_argument("--id", required=True, help="an existing identity")
    e.add_argument("--password-file", required=True, help="a file holding the password, or - for stdin")
    args = p.parse_args(argv)
    from ramp.api.cli import _open

    if args.password_file == "-":
        password = sys.stdin.readline().rstrip("\n")
    else:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\n")
    journal, identities = _open(args.db)
    try:
        if identities.get(args.id) is None:
            print(f"ramp auth enrol: identity_not_found: no identity {args.id!r}", file=sys.stderr)
            return 1
        try:
            secret = CredentialFile(args.credentials).enrol(args.id, password)
        except CredentialError as exc:
            print(f"ramp auth enrol: {exc.code}: {exc}", file=sys.stderr)
            return 1
        journal.submit([audit.enrolled(args.id, "ramp auth enrol")])
    finally:
        journal.close()
    print(f"enrolled {args.id}\ntotp secret: {totp.b32(secret)}\n{totp.otpauth_uri(args.id, secret)}")
    return 0
