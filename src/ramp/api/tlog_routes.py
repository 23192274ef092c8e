"""Public read access to the log in the C2SP tlog-tiles layout: checkpoint, tiles, entries.

Mounted under a prefix (`/tlog` in the service), these let generic tooling mirror the log
and compute proofs without trusting the server: everything checks against the checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ramp.journal.proofs import read_tile_path
from ramp.journal.witnessing import cosigned_checkpoint
from ramp.refusal import Refused
from ramp.service.refusals import HTTP_STATUS

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

_IMMUTABLE = "public, max-age=31536000, immutable"  # a tile at a given path never changes


JournalOf = Callable[[], "Journal"]


async def checkpoint(journal: JournalOf, _request: Request) -> Response:
    note = cosigned_checkpoint(journal())
    if note is None:
        return PlainTextResponse("no checkpoint yet\n", status_code=404)
    return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})


async def tile(journal: JournalOf, request: Request) -> Response:
    """A tile as C2SP tlog-tiles serves it: plain-text errors, immutable once full."""
    path = "tile/" + request.path_params["path"]
    try:
        data = read_tile_path(journal(), path)
    except Refused as exc:
        return PlainTextResponse(f"{exc.code}: {exc.message}\n", status_code=HTTP_STATUS[exc.kind])
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": _IMMUTABLE})


def tlog_routes(journal: JournalOf) -> list[Route]:
    return [
        Route("/checkpoint", partial(checkpoint, journal), methods=["GET"]),
        Route("/tile/{path:path}", partial(tile, journal), methods=["GET"]),
    ]
