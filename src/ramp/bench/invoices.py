"""Invoice validation benchmark: invoices per second, XSD + JP PINT Schematron against XSD only.

Set-up (timed apart and printed): the UBL XSDs and both JP PINT Schematron files compiled
once (`InvoiceValidator`). Then, in the same run, over the two published JP PINT examples
alternately (9.7 KB and 29 KB): `full` is `InvoiceValidator.validate` (safe parse, XSD, both
Schematron passes through SaxonC-HE, RAMP's checks, field extraction, SHA-256), `xsd` is the
safe parse and the XSD alone. The ratio is full throughput over XSD-only throughput.

    python -m ramp.bench.invoices [--seconds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from ramp.invoices.validate import INVOICE_MAX_BYTES, InvoiceValidator
from ramp.xmldoc import parse_untrusted

EXAMPLES: Final = ("jp-pint-invoice-example-minimum.xml", "jp-pint-invoice-example.xml")
WARMUP_RUNS: Final = 20  # Saxon's first transforms are several times slower than the steady state
SECONDS_MAX: Final = 120.0


def _examples() -> list[bytes]:
    folder = Path(__file__).resolve().parents[3].parent / "shared" / "vectors" / "ubl"
    return [(folder / name).read_bytes() for name in EXAMPLES]


def _rate(work: Callable[[bytes], object], documents: list[bytes], seconds: float) -> dict[str, float]:
    for i in range(WARMUP_RUNS):
        work(documents[i % len(documents)])
    latencies = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter_ns()
        work(documents[i % len(documents)])
        latencies.append(time.perf_counter_ns() - start)
        i += 1
    total_s = sum(latencies) / 1e9
    latencies.sort()
    return {
        "invoices": len(latencies),
        "per_s": len(latencies) / total_s,
        "p50_ms": statistics.median(latencies) / 1e6,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ramp bench invoices", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per mode")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    seconds = min(max(args.seconds, 0.1), SECONDS_MAX)
    documents = _examples()

    start = time.perf_counter()
    validator = InvoiceValidator()
    compile_s = time.perf_counter() - start
    for data in documents:
        result = validator.validate(data)
        assert result.valid, result.errors  # the benchmark measures the accepting path

    def full(data: bytes) -> object:
        return validator.validate(data)

    def xsd_only(data: bytes) -> object:
        return validator.xsd_findings(parse_untrusted(data, INVOICE_MAX_BYTES))

    figures = {"compile_s": compile_s, "full": _rate(full, documents, seconds), "xsd": _rate(xsd_only, documents, seconds)}
    figures["ratio_full_over_xsd"] = figures["full"]["per_s"] / figures["xsd"]["per_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"compile once (UBL XSDs + 2 JP PINT Schematron files): {compile_s:.2f} s")
    for label, key in (("XSD + Schematron", "full"), ("XSD only", "xsd")):
        row = figures[key]
        print(f"{label:>17}: {row['per_s']:9.1f} invoices/s  p50 {row['p50_ms']:.2f} ms"
              f"  p99 {row['p99_ms']:.2f} ms  ({row['invoices']} invoices)")
    print(f"full / XSD-only throughput: {figures['ratio_full_over_xsd']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
