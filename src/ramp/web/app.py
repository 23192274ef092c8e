"""The dashboard's routes: server-rendered pages over the read models, its static assets, the
live feed (server-sent events) and the witness keys the in-browser verifier checks against.

`web_routes(svc, access, gov)` is mounted by `ramp.api.app.create_app`. Pages render on the
server (Jinja2, autoescaped) and work without script; script adds the live feed and the proof
verification. Every response forbids loading anything from another host (CSP). Sign-in
(`ramp.web.signin`), the approvals inbox (`ramp.web.inbox`) and the contracts page
(`ramp.web.contracts`) add their routes here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ramp.api.approval_routes import Governance
from ramp.api.http import json_response
from ramp.api.routes import Service
from ramp.budget import model as BM
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import QueryError, TreeNode, budget_tree, node_history
from ramp.journal.queries import account_events
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import (
    ACCOUNT_ID_MAX_CHARS,
    ACCOUNT_ID_RE,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
)
from ramp.text import is_digits
from ramp.tlog.note import NoteError, parse_verifier_key
from ramp.web import overview as O
from ramp.web.access import Access, NoSignIn, SessionAccess, Viewer, local_path
from ramp.web.activity import Activity
from ramp.web.contracts import CONTRACT_ROLES, CONTRACTS_PATH, contracts_routes
from ramp.web.feed import FeedHub, stream
from ramp.web.i18n import LANG_COOKIE, category_name, label, lang_of, month_names
from ramp.web.inbox import INBOX_PATH, INBOX_ROLES, inbox_routes
from ramp.web.money import LANGS, basis_points, percent, yen, yen_short
from ramp.web.pages import Page, PageRegistry
from ramp.web.signin import signin_routes

TEMPLATES: Final = Path(__file__).parent / "templates"
STATIC: Final = Path(__file__).parent / "static"
HISTORY_PAGE: Final = 100  # movements per page of a node's history
ACCOUNT_PAGE: Final = 50  # transfers per page of an account
QUERY_MAX_CHARS: Final = max(ACCOUNT_ID_MAX_CHARS, TRANSFER_ID_MAX_CHARS)
LANG_COOKIE_MAX_AGE_S: Final = 365 * 24 * 3600
_JST: Final = timezone(timedelta(hours=9))
# Everything from this origin, nothing inline but the SVG charts, nothing from anywhere else.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def default_pages() -> PageRegistry:
    """The pages of the dashboard, in navigation order."""
    pages = PageRegistry()
    for key, path in (("overview", "/overview"), ("budget", "/budget"), ("ledger", "/ledger"), ("feed", "/feed")):
        pages.add(Page(key, path))
    pages.add(Page("approvals", INBOX_PATH, roles=INBOX_ROLES))
    pages.add(Page("contracts", CONTRACTS_PATH, roles=CONTRACT_ROLES))
    pages.add(Page("public", "/public", public=True))
    return pages


def jst(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).astimezone(_JST).strftime("%Y-%m-%d %H:%M:%S")


class _Denied(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@dataclass
class Dashboard:
    svc: Service
    access: Access
    pages: PageRegistry
    activity: Activity
    hub: FeedHub
    env: jinja2.Environment

    def render(self, request: Request, template: str, page_key: str, viewer: Viewer | None,
               status: int = 200, **context: Any) -> HTMLResponse:  # fmt: skip
        lang = lang_of(request)

        def t(key: str, **values: object) -> str:
            return label(lang, key, **values)

        html = self.env.get_template(template).render(
            lang=lang, t=t, viewer=viewer, nav=self.pages.navigation(viewer), page_key=page_key,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            yen=lambda n: yen(n, lang), yen_short=lambda n: yen_short(n, lang), percent=percent,
            yen_wrap=lambda n: _breakable(yen(n, lang)),
            bp=basis_points, jst=jst, category=lambda c: category_name(c, lang),
            sign_in=self.access.sign_in_path, **context,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def viewer_for(self, request: Request, page_key: str) -> Viewer | None:
        """The viewer if they may open the page; otherwise raises the answer to give instead."""
        page = self.pages.get(page_key)
        viewer = self.access.viewer(request)
        if self.pages.may_open(page, viewer):
            return viewer
        if viewer is None and self.access.sign_in_path is not None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise _Denied(RedirectResponse(f"{self.access.sign_in_path}?next={quote(target)}", status_code=303))
        key = "signin.required" if viewer is None else "forbidden"
        raise _Denied(self.render(request, "denied.html", page_key, viewer, 401 if viewer is None else 403,
                                  title_key=key, text_key="signin.none" if viewer is None else "forbidden.text"))  # fmt: skip

    def page(self, key: str, fn: Callable[[Request, Viewer | None], Awaitable[Response]]) -> Callable[..., Any]:
        """A route for page `key`: `fn` runs with the viewer, if they may open the page."""

        async def wrapped(request: Request) -> Response:
            try:
                return await fn(request, self.viewer_for(request, key))
            except _Denied as denied:
                return denied.response

        return wrapped

    def fiscal_year(self, request: Request) -> int | None:
        raw = request.query_params.get("fy")
        if raw is not None and is_digits(raw) and len(raw) == 4:
            return int(raw)
        return O.default_fiscal_year(self.svc.journal.projection(BudgetProjection))

    def not_found(self, request: Request, page_key: str, viewer: Viewer | None, text: str) -> HTMLResponse:
        return self.render(request, "not_found.html", page_key, viewer, 404, text=text)


def web_routes(svc: Service, access: Access | None, gov: Governance, pages: PageRegistry | None = None) -> list[BaseRoute]:
    """The dashboard's routes. Without `access`: the signed-in people when the service has web
    login (`gov.sessions`), nobody otherwise."""
    budget = svc.journal.projection(BudgetProjection)
    activity = svc.journal.projection(Activity)
    hub = FeedHub()
    activity.on_batch = hub.publish
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    if access is None:
        access = NoSignIn() if gov.sessions is None else SessionAccess(gov.sessions)
    d = Dashboard(svc, access, pages or default_pages(), activity, hub, env)
    journal = svc.journal
    page = d.page

    async def home(request: Request) -> Response:
        viewer = d.access.viewer(request)
        return RedirectResponse("/overview" if d.pages.may_open(d.pages.get("overview"), viewer) else "/public", 303)

    def _year_or_404(request: Request, key: str, viewer: Viewer | None) -> int | Response:
        fy = d.fiscal_year(request)
        if fy is None or budget.snapshot(fy) is None:
            return d.not_found(request, key, viewer, f"FY{fy}" if fy else "—")
        return fy

    async def overview_page(request: Request, viewer: Viewer | None) -> Response:
        fy = _year_or_404(request, "overview", viewer)
        if isinstance(fy, Response):
            return fy
        ov = O.overview(budget, activity, fy)
        lang = lang_of(request)
        shown = ov.alerts.alerts[: O.ALERTS_SHOWN]
        return d.render(request, "overview.html", "overview", viewer, fy=fy, years=budget.fiscal_years(), ov=ov,
                        treemap=O.treemap(ov, lang), legend=O.legend(ov, lang), chart=O.utilisation_chart(ov, lang),
                        months=month_names(lang), alerts_shown=shown, org_name=lambda o: O.org_name(o, lang),
                        node_name=lambda path: O.node_name(ov, path, lang),
                        category_label=lambda c: O.category_label(c, lang))  # fmt: skip

    async def public_page(request: Request, viewer: Viewer | None) -> Response:
        fy = _year_or_404(request, "public", viewer)
        if isinstance(fy, Response):
            return fy
        ov = O.overview(budget, activity, fy)
        lang = lang_of(request)
        last = journal.store.last_batch()
        return d.render(request, "public.html", "public", viewer, fy=fy, years=budget.fiscal_years(), ov=ov,
                        treemap=O.treemap(ov, lang), legend=O.legend(ov, lang), chart=O.utilisation_chart(ov, lang),
                        months=month_names(lang), org_name=lambda o: O.org_name(o, lang),
                        category_label=lambda c: O.category_label(c, lang),
                        checkpoint=None if last is None else last.checkpoint)  # fmt: skip

    async def budget_page(request: Request, viewer: Viewer | None) -> Response:
        fy = _year_or_404(request, "budget", viewer)
        if isinstance(fy, Response):
            return fy
        tree = budget_tree(budget, fy)
        return d.render(request, "budget.html", "budget", viewer, fy=fy, years=budget.fiscal_years(), tree=tree,
                        name=lambda n: _node_name(n, lang_of(request)))  # fmt: skip

    async def node_page(request: Request, viewer: Viewer | None) -> Response:
        fy = _year_or_404(request, "budget", viewer)
        if isinstance(fy, Response):
            return fy
        path = request.query_params.get("path", "")
        after = request.query_params.get("after_seq", "")
        trail = _trail(budget_tree(budget, fy).items, path)
        if not trail:
            return d.not_found(request, "budget", viewer, path[:QUERY_MAX_CHARS])
        try:
            history = node_history(journal, fy, path, after_seq=int(after) if is_digits(after) else None,
                                   limit=HISTORY_PAGE)  # fmt: skip
        except QueryError:
            history = None  # a node defined in metadata whose account is not (yet) committed
        lang = lang_of(request)
        return d.render(request, "node.html", "budget", viewer, fy=fy, node=trail[-1], trail=trail, history=history,
                        name=lambda n: _node_name(n, lang))  # fmt: skip

    async def ledger_page(request: Request, viewer: Viewer | None) -> Response:
        q = request.query_params.get("q", "").strip()[:QUERY_MAX_CHARS]
        if q:
            t = journal.engine.transfer(q) if TRANSFER_ID_RE.fullmatch(q) else None
            if t is not None and t.seq < journal.size:
                return RedirectResponse(f"/ledger/transfer/{quote(q, safe='')}", 303)
            if ACCOUNT_ID_RE.fullmatch(q) and journal.read.account(q) is not None:
                return RedirectResponse(f"/ledger/account/{quote(q, safe='')}", 303)
        return d.render(request, "ledger.html", "ledger", viewer, q=q, examples=_examples(journal),
                        status=404 if q else 200)  # fmt: skip

    async def transfer_page(request: Request, viewer: Viewer | None) -> Response:
        tid = request.path_params["id"]
        t = journal.engine.transfer(tid) if len(tid) <= TRANSFER_ID_MAX_CHARS else None
        if t is None or t.seq >= journal.size:  # not yet durable is not yet there
            return d.not_found(request, "ledger", viewer, tid[:QUERY_MAX_CHARS])
        return d.render(request, "transfer.html", "ledger", viewer, tr=t, amount=int(t.amount),
                        at=jst(int(t.timestamp)))  # fmt: skip

    async def account_page(request: Request, viewer: Viewer | None) -> Response:
        aid = request.path_params["id"]
        a = journal.read.account(aid) if len(aid) <= ACCOUNT_ID_MAX_CHARS else None
        if a is None:
            return d.not_found(request, "ledger", viewer, aid[:QUERY_MAX_CHARS])
        after = request.query_params.get("after_seq", "")
        page_ = account_events(journal, aid, after_seq=int(after) if is_digits(after) and len(after) < 19 else None,
                               limit=ACCOUNT_PAGE)  # fmt: skip
        transfers = [e for e in page_.events if isinstance(e, TransferApplied)]
        return d.render(request, "account.html", "ledger", viewer, a=a, transfers=transfers,
                        next_after_seq=page_.next_after_seq)  # fmt: skip

    async def feed_page(request: Request, viewer: Viewer | None) -> Response:
        return d.render(request, "feed.html", "feed", viewer)

    async def feed_events(request: Request, viewer: Viewer | None) -> Response:
        sub = hub.subscribe()
        if sub is None:
            return Response("too many feed subscribers\n", 503, {"Retry-After": "5"}, "text/plain")
        return StreamingResponse(stream(hub, sub, activity.backlog(), journal.size), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip

    async def witnesses(request: Request) -> Response:
        """The cosigners recorded for a checkpoint size: name and verifier key (public data)."""
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

    return [
        Route("/", home, methods=["GET"]),
        Route("/overview", page("overview", overview_page), methods=["GET"]),
        Route("/budget", page("budget", budget_page), methods=["GET"]),
        Route("/budget/node", page("budget", node_page), methods=["GET"]),
        Route("/ledger", page("ledger", ledger_page), methods=["GET"]),
        Route("/ledger/transfer/{id}", page("ledger", transfer_page), methods=["GET"]),
        Route("/ledger/account/{id}", page("ledger", account_page), methods=["GET"]),
        Route("/feed", page("feed", feed_page), methods=["GET"]),
        Route("/dashboard/events", page("feed", feed_events), methods=["GET"]),
        Route("/dashboard/witnesses", witnesses, methods=["GET"]),
        Route("/public", page("public", public_page), methods=["GET"]),
        Route("/lang/{lang}", set_lang, methods=["GET"]),
        *signin_routes(d, svc, gov),
        *inbox_routes(d, svc, gov),
        *contracts_routes(d, svc, gov),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _breakable(amount: str) -> Markup:
    """An exact amount that may wrap after 兆/億/万 (never inside a group of digits)."""
    text = str(escape(amount))
    for unit in "兆億万":
        text = text.replace(unit, unit + "<wbr>")
    return Markup(text)


def _node_name(n: TreeNode, lang: str) -> str:
    return (n.name_ja or n.name) if lang == "ja" else (n.name or n.path)


def _trail(items: list[TreeNode], path: str) -> list[TreeNode]:
    """The nodes from the item down to `path`, or [] when there is no such node."""
    if BM.split_path(path) is None:
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


def _examples(journal: Any) -> list[str]:
    """A few ids to try: the newest committed transfer and a budget account."""
    out = []
    size = journal.size
    for e in journal.events(range(max(0, size - 64), size))[::-1]:
        if isinstance(e, TransferApplied):
            out.append(e.id)
            break
    for e in journal.events(range(0, min(size, 64))):
        if isinstance(e, TransferApplied) and e.code == "MINT":
            out.append(e.credit_account)
            break
    return out
