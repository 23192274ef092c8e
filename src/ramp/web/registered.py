"""Every contract the ledger holds, as one table: the contracts desk's (`mc25-*`, signed with
milestones and attestations: `/contracts`) and the budget's registered contracts (`c2025-*`,
財政法 第15条: a `contract` account and its escrows, written by the budget, never signed at the
desk — which is why `/contracts`, listing `contract.signed` records, does not show them).

Read from the search index's contract entries and each contract's accounts; sorted (newest,
total, id), filtered by fiscal year and by a part of id, name or vendor, paged, and as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramp.contracts.index import ContractIndex
from ramp.service.search_index import SearchIndex
from ramp.text import is_digits
from ramp.web.access import Viewer
from ramp.web.csv_export import csv_response
from ramp.web.dashboard import Dashboard

REGISTERED_PATH: Final = "/ledger/contracts"
REGISTERED_PAGE: Final = 50  # contracts per page
SORTS: Final = ("newest", "total", "id")
CSV_HEADER: Final = ("contract", "name", "vendor", "project", "fiscal_year", "total_yen", "obligated_yen",
                     "unpaid_yen", "desk")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ContractRow:
    id: str
    name: str
    vendor: str
    project: str
    fiscal_year: str
    total_yen: int
    obligated_yen: int  # credited to its escrows (obligations and carry-overs in)
    unpaid_yen: int  # what its escrows still hold
    desk: bool  # signed at the contracts desk: /contracts/{id} shows its milestones
    seq: int


def registered_routes(d: Dashboard) -> list[BaseRoute]:
    return [Route(REGISTERED_PATH, d.page("ledger", partial(registered_page, d)), methods=["GET"])]


def _rows(d: Dashboard, viewer: Viewer | None) -> list[ContractRow]:
    journal = d.svc.journal
    desk = set(journal.projection(ContractIndex).ids())
    out = []
    for e in journal.projection(SearchIndex).entries("contract"):
        a = journal.read.account(e.account)
        if a is None or d.withholds(viewer, e.account):  # a secret project's contract: auditors only
            continue
        meta = a.metadata
        obligated = unpaid = 0
        for key in meta:
            if key.startswith("fy") and is_digits(key[2:]):
                escrow = journal.read.account(f"{e.account}:{key}")
                if escrow is not None:
                    obligated += int(escrow.credits_posted)
                    unpaid += int(escrow.credits_posted) - int(escrow.debits_posted)
        total = meta.get("total_yen", "")
        out.append(ContractRow(e.key, meta.get("name", ""), meta.get("vendor", ""), meta.get("project", ""),
                               meta.get("fiscal_year", ""), int(total) if is_digits(total) else 0, obligated, unpaid,
                               e.key in desk, e.seq))  # fmt: skip
    return out


async def registered_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    params = request.query_params
    sort = params.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    fy = params.get("fy", "")
    fy = fy if is_digits(fy) and len(fy) == 4 else ""
    q = params.get("q", "").strip().lower()[:64]
    rows = [r for r in _rows(d, viewer) if (not fy or r.fiscal_year == fy)
            and (not q or q in f"{r.id} {r.name} {r.vendor} {r.project}".lower())]  # fmt: skip
    if sort == "newest":
        rows.sort(key=lambda r: -r.seq)
    elif sort == "total":
        rows.sort(key=lambda r: (-r.total_yen, r.id))
    else:
        rows.sort(key=lambda r: r.id)
    if params.get("format") == "csv":
        return csv_response("contracts.csv", CSV_HEADER,
                            ([r.id, r.name, r.vendor, r.project, r.fiscal_year, r.total_yen, r.obligated_yen,
                              r.unpaid_yen, "yes" if r.desk else "no"] for r in rows))  # fmt: skip
    raw = params.get("page", "1")
    pages = max(1, -(-len(rows) // REGISTERED_PAGE))
    page = min(pages, int(raw)) if is_digits(raw) and len(raw) < 6 and int(raw) >= 1 else 1
    query = {k: v for k, v in (("sort", sort), ("fy", fy), ("q", q)) if v and not (k == "sort" and v == "newest")}
    return d.render(request, "registered.html", "ledger", viewer, rows=rows[(page - 1) * REGISTERED_PAGE:
                    page * REGISTERED_PAGE], total=len(rows), page=page, pages=pages, sort=sort, fy=fy, q=q,
                    sorts=SORTS, query=query, contracts_open=d.may_open("contracts", viewer))  # fmt: skip
