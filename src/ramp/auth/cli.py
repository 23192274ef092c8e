"""`ramp auth enrol`: give an identity a web login (a password and a new TOTP secret).
`ramp auth code`: the current TOTP code of an enrolled identity, as an authenticator app shows it.

The password is read from a file or stdin (never an argument: it would sit in the shell's
history); the TOTP secret is printed once, with the otpauth:// URI an authenticator app
scans. The log records that the identity was enrolled (`auth.enrolled`), never the secrets.
Run it with the service stopped, like `ramp identity add`.

`code` reads the secret from the credentials file, so whoever can read that file (0600) can
sign in as anyone enrolled in it: it is for demos and tests (`ramp demo` names it), not a
second factor for real accounts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

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
    c = sub.add_parser("code", help="print an enrolled identity's current TOTP code (demos and tests)")
    c.add_argument("--credentials", required=True, help="the credentials file")
    c.add_argument("identity")
    args = p.parse_args(argv)
    if args.command == "code":
        return _code(args.credentials, args.identity)
    from ramp.journal.opening import open_writer
    from ramp.policy.identities import IdentityRegistry

    if args.password_file == "-":
        password = sys.stdin.readline().rstrip("\n")
    else:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\n")
    identities = IdentityRegistry()
    journal = open_writer(args.db, [identities])
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


def _code(path: str, identity: str) -> int:
    """The code now on stdout (alone, for scripts); how long it lasts on stderr."""
    if not os.path.isfile(path):  # a missing file reads as empty to the server; here it is a mistake
        print(f"ramp auth code: credentials_unreadable: {path} is not a file", file=sys.stderr)
        return 1
    try:
        credential = CredentialFile(path).get(identity)
    except (OSError, ValueError) as exc:  # unreadable, or not a credentials file (msgspec errors are ValueErrors)
        print(f"ramp auth code: credentials_unreadable: {path}: {exc}", file=sys.stderr)
        return 1
    if credential is None:
        print(f"ramp auth code: not_enrolled: {identity!r} has no login in {path}", file=sys.stderr)
        return 1
    now = int(time.time())
    print(totp.totp(totp.from_b32(credential.totp_secret), now))
    left_s = totp.STEP_S - now % totp.STEP_S
    print(f"{identity}: the next code comes in {left_s} s; each code signs in or approves once",
          file=sys.stderr)  # fmt: skip
    return 0
