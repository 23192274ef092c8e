"""`ramp log-serve --db URL`: serve a journal's log read-only in the tlog-tiles layout."""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.routing import Mount

from ramp.api.tlog_routes import tlog_routes
from ramp.journal import Journal
from ramp.journal.witnessing import WitnessEndpoint, WitnessSubmitter
from ramp.store import open_store


def create_app(journal: Journal, prefix: str = "") -> Starlette:
    routes = tlog_routes(lambda: journal)
    return Starlette(routes=[Mount(prefix, routes=routes)] if prefix else routes)


def main(argv: list[str]) -> int:
    import uvicorn

    p = argparse.ArgumentParser(prog="ramp log-serve", description=__doc__)
    p.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--prefix", default="", help="URL prefix, e.g. /tlog")
    p.add_argument(
        "--witness", action="append", default=[], metavar="URL=VKEY",
        help="a witness to submit checkpoints to (repeatable); cosignatures are stored and served",
    )  # fmt: skip
    args = p.parse_args(argv)
    witnesses = []
    for spec in args.witness:
        url, sep, vkey = spec.partition("=")
        if not sep or not url or not vkey:
            p.error(f"--witness takes URL=VKEY, got {spec!r}")
        witnesses.append(WitnessEndpoint(url, vkey))
    journal = Journal(open_store(args.db))
    submitter = WitnessSubmitter(journal, witnesses) if witnesses else None
    if submitter is not None:
        submitter.start()
    try:
        uvicorn.run(create_app(journal, args.prefix), host=args.host, port=args.port, log_level="warning")
    finally:
        if submitter is not None:
            submitter.stop()
        journal.close()
    return 0
