"""`ramp invoice validate FILE [--json]`: validate a JP PINT invoice without a server.

Exit status: 0 valid, 1 invalid or refused (not XML RAMP reads), 2 usage or unreadable file.
With --json the output is `{"valid", "errors": [{"rule", "location", "message", "flag"}],
"warnings": [...], "document_type", "digest_sha256"}`; a refused document prints
`{"valid": false, "refused": CODE, "errors": [{"rule": CODE, "location": "/", ...}]}`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ramp.invoices.validate import INVOICE_MAX_BYTES, InvoiceRefused, validate_invoice


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ramp invoice", description="JP PINT invoices")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate a UBL invoice: XSD and JP PINT Schematron")
    validate.add_argument("file", type=Path)
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _print_text(payload: dict[str, object]) -> None:
    print("valid" if payload["valid"] else "invalid")
    for label in ("errors", "warnings"):
        for finding in payload.get(label, []):  # type: ignore[union-attr]
            print(f"  {label[:-1]} {finding['rule']} at {finding['location']}: {finding['message']}")


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        with args.file.open("rb") as handle:
            data = handle.read(INVOICE_MAX_BYTES + 1)  # one byte over is enough to refuse
    except OSError as exc:
        print(f"ramp invoice: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        payload = validate_invoice(data).to_json()
    except InvoiceRefused as exc:
        error = {"rule": exc.code, "location": "/", "message": exc.message, "flag": "fatal"}
        payload = {"valid": False, "refused": exc.code, "errors": [error], "warnings": []}
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_text(payload)
    return 0 if payload["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
