"""`ramp script run`: run a Numscript file on a RAMP server, signed with your key file.

    ramp script run --server URL --key-file KEY --id RUN_ID --script FILE
                    [--var NAME=VALUE ...] [--vars JSON] [--code CODE] [--json]

Prints the postings (or the refusal and why); `--json` prints the server's answer as is.
Exit status: 0 applied (or already applied: a retry of the same id), 1 refused, 2 the request
could not be made (bad arguments, unreadable file or key, server unreachable).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from ramp.client import KeyFileError, RampClient

SCRIPT_FILE_MAX_BYTES = 64 * 1024  # the server refuses more; do not read a stray huge file


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp script", description="run Numscript on the ledger")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a script as one all-or-nothing batch (POST /v1/scripts)")
    run.add_argument("--server", required=True, help="e.g. http://127.0.0.1:8000")
    run.add_argument("--key-file", required=True, help="your identity's key file (0600)")
    run.add_argument("--id", required=True, help="the run's id: retrying the same id is safe")
    run.add_argument("--script", required=True, type=Path, help="the .num file")
    run.add_argument("--vars", default="{}", help='JSON object {"name": "value"}')
    run.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                     help='one variable, e.g. --var "amount=JPYD 100" (repeatable; wins over --vars)')  # fmt: skip
    run.add_argument("--code", help="the transfers' movement type, e.g. ALLOT (default NUMSCRIPT)")
    run.add_argument("--json", action="store_true", help="print the server's JSON answer")
    args = p.parse_args(argv)

    variables = _variables(p, args.vars, args.var)
    try:
        if args.script.stat().st_size > SCRIPT_FILE_MAX_BYTES:
            p.error(f"{args.script} is larger than {SCRIPT_FILE_MAX_BYTES} bytes")
        script = args.script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        p.error(f"cannot read {args.script}: {exc}")
    try:
        with RampClient(args.server, key_file=args.key_file) as client:
            response = client.run_script(args.id, script, variables, code=args.code)
    except KeyFileError as exc:
        print(f"ramp script run: {exc.code}: {exc.detail}", file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(f"ramp script run: cannot reach {args.server}: {exc}", file=sys.stderr)
        return 2
    try:
        answer = response.json()
    except ValueError:
        print(f"ramp script run: HTTP {response.status_code}: {response.text[:500]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    if response.status_code != 200:
        print(_refusal(args.script, response.status_code, answer), file=sys.stderr)
        return 1
    if not args.json:
        print(_summary(answer))
    return 0


def _variables(p: argparse.ArgumentParser, vars_json: str, pairs: list[str]) -> dict[str, str]:
    try:
        variables = json.loads(vars_json)
    except ValueError as exc:
        p.error(f"--vars is not JSON: {exc}")
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        p.error('--vars must be a JSON object of strings, e.g. {"amount": "JPYD 100"}')
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            p.error(f"--var {pair!r} is not NAME=VALUE")
        variables[name] = value
    return variables


def _summary(answer: dict[str, Any]) -> str:
    state = "already applied (same id, same script and vars)" if answer["replayed"] else "applied"
    postings = answer["postings"]
    count = f"{len(postings)} posting{'' if len(postings) == 1 else 's'}"
    lines = [f"run {answer['id']}: {state}; record seq {answer['record']['seq']}, {count}"]
    width_s = max((len(p["source"]) for p in postings), default=0)
    width_d = max((len(p["destination"]) for p in postings), default=0)
    width_a = max((len(f"{p['amount']:,}") for p in postings), default=0)
    for p in postings:
        lines.append(f"  {p['source']:<{width_s}} -> {p['destination']:<{width_d}}  {p['asset']} "
                     f"{p['amount']:>{width_a},}  {p['transfer_id']}  seq {p['seq']}")  # fmt: skip
    for key, value in answer["tx_meta"].items():
        lines.append(f"  tx meta {key} = {value}")
    for account, meta in answer["account_meta"].items():
        for key, value in meta.items():
            lines.append(f"  account meta @{account} {key} = {value}")
    return "\n".join(lines)


def _refusal(script: Path, status: int, answer: Any) -> str:
    error = answer.get("error", {}) if isinstance(answer, dict) else {}
    where = f"{script}:{error['line']}:{error['column']}: " if error.get("line") is not None else ""
    detail = f" [{error['numscript_code']}]" if error.get("numscript_code") else ""
    lines = [f"{where}refused (HTTP {status}) {error.get('code', '?')}{detail}: {error.get('message', '')}"]
    for result in error.get("results") or ():
        lines.append(f"  {result['id']}: {result['result']}")
    return "\n".join(lines)
