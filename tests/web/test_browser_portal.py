"""The inspector's queue and the contractor's portal in headless Chromium, by keyboard, at 1400 px
and 820 px, in English and Japanese: (b) ATLA's inspector finds its queue, attests m1 from it with a
fresh code, and the contractor then sees the payment in its portal and opens it, verified in the
page (verify.js: the envelope opened with the page's opening, the inclusion proof to the signed
checkpoint); (d) a contractor sees only its own: another contractor's portal is empty and kanto's
contract and payment are 404 to it; on the demo, vendor.mhi sees its vendor's contracts and no
request of another party (the Board of Audit's freeze is 404 to it). Screenshots in
artifacts/dashboard/; no console errors but the 404s asked for."""

from __future__ import annotations

import pytest

from ramp.contracts import state as contract_state
from tests.web.browser import install_passkey, shot
from tests.web.contract_world import M1_NET, WALLET, ContractSite, attest_form
from tests.web.logins import sign_in_page
from tests.web.test_browser_contracts import sign_in

pytestmark = pytest.mark.slow  # Chromium

WIDE = {"width": 1400, "height": 900}
NARROW = {"width": 820, "height": 1100}
VERIFY_TIMEOUT_MS = 20_000
FREEZE = "freeze-split-payments"


def _page(browser, viewport: dict, locale: str):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


def _ja(page, url: str) -> None:
    page.goto(url + "/lang/ja?next=/public")


def _fits(page, viewport: dict) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # nothing sideways


def _only_404s(page) -> None:
    assert all("status of 404" in e for e in page.errors), page.errors


def _local(site: ContractSite) -> str:
    return site.url.replace("127.0.0.1", "localhost")  # WebAuthn takes a host name, not an address


def _attest_from_queue(page, site: ContractSite, viewport: dict, lang: str, artifacts) -> None:
    install_passkey(page, site.passkey_at("atla.insp", _local(site)), "atla.insp")
    page.goto(_local(site) + "/attestations")
    sign_in(page, site, "atla.insp")
    assert page.url.endswith("/attestations")
    item = page.locator("#q-c1-m1-test-evaluation")
    assert item.is_visible() and "m1" in item.text_content() and "test-evaluation" in item.text_content()
    assert page.locator("#q-c1-m1-receipt").count() == 0  # the receiving unit's slot is not ATLA's
    _fits(page, viewport)
    shot(page, artifacts, f"queue-{viewport['width']}-{lang}")
    page.focus("#passkey-attest-c1-m1-test-evaluation")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the inspector's passkey signs the attestation
    assert page.url.endswith("/contracts/c1?attested=m1#ms-m1")
    assert page.locator("#contract-done").get_attribute("data-outcome") == "paid"
    assert site.world.balance(WALLET) == M1_NET
    page.goto(_local(site) + "/attestations")
    assert page.locator("#q-c1-m1-test-evaluation").count() == 0  # attested: no longer waiting


def _contractor_verifies(page, site: ContractSite, viewport: dict, lang: str, artifacts) -> None:
    page.goto(site.url + "/portal")
    sign_in(page, site, "vendor.kanto")
    assert page.url.endswith("/portal")
    assert page.get_attribute("#fig-received", "data-yen") == str(M1_NET)
    assert page.locator("#portal-contracts tbody tr").count() == 1
    assert page.locator("#wait-c1-m2").get_attribute("data-what") == "attestation"
    _fits(page, viewport)
    shot(page, artifacts, f"portal-{viewport['width']}-{lang}")
    link = page.locator("#portal-payments tbody tr a").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/portal/payments/contract.c1." in page.url
    page.wait_for_selector("#verify-status[data-result]", timeout=VERIFY_TIMEOUT_MS)
    assert page.get_attribute("#verify-status", "data-result") == "ok", page.text_content("#verify-steps")
    assert page.get_attribute("#payment-amount", "data-yen") == str(M1_NET)
    _fits(page, viewport)
    shot(page, artifacts, f"portal-payment-{viewport['width']}-{lang}")


