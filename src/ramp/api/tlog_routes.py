"""Public read access to the log in the C2SP tlog-tiles layout: checkpoint, tiles, entries.

Mounted under a prefix (`/tlog` in the service), these let generic tooling mirror the log
and compute proofs without trusting the server: everything checks against the checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ramp.journal.proofs import ProofUnavailable, read_tile_path
from ramp.journal.witnessing import cosigned_checkpoint

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

_IMMUTABLE = "public, max-age=31536000, immutable"  # a tile at a given path never changes


def tlog_routes(journal: Callable[[], Journal]) -> list[Route]:
    async def checkpoint(_request: Request) -> Response:
        note = cosigned_checkpoint(journal())
        if note is None:
            return PlainTextResponse("no checkpoint yet\n", status_code=404)
        return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})

    async def tile(request: Request) -> Response:
        path = "tile/" + request.path_params["path"]
        try:
            data = read_tile_path(journal(), path)
        except ProofUnavailable as exc:
            status = 400 if exc.code == "tile_path_invalid" else 404
            return PlainTextResponse(f"{exc.code}: {exc}\n", status_code=status)
        return Response(data, media_type="application/octet-stream", headers={"Cache-Control": _IMMUTABLE})

    return [
        Route("/checkpoint", checkpoint, methods=["GET"]),
        Route("/tile/{path:path}", tile, methods=["GET"]),
    ]
