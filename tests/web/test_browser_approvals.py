"""Sign-in and the approvals inbox in headless Chromium: signing in by keyboard with the password
and a TOTP code computed from the person's secret, a wrong code refused on the page, a private
page leading to sign-in and back, adding a passkey (Chromium's virtual authenticator) with a
fresh code (a used one refused on the page), approving a 流用 with it by keyboard (it executes: its
transfer is in the ledger and verifies in the page), a form without its CSRF token refused
visibly, signing out; EN/JA and tablet width. Screenshots in artifacts/dashboard/."""

from __future__ import annotations

import pytest

from ramp.auth import totp
from ramp.budget import model as budget_model
from ramp.demo.people import DEMO_PASSWORD
from tests.auth.soft_passkey import register
from tests.web.browser import TABLET, install_passkey, shot, virtual_authenticator
from tests.web.logins import sign_in_page

pytestmark = pytest.mark.slow  # Chromium: `make test` runs it, `make test-fast` does not

PAC3 = "ryuyo-pac3"
VERIFY_TIMEOUT_MS = 15_000


def test_sign_in_with_password_and_totp_refusing_a_wrong_code_and_back_to_the_page(signed, page, artifacts):
    app = signed.people["fo.tanaka"]
    page.goto(signed.url + "/budget/node?fy=2026&path=equipment:uav")
    assert "/signin?next=" in page.url
    assert page.text_content("h1") == "Sign in"
    assert page.evaluate("document.activeElement.id") == "identity"  # the form starts where typing starts
    shot(page, artifacts, "signin")
    page.fill("#identity", "fo.tanaka")
    page.fill("#password", DEMO_PASSWORD)
    page.fill("#totp", totp.hotp(app.secret, int(page.evaluate("Date.now()")) // 30_000 + 1000))  # not now's code
    with page.expect_navigation():
        page.click("#sign-in-submit")
    error = page.locator("#signin-error")
    assert error.is_visible() and error.text_content().startswith("Sign-in failed")
    assert "/signin" in page.url and page.input_value("#identity") == "fo.tanaka" and page.input_value("#password") == ""
    shot(page, artifacts, "signin-failed")
    sign_in_page(page, signed.url, "fo.tanaka", app)
    assert page.url.endswith("/budget/node?fy=2026&path=equipment:uav")  # back where the visitor was going
    assert page.text_content("#signed-in-as").startswith("Signed in as fo.tanaka")
    assert "Movements of" in page.text_content("main")
    assert all("status of 401" in e for e in page.errors)  # the refused sign-in's answer, nothing else


def test_the_sign_in_page_in_japanese(signed, page, artifacts):
    page.goto(signed.url + "/signin")
    page.click("#lang-switch")
    page.wait_for_url("**/signin")  # the switch keeps the page
    assert page.text_content("h1") == "サインイン"
    assert page.text_content('label[for="totp"]') == "確認コード(TOTP)"
    shot(page, artifacts, "signin-ja")


def test_add_a_passkey_with_a_fresh_code_and_approve_with_it_by_keyboard(signed, page, artifacts):
    body = signed.journal.engine.record(f"request:{PAC3}").body
    op = body["action"]["operation"]
    url = signed.url.replace("127.0.0.1", "localhost")  # WebAuthn takes a host name, not an address
    virtual_authenticator(page)
    app = signed.people["mof.sato"]
    page.goto(url + "/approvals")
    sign_in_page(page, url, "mof.sato", app)
    assert page.url.endswith("/approvals")
    card = page.locator(f"#req-{PAC3}")
    assert "1 of 2 approvals counted" in card.text_content()
    assert card.locator(".needs-passkey").text_content().startswith("To decide, add a passkey first")
    shot(page, artifacts, "approvals")
    page.fill("#passkey-code", totp.hotp(app.secret, app.last_step))  # the code that signed in: used already
    page.click("#passkey-add")
    status = page.locator("#passkey-status")
    page.wait_for_function("document.getElementById('passkey-status').textContent.includes('second_factor_invalid')")
    assert status.text_content().startswith("The passkey was not added") and page.input_value("#passkey-code") == ""
    assert signed.journal.engine.record("passkey:mof.sato:k1") is None
    page.focus("#passkey-code")
    page.keyboard.type(app.code())  # a fresh code: the second factor, again
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/approvals?passkey=added"), status.text_content()
    assert signed.journal.engine.record("passkey:mof.sato:k1") is not None
    page.focus(f"#passkey-approve-{PAC3}")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the authenticator signs the approval's statement; the form goes
    done = page.locator("#inbox-done")
    assert done.get_attribute("data-outcome") == "executed"
    assert "the quorum is met and the request executed" in done.text_content()
    assert page.locator(f"#req-{PAC3} .badge").text_content() == "executed"
    assert "2 of 2 approvals counted" in page.locator(f"#req-{PAC3}").text_content()
    shot(page, artifacts, "approvals-executed")
    moved = signed.journal.engine.transfer(PAC3)  # the ledger moved: the 流用 is a transfer
    assert moved is not None and int(moved.amount) == op["amount_yen"] and moved.code == budget_model.Code.TRANSFER_RYUYO
    assert moved.debit_account == budget_model.node_account(op["fiscal_year"], op["source"])
    assert signed.journal.engine.record(f"request:{PAC3}:d2").body["via"] == "passkey"
    with page.expect_navigation():
        done.locator("a").click()
    assert page.url.endswith(f"/ledger/transfer/{PAC3}")
    assert "transfer between sub-items (流用)" in page.text_content("main")  # TRANSFER_RYUYO, by its name
    status = page.locator("#verify-status[data-result]")
    status.wait_for(timeout=VERIFY_TIMEOUT_MS)
    assert status.get_attribute("data-result") == "ok", status.text_content()
    shot(page, artifacts, "approvals-transfer")
    assert all("status of 403" in e for e in page.errors)  # the used code's answer, nothing else


def test_a_form_without_its_csrf_token_is_refused_visibly(signed, page, artifacts):
    url = signed.url.replace("127.0.0.1", "localhost")
    key = register(signed.journal, "mof.sato", url)
    install_passkey(page, key, "mof.sato")
    page.goto(url + "/approvals")
    sign_in_page(page, url, "mof.sato", signed.people["mof.sato"])
    size = signed.journal.size
    page.evaluate(f"document.querySelector('#req-{PAC3} input[name=csrf]').remove()")
    with page.expect_navigation():
        page.click(f"#passkey-approve-{PAC3}")
    error = page.locator("#inbox-error")
    assert error.is_visible() and error.text_content().startswith("This form is not from your current session")
    assert page.locator(f"#req-{PAC3} .badge").text_content() == "open"
    assert signed.journal.size == size  # nothing written
    shot(page, artifacts, "approvals-no-csrf")


def test_sign_out_ends_the_session(signed, page, artifacts):
    page.goto(signed.url + "/overview")
    sign_in_page(page, signed.url, "boa.auditor.watanabe", signed.people["boa.auditor.watanabe"])
    assert page.url.endswith("/overview")
    with page.expect_navigation():
        page.click("#sign-out")
    assert page.locator("#signin-notice").text_content() == "You are signed out."
    page.goto(signed.url + "/overview")
    assert "/signin?next=/overview" in page.url
    assert page.locator("#sign-in").count() == 0  # the sign-in page does not link to itself


def test_inbox_and_sign_in_at_tablet_width(signed, browser, artifacts):
    context = browser.new_context(viewport=TABLET)
    try:
        p = context.new_page()
        p.goto(signed.url + "/approvals")
        overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert p.evaluate(overflow) <= 0
        shot(p, artifacts, "tablet-signin")
        sign_in_page(p, signed.url, "fo.tanaka", signed.people["fo.tanaka"])
        assert p.url.endswith("/approvals") and p.evaluate(overflow) <= 0
        shot(p, artifacts, "tablet-approvals")
    finally:
        context.close()
