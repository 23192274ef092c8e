"""The dashboard's side of the public totals: what the public page shows of a year's published
Merkle-sum root (totals by organisation and by category, summed from its group totals: never a
line, a project or a vendor), and a contractor's check of one of its own payments.

Both are verified in the browser by `static/disclosure.js` (with `sumtree.js`): the totals add
up to the root, the checkpoint is the log's, the record holding them is in the log, and the
rows on the page are what the record says; a payment's line leads to that root.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.disclosure.record import Publication
from ramp.ledger.model import TRANSFER_ID_MAX_CHARS, TRANSFER_ID_RE
from ramp.refusal import Refused
from ramp.service import disclosure as disclosure_service
from ramp.service.access import may_open_payment
from ramp.service.http import json_response
from ramp.service.refusals import error_body, status_of
from ramp.text import is_digits
from ramp.web.access import Viewer
from ramp.web.dashboard import Dashboard

PAYMENT_PATH = "/disclosure/payment"


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the organisation or category code
    sum_yen: int
    count: int


@dataclass(frozen=True, slots=True)
class PublicTotals:
    publication: Publication
    by_organisation: list[Row]
    by_category: list[Row]


def _rows(publication: Publication, label: int) -> list[Row]:
    sums: dict[str, list[int]] = {}
    for g in publication.published.groups:
        key = (g.group.organisation, g.group.category)[label]
        row = sums.setdefault(key, [0, 0])
        row[0] += g.node.sum_yen
        row[1] += g.node.count
    rows = [Row(k, v[0], v[1]) for k, v in sorted(sums.items())]
    assert sum(r.sum_yen for r in rows) == publication.published.root.sum_yen
    return rows


def public_totals(d: Dashboard, fiscal_year: int) -> PublicTotals | None:
    """The year's latest published root as the public page shows it; None before the first."""
    latest = disclosure_service.lines_of(d.svc).latest(fiscal_year)
    if latest is None:
        return None
    return PublicTotals(latest, _rows(latest, 0), _rows(latest, 1))


def _payment_or_none(d: Dashboard, request: Request, viewer: Viewer | None):  # noqa: ANN202 - Payment | None
    tid = request.path_params["id"]
    if len(tid) > TRANSFER_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(tid):
        return None
    payment = disclosure_service.lines_of(d.svc).payment(tid)
    if payment is None or viewer is None or not may_open_payment(viewer, tid, payment.vendor, d.svc.journal.engine):
        return None  # another vendor's payment is, to this viewer, no payment at all
    return payment


async def payment_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    """A contractor's check, in the browser, that one of its payments is in the public totals."""
    payment = _payment_or_none(d, request, viewer)
    if payment is None:
        return d.not_found(request, "contracts", viewer, request.path_params["id"][:TRANSFER_ID_MAX_CHARS])
    latest = disclosure_service.lines_of(d.svc).latest(payment.fiscal_year)
    published = latest is not None and payment.seq < latest.published.log_size
    return d.render(request, "payment.html", "contracts", viewer, payment=payment, published=published)


async def payment_json(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    """The payment's opening and proof for the page's script (the API's answer, by session)."""
    raw = request.path_params["fiscal_year"]
    payment = _payment_or_none(d, request, viewer)
    if payment is None or not (is_digits(raw) and len(raw) == 4) or viewer is None:
        return json_response({"error": {"code": "payment_not_found", "message": "no such payment of yours"}}, 404)
    try:
        line = await disclosure_service.payment_line(d.svc, int(raw), payment.transfer_id, viewer)
    except Refused as refused:
        return json_response(error_body(refused), status_of(refused))
    return json_response(disclosure_service.payment_wire(line))


def disclosure_routes(d: Dashboard) -> list[Route]:
    disclosure_service.lines_of(d.svc)  # the read model, now (before any write)
    return [
        Route(PAYMENT_PATH + "/{id}", d.page("contracts", partial(payment_page, d)), methods=["GET"]),
        Route("/dashboard/disclosure/{fiscal_year}/payments/{id}", d.page("contracts", partial(payment_json, d)),
              methods=["GET"]),  # fmt: skip
    ]
