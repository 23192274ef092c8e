"""The contracts page in headless Chromium: ATLA's inspector signs in with the password and a TOTP
code, opens the contract, attests the open slot of milestone m1 with their passkey (Chromium's
virtual authenticator; by keyboard) and sees the payment arrive on the page — the milestone paid,
the vendor's wallet — which the ledger confirms; a copy of the passkey (its counter behind)
refused visibly with nothing written; the receiving unit's inspector, who attested already, gets
no form for another's slot, and without a passkey is told to add one; tablet width. Served at
http://localhost (WebAuthn takes a host name). Screenshots in artifacts/dashboard/."""

from __future__ import annotations

import pytest

from tests.auth.soft_passkey import register
from tests.web.browser import TABLET, install_passkey, shot
from tests.web.contract_world import M1_NET, PASSWORD, WALLET, ContractSite

pytestmark = pytest.mark.slow  # Chromium: `make test` runs it, `make test-fast` does not


def sign_in(page, site: ContractSite, who: str) -> None:
    """Through the form, by keyboard: type, Tab to the next field, Enter."""
    page.focus("#identity")
    page.keyboard.type(who)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(site.apps[who].code())
    with page.expect_navigation():
        page.keyboard.press("Enter")


def local(site: ContractSite) -> str:
    return site.url.replace("127.0.0.1", "localhost")


def test_attest_a_milestone_and_see_the_payment_arrive(contract_site, page, artifacts):
    site = contract_site
    key = register(site.world.journal, "atla.insp", local(site))  # as the approvals page's ceremony records it
    authenticator = install_passkey(page, key, "atla.insp")
    page.goto(local(site) + "/contracts")
    assert "/signin?next=" in page.url
    sign_in(page, site, "atla.insp")
    assert page.url.endswith("/contracts")
    assert page.locator('header nav a[aria-current="page"]').text_content() == "Contracts"
    row = page.locator("#row-c1")
    assert "in progress" in row.text_content() and "¥10,000,000,000" in row.text_content()
    shot(page, artifacts, "contracts")
    with page.expect_navigation():
        page.click("#row-c1 a")
    assert page.url.endswith("/contracts/c1")
    m1 = page.locator("#ms-m1")
    assert "attested by asdf.insp" in m1.text_content() and m1.get_attribute("data-status") == "attesting"
    assert page.text_content("#fig-vendor-received") == "¥0"
    shot(page, artifacts, "contract")
    assert not page.locator("#passkey-needs-script").is_visible()  # WebAuthn is here: the buttons work
    page.focus("#passkey-attest-m1-test-evaluation")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the authenticator signs the statement; the form goes
    assert page.url.endswith("/contracts/c1?attested=m1#ms-m1")
    done = page.locator("#contract-done")
    assert done.is_visible() and done.text_content() == "Milestone m1 accepted and paid ¥2,850,000,000."
    assert m1.get_attribute("data-status") == "released"
    assert "attested by atla.insp" in m1.text_content() and "¥2,850,000,000" in m1.locator(".paid").text_content()
    assert page.text_content("#fig-vendor-received") == "¥2,850,000,000"
    assert page.text_content("#fig-released") == "¥2,850,000,000"
    assert page.text_content("#fig-retention") == "¥150,000,000"  # 5 % held until final acceptance
    assert page.locator("#attest-m1-test-evaluation").count() == 0
    shot(page, artifacts, "contract-paid")
    assert site.world.balance(WALLET) == M1_NET  # the ledger agrees
    assert site.world.state("c1").milestones["m1"].released
    record = site.world.state("c1").records[2].body
    assert (record["identity"], record["via"]) == ("atla.insp", "passkey")
    # a copy of the key, made before it signed m1 (its counter behind), signs m2: refused, nothing written
    size, records = site.size(), site.contract_records()
    key.counter = 0  # the copy: the same private key and credential, its counter where it was at registration
    install_passkey(page, key, "atla.insp", authenticator)
    with page.expect_navigation():
        page.click("#passkey-attest-m2-test-evaluation")
    error = page.locator("#contract-error")
    assert error.is_visible() and "may have been copied" in error.text_content()
    assert site.size() == size and site.contract_records() == records
    assert page.locator("#ms-m2").get_attribute("data-status") == "open"
    shot(page, artifacts, "contract-refused")
    assert page.errors == [] or all("status of 403" in e for e in page.errors)  # the refusal's answer only


def test_who_has_no_slot_gets_no_form_at_tablet_width(contract_site, browser, artifacts):
    site = contract_site
    context = browser.new_context(viewport=TABLET, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(local(site) + "/contracts/c1")
        sign_in(page, site, "asdf.insp")
        assert page.url.endswith("/contracts/c1")
        # asdf's inspector attested m1's receipt already; test evaluation is ATLA's: no form for either
        assert page.locator("#attest-m1-test-evaluation").count() == 0
        assert page.locator("#attest-m1-receipt").count() == 0
        assert page.locator("#attest-m2-receipt").count() == 1  # its own slot of the next milestone
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]  # nothing sideways
        page.click("#lang-switch")
        page.wait_for_url("**/contracts/c1")
        assert page.text_content("h2#h-milestones") == "マイルストーン"
        assert page.text_content("#fig-total") == "100億円"
        shot(page, artifacts, "contract-tablet-ja")
        note = page.locator("#attest-m2-receipt .needs-passkey")  # no passkey yet: told how, in Japanese
        assert note.text_content().startswith("確認を記録するには、まず「承認」ページでパスキーを追加")
        assert note.locator("a").get_attribute("href") == "/approvals#passkeys"
    finally:
        context.close()
