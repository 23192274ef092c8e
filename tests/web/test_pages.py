"""The dashboard's pages over HTTP: what each shows, who may open it, the language switch,
and that nothing is loaded from another host."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from ramp.budget import model as budget_model
from ramp.budget.queries import budget_tree
from ramp.web import overview as overview_model
from ramp.web.access import NoSignIn

PRIVATE = ["/overview", "/budget", "/budget/node?path=equipment", "/ledger", "/feed"]


def test_the_overview_shows_the_open_year_fy2026_and_the_closed_fy2025_issued_to_the_yen(dashboard):
    r = httpx.get(dashboard.url + "/overview")  # the open year of the calendar by default
    assert r.status_code == 200
    assert 'id="fig-issued" data-yen="9035300000000">¥9,035,300,000,000<' in r.text
    assert "FY2026 at a glance" in r.text
    closed = httpx.get(dashboard.url + "/overview?fy=2025").text
    assert 'id="fig-issued" data-yen="8700500000000">¥8,700,500,000,000<' in closed and "FY2025 at a glance" in closed
    assert '<svg class="treemap"' in r.text and '<svg class="chart"' in r.text
    assert "demo" in r.text.lower()  # open demo access is said on every page


def test_the_open_year_says_it_is_in_progress_on_todays_date_and_fy2025_that_it_is_closed(dashboard):
    today = datetime.now(timezone(timedelta(hours=9))).date()  # the business clock: the wall clock here
    page = httpx.get(dashboard.url + "/overview").text
    status = re.search(r'id="year-status" data-state="(\w+)" data-as-of="([\d-]+)">([^<]+)<', page)
    assert status is not None and status.group(1) == "in_progress"
    assert abs((date.fromisoformat(status.group(2)) - today).days) <= 1  # the page's JST date, this test's JST date
    day = (date.fromisoformat(status.group(2)) - date(2026, 4, 1)).days + 1
    assert status.group(3) == f"In progress: day {day} of 365, as of {status.group(2)} (JST)"
    closed = httpx.get(dashboard.url + "/overview?fy=2025").text
    assert 'data-state="closed"' in closed and "Closed (決算)" in closed
    assert dashboard.budget.snapshot(2025).closed and "<strong>closed</strong>" in closed
    tree = budget_tree(dashboard.budget, 2025, lambda _a: False)
    f = tree.figures  # the settlement (決算): every yen appropriated was paid, carried over or lapsed
    assert f.appropriated == f.disbursed + f.carried_over + f.lapsed and f.carried_over > 0 and f.lapsed > 0
    for figure in (f.carried_over, f.lapsed):
        assert f"¥{figure:,}" in closed


@pytest.mark.parametrize(("now", "closed", "state", "day"), [
    ((2026, 3, 31), False, "ahead", 0), ((2026, 4, 1), False, "in_progress", 1),
    ((2026, 12, 8), False, "in_progress", 252), ((2027, 3, 31), False, "in_progress", 365),
    ((2027, 4, 15), False, "settling", 365), ((2027, 6, 1), True, "closed", 365),
])  # fmt: skip
def test_a_years_status_on_the_business_clock(now, closed, state, day):
    status = overview_model.year_status(2026, closed, budget_model.jst_ns(*now, 10))
    assert (status.state, status.day, status.days, status.as_of) == (state, day, 365, date(*now).isoformat())


def test_japanese_labels_and_amounts_after_the_switch(dashboard):
    with httpx.Client(base_url=dashboard.url) as c:
        r = c.get("/lang/ja", params={"next": "/overview?fy=2025"})
        assert r.status_code == 303 and r.headers["location"] == "/overview?fy=2025"
        assert c.cookies["ramp_lang"] == "ja"
        page = c.get("/overview?fy=2025").text
    assert '<html lang="ja">' in page
    assert "2025年度の概況" in page
    assert 'data-yen="8700500000000">8兆<wbr>7,005億<wbr>円<' in page  # may wrap after a unit only


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "overview"])
def test_the_language_switch_never_redirects_off_site(dashboard, target):
    r = httpx.get(dashboard.url + "/lang/en", params={"next": target})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_an_unknown_language_sets_nothing(dashboard):
    r = httpx.get(dashboard.url + "/lang/fr")
    assert r.status_code == 303 and "ramp_lang" not in r.cookies


def test_every_page_forbids_other_hosts_and_links_nothing_outside(dashboard):
    for path in [*PRIVATE, "/public"]:
        r = httpx.get(dashboard.url + path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert not re.search(r'(src|href)="(https?:)?//', r.text), path


def test_without_sign_in_private_pages_answer_401_and_point_to_the_public_view(serve):
    server = serve(NoSignIn())
    for path in [*PRIVATE, "/dashboard/events", "/ledger/transfer/x", "/ledger/account/x"]:
        r = httpx.get(server.url + path)
        assert r.status_code == 401, path
        assert 'href="/public"' in r.text
    assert httpx.get(server.url + "/").headers["location"] == "/public"
    public = httpx.get(server.url + "/public")
    assert public.status_code == 200 and "¥9,035,300,000,000" in public.text
    nav = re.search(r"<nav aria-label=\"Pages\">(.*?)</nav>", public.text, re.S).group(1)
    assert "/public" in nav and "/overview" not in nav and "/ledger" not in nav


def test_the_public_view_shows_aggregates_only(dashboard):
    page = httpx.get(dashboard.url + "/public").text
    assert "Ground Self-Defense Force" in page  # organisations
    assert "stand-off" in page  # categories
    # no project, program, contract or vendor appears: only organisation and category totals
    for node in dashboard.budget.snapshot(2025).nodes:
        if node.count(":") >= 3:  # program and project paths
            assert node not in page
    assert "contract:" not in page and "vendor:" not in page
    assert "— ramp.demo/fy2025" in page  # the latest signed checkpoint


def test_the_budget_tree_drills_from_item_to_project(dashboard):
    page = httpx.get(dashboard.url + "/budget?fy=2025").text
    snap = dashboard.budget.snapshot(2025)
    projects = [p for p, (n, _) in snap.nodes.items() if n.kind == "project"]
    for path in projects:
        assert f'data-path="{path}"' in page
    assert page.count("<details") == len(snap.nodes) - len(projects)


def test_a_node_page_shows_its_figures_children_and_history(dashboard):
    r = httpx.get(dashboard.url + "/budget/node", params={"fy": 2025, "path": "equipment:uav"})
    assert r.status_code == 200
    assert "Movements of" in r.text and "ALLOT" in r.text
    assert 'href="/budget/node?fy=2025&amp;path=equipment%3Auav%3Aasdf"' in r.text  # a child


def test_history_pages_with_after_seq(dashboard):
    snap = dashboard.budget.snapshot(2025)
    project = next(p for p, (n, _) in snap.nodes.items() if n.kind == "project")
    first = httpx.get(dashboard.url + "/budget/node", params={"fy": 2025, "path": project}).text
    seqs = [int(s) for s in re.findall(r'<tr><td class="num">(\d+)</td>', first)]
    assert len(seqs) >= 2 and seqs == sorted(seqs)
    later = httpx.get(dashboard.url + "/budget/node", params={"fy": 2025, "path": project, "after_seq": seqs[0]}).text
    assert [int(s) for s in re.findall(r'<tr><td class="num">(\d+)</td>', later)] == seqs[1:]


@pytest.mark.parametrize(("path", "status"), [
    ("/budget/node?fy=2025&path=nope", 404), ("/budget/node?fy=2025&path=Bad%20Path", 404),
    ("/budget/node?fy=2025", 404), ("/overview?fy=1999", 404), ("/budget?fy=2099", 404),
    ("/ledger/transfer/" + "x" * 65, 404), ("/ledger/account/nope:nope", 404), ("/ledger?q=" + "%00" * 10, 404),
])  # fmt: skip
def test_what_does_not_exist_is_a_404_page_never_a_500(dashboard, path, status):
    r = httpx.get(dashboard.url + path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")


def test_ledger_search_finds_transfers_and_accounts(dashboard):
    journal = dashboard.journal
    last = journal.events(range(journal.size - 200, journal.size))  # the newest transfer, past the logins' records
    tid = next(e.id for e in reversed(last) if type(e).__name__ == "TransferApplied")
    with httpx.Client(base_url=dashboard.url) as c:
        r = c.get("/ledger", params={"q": tid})
        assert r.status_code == 303 and r.headers["location"] == f"/ledger/transfer/{tid}"
        page = c.get(r.headers["location"]).text
        assert f'data-id="{tid}"' in page and "/static/verify.js" in page
        r = c.get("/ledger", params={"q": "fy2025:equipment"})
        assert r.headers["location"] == "/ledger/account/fy2025%3Aequipment"
        account = c.get(r.headers["location"]).text
        assert "MINT" in account and "ALLOT" in account
        assert c.get("/ledger", params={"q": "no-such-thing"}).status_code == 404


def test_witness_keys_endpoint_is_public_json(serve):
    server = serve(NoSignIn())
    r = httpx.get(server.url + "/dashboard/witnesses")
    assert r.status_code == 200 and r.json() == {"size": server.journal.size, "witnesses": []}


def test_static_assets_are_served_from_the_package(dashboard):
    for name, kind in [("ramp.css", "text/css"), ("ramp.js", "javascript"), ("verify.js", "javascript")]:
        r = httpx.get(f"{dashboard.url}/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
    assert httpx.get(dashboard.url + "/static/../app.py").status_code == 404


@pytest.mark.parametrize("query", ["/overview?fy=²²²²", "/overview?fy=٢٠٢٥"])
def test_unicode_digits_in_a_fiscal_year_are_not_a_500(dashboard, query):
    """str.isdigit() accepts '²' and '٢', which int() refuses or misreads."""
    r = httpx.get(dashboard.url + query)
    assert r.status_code < 500, r.text[:300]
