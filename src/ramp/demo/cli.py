"""`ramp demo` and `ramp demo-data`: generate the demo's history into a new SQLite database:
FY2024 and FY2025 closed, FY2026 (the Cabinet's draft) in progress up to the as-of date
(--as-of YYYY-MM-DD; default: today in Japan). The same seed and date give the same data.

`ramp demo` creates the demo database if it is absent (var/demo/demo.db unless --db) and
serves the service with the dashboard at http://127.0.0.1:8000, printing the demo logins
(--no-serve: prints the open year's budget tree and the last closed year's 決算 instead). `ramp demo-data` (default size: about a million
transactions) prints what it generated. Both leave beside the database its log key
(`.log.key`), an admin key file (`.admin.json`, for `ramp serve`), the demo people's key files
(`.keys/`) and web logins (`.credentials`), and the answer key of the injected irregularities
(`.irregularities.json`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import date

from ramp.budget import model as budget_model
from ramp.budget.cli import format_tree
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import budget_tree, burdens
from ramp.demo import figures
from ramp.demo.dataset import SIZES
from ramp.demo.load import Loaded, load
from ramp.demo.people import DEMO_PASSWORD, PEOPLE, credentials_path
from ramp.demo.reset import NotADemo, reset
from ramp.journal import Journal
from ramp.journal.progress import ProgressLine
from ramp.server.listen import EXIT_PORT_TAKEN, PortUnavailable, listen
from ramp.store import SQLiteStore


def _parser(prog: str, default_size: str, db: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument(
        "--db", default=db, help=f"SQLite file (default: {db or 'a new temporary directory'})"
    )
    p.add_argument(
        "--seed", type=int, default=2025, help="the same seed gives the same data (default 2025)"
    )
    p.add_argument(
        "--size", choices=sorted(SIZES), default=default_size, help=f"default: {default_size}"
    )
    p.add_argument(
        "--as-of",
        type=_date,
        default=None,
        dest="as_of",
        help="the history up to this date, YYYY-MM-DD (default: today in JST)",
    )
    return p


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc
    if not date(2025, 4, 1) <= day <= date(2027, 3, 31):
        raise argparse.ArgumentTypeError("the demo's calendar runs from 2025-04-01 to 2027-03-31")
    return day


def _generate(p: argparse.ArgumentParser, argv: list[str]) -> Loaded:
    args = p.parse_args(argv)
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="ramp-demo-"), "demo.db")
    if os.path.exists(path):
        p.error(f"{path} exists: the demo writes a fresh database")
    return load(path, args.seed, args.size, args.as_of, ProgressLine("ramp demo-data: generating the history", "days"))


def _summary(loaded: Loaded) -> str:
    rate = loaded.events / loaded.seconds if loaded.seconds else 0
    ds = loaded.dataset
    return (f"{loaded.events:,} events ({loaded.disbursements:,} payments, {loaded.operations:,} operations) in "
            f"{loaded.seconds:.1f} s ({rate:,.0f} events/s); seed {ds.seed}, size {ds.size_name}, "
            f"as of {loaded.as_of.isoformat()}: "
            f"{len(ds.projects)} projects, {sum(len(v) for v in ds.vendors.values())} vendors, "
            f"{len(ds.contracts)} contracts\n"
            f"database: {loaded.path}   verify: ramp verify --db {loaded.path}   "
            f"serve: ramp serve --db {loaded.path} (key {loaded.path}.admin.json)")  # fmt: skip


DEMO_DB = os.path.join("var", "demo", "demo.db")
DEMO_SIZE = "default"  # about a million payments: minutes to generate, said as it goes (bench/demo_data.py)


def main(argv: list[str]) -> int:
    """`ramp demo`: create the demo database if absent, then serve the dashboard (or print the tree)."""
    p = _parser("ramp demo", DEMO_SIZE, DEMO_DB)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="print the tree and stop")
    p.add_argument("--reset", action="store_true",
                   help="start afresh: remove the demo database and everything beside it, then generate it anew")
    p.add_argument("--open-access", action="store_true",
                   help="no sign-in: anyone on this machine reads the demo data (read only; deciding needs sign-in)")
    args = p.parse_args(argv)
    sock = None
    if not args.no_serve:
        try:  # before any work: a taken port is said at once, in one line
            sock = listen(args.host, args.port, command="ramp demo")
        except PortUnavailable as exc:
            print(f"{exc} (make demo PORT=N)", file=sys.stderr)
            return EXIT_PORT_TAKEN
    if args.reset:
        try:
            removed = reset(args.db)
        except NotADemo as exc:
            print(f"ramp demo --reset: {exc}", file=sys.stderr)
            return 1
        print(f"ramp demo --reset: removed {args.db} and {len(removed) - 1} files beside it" if removed
              else f"ramp demo --reset: {args.db} did not exist", flush=True)  # fmt: skip
    if not os.path.exists(args.db):
        os.makedirs(os.path.dirname(os.path.abspath(args.db)), exist_ok=True)
        from ramp.demo.serve import forget_witness_state

        forget_witness_state(args.db)
        history = ProgressLine("ramp demo: generating the demo history", "days")
        print(_summary(load(args.db, args.seed, args.size, args.as_of, history)), flush=True)
    if not args.no_serve:
        from ramp.demo.serve import serve

        assert sock is not None
        try:
            return serve(args.db, sock, on_ready=_ready(args.db, args.open_access), open_access=args.open_access)
        finally:
            sock.close()
    projection = BudgetProjection()
    journal = Journal(SQLiteStore(args.db), projections=[projection])  # replays and checks everything
    try:
        print(_report(projection))
    finally:
        journal.close()
    return 0


def _report(projection: BudgetProjection) -> str:
    """The open year's tree and burdens, and the 決算 of the last closed year, per item."""
    years = projection.fiscal_years()
    open_years = [fy for fy in years if not _closed(projection, fy)]
    fy = open_years[-1] if open_years else years[-1]
    tree = budget_tree(projection, fy)
    lines = [format_tree(tree, depth=2), "", format_tree(tree, by="organisation").split("\n", 3)[3]]
    b = burdens(projection, fy)
    lines.append(
        f"\nlater-year burdens (後年度負担) as of FY{fy}: ¥{b.total:,} (new ¥{b.new:,}, existing ¥{b.existing:,})"
    )
    label = (
        f"{figures.FY2026_LABEL}: ¥{figures.FY2026_TOTAL_YEN:,}"
        if fy == 2026
        else "published total ¥8,700,500,000,000"
    )
    lines.append(f"issued for FY{fy}: ¥{tree.issued:,} ({label})")
    closed = [y for y in years if _closed(projection, y)]
    if closed:
        lines.append(_settlement(projection, closed[-1]))
    return "\n".join(lines)


