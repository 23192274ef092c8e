"""The dashboard's routes: server-rendered pages over the read models, its static assets, the
live feed (server-sent events) and the witness keys the in-browser verifier checks against.

`web_routes(svc, access, gov)` is the dashboard's whole face; the composition root
(`ramp.server`) mounts it beside the API's routes. Pages render on the server (Jinja2,
autoescaped; `ramp.web.dashboard`) and work without script; script adds the live feed and the
proof verification. Every response forbids loading anything from another host (CSP). Sign-in
(`ramp.web.signin`), the approvals inbox (`ramp.web.inbox`) and the contracts page
(`ramp.web.contracts`) add their routes here. Each route is a named handler given the
`Dashboard` (bound with `functools.partial`).
"""

from __future__ import annotations

import base64
from functools import partial
from pathlib import Path
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import TreeNode, budget_tree, node_history
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import (
    ACCOUNT_ID_MAX_CHARS,
    TRANSFER_ID_MAX_CHARS,
)
from ramp.refusal import Refused
from ramp.service.activity import Activity, FeedItem
from ramp.service.core import Service
from ramp.service.governance import Governance
from ramp.service.http import json_response
from ramp.text import is_digits
from ramp.tlog.note import NoteError, parse_verifier_key
from ramp.web import disclosure as disclosure_view
from ramp.web import overview as overview_model
from ramp.web.access import Access, NoSignIn, SessionAccess, Viewer, local_path
from ramp.web.account_table import account_page as account_table_page
from ramp.web.alerts import alerts_routes
from ramp.web.contracts import CONTRACT_ROLES, CONTRACTS_PATH, contracts_routes
from ramp.web.dashboard import Dashboard, jst, template_env
from ramp.web.feed import FeedHub, stream
from ramp.web.i18n import LANG_COOKIE, lang_of, month_names
from ramp.web.inbox import INBOX_PATH, INBOX_ROLES, inbox_routes
from ramp.web.logmonitor import LOG_PATH, logmonitor_routes
from ramp.web.money import LANGS
from ramp.web.names import CODES, EVENTS, code_name, event_name
from ramp.web.node_chart import node_chart
from ramp.web.pages import Page, PageRegistry
from ramp.web.portal import PORTAL_PATH, PORTAL_ROLES, portal_routes
from ramp.web.queue import QUEUE_PATH, QUEUE_ROLES, queue_routes
from ramp.web.registered import registered_routes
from ramp.web.requests import REQUESTS_PATH, REQUESTS_ROLES, requests_routes
from ramp.web.search import exact, search_page, search_routes
from ramp.web.signin import signin_routes

STATIC: Final = Path(__file__).parent / "static"
HISTORY_PAGE: Final = 100  # movements per page of a node's history
QUERY_MAX_CHARS: Final = max(ACCOUNT_ID_MAX_CHARS, TRANSFER_ID_MAX_CHARS)
LANG_COOKIE_MAX_AGE_S: Final = 365 * 24 * 3600
# The feed's kinds a reader may show or hide (a record by its type's first part); sign-ins and
# other `auth.*` records are hidden until the reader asks for them: they swamp everything else.
FEED_GROUPS: Final = ("transfer", "account", "budget", "approval", "contract", "disclosure", "identity", "auth", "other")
FEED_HIDDEN: Final = frozenset({"auth"})


def default_pages() -> PageRegistry:
    """The pages of the dashboard, in navigation order."""
    pages = PageRegistry()
    for key, path in (("overview", "/overview"), ("budget", "/budget"), ("ledger", "/ledger"), ("feed", "/feed")):
        pages.add(Page(key, path))
    pages.add(Page("approvals", INBOX_PATH, roles=INBOX_ROLES))
    pages.add(Page("requests", REQUESTS_PATH, roles=REQUESTS_ROLES))
    pages.add(Page("contracts", CONTRACTS_PATH, roles=CONTRACT_ROLES))
    pages.add(Page("attestations", QUEUE_PATH, roles=QUEUE_ROLES))
    pages.add(Page("portal", PORTAL_PATH, roles=PORTAL_ROLES))
    pages.add(Page("log", LOG_PATH, public=True))  # public log data, as a CT monitor shows it
    pages.add(Page("public", "/public", public=True))
    return pages


