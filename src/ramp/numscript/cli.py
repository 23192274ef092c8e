"""`ramp numscript`: test a folder of conformance cases, or run one script.

    ramp numscript test DIR
    ramp numscript run FILE [--vars JSON] [--balances JSON] [--meta JSON]

`run` takes vars as {"name": "text"}, balances as {"account": {"ASSET": amount}} and account
metadata as {"account": {"key": "text"}}, and prints the result as JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from ramp.numscript.errors import NumscriptError
from ramp.numscript.interpreter import execute
from ramp.numscript.parser import parse
from ramp.numscript.runner import run_directory


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ramp numscript", description="Numscript tools")
    commands = parser.add_subparsers(dest="command", required=True)
    test = commands.add_parser("test", help="run every NAME.num against NAME.num.specs.json")
    test.add_argument("directory", type=Path)
    run = commands.add_parser("run", help="execute a script and print its postings as JSON")
    run.add_argument("file", type=Path)
    run.add_argument("--vars", default="{}", help='JSON object {"name": "value"}')
    run.add_argument("--balances", default="{}", help='JSON {"account": {"ASSET": amount}}')
    run.add_argument("--meta", default="{}", help='JSON {"account": {"key": "value"}}')
    args = parser.parse_args(argv)
    if args.command == "test":
        return _test(args.directory)
    return _run(args.file, args.vars, args.balances, args.meta)


def _test(directory: Path) -> int:
    if not directory.is_dir():
        print(f"ramp numscript test: {directory} is not a directory", file=sys.stderr)
        return 2
    report = run_directory(directory)
    print("\n".join(report.lines()))
    if report.used_skip_or_focus:
        # `skip`/`focus` are for debugging a specs file: a run that used them is not a pass.
        print("specs used skip/focus: not a complete run", file=sys.stderr)
        return 1
    return 1 if report.failed else 0


def _run(file: Path, vars_json: str, balances_json: str, meta_json: str) -> int:
    try:
        variables = msgspec.json.decode(vars_json, type=dict[str, str])
        nested = msgspec.json.decode(balances_json, type=dict[str, dict[str, int]])
        meta = msgspec.json.decode(meta_json, type=dict[str, dict[str, str]])
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        print(f"ramp numscript run: bad JSON input: {error}", file=sys.stderr)
        return 2
    balances = {
        (account, asset): amount
        for account, assets in nested.items()
        for asset, amount in assets.items()
    }
    try:
        result = execute(parse(file.read_text(encoding="utf-8")), variables, balances, meta)
    except NumscriptError as error:
        print(f"{file}: error [{error.code}]: {error}", file=sys.stderr)
        return 1
    output = {
        "postings": [
            {"source": p.source, "destination": p.destination, "amount": p.amount, "asset": p.asset}
            for p in result.postings
        ],
        "txMeta": dict(result.tx_meta),
        "accountMeta": {account: dict(meta) for account, meta in result.account_meta.items()},
    }
    print(msgspec.json.format(msgspec.json.encode(output), indent=2).decode())
    return 0
