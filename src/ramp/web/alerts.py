"""Every availability alert of a year (the overview shows the newest ten): newest first by
default, or by utilisation; filtered by level; paged both ways; and as CSV."""

from __future__ import annotations

from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramp.budget.queries import alerts as budget_alerts
from ramp.text import is_digits
from ramp.web import overview as overview_model
from ramp.web.access import Viewer
from ramp.web.csv_export import csv_response
from ramp.web.dashboard import Dashboard
from ramp.web.i18n import lang_of

ALERTS_PATH: Final = "/overview/alerts"
ALERTS_PAGE: Final = 50  # alerts per page
LEVELS: Final = ("warning", "info")
SORTS: Final = ("newest", "utilisation")
CSV_HEADER: Final = ("seq", "level", "node", "kind", "operation", "utilisation_bp", "threshold_bp")


def alerts_routes(d: Dashboard) -> list[BaseRoute]:
    return [Route(ALERTS_PATH, d.page("overview", partial(alerts_page, d)), methods=["GET"])]


async def alerts_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    fy = d.fiscal_year(request)
    if fy is None or d.budget.snapshot(fy) is None:
        return d.not_found(request, "overview", viewer, f"FY{fy}" if fy else "—")
    params = request.query_params
    level = params.get("level", "")
    level = level if level in LEVELS else ""
    sort = params.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    withheld = d.withheld(viewer)  # a secret line's alerts are withheld with it, and not counted
    rows = [a for a in budget_alerts(d.budget, fy, withheld=withheld).alerts if not level or a.level == level]  # newest first
    if sort == "utilisation":
        rows.sort(key=lambda a: (-a.utilisation_bp, -a.seq))
    if params.get("format") == "csv":
        return csv_response(f"alerts-fy{fy}.csv", CSV_HEADER,
                            ([a.seq, a.level, a.node, a.kind, a.operation, a.utilisation_bp, a.threshold_bp]
                             for a in rows))  # fmt: skip
    raw = params.get("page", "1")
    pages = max(1, -(-len(rows) // ALERTS_PAGE))
    page = min(pages, int(raw)) if is_digits(raw) and len(raw) < 6 and int(raw) >= 1 else 1
    ov = overview_model.overview(d.budget, d.activity, fy, withheld)
    lang = lang_of(request)
    query = {"fy": fy, **({"level": level} if level else {}), **({"sort": sort} if sort != "newest" else {})}
    return d.render(request, "alerts.html", "overview", viewer, fy=fy, rows=rows[(page - 1) * ALERTS_PAGE:
                    page * ALERTS_PAGE], total=len(rows), page=page, pages=pages, level=level, levels=LEVELS,
                    sort=sort, sorts=SORTS, query=query,
                    node_name=lambda path: overview_model.node_name(ov, path, lang))  # fmt: skip