def web_routes(svc: Service, access: Access | None, gov: Governance, pages: PageRegistry | None = None) -> list[BaseRoute]:
    """The dashboard's routes. Without `access`: the signed-in people when the service has web
    login (`gov.sessions`), nobody otherwise."""
    activity = svc.journal.projection(Activity)
    hub = FeedHub()
    activity.on_batch = hub.publish
    if access is None:
        access = NoSignIn() if gov.sessions is None else SessionAccess(gov.sessions)
    d = Dashboard(svc, gov, access, pages or default_pages(), svc.journal.projection(BudgetProjection), activity,
                  hub, template_env())  # fmt: skip
    return [
        Route("/", partial(home, d), methods=["GET"]),
        Route("/overview", d.page("overview", partial(overview_page, d)), methods=["GET"]),
        Route("/budget", d.page("budget", partial(budget_page, d)), methods=["GET"]),
        Route("/budget/node", d.page("budget", partial(node_page, d)), methods=["GET"]),
        Route("/ledger", d.page("ledger", partial(ledger_page, d)), methods=["GET"]),
        Route("/ledger/transfer/{id}", d.page("ledger", partial(transfer_page, d)), methods=["GET"]),
        Route("/ledger/account/{id}", d.page("ledger", partial(account_table_page, d)), methods=["GET"]),
        Route("/feed", d.page("feed", partial(feed_page, d)), methods=["GET"]),
        Route("/dashboard/events", d.page("feed", partial(feed_events, d)), methods=["GET"]),
        Route("/dashboard/witnesses", partial(witnesses, d), methods=["GET"]),
        Route("/public", d.page("public", partial(public_page, d)), methods=["GET"]),
        Route("/lang/{lang}", set_lang, methods=["GET"]),
        *signin_routes(d),
        *inbox_routes(d),
        *requests_routes(d),
        *queue_routes(d),  # before the contracts' /{id}: no clash, but the queue is its own page
        *contracts_routes(d),
        *portal_routes(d),
        *search_routes(d),
        *logmonitor_routes(d),
        *registered_routes(d),
        *alerts_routes(d),
        *disclosure_view.disclosure_routes(d),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


async def home(d: Dashboard, request: Request) -> Response:
    viewer = d.access.viewer(request)
    return RedirectResponse("/overview" if d.may_open("overview", viewer) else "/public", 303)


def _year_or_404(d: Dashboard, request: Request, key: str, viewer: Viewer | None) -> int | Response:
    fy = d.fiscal_year(request)
    if fy is None or d.budget.snapshot(fy) is None:
        return d.not_found(request, key, viewer, f"FY{fy}" if fy else "—")
    return fy


def _overview_context(d: Dashboard, lang: str, fy: int, viewer: Viewer | None) -> dict[str, Any]:
    """What the overview and the public view both show of a year: the figures and the charts."""
    ov = overview_model.overview(d.budget, d.activity, fy, d.withheld(viewer))
    status = overview_model.year_status(fy, ov.tree.closed, d.svc.now_ns())  # on the business clock
    return dict(fy=fy, years=d.budget.fiscal_years(), ov=ov, year_state=status, treemap=overview_model.treemap(ov, lang),
                legend=overview_model.legend(ov, lang), chart=overview_model.utilisation_chart(ov, lang),
                months=month_names(lang), org_name=lambda o: overview_model.org_name(o, lang),
                category_label=lambda c: overview_model.category_label(c, lang))  # fmt: skip


async def overview_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    fy = _year_or_404(d, request, "overview", viewer)
    if isinstance(fy, Response):
        return fy
    lang = lang_of(request)
    context = _overview_context(d, lang, fy, viewer)
    ov = context["ov"]
    return d.render(request, "overview.html", "overview", viewer, **context,
                    alerts_shown=ov.alerts.alerts[: overview_model.ALERTS_SHOWN],
                    node_name=lambda path: overview_model.node_name(ov, path, lang))  # fmt: skip


async def public_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    fy = _year_or_404(d, request, "public", viewer)
    if isinstance(fy, Response):
        return fy
    last = d.svc.journal.store.last_batch()
    return d.render(request, "public.html", "public", viewer, **_overview_context(d, lang_of(request), fy, viewer),
                    checkpoint=None if last is None else last[2], disclosed=disclosure_view.public_totals(d, fy))  # fmt: skip


async def budget_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    fy = _year_or_404(d, request, "budget", viewer)
    if isinstance(fy, Response):
        return fy
    tree = budget_tree(d.budget, fy, d.withheld(viewer))
    sort = request.query_params.get("sort", "")
    items = _by_available(tree.items) if sort == "available" else tree.items  # idle money first
    return d.render(request, "budget.html", "budget", viewer, fy=fy, years=d.budget.fiscal_years(), tree=tree,
                    items=items, sort="available" if sort == "available" else "tree",
                    may_request=d.may_open("requests", viewer), name=lambda n: _node_name(n, lang_of(request)))  # fmt: skip


async def node_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    fy = _year_or_404(d, request, "budget", viewer)
    if isinstance(fy, Response):
        return fy
    path = request.query_params.get("path", "")
    after = request.query_params.get("after_seq", "")
    withheld = d.withheld(viewer)
    trail = _trail(budget_tree(d.budget, fy, withheld).items, path)  # a withheld line is in no trail
    if not trail:
        return d.not_found(request, "budget", viewer, path[:QUERY_MAX_CHARS])
    try:
        history = node_history(d.svc.journal, fy, path, after_seq=int(after) if is_digits(after) else None,
                               limit=HISTORY_PAGE, withheld=withheld)  # fmt: skip
    except Refused:
        history = None  # a node defined in metadata whose account is not (yet) committed
    lang = lang_of(request)
    chart = node_chart(d.budget, d.activity, fy, trail[-1].path, lang)
    return d.render(request, "node.html", "budget", viewer, fy=fy, node=trail[-1], trail=trail, history=history,
                    chart=chart, name=lambda n: _node_name(n, lang))  # fmt: skip


async def ledger_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    q = request.query_params.get("q", "").strip()[:QUERY_MAX_CHARS]
    if q:
        target = exact(d, q, viewer)
        if target is not None:
            return RedirectResponse(target, 303)
        return await search_page(d, request, viewer)  # not an exact id: the ranked search, here
    return d.render(request, "ledger.html", "ledger", viewer, q=q, examples=_examples(d, viewer))


async def transfer_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    journal = d.svc.journal
    tid = request.path_params["id"]
    t = journal.engine.transfer(tid) if len(tid) <= TRANSFER_ID_MAX_CHARS else None
    if t is None or t.seq >= journal.size or d.withholds_transfer(viewer, t):  # not yet durable is not yet there
        return d.not_found(request, "ledger", viewer, tid[:QUERY_MAX_CHARS])
    [(salt, body)] = journal.openings(t.seq, t.seq + 1)  # what opens its envelope in the public log
    return d.render(request, "transfer.html", "ledger", viewer, tr=t, amount=int(t.amount), at=jst(int(t.timestamp)),
                    opening_salt=salt.hex(), opening_body=base64.b64encode(body).decode())  # fmt: skip


async def feed_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    lang = lang_of(request)
    names = {k: code_name(k, lang) for k in CODES} | {k: event_name(k, lang) for k in EVENTS}
    return d.render(request, "feed.html", "feed", viewer, feed_groups=FEED_GROUPS, feed_hidden=FEED_HIDDEN,
                    feed_names=names)


async def feed_events(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    sub = d.hub.subscribe()
    if sub is None:
        return Response("too many feed subscribers\n", 503, {"Retry-After": "5"}, "text/plain")
    return StreamingResponse(stream(d.hub, sub, d.activity.backlog(), d.svc.journal.size,
                                    shown=partial(_feed_shows, d, viewer)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip


def _feed_shows(d: Dashboard, viewer: Viewer | None, item: FeedItem) -> bool:
    """A feed item names no account the viewer may not read (a transfer, as its accounts)."""
    if item.kind == "transfer":
        return not (d.withholds(viewer, item.debit) or d.withholds(viewer, item.credit))
    if item.kind == "account":
        return not d.withholds(viewer, item.id)
    return True  # records and other events name no account; they are restricted, never secret


async def witnesses(d: Dashboard, request: Request) -> Response:
    """The cosigners recorded for a checkpoint size: name and verifier key (public data)."""
    journal = d.svc.journal
    raw = request.query_params.get("size", "")
    size = int(raw) if is_digits(raw) and len(raw) < 19 else journal.size
    out = []
    for vkey, _line in journal.store.cosignatures(size):
        try:
            out.append({"name": parse_verifier_key(vkey).name, "vkey": vkey})
        except (NoteError, ValueError):
            continue
    return json_response({"size": size, "witnesses": out})


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(local_path(request.query_params.get("next")), 303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S, samesite="lax", httponly=False)
    return response


def _by_available(nodes: list[TreeNode]) -> list[TreeNode]:
    """The nodes, and at every level their children, most available first (then by path)."""
    return [msgspec.structs.replace(n, children=_by_available(n.children))
            for n in sorted(nodes, key=lambda n: (-n.figures.available, n.path))]  # fmt: skip


def _node_name(n: TreeNode, lang: str) -> str:
    return (n.name_ja or n.name) if lang == "ja" else (n.name or n.path)


def _trail(items: list[TreeNode], path: str) -> list[TreeNode]:
    """The nodes from the item down to `path`, or [] when there is no such node."""
    if budget_model.split_path(path) is None:
        return []
    trail: list[TreeNode] = []
    level = items
    for k in range(1, path.count(":") + 2):
        prefix = ":".join(path.split(":")[:k])
        node = next((n for n in level if n.path == prefix), None)
        if node is None:
            return []
        trail.append(node)
        level = node.children
    return trail


def _examples(d: Dashboard, viewer: Viewer | None) -> list[str]:
    """A few ids to try: the newest committed transfer and a budget account the viewer may read."""
    journal = d.svc.journal
    out = []
    size = journal.size
    for e in journal.events(range(max(0, size - 64), size))[::-1]:
        if isinstance(e, TransferApplied) and not d.withholds_transfer(viewer, e):
            out.append(e.id)
            break
    for e in journal.events(range(0, min(size, 64))):
        if isinstance(e, TransferApplied) and e.code == "MINT" and not d.withholds(viewer, e.credit_account):
            out.append(e.credit_account)
            break
    return out
