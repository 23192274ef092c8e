"""The dashboard's shared state and page plumbing: the `Dashboard` every route handler is given
(the service, governance, who is looking, the page registry, the feed hub, the templates), how a
page renders and how a page checks its viewer.

The route modules (`app`, `signin`, `inbox`, `contracts`) import this one; it imports none of them.

Secret lines: every page that shows an account or a transfer, or lists them, asks `withholds`.
The private pages are for budget readers, all cleared for restricted detail, and the public view
shows the rows it always has; a secret account, a transfer touching one, and a budget line
declared secret are shown to auditors only. To anyone else they do not exist: their page is the
404 an unknown id gets, and listings leave them out (see each page's module for its counts).
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
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ramp.budget.projection import BudgetProjection
from ramp.disclosure.classify import account_level
from ramp.journal.envelope import Level
from ramp.ledger.events import TransferApplied
from ramp.service.access import may_read_level
from ramp.service.activity import Activity
from ramp.service.core import Service
from ramp.service.governance import Governance
from ramp.text import is_digits
from ramp.web.access import Access, Viewer
from ramp.web.feed import FeedHub
from ramp.web.i18n import label, lang_of
from ramp.web.money import basis_points, percent, yen, yen_short
from ramp.web.names import category_name, code_name, event_name, organisation_name, role_name
from ramp.web.overview import default_fiscal_year
from ramp.web.pages import PageRegistry

TEMPLATES: Final = Path(__file__).parent / "templates"
_JST: Final = timezone(timedelta(hours=9))

# A page's handler: the request and the viewer who may open the page (None on a public page).
PageHandler = Callable[[Request, Viewer | None], Awaitable[Response]]


def jst_plain(ns: int) -> str:
    """A time in JST, "YYYY-MM-DD HH:MM:SS", for a column that names its zone (CSV `time_jst`)."""
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).astimezone(_JST).strftime("%Y-%m-%d %H:%M:%S")


def jst(ns: int) -> str:
    """A time in JST with the zone named, as every page shows one."""
    return jst_plain(ns) + " JST"


def template_env() -> jinja2.Environment:
    """The dashboard's templates: autoescaped, and an unknown name is an error, never blank."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip


def here(request: Request) -> str:
    """The path and query of this request: where a page links back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


class _Denied(Exception):
    """A viewer who may not open a page: `response` is what they get instead."""

    def __init__(self, response: Response) -> None:
        self.response = response


@dataclass
class Dashboard:
    svc: Service
    gov: Governance
    access: Access
    pages: PageRegistry
    budget: BudgetProjection
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
            here=here(request),
            yen=lambda n: yen(n, lang), yen_short=lambda n: yen_short(n, lang), percent=percent,
            yen_wrap=lambda n: _breakable(yen(n, lang)),
            bp=basis_points, jst=jst, category=lambda c: category_name(c, lang),
            code_name=lambda c: code_name(c, lang), role_name=lambda r: role_name(r, lang),
            org_label=lambda o: organisation_name(o, lang, self.budget.vendors() if o.startswith("contractor-") else None),
            event_name=lambda k: event_name(k, lang),
            sign_in=self.access.sign_in_path, **context,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)  # the headers: ramp.service.headers, on every answer

    def may_open(self, page_key: str, viewer: Viewer | None) -> bool:
        return self.pages.may_open(self.pages.get(page_key), viewer)

    def viewer_for(self, request: Request, page_key: str) -> Viewer | None:
        """The viewer if they may open the page; otherwise raises the answer to give instead."""
        viewer = self.access.viewer(request)
        if self.may_open(page_key, viewer):
            return viewer
        if viewer is None and self.access.sign_in_path is not None:
            raise _Denied(RedirectResponse(f"{self.access.sign_in_path}?next={quote(here(request))}", status_code=303))
        key = "signin.required" if viewer is None else "forbidden"
        raise _Denied(self.render(request, "denied.html", page_key, viewer, 401 if viewer is None else 403,
                                  title_key=key, text_key="signin.none" if viewer is None else "forbidden.text"))  # fmt: skip

    def page(self, key: str, handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
        """A route for page `key`: `handler` runs with the viewer, if they may open the page."""

        async def endpoint(request: Request) -> Response:
            try:
                viewer = self.viewer_for(request, key)
            except _Denied as denied:
                return denied.response
            return await handler(request, viewer)

        return endpoint

    def fiscal_year(self, request: Request) -> int | None:
        raw = request.query_params.get("fy")
        if raw is not None and is_digits(raw) and len(raw) == 4:
            return int(raw)
        return default_fiscal_year(self.budget)

    def withholds(self, viewer: Viewer | None, account_id: str) -> bool:
        """The account is secret and the viewer is not cleared for it (auditors are)."""
        level = account_level(account_id, self.svc.journal.engine)
        return level is Level.SECRET and (viewer is None or not may_read_level(viewer, level))

    def withholds_transfer(self, viewer: Viewer | None, t: TransferApplied) -> bool:
        """A transfer is as secret as its more secret account."""
        return self.withholds(viewer, t.debit_account) or self.withholds(viewer, t.credit_account)

    def withheld(self, viewer: Viewer | None) -> Callable[[str], bool]:
        """`withholds` for this viewer: what the budget queries take (`budget.queries.Withheld`)."""
        return lambda account_id: self.withholds(viewer, account_id)

    def not_found(self, request: Request, page_key: str, viewer: Viewer | None, text: str) -> HTMLResponse:
        return self.render(request, "not_found.html", page_key, viewer, 404, text=text)


def _breakable(amount: str) -> Markup:
    """An exact amount that may wrap after 兆/億/万 (never inside a group of digits)."""
    text = str(escape(amount))
    for unit in "兆億万":
        text = text.replace(unit, unit + "<wbr>")
    return Markup(text)
