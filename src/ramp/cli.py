"""The `ramp` command: a thin dispatcher to each layer's own command module.

Each subcommand lives next to the code it drives and exposes `main(argv) -> int`; this file
only maps names to those entry points, imported lazily so `ramp --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

# name -> (module, one-line help). Modules are imported only when their command runs.
_COMMANDS: dict[str, tuple[str, str]] = {
    "bench": ("ramp.bench", "run a benchmark (ledger, ...)"),
    "demo": ("ramp.demo.cli", "serve the dashboard on the FY2025 demo data (created if absent)"),
    "demo-data": ("ramp.demo.cli:demo_data", "generate the FY2025 demo dataset (--seed N --size small|default|large)"),
    "budget": ("ramp.budget.cli", "budget queries: tree, history, burdens, alerts"),
    "numscript": ("ramp.numscript.cli", "Numscript tools: test a folder of conformance cases"),
    "script": ("ramp.api.script_cli", "run a Numscript on a RAMP server (one all-or-nothing batch)"),
    "export-bundle": ("ramp.audit.bundle", "write an offline audit bundle of a store"),
    "verify": ("ramp.audit.verify", "verify an audit bundle (or a store) offline"),
    "log-keygen": ("ramp.journal.cli", "create the log's Ed25519 signing key"),
    "log-serve": ("ramp.api.log_server", "serve a log read-only (checkpoint, tiles, entries)"),
    "witness": ("ramp.tlog.witness_cli", "run or set up a tlog-witness"),
    "init": ("ramp.server.cli:init", "create a database, its log key and the admin identity"),
    "identity": ("ramp.server.cli:identity", "add identities"),
    "policy": ("ramp.policy.cli", "validate Cedar approval policies; show the default policy"),
    "auth": ("ramp.auth.cli", "web login credentials: enrol a password and a TOTP secret"),
    "serve": ("ramp.server.cli:serve", "serve the RAMP API and the dashboard"),
    "disclosure": ("ramp.api.disclosure_cli", "public totals: publish Merkle-sum roots; verify totals or a payment"),
    "verify-receipt": ("ramp.mining.cli", "verify a mining filing's receipt offline against the log key"),
    "invoice": ("ramp.invoices.cli", "JP PINT invoices: validate a file (UBL 2.1 XSD + the JP PINT Schematron)"),
}


def _usage() -> str:
    lines = ["usage: ramp COMMAND [ARGS...]", "", "commands:"]
    for name, (_module, help_text) in sorted(_COMMANDS.items()):
        lines.append(f"  {name:<16}{help_text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if args[0] == "--version":
        from ramp import __version__

        print(__version__)
        return 0
    entry = _COMMANDS.get(args[0])
    if entry is None:
        print(f"ramp: unknown command {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, _, function = entry[0].partition(":")
    module = importlib.import_module(module_name)
    from ramp.journal import JournalCorrupt
    from ramp.store import StoreError

    try:
        return int(getattr(module, function or "main")(args[1:]) or 0)
    except (StoreError, JournalCorrupt) as exc:  # the store said no: a message, not a traceback
        print(f"ramp {args[0]}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
