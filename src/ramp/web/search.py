"""Find anything: `/search?q=` over the search index (`ramp.service.search_index`) — transfers,
accounts, contracts, vendors, projects, invoice references, approval requests — ranked (exact
id, id prefix, word prefix, substring), filterable by kind, paged both ways, and as CSV.

An exact transfer or account id goes straight to its page, as the ledger explorer always did
(found by the engine, even older than the index's window).

A hit the viewer is not cleared for (an entry on a secret account, a transfer or an invoice's
payment touching one: `Dashboard.withholds`) is dropped before ranking is counted: the total and
the pages count only what the viewer sees, and an exact id of a secret line is searched as any
unknown text is.
"""

from __future__ import annotations

from functools import partial
from typing import Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ramp.ledger.model import ACCOUNT_ID_RE, TRANSFER_ID_RE
from ramp.service.search_index import KINDS, QUERY_MAX_CHARS, QUERY_MIN_CHARS, Entry, SearchIndex
from ramp.text import is_digits
from ramp.web.access import Viewer
from ramp.web.csv_export import csv_response
from ramp.web.dashboard import Dashboard

SEARCH_PATH: Final = "/search"
RESULTS_PAGE: Final = 50  # hits per page
CSV_HEADER: Final = ("rank", "kind", "id", "name", "account", "amount", "seq")


def search_routes(d: Dashboard) -> list[BaseRoute]:
    return [Route(SEARCH_PATH, d.page("ledger", partial(search_page, d)), methods=["GET"])]


def exact(d: Dashboard, q: str, viewer: Viewer | None) -> str | None:
    """The page of the committed transfer or account whose id is exactly `q`, if any the viewer
    may read."""
    journal = d.svc.journal
    t = journal.engine.transfer(q) if TRANSFER_ID_RE.fullmatch(q) else None
    if t is not None and t.seq < journal.size and not d.withholds_transfer(viewer, t):
        return f"/ledger/transfer/{quote(q, safe='')}"
    if ACCOUNT_ID_RE.fullmatch(q) and journal.read.account(q) is not None and not d.withholds(viewer, q):
        return f"/ledger/account/{quote(q, safe='')}"
    return None


def _shown(d: Dashboard, viewer: Viewer | None, e: Entry) -> bool:
    """The hit names nothing withheld from the viewer."""
    if e.account and d.withholds(viewer, e.account):
        return False
    transfer_id = e.key if e.kind == "transfer" else e.name if e.kind == "invoice" else None
    if transfer_id is not None:
        t = d.svc.journal.engine.transfer(transfer_id)
        return t is None or not d.withholds_transfer(viewer, t)
    return True


def link(e: Entry, contracts_open: bool) -> str:
    """Where a hit leads: its own page."""
    if e.kind == "transfer":
        return f"/ledger/transfer/{quote(e.key, safe='')}"
    if e.kind == "invoice":
        return f"/ledger/transfer/{quote(e.name, safe='')}"  # the invoice's payment
    if e.kind == "contract" and contracts_open:
        return f"/contracts/{quote(e.key, safe='')}"
    if e.kind == "request":
        return f"/ledger/account/{quote(e.account, safe='')}" if e.account else "/approvals"
    return f"/ledger/account/{quote(e.account or e.key, safe='')}"


async def search_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    params = request.query_params
    q = params.get("q", "").strip()[:QUERY_MAX_CHARS]
    kind = params.get("kind", "")
    kinds = (kind,) if kind in KINDS else KINDS
    raw_page = params.get("page", "1")
    page = int(raw_page) if is_digits(raw_page) and len(raw_page) < 6 and int(raw_page) >= 1 else 1
    index = d.svc.journal.projection(SearchIndex)
    if params.get("format") == "csv":
        hits = [h for h in index.search(q, kinds) if _shown(d, viewer, h.entry)]
        return csv_response(f"search-{q[:32] or 'all'}.csv", CSV_HEADER,
                            ([h.rank, h.entry.kind, h.entry.key, h.entry.name, h.entry.account,
                              "" if h.entry.amount_yen is None else h.entry.amount_yen, h.entry.seq]
                             for h in hits))  # fmt: skip
    if q and params.get("go") != "list":
        target = exact(d, q, viewer)
        if target is not None:
            return RedirectResponse(target, 303)
    hits = [h for h in index.search(q, kinds) if _shown(d, viewer, h.entry)] if q else []
    shown = hits[(page - 1) * RESULTS_PAGE : page * RESULTS_PAGE]
    contracts_open = d.may_open("contracts", viewer)
    query = {"q": q, **({"kind": kind} if kind in KINDS else {})}
    return d.render(request, "search.html", "ledger", viewer, q=q, kind=kind if kind in KINDS else "", kinds=KINDS,
                    hits=shown, total=len(hits), page=page, pages=max(1, -(-len(hits) // RESULTS_PAGE)),
                    query=query, link=lambda e: link(e, contracts_open), too_short=bool(q) and len(q) < QUERY_MIN_CHARS,
                    status=200 if hits or not q else 404)  # fmt: skip
