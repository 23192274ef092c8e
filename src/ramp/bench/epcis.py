"""EPCIS capture benchmark: events captured per second over a real `ramp serve` and real HTTP
(each document schema-validated, the request RFC 9421-signed, every event a durable record),
against plain schema validation of the same documents in the same run.

Set-up (not timed): `ramp init`, a `supply_party` identity, `ramp serve` on SQLite; the
documents (`events_per_document` ObjectEvents each, every serial new) and their signed requests
are built before the clock starts. `capture` sends them `clients` at a time; `schema` runs
`ramp.supply.capture.schema_errors` over the same parsed documents in this process, one core.

    ramp bench epcis [--documents 200] [--events-per-document 10] [--clients 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from typing import Any, Final

from ramp.bench.api import fresh_target, running_server
from ramp.bench.loadgen import run_load, signed_post
from ramp.supply import capture as epcis_capture

CAST: Final = {"maker.bench": ("contractor-bench", "supply_party")}
DOCUMENTS_MAX: Final = 100_000
CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _document(n: int, events: int) -> dict[str, Any]:
    return {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2025-06-02T01:00:00Z", "epcisBody": {"eventList": [
                {"type": "ObjectEvent", "eventTime": "2025-06-02T09:00:00.000+09:00", "eventTimeZoneOffset": "+09:00",
                 "action": "ADD", "bizStep": "commissioning", "disposition": "active",
                 "epcList": [f"urn:epc:id:sgtin:4912345.012345.{n * events + k}"],
                 "readPoint": {"id": "urn:epc:id:sgln:4912345.00001.0"},
                 "bizLocation": {"id": "urn:epc:id:sgln:4912345.00001.0"}} for k in range(events)]}}  # fmt: skip


def bench(documents: int, events: int, clients: int) -> dict[str, Any]:
    docs = [_document(n, events) for n in range(documents)]
    bodies = [json.dumps(d).encode() for d in docs]
    start = time.perf_counter()
    for d in docs:
        assert epcis_capture.schema_errors(d) == []
    schema_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as workdir, fresh_target("sqlite", workdir, "") as target, \
            running_server(target, workdir, cast=CAST) as (server, _admin, keys):  # fmt: skip
        requests = [signed_post(server.url + "/v1/epcis/capture", body, keys["maker.bench"]) for body in bodies]
        res = run_load(server.url, requests, clients)
    captured = res.statuses.get(201, 0)
    total = documents * events
    out = {"documents": documents, "events_per_document": events, "clients": clients,
           "failed": documents - captured,
           "capture": {"events_per_s": round(total / res.seconds, 1), "p50_ms": round(res.percentile_ms(50), 2),
                       "p99_ms": round(res.percentile_ms(99), 2)},
           "schema": {"events_per_s": round(total / schema_s, 1)}}  # fmt: skip
    out["ratio_capture_over_schema"] = round(out["capture"]["events_per_s"] / out["schema"]["events_per_s"], 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ramp bench epcis", description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--events-per-document", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 1 <= args.documents <= DOCUMENTS_MAX or not 1 <= args.events_per_document <= epcis_capture.DOCUMENT_EVENTS_MAX:
        parser.error(f"1..{DOCUMENTS_MAX} documents of 1..{epcis_capture.DOCUMENT_EVENTS_MAX} events")
    report = bench(args.documents, args.events_per_document, max(1, min(args.clients, 256)))
    if args.json:
        print(json.dumps({"epcis": report}, indent=2))
        return 0 if report["failed"] == 0 else 1
    print(f"capture (validated, signed, durable): {report['capture']['events_per_s']:10.1f} events/s"
          f"  p50 {report['capture']['p50_ms']} ms  p99 {report['capture']['p99_ms']} ms per document")
    print(f"schema validation only:               {report['schema']['events_per_s']:10.1f} events/s")
    print(f"capture / schema-only: {report['ratio_capture_over_schema']}  ({report['failed']} documents failed)")
    return 0 if report["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
