"""A finance officer's task in headless Chromium, by keyboard, at 1400 px and 820 px, in English
and Japanese: find idle money (the budget tree sorted by available), file a 流用 from the
dashboard, MoD accounts and the Ministry of Finance approve it in the inbox, and both budget
nodes move. Screenshots in artifacts/dashboard/; no console errors."""

from __future__ import annotations

import pytest

from ramp.budget import model as budget_model
from ramp.budget.queries import TreeNode, budget_tree
from tests.auth.soft_passkey import register
from tests.web.browser import install_passkey
from tests.web.logins import sign_in_page

pytestmark = pytest.mark.slow  # Chromium: `make test` runs it, `make test-fast` does not

FY = 2026  # the open year of the demo (FY2025 is closed)
AMOUNT_YEN = 120_000_000
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def by_available(nodes: list[TreeNode]) -> list[TreeNode]:
    return sorted(nodes, key=lambda n: (-n.figures.available, n.path))


def first_leaf(node: TreeNode) -> list[TreeNode]:
    """The node and its most-available descendants down to a leaf: the first line the sorted tree shows."""
    trail = [node]
    while trail[-1].children:
        trail.append(by_available(trail[-1].children)[0])
    return trail


def _context(browser, width: int, lang: str, url: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP" if lang == "ja" else "en-GB")
    context.add_cookies([{"name": "ramp_lang", "value": lang, "url": url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _approve(browser, served, who: str, rid: str, width: int, lang: str, artifacts, name: str) -> str:
    """`who` approves in the inbox with their passkey (in Chromium's virtual authenticator), by keyboard."""
    local = served.url.replace("127.0.0.1", "localhost")  # WebAuthn takes a host name, not an address
    context, page, errors = _context(browser, width, lang, local)
    try:
        install_passkey(page, register(served.journal, who, local), who)
        page.goto(local + "/approvals")
        sign_in_page(page, local, who, served.people[who])
        page.focus(f"#passkey-approve-{rid}")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        outcome = page.locator("#inbox-done").get_attribute("data-outcome")
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        assert errors == [], errors
        return str(outcome)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "lang"), [(1400, "en"), (1400, "ja"), (820, "en"), (820, "ja")])
def test_a_finance_officer_finds_idle_money_files_a_ryuyo_and_mof_approves_it(signed, browser, artifacts, width, lang):
    tree = budget_tree(signed.budget, FY)
    item = by_available(tree.items)[0]
    sub_items = by_available(item.children)
    source_trail = first_leaf(sub_items[0])  # the most available line under the richest item
    target = first_leaf(sub_items[1])[-1]  # another sub-item of the same item: a 流用
    source = source_trail[-1]
    accounts = [budget_model.node_account(FY, n.path) for n in (source, target)]
    before = [signed.journal.read.account(a).balance for a in accounts]
    tag = f"requests-{width}-{lang}"

    context, page, errors = _context(browser, width, lang, signed.url)
    try:
        page.goto(signed.url + f"/budget?fy={FY}")
        sign_in_page(page, signed.url, "fo.tanaka", signed.people["fo.tanaka"])
        page.focus("#sort-available")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("sort=available")
        shown = page.eval_on_selector_all("ul.root > li > details", "els => els.map(e => e.dataset.path)")
        assert shown == [n.path for n in by_available(tree.items)]  # the richest item first
        for node in source_trail[:-1]:  # open the lines down to the idle money, by keyboard
            summary = page.locator(f'details[data-path="{node.path}"] > summary')
            if page.get_attribute(f'details[data-path="{node.path}"]', "open") is None:
                summary.focus()
                page.keyboard.press("Enter")
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=str(artifacts / f"{tag}-budget-sorted.png"), full_page=False)
        page.focus(f'li.leaf[data-path="{source.path}"] a.ryuyo-from')
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.input_value("#f-source") == source.path and page.input_value("#f-fiscal_year") == str(FY)
        page.focus("#f-target")
        page.keyboard.type(target.path)
        page.keyboard.press("Tab")
        page.keyboard.type(f"{AMOUNT_YEN:,}")
        page.keyboard.press("Tab")
        page.keyboard.type("弾薬の執行残から(流用)" if lang == "ja" else "idle ammunition money (流用)")
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=str(artifacts / f"{tag}-form.png"), full_page=True)
        page.focus("#request-submit")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/requests/ryuyo-" in page.url and page.locator("#request-filed").is_visible()
        rid = page.url.split("/requests/", 1)[1].split("?", 1)[0]
        assert page.locator("#request-stands").get_attribute("data-status") == "open"
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=str(artifacts / f"{tag}-filed.png"), full_page=True)
        assert errors == [], errors
    finally:
        context.close()

    assert _approve(browser, signed, "fo.kobayashi", rid, width, lang, artifacts, f"{tag}-mod-approves") == "counted"
    assert signed.journal.engine.transfer(rid) is None  # MOF is required: nothing moved yet
    assert _approve(browser, signed, "mof.sato", rid, width, lang, artifacts, f"{tag}-mof-approves") == "executed"
    after = [signed.journal.read.account(a).balance for a in accounts]
    assert after == [before[0] - AMOUNT_YEN, before[1] + AMOUNT_YEN]  # both nodes moved
    moved = signed.journal.engine.transfer(rid)
    assert moved is not None and moved.code == budget_model.Code.TRANSFER_RYUYO

    context, page, errors = _context(browser, width, lang, signed.url)
    try:  # the requester sees where it stands: executed, with each step's log seq
        page.goto(signed.url + "/requests")
        sign_in_page(page, signed.url, "fo.tanaka", signed.people["fo.tanaka"])
        assert page.get_attribute(f"#mine-{rid}", "data-status") == "executed"
        page.focus(f'#mine-{rid} a[href="/requests/{rid}"]')
        with page.expect_navigation():
            page.keyboard.press("Enter")
        steps = page.eval_on_selector_all("#request-history tr.step", "els => els.map(e => e.dataset.step)")
        assert steps == ["requested", "approved", "approved", "executed"]
        seqs = page.eval_on_selector_all("#request-history .seq", "els => els.map(e => Number(e.textContent))")
        assert seqs == [signed.journal.engine.record(f"request:{rid}{s}").seq for s in ("", ":d1", ":d2", ":x")]
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=str(artifacts / f"{tag}-executed.png"), full_page=True)
        page.goto(signed.url + f"/budget/node?fy={FY}&path={source.path}")
        assert page.evaluate(OVERFLOW) <= 0
        assert errors == [], errors
    finally:
        context.close()
