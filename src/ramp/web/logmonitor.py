"""The log monitor (after crt.sh and the CT monitors): every signed checkpoint, newest first,
with the witnesses' cosignatures and their times in JST, and a consistency proof between any
two checkpoints verified in the browser (`static/consistency.js`, RFC 9162 §2.1.4.2).

All of it is public log data: the page is public. `/dashboard/checkpoint?size=` gives a stored
checkpoint with its cosignature lines, as a signed note, for the script to verify.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ramp.text import is_digits
from ramp.tlog.cosignature import split_timestamped_signature
from ramp.tlog.note import NoteError, parse_signature_line, parse_verifier_key
from ramp.web.access import Viewer
from ramp.web.dashboard import Dashboard

LOG_PATH: Final = "/log"
CHECKPOINTS_PAGE: Final = 50  # checkpoints per page of the history
_JST: Final = timezone(timedelta(hours=9))


@dataclass(frozen=True, slots=True)
class Cosigned:
    witness: str  # the witness's key name
    time_jst: str  # when it cosigned, "YYYY-MM-DD HH:MM:SS JST"; "" when the line is malformed


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    size: int
    root_b64: str
    note: str  # the log's signed note, with the cosignature lines appended
    cosigned: tuple[Cosigned, ...]


def logmonitor_routes(d: Dashboard) -> list[BaseRoute]:
    return [
        Route(LOG_PATH, d.page("log", partial(log_page, d)), methods=["GET"]),
        Route("/dashboard/checkpoint", partial(checkpoint_note, d), methods=["GET"]),
    ]


def jst_s(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).astimezone(_JST).strftime("%Y-%m-%d %H:%M:%S JST")


def _cosigned(line: str) -> Cosigned:
    try:
        sig = parse_signature_line(line)
        time_s, _ = split_timestamped_signature(sig.signature)
    except (NoteError, ValueError):
        return Cosigned(line[2:40], "")
    return Cosigned(sig.name, jst_s(time_s))


def _row(d: Dashboard, size: int, note: str) -> CheckpointRow:
    lines = [line for _vkey, line in d.svc.journal.store.cosignatures(size)]
    body = note.split("\n\n", 1)[0].split("\n")
    full = note + "".join(f"{line}\n" for line in lines)
    return CheckpointRow(size, body[2] if len(body) > 2 else "", full, tuple(_cosigned(line) for line in lines))


def _signed(d: Dashboard) -> list[tuple[int, str]]:
    return [(size, note) for size, note in d.svc.journal.store.checkpoints() if note]


async def log_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    signed = _signed(d)
    sizes = [size for size, _ in signed]
    raw = request.query_params.get("before", "")
    end = bisect_left(sizes, int(raw)) if is_digits(raw) and len(raw) < 19 else len(sizes)
    start = max(0, end - CHECKPOINTS_PAGE)
    rows = [_row(d, size, note) for size, note in reversed(signed[start:end])]
    newer_end = end + CHECKPOINTS_PAGE  # the newer page ends there ("": the newest page)
    newer = None if end >= len(sizes) else ("" if newer_end >= len(sizes) else str(sizes[newer_end]))
    witnesses = sorted({parse_verifier_key(vkey).name for vkey, _ in d.svc.journal.store.cosignatures(sizes[-1])}
                       if sizes else set())  # fmt: skip
    return d.render(request, "logmonitor.html", "log", viewer, rows=rows, total=len(sizes),
                    older=sizes[start] if start > 0 else None, newer=newer, witnesses=witnesses,
                    old_default=_size_param(request, "old", sizes[-2] if len(sizes) > 1 else (sizes[0] if sizes else 0)),
                    new_default=_size_param(request, "new", sizes[-1] if sizes else 0))  # fmt: skip


def _size_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if is_digits(raw) and len(raw) < 19 else default


async def checkpoint_note(d: Dashboard, request: Request) -> Response:
    raw = request.query_params.get("size", "")
    if not (is_digits(raw) and len(raw) < 19):
        return PlainTextResponse("size must be a number\n", 400)
    size = int(raw)
    for s, note in _signed(d):
        if s == size:
            return PlainTextResponse(_row(d, s, note).note, headers={"Cache-Control": "no-cache"})
    return PlainTextResponse(f"no checkpoint of size {size}\n", 404)
