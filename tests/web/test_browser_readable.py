"""In Chromium: acceptance (e), the public view's category rows, parsed from the page, add up to
the year exactly and the overlapping tags are "of which", labelled and left out; the feed hides
auth.* until asked; and every page holds at 1400 px and 820 px in English and Japanese (no
horizontal overflow of the page), for a reader and for the public. No console errors."""

from __future__ import annotations

import re

import pytest

from ramp.budget.queries import budget_tree
from tests.web.browser import shot

pytestmark = pytest.mark.slow

WIDTHS = (1400, 820)


def _yen(text: str) -> int:
    digits = re.sub(r"[¥,\s]", "", text).replace("−", "-")
    assert re.fullmatch(r"-?\d+", digits), text
    return int(digits)


def test_acceptance_e_the_public_view_sums_to_the_year_and_says_what_overlaps(dashboard, page, artifacts):
    fy = dashboard.budget.fiscal_years()[-1]
    page.goto(dashboard.url + f"/public?fy={fy}")
    tree = budget_tree(dashboard.budget, fy, lambda _a: False)
    parts = page.locator("#by-category tbody.parts tr")
    amounts = [_yen(parts.nth(k).locator("td").first.inner_text()) for k in range(parts.count())]
    total = _yen(page.locator("#cat-total td").first.inner_text())
    assert amounts and sum(amounts) == total == tree.figures.appropriated
    assert tree.figures.appropriated == tree.issued + tree.reserve[1] + tree.figures.carried_in  # said below it
    assert f"¥{tree.issued:,}" in page.locator("#cat-reconcile").inner_text()
    of_which = page.locator("#by-category tr.of-which")
    assert of_which.count() >= 1
    for k in range(of_which.count()):
        assert of_which.nth(k).locator("th").inner_text().startswith("of which")
    assert "Overlapping tags: AI" in page.locator("#cat-overlap").inner_text()
    shot(page, artifacts, "public-categories")
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_feed_hides_sign_ins_until_asked(signed, browser, artifacts):
    from tests.web.logins import sign_in_page

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, signed.url, "boa.auditor.watanabe", signed.people["boa.auditor.watanabe"])  # an auth.login
    page.goto(signed.url + "/feed")
    page.wait_for_selector("#feed-rows tr[data-group='auth']", state="attached")
    assert page.locator("#feed-rows tr[data-group='auth']:not([hidden])").count() == 0
    assert not page.locator("#feed-kind-auth").is_checked()
    page.locator("#feed-kind-auth").check()
    assert page.locator("#feed-rows tr[data-group='auth']:not([hidden])").count() >= 1
    assert "sign-in" in page.locator("#feed-rows tr[data-group='auth']").first.inner_text()
    page.locator("#feed-kind-transfer").uncheck()
    assert page.locator("#feed-rows tr[data-group='transfer']:not([hidden])").count() == 0
    shot(page, artifacts, "feed-with-auth")
    assert errors == []
    context.close()


def _reader_paths(server) -> list[str]:
    fy = server.budget.fiscal_years()[-1]
    tree = budget_tree(server.budget, fy)
    node = tree.items[0].path
    account = f"fy{fy}:{node}"
    contracts = [c.id for c in server.budget.contracts()][:1]
    paths = [f"/overview?fy={fy}", f"/budget?fy={fy}", f"/budget/node?fy={fy}&path={node}", "/ledger",
             f"/ledger/account/{account}", "/ledger/contracts", "/search?q=c2025", "/feed", "/contracts", "/log",
             f"/overview/alerts?fy={fy}", f"/public?fy={fy}"]  # fmt: skip
    if contracts:
        paths.append(f"/ledger/account/contract:{contracts[0]}")
    return paths


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_page_holds_at_both_widths_in_both_languages(dashboard, browser, artifacts, width, lang):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "ramp_lang", "value": lang, "url": dashboard.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    wide = []
    for path in _reader_paths(dashboard):
        page.goto(dashboard.url + path)
        over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if over > 0:
            wide.append((path, over))
        name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].strip("/")) or "home"
        shot(page, artifacts, f"layout-{lang}-{width}-{name}")
    context.close()
    assert wide == [], wide
    assert errors == [], errors
