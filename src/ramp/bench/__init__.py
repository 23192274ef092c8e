"""`ramp bench NAME`: benchmarks that report figures and their ratio to a baseline run alongside."""

from __future__ import annotations

import sys

_BENCHES = {"ledger": "ramp.bench.ledger", "log": "ramp.bench.log", "api": "ramp.bench.api",
            "contracts": "ramp.bench.contracts", "invoices": "ramp.bench.invoices",
            "epcis": "ramp.bench.epcis"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in _BENCHES:
        print(f"usage: ramp bench {{{'|'.join(_BENCHES)}}} [options]", file=sys.stderr)
        return 2
    import importlib

    return int(importlib.import_module(_BENCHES[argv[0]]).main(argv[1:]) or 0)
