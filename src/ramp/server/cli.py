"""Deployment commands: `ramp init`, `ramp identity add`, `ramp serve`.

`init` creates the database, the log key and the first identity, `admin`, which operates the
system (identities, keys, the policy, raw ledger accounts outside the budget's ring fence) and
holds no budget role: budget officers are added as identities of their own.
The log key's path is recorded in the store, so `serve` finds it. Identities are journal
records: add them while the service is stopped (or, later, through an approved request).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ramp.client import write_key_file
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.journal.opening import NotInitialised
from ramp.journal.progress import ProgressLine, Reporter
from ramp.policy.identities import (
    ROLES,
    SYSTEM_ROLES,
    IdentityError,
    IdentityRegistry,
    identity_added,
)
from ramp.server.listen import EXIT_PORT_TAKEN, PortUnavailable, listen
from ramp.service.projections import open_service_journal
from ramp.store import open_store


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _open(db: str, log_key: str | None = None, progress: Reporter | None = None) -> tuple[Journal, IdentityRegistry]:
    try:
        return open_service_journal(db, log_key, progress)
    except NotInitialised as exc:
        raise SystemExit(f"ramp: {exc}") from exc


def _add_identity(journal: Journal, identity: str, organisation: str, roles: list[str], key_out: str) -> None:
    key = Ed25519PrivateKey.generate()
    [result] = journal.submit([identity_added(identity, organisation, roles, _raw_public(key))])
    if result.result != "ok":
        raise SystemExit(f"ramp: identity {identity!r} not added: {result.result}")
    write_key_file(key_out, identity, key)


def init(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp init", description="create a RAMP database, its log key and `admin`")
    p.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
    p.add_argument("--origin", required=True, help="the log's origin, e.g. ramp.mod.go.jp/defense")
    p.add_argument("--admin-key-out", required=True, help="where to write admin's key file (0600)")
    p.add_argument("--log-key-out", help="the log's private key file (default: <db>.log.key for SQLite)")
    args = p.parse_args(argv)
    log_key = args.log_key_out or (None if "://" in args.db else f"{args.db}.log.key")
    if log_key is None:
        p.error("--log-key-out is required for a PostgreSQL database")
    for path in (log_key, args.admin_key_out):
        if os.path.exists(path):
            p.error(f"{path} exists: keys are never overwritten")
    store = open_store(args.db)
    if store.get_meta("origin") is not None or store.log_size() > 0:
        store.close()
        p.error(f"{args.db} is already initialised")
    create_log_key(log_key, args.origin)
    store.put_meta("log_key_file", os.path.abspath(log_key))
    identities = IdentityRegistry()
    journal = Journal(store, log=LogSigner.from_key_file(log_key, args.origin), projections=[identities])
    try:
        _add_identity(journal, "admin", "mod", list(SYSTEM_ROLES), args.admin_key_out)
    finally:
        journal.close()
    print(f"initialised {args.db}: origin {args.origin}, log key {log_key}, admin key {args.admin_key_out}")
    return 0


def identity(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp identity", description="manage identities")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an identity with a new Ed25519 key")
    add.add_argument("--db", required=True)
    add.add_argument("--id", required=True, help="identity id, e.g. atla.inspector.sato")
    add.add_argument("--organisation", required=True, help="e.g. atla, mof, msdf, contractor-xyz")
    add.add_argument("--roles", required=True, help=f"comma-separated, of: {', '.join(sorted(ROLES))}")
    add.add_argument("--key-out", required=True, help="where to write the identity's key file (0600)")
    args = p.parse_args(argv)
    if os.path.exists(args.key_out):
        p.error(f"{args.key_out} exists: keys are never overwritten")
    journal, _ = _open(args.db)
    try:
        _add_identity(journal, args.id, args.organisation, args.roles.split(","), args.key_out)
    except IdentityError as exc:
        print(f"ramp identity add: {exc.code}: {exc}", file=sys.stderr)
        return 1
    finally:
        journal.close()
    print(f"added {args.id} ({args.organisation}: {args.roles}); key in {args.key_out}")
    return 0


def serve(argv: list[str]) -> int:
    import uvicorn

    from ramp.server import create_app

    p = argparse.ArgumentParser(prog="ramp serve", description="serve the RAMP API")
    p.add_argument("--db", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-key", help="the log's private key file (default: recorded by `ramp init`)")
    p.add_argument("--credentials", help="web login credentials file (`ramp auth enrol`); without it, no web login")
    args = p.parse_args(argv)
    from ramp.auth.credentials import CredentialFile

    try:
        sock = listen(args.host, args.port)  # before the replay: a taken port is said at once
    except PortUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_PORT_TAKEN
    credentials = None if args.credentials is None else CredentialFile(args.credentials)
    try:
        journal, identities = _open(args.db, args.log_key, ProgressLine("ramp serve: replaying the log"))
        try:
            # uvloop and httptools are pinned, so "auto" picks them; no access log on the hot path.
            config = uvicorn.Config(create_app(journal, identities, credentials=credentials), log_level="warning",
                                    access_log=False)  # fmt: skip
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            journal.close()
    finally:
        sock.close()
    return 0


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(_raw_public(key)).decode()