@pytest.mark.parametrize(("viewport", "locale"), [(WIDE, "en-GB"), (NARROW, "ja-JP")], ids=["1400-en", "820-ja"])
def test_an_inspector_attests_from_its_queue_and_the_contractor_verifies_the_payment(contract_site, browser,
                                                                                     artifacts, viewport, locale):  # fmt: skip
    lang = locale[:2]
    site = contract_site
    context, page = _page(browser, viewport, locale)
    try:
        if lang == "ja":
            _ja(page, _local(site))
        _attest_from_queue(page, site, viewport, lang, artifacts)
        assert page.errors == []
    finally:
        context.close()
    context, page = _page(browser, viewport, locale)
    try:
        if lang == "ja":
            _ja(page, site.url)
        _contractor_verifies(page, site, viewport, lang, artifacts)
        if lang == "ja":
            assert "検証成功" in page.text_content("#verify-status")
        else:
            assert "VERIFIED" in page.text_content("#verify-status")
        assert page.errors == []
    finally:
        context.close()


@pytest.fixture
def paid_site(contract_site):
    """c1's m1 attested by ATLA's inspector (paid), so kanto has a payment another might seek."""
    with contract_site.client("atla.insp") as c:
        fields = contract_site.signature("atla.insp", "m1", "test-evaluation")
        assert attest_form(c, "c1", "m1", "test-evaluation", fields).status_code == 303
    return contract_site


@pytest.mark.parametrize(("viewport", "locale"), [(NARROW, "en-GB"), (WIDE, "ja-JP")], ids=["820-en", "1400-ja"])
def test_another_contractor_sees_nothing_of_it(paid_site, browser, artifacts, viewport, locale):
    site = paid_site
    pay = next(t for t in (f"contract.c1.{n}.pay" for n in range(1, 9)) if site.world.journal.engine.transfer(t))
    context, page = _page(browser, viewport, locale)
    try:
        if locale.startswith("ja"):
            _ja(page, site.url)
        page.goto(site.url + "/portal")
        sign_in(page, site, "vendor.other")
        assert page.url.endswith("/portal")
        assert page.locator("#portal-none").is_visible() and page.locator("#portal-payments-none").is_visible()
        assert "c1" not in page.text_content("main")
        _fits(page, viewport)
        shot(page, artifacts, f"portal-other-{viewport['width']}-{locale[:2]}")
        for path in (f"/portal/payments/{pay}", "/contracts/c1"):
            assert page.goto(site.url + path).status == 404, path
        _only_404s(page)
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "locale"), [(WIDE, "en-GB"), (NARROW, "ja-JP")], ids=["1400-en", "820-ja"])
def test_the_demo_contractor_sees_only_its_own(signed, browser, artifacts, viewport, locale):
    lang = locale[:2]
    context, page = _page(browser, viewport, locale)
    try:
        if lang == "ja":
            _ja(page, signed.url)
        page.goto(signed.url + "/signin")
        sign_in_page(page, signed.url, "vendor.mhi", signed.people["vendor.mhi"])
        page.goto(signed.url + "/portal")
        assert page.locator("#row-mc25-ssm12-canisters").count() == 1
        _fits(page, viewport)
        shot(page, artifacts, f"portal-demo-{viewport['width']}-{lang}")
        page.goto(signed.url + "/approvals")
        assert page.locator("article.request").count() == 0 and FREEZE not in page.content()
        shot(page, artifacts, f"approvals-contractor-{viewport['width']}-{lang}")
        assert page.goto(f"{signed.url}/v1/approvals/{FREEZE}").status == 404
        own = contract_state.load(signed.journal.engine.record, "mc25-ssm12-canisters").terms.vendor
        other = contract_state.load(signed.journal.engine.record, "mc25-jsm-integration").terms.vendor
        assert own != other and page.goto(f"{signed.url}/contracts/mc25-jsm-integration").status == 404
        _only_404s(page)
    finally:
        context.close()
