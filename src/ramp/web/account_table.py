"""An account's page: its balances and its transfers as a table — newest first by default
(`order=oldest` turns it), filtered by transfer code (`code=DISBURSE`: a vendor's payments),
paged both ways by seq cursors (`before`, `after`), and downloadable as CSV (`format=csv`).

It walks the account's own seq list (the journal's read index), decoding at most a page (plus
one event each way to know whether there is more), so a page costs the same at any depth.

A secret account is the 404 of an unknown one to anyone not cleared for it (`Dashboard.withholds`),
and a readable account's table and CSV leave out its transfers with a secret counterparty: the
cursors and "more" links count only rows the viewer sees. The balances stay the account's own —
money that went to a secret line shows as money out, not where it went; an item's balance is the
Diet's, public by law, and includes its secret lines the same way.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from ramp.journal import Journal
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import ACCOUNT_ID_MAX_CHARS
from ramp.text import is_digits
from ramp.web.access import Viewer
from ramp.web.csv_export import csv_response
from ramp.web.dashboard import Dashboard, jst_plain

ACCOUNT_PAGE: Final = 50  # transfers per page of an account
_CHUNK: Final = 256  # events decoded per step while filtering
_CODE_RE: Final = re.compile(r"[A-Z_]{1,32}")
CSV_HEADER: Final = ("seq", "time_jst", "code", "transfer", "debit_account", "credit_account", "direction",
                     "amount", "asset", "invoice", "contract")  # fmt: skip


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw is not None and is_digits(raw) and len(raw) < 19 else None


def _every(_t: TransferApplied) -> bool:
    return True


def walk(journal: Journal, account: str, code: str | None, start: int | None, backward: bool,
         limit: int | None, shown: Callable[[TransferApplied], bool] = _every) -> Iterator[TransferApplied]:  # fmt: skip
    """The account's transfers (of `code`, if given, and `shown`) beyond seq `start` (exclusive;
    None: from the end `backward` would begin at), newest first when `backward`; at most `limit`."""
    seqs = journal.read.account_seqs(account, 0, journal.size)
    if backward:
        hi = len(seqs) if start is None else bisect_left(seqs, start)
        positions = range(hi - 1, -1, -1)
    else:
        lo = 0 if start is None else bisect_right(seqs, start)
        positions = range(lo, len(seqs))
    given = 0
    for k in range(0, len(positions), _CHUNK):
        chunk = [seqs[p] for p in positions[k : k + _CHUNK]]
        events = journal.events(chunk)  # in seq order, whatever the order asked
        for e in (reversed(events) if backward else events):
            if type(e) is TransferApplied and (code is None or e.code == code) and shown(e):
                yield e
                given += 1
                if limit is not None and given >= limit:
                    return


async def account_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    journal = d.svc.journal
    aid = request.path_params["id"]
    a = journal.read.account(aid) if len(aid) <= ACCOUNT_ID_MAX_CHARS else None
    if a is None or d.withholds(viewer, aid):
        return d.not_found(request, "ledger", viewer, aid[:ACCOUNT_ID_MAX_CHARS])

    def shown(t: TransferApplied) -> bool:
        return not d.withholds_transfer(viewer, t)

    params = request.query_params
    raw_code = params.get("code", "")
    code = raw_code if _CODE_RE.fullmatch(raw_code) else None
    newest_first = params.get("order", "newest") != "oldest"
    if params.get("format") == "csv":
        rows = ([e.seq, jst_plain(int(e.timestamp)), e.code, e.id, e.debit_account, e.credit_account,
                 "in" if e.credit_account == aid else "out", int(e.amount), e.asset,
                 e.references.get("invoice", ""), e.references.get("contract", "")]
                for e in walk(journal, aid, code, None, newest_first, None, shown))  # fmt: skip
        name = aid.replace(":", "_") + (f"-{code}" if code else "") + ".csv"
        return csv_response(name, CSV_HEADER, rows)
    before, after = _cursor(params.get("before")), _cursor(params.get("after"))
    if after is not None:  # toward the newer end
        rows = list(walk(journal, aid, code, after, False, ACCOUNT_PAGE, shown))
        if newest_first:
            rows.reverse()
    else:  # from the older side of `before`, or from the start of the order
        backward = newest_first if before is None else True
        rows = list(walk(journal, aid, code, before, backward, ACCOUNT_PAGE, shown))
        if before is not None and not newest_first:
            rows.reverse()
    newer = older = None
    if rows:
        seqs = [e.seq for e in rows]
        top, bottom = max(seqs), min(seqs)
        if next(walk(journal, aid, code, top, False, 1, shown), None) is not None:
            newer = top
        if next(walk(journal, aid, code, bottom, True, 1, shown), None) is not None:
            older = bottom
    return d.render(request, "account.html", "ledger", viewer, a=a, transfers=rows, code=code or "",
                    order="newest" if newest_first else "oldest", newer_after=newer, older_before=older,
                    query=_query(code, newest_first))  # fmt: skip


def _query(code: str | None, newest_first: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if code:
        out["code"] = code
    if not newest_first:
        out["order"] = "oldest"
    return out