def _closed(projection: BudgetProjection, fy: int) -> bool:
    snap = projection.snapshot(fy)
    return snap is not None and snap.closed


def _settlement(projection: BudgetProjection, fy: int) -> str:
    """歳出決算 of a closed year by item: appropriated (issued, reserve, carried in, moved) = disbursed +
    carried over + lapsed, once the year is closed (nothing is left unpaid or unspent)."""
    tree = budget_tree(projection, fy)
    head = (f"\nFY{fy} 決算 (settlement: the year ended {budget_model.date_of(budget_model.fy_end_ns(fy) - 1)}, "
            "closed after 出納整理期間)"
            f"\n  {'item':<14}{'appropriated':>22}{'of which carried in':>22}{'disbursed':>22}{'carried over':>20}"
            f"{'lapsed':>20}")  # fmt: skip
    out = [head]
    for item in tree.items:
        f = item.figures
        out.append(f"  {item.path:<14}{f.appropriated:>22,}{f.carried_in:>22,}{f.disbursed:>22,}"
                   f"{f.carried_over:>20,}{f.lapsed:>20,}")  # fmt: skip
    return "\n".join(out)


def _ready(db: str, open_access: bool) -> Callable[[str], None]:
    def announce(url: str) -> None:
        print(f"\nRAMP demo: the dashboard is at {url}/  (public view: {url}/public, API: {url}/openapi.json)",
              flush=True)  # fmt: skip
        if open_access:
            print("DEMO ACCESS (fictitious data): open to anyone on this machine, read only, no sign-in.")
        print(logins(db, url, _ramp_command()))
        print("Stop with Ctrl-C.", flush=True)

    return announce


def logins(db: str, url: str, ramp: str) -> str:
    """The demo logins: who, the one demo password, each TOTP secret and how to get a code."""
    from ramp.auth.credentials import CredentialFile

    credentials = CredentialFile(credentials_path(db))
    lines = [f"\nDEMO LOGINS (fictitious people; demo credentials of this demo database only) at {url}/signin",
             f"  password, for everyone: {DEMO_PASSWORD}",
             f"  code: {ramp} auth code --credentials {credentials_path(db)} IDENTITY",
             "        (or the person's TOTP secret below in an authenticator app; each code is used once)",
             f"  {'identity':<26}{'organisation':<16}{'roles':<42}TOTP secret"]  # fmt: skip
    for p in PEOPLE:
        credential = credentials.get(p.id)
        secret = credential.totp_secret if credential is not None else "(not enrolled)"
        lines.append(f"  {p.id:<26}{p.organisation:<16}{', '.join(p.roles):<42}{secret}")
    lines.append("  Try: sign in as mof.sato and open Approvals: 流用 requests wait for the Ministry of Finance\n"
                 "  (approving ryuyo-pac3 executes it); fo.tanaka has a Board of Audit freeze waiting.")  # fmt: skip
    return "\n".join(lines)


def _ramp_command() -> str:
    """How this shell runs `ramp`: the script that started us, else the module."""
    script = sys.argv[0]
    return _short(script) if os.path.basename(script) == "ramp" else f"{_short(sys.executable)} -m ramp.cli"


def _short(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def demo_data(argv: list[str]) -> int:
    """`ramp demo-data`: generate the dataset (default size) and say what was made."""
    print(_summary(_generate(_parser("ramp demo-data", "default"), argv)))
    return 0
