"""`ramp policy`: validate a policy before anyone proposes it, show the policy in force.

    ramp policy validate FILE.cedar [--rules RULES.json]   exit 0 valid, 1 invalid (every reason)
    ramp policy show [--rules]                              the default policy shipped with RAMP

A policy changes only through an approved `policy_change` request (POST /v1/approvals).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from ramp.policy.engine import PolicyInvalid, default_policy, parse_rules, rules_json, validate


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp policy", description="validate and show approval policies")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="validate Cedar policies (and a rules table) against RAMP's schema")
    v.add_argument("file", help="a .cedar file")
    v.add_argument("--rules", help="a rules .json file (default: the default policy's rules)")
    s = sub.add_parser("show", help="print the default policy (Cedar) or its rules")
    s.add_argument("--rules", action="store_true", help="print the rules table instead of the Cedar text")
    s.add_argument("--schema", action="store_true", help="print the Cedar schema instead")
    args = p.parse_args(argv)
    if args.command == "show":
        if args.schema:
            print((resources.files("ramp.policy") / "default" / "schema.cedarschema").read_text(), end="")
        else:
            print(rules_json(default_policy().rules) if args.rules else default_policy().cedar, end="")
        return 0
    try:
        with open(args.file, encoding="utf-8") as f:
            cedar = f.read()
        rules = default_policy().rules
        if args.rules:
            with open(args.rules, "rb") as f:
                rules = parse_rules(f.read())
    except OSError as exc:
        print(f"ramp policy validate: cannot read: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"ramp policy validate: not UTF-8 text: {exc}", file=sys.stderr)
        return 2
    except PolicyInvalid as exc:
        for e in exc.errors:
            print(f"invalid: {e}", file=sys.stderr)
        return 1
    errors = validate(cedar, rules)
    for e in errors:
        print(f"invalid: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"valid: {args.file}" + (f" with {args.rules}" if args.rules else ""))
    return 0
