"""The public totals in headless Chromium: the public page verifies the year's published totals
itself (sumtree.js, WebCrypto) and shows no project or vendor; a signed-in contractor verifies
one of its payments on its own page; a removed or altered group, record or line in the served
JSON (Playwright route interception) fails visibly, with the same code as Python's."""

from __future__ import annotations

import copy
import json

import pytest

from ramp.budget.projection import BudgetProjection
from ramp.service.projections import open_service_journal
from tests.disclosure.test_public_totals import _altered_totals
from tests.disclosure.world import FISCAL_YEAR, contractors
from tests.web.browser import shot
from tests.web.logins import sign_in_page

pytestmark = pytest.mark.slow  # Chromium

VERIFY_TIMEOUT_MS = 20_000


def _result(page, prefix: str) -> tuple[str, str]:
    status = page.locator(f"#{prefix}-status")
    page.wait_for_selector(f"#{prefix}-status[data-result]", timeout=VERIFY_TIMEOUT_MS)
    return status.get_attribute("data-result"), status.get_attribute("data-code") or ""


def test_the_public_page_verifies_its_totals_and_shows_no_line(dashboard, page, artifacts):
    page.goto(f"{dashboard.url}/public?fy={FISCAL_YEAR}")
    assert _result(page, "totals") == ("ok", ""), page.text_content("#totals-steps")
    assert "VERIFIED" in page.text_content("#totals-status")
    rows = page.locator("#totals-org tbody tr, #totals-cat tbody tr")
    assert rows.count() > 10
    assert page.locator("#totals tr[data-verified=true]").count() == rows.count()
    budget = dashboard.journal.projection(BudgetProjection)
    projects = [p for p, (n, _) in budget.snapshot(FISCAL_YEAR).nodes.items() if n.kind == "project"]
    html = page.content()
    shown = [s for s in (*projects, *budget.vendors(), *(n for n in budget.vendors().values() if n)) if s in html]
    assert shown == []
    shot(page, artifacts, "public-totals")
    assert page.errors == []


@pytest.mark.parametrize("what", ["a group removed", "a group's sum altered", "yen moved between groups",
                                  "a consistent lie: a group removed, the root recomputed",
                                  "the logged record altered", "a proof hash removed"])  # fmt: skip
def test_an_altered_totals_answer_fails_in_the_page(dashboard, page, artifacts, what):
    def handle(route):
        response = route.fetch()
        altered, _code = _altered_totals(response.json())[what]
        route.fulfill(response=response, body=json.dumps(altered))

    page.route(f"**/v1/disclosure/{FISCAL_YEAR}/totals", handle)
    page.goto(f"{dashboard.url}/public?fy={FISCAL_YEAR}")
    _bad, code = _altered_totals(json.loads(page.evaluate(
        f"fetch('/v1/disclosure/{FISCAL_YEAR}/totals').then(r => r.text())")))[what]  # fmt: skip
    assert _result(page, "totals") == ("failed", code)
    assert "VERIFICATION FAILED" in page.text_content("#totals-status")
    assert page.locator("#totals-steps li.failed").count() == 1
    shot(page, artifacts, "public-totals-tampered-" + what.split(":")[0].replace(" ", "-").replace("'", ""))


@pytest.fixture
def contractor_site(serve, fresh_demo):
    journal, _ = open_service_journal(fresh_demo)
    try:
        people = contractors(journal, fresh_demo)
    finally:
        journal.close()
    return serve(db=fresh_demo, sign_in=True), people


def test_a_contractor_verifies_its_payment_in_the_page(contractor_site, page, artifacts):
    site, people = contractor_site
    p = people.payment
    sign_in_page(page, site.url, people.own, site.people[people.own])
    page.goto(f"{site.url}/disclosure/payment/{p.transfer_id}")
    assert _result(page, "payment") == ("ok", ""), page.text_content("#payment-steps")
    text = page.text_content("#payment-status")
    assert p.transfer_id in text and f"{p.group.organisation} / {p.group.category}" in text
    shot(page, artifacts, "payment-verified")

    def raise_amount(route):
        response = route.fetch()
        body = response.json()
        body["opening"]["amount_yen"] = str(int(body["opening"]["amount_yen"]) + 1)
        route.fulfill(response=response, body=json.dumps(body))

    page.route(f"**/dashboard/disclosure/{FISCAL_YEAR}/payments/*", raise_amount)
    page.click("#payment-run")
    page.wait_for_selector("#payment-status[data-result=failed]", timeout=VERIFY_TIMEOUT_MS)
    assert page.get_attribute("#payment-status", "data-code") == "root_mismatch"
    shot(page, artifacts, "payment-tampered")
    assert page.errors == []


def test_a_line_removed_from_the_proof_fails_and_another_contractor_sees_nothing(contractor_site, page):
    site, people = contractor_site
    p = people.payment

    def drop_sibling(route):
        response = route.fetch()
        body = copy.deepcopy(response.json())
        body["proof"]["line_path"].pop(0)
        route.fulfill(response=response, body=json.dumps(body))

    sign_in_page(page, site.url, people.own, site.people[people.own])
    page.route(f"**/dashboard/disclosure/{FISCAL_YEAR}/payments/*", drop_sibling)
    page.goto(f"{site.url}/disclosure/payment/{p.transfer_id}")
    assert _result(page, "payment") == ("failed", "wrong_proof_length")
    page.unroute(f"**/dashboard/disclosure/{FISCAL_YEAR}/payments/*")
    page.click("#sign-out")
    sign_in_page(page, site.url, people.other, site.people[people.other])
    response = page.goto(f"{site.url}/disclosure/payment/{p.transfer_id}")
    assert response.status == 404
    answer = page.evaluate(f"fetch('/dashboard/disclosure/{FISCAL_YEAR}/payments/{p.transfer_id}').then(r => r.status)")
    assert answer == 404
