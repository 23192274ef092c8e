"""`ramp disclosure`: publish each year's Merkle-sum root of payments, and check what a server
publishes, as the public and as a contractor (docs/sumtree.md).

    ramp disclosure publish --db URL [--log-key FILE] [--fy YEAR ...]
    ramp disclosure verify-totals --url URL [--fy YEAR ...] [--log-key KEY]
    ramp disclosure verify-payment --url URL --key KEYFILE [--fy YEAR] [--log-key KEY] TRANSFER_ID

`publish` opens the store as its writer (the server must not be running) and appends a root for
every year whose payments changed since its last one. `verify-totals` checks that the group
totals add up to the root, that the checkpoint is signed by the log's key, and that the record
holding that root and those totals is in the log under it. `verify-payment` signs its request
with your key file, then checks your payment is counted in the verified root. `--log-key` is
the log's verifier key you trust (its text, or a file); without it the server's own key is used,
which proves only that the server agrees with itself (said on stderr).

Exit status: 0 verified (or published), 1 a check failed (its code is printed), 2 the request
could not be made (bad arguments, unreadable key, server unreachable, refused by the server).
Lives with the API's client tools (like `ramp script`): it needs the signed client and the
service's journal, which the domain layer's `ramp.disclosure` may not import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import httpx

from ramp.audit.report import VerifyFailure
from ramp.audit.verify import read_key_argument
from ramp.client import KeyFileError, RampClient
from ramp.disclosure.checks import DisclosureCheckError, VerifiedTotals, check_payment, check_totals
from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.publish import publish
from ramp.journal.opening import NotInitialised
from ramp.refusal import Refused
from ramp.service.projections import open_service_journal
from ramp.tlog.sumtree import GroupTotal

TIMEOUT_S = 30.0


class _Unreachable(Exception):
    """The server could not be asked, or refused (not a failed check)."""


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp disclosure", description="public totals, provably complete")
    sub = p.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="append each changed year's Merkle-sum root to the log")
    pub.add_argument("--db", required=True, help="SQLite path or postgresql:// URL (the writer: server stopped)")
    pub.add_argument("--log-key", help="the log's private key file (default: the one the store names)")
    pub.add_argument("--fy", type=int, action="append", help="only this fiscal year (repeatable)")
    totals = sub.add_parser("verify-totals", help="the public's check of a server's published totals")
    payment = sub.add_parser("verify-payment", help="a contractor's check that its payment is counted")
    for q in (totals, payment):
        q.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
        q.add_argument("--log-key", help="the log's trusted verifier key: its text or a file (default: the server's)")
    totals.add_argument("--fy", type=int, action="append", help="only this fiscal year (default: every published)")
    payment.add_argument("--key", required=True, help="your identity's key file (0600)")
    payment.add_argument("--fy", type=int, help="the payment's fiscal year (default: found from the newest)")
    payment.add_argument("transfer_id")
    args = p.parse_args(argv)
    try:
        if args.command == "publish":
            return _publish(args)
        log_key = _log_key(args)
        if args.command == "verify-totals":
            return _verify_totals(args, log_key)
        return _verify_payment(args, log_key)
    except _Unreachable as exc:
        print(f"ramp disclosure {args.command}: {exc}", file=sys.stderr)
        return 2


def _publish(args: argparse.Namespace) -> int:
    try:
        journal, _identities = open_service_journal(args.db, args.log_key)
    except NotInitialised as exc:
        raise _Unreachable(str(exc)) from exc
    try:
        written = publish(journal, journal.projection(PaymentLines), args.fy)
    except Refused as exc:
        raise _Unreachable(f"{exc.code}: {exc.message}") from exc
    finally:
        journal.close()
    print("\n".join(written) if written else "no year's payments changed since its last root")
    return 0


def _get(http: Callable[[], httpx.Response]) -> Any:
    try:
        response = http()
    except httpx.HTTPError as exc:
        raise _Unreachable(f"cannot reach the server: {exc}") from exc
    if response.status_code != 200:
        raise _Unreachable(f"{response.request.url.path}: HTTP {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError as exc:
        raise _Unreachable(f"{response.request.url.path}: not JSON") from exc


def _log_key(args: argparse.Namespace) -> str:
    if args.log_key is not None:
        try:
            key, read = read_key_argument(args.log_key)
        except VerifyFailure as exc:
            raise _Unreachable(f"--log-key {exc}") from exc
        print(f"log key: {read}", file=sys.stderr)
        return key
    try:
        response = httpx.get(args.url.rstrip("/") + "/v1/log/key", timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise _Unreachable(f"cannot reach the server: {exc}") from exc
    if response.status_code != 200:
        raise _Unreachable(f"/v1/log/key: HTTP {response.status_code}")
    print("log key: the server's own (untrusted: pass --log-key to check against a key you hold)", file=sys.stderr)
    return response.text.strip()


def _totals_doc(url: str, fy: int) -> Any:
    return _get(lambda: httpx.get(f"{url.rstrip('/')}/v1/disclosure/{fy}/totals", timeout=TIMEOUT_S))


def _by(groups: tuple[GroupTotal, ...], label: Callable[[GroupTotal], str]) -> list[tuple[str, int, int]]:
    out: dict[str, list[int]] = {}
    for g in groups:
        row = out.setdefault(label(g), [0, 0])
        row[0] += g.node.sum_yen
        row[1] += g.node.count
    return [(k, v[0], v[1]) for k, v in sorted(out.items())]


def _print_totals(v: VerifiedTotals) -> None:
    root = v.published.root
    print(f"FY{root.fiscal_year}: VERIFIED: ¥{root.sum_yen:,} in {root.count:,} payments, {len(v.published.groups)} "
          f"groups; {v.record_id} is leaf {v.seq} of the log under its signed checkpoint (size {v.checkpoint_size})")  # fmt: skip
    for title, label in (("organisation", lambda g: g.group.organisation), ("category", lambda g: g.group.category)):
        print(f"  by {title}:")
        for key, yen, count in _by(v.published.groups, label):
            print(f"    {key:<24} ¥{yen:>22,} {count:>9,}")


def _verify_totals(args: argparse.Namespace, log_key: str) -> int:
    years = args.fy or _get(lambda: httpx.get(args.url.rstrip("/") + "/v1/disclosure/years",
                                              timeout=TIMEOUT_S))["fiscal_years"]  # fmt: skip
    if not years:
        raise _Unreachable("the server publishes no totals yet")
    failed = 0
    for fy in years:
        try:
            _print_totals(check_totals(_totals_doc(args.url, fy), log_key))
        except DisclosureCheckError as exc:
            print(f"FY{fy}: FAILED {exc.code}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _verify_payment(args: argparse.Namespace, log_key: str) -> int:
    try:
        client = RampClient(args.url, key_file=args.key, timeout_s=TIMEOUT_S)
    except KeyFileError as exc:
        raise _Unreachable(f"{exc.code}: {exc.detail}") from exc
    with client:
        years = [args.fy] if args.fy else sorted(_get(lambda: client.get("/v1/disclosure/years",
                                                                          signed=False))["fiscal_years"], reverse=True)  # fmt: skip
        for fy in years:
            response = _ask(lambda fy=fy: client.get(f"/v1/disclosure/{fy}/payments/{args.transfer_id}"))
            if response is None:
                continue  # not a payment of this year: the next older one
            try:
                totals = check_totals(_totals_doc(args.url, fy), log_key)
                if response["record_id"] != totals.record_id:  # a root published between the two asks
                    response = _ask(lambda fy=fy: client.get(f"/v1/disclosure/{fy}/payments/{args.transfer_id}"))
                verified = check_payment(totals, response, args.transfer_id)
            except DisclosureCheckError as exc:
                print(f"{args.transfer_id}: FAILED {exc.code}: {exc}", file=sys.stderr)
                return 1
            private = verified.private
            print(f"{args.transfer_id}: VERIFIED: ¥{verified.amount_yen:,} ({private.get('code')}, vendor "
                  f"{private.get('vendor')}, contract {private.get('contract')}) is counted under "
                  f"{verified.group.organisation}/{verified.group.category} in {totals.record_id}: FY{fy}'s "
                  f"¥{totals.published.root.sum_yen:,} in {totals.published.root.count:,} payments")  # fmt: skip
            return 0
    raise _Unreachable(f"no published year holds payment {args.transfer_id}")


def _ask(request: Callable[[], httpx.Response]) -> Any | None:
    """The server's answer; None when the payment is not one of that year."""
    try:
        response = request()
    except httpx.HTTPError as exc:
        raise _Unreachable(f"cannot reach the server: {exc}") from exc
    if response.status_code == 404 and _code(response) == "payment_not_found":
        return None
    if response.status_code != 200:
        raise _Unreachable(f"HTTP {response.status_code}: {response.text[:300]}")
    return response.json()


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
