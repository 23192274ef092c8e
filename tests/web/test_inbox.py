"""The approvals inbox over HTTP, against a real server on a copy of the demo data: what waits
for whom (the policy decides), what each request changes, deciding with the person's passkey
(the form as static/passkeys.js posts it; a completed quorum executes and the ledger moves), and
every refusal said in words with nothing written: no CSRF token, no passkey (a session alone
decides nothing), an assertion over another statement, an unregistered or copied passkey, a
request decided, expired or not one's to decide."""

from __future__ import annotations

import contextlib
import html as html_lib
import re
from collections.abc import Iterator

import httpx

from ramp.auth import passkeys
from ramp.auth.limits import SOURCE_FAILURES_MAX
from ramp.budget import model as budget_model
from ramp.policy.engine import KINDS
from ramp.web.i18n import LABELS
from tests.auth.soft_passkey import SoftPasskey
from tests.web.logins import approval_challenge, challenge_on, csrf_of, sign_in

PAC3, VESSELS, FREEZE = "ryuyo-pac3", "ryuyo-vessel-upkeep", "freeze-split-payments"


def sections(html: str) -> tuple[list[str], list[str]]:
    """(ids waiting for me, ids of the rest), in page order."""
    waiting, others = html.split('id="h-others"', 1)
    pattern = r'<article class="request [a-z]+" id="req-([^"]+)"'
    return re.findall(pattern, waiting), re.findall(pattern, others)


def article(html: str, request_id: str) -> str:
    return html.split(f'id="req-{request_id}"', 1)[1].split("</article>", 1)[0]


def record(served, request_id: str) -> dict:
    return served.journal.engine.record(f"request:{request_id}").body


@contextlib.contextmanager
def signed_in(served, who: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url) as c:
        sign_in(c, who, served.people[who])
        yield c


def signature(served, who: str, request_id: str, decision: str = "approve") -> dict[str, str]:
    """`who`'s passkey fields over their `decision` on the request, as passkeys.js fills them in."""
    return served.passkey(who).fields(approval_challenge(served.journal, request_id, decision, who))


def decide(c: httpx.Client, request_id: str, decision: str, fields: dict[str, str], csrf: str | None) -> httpx.Response:
    data = {"decision": decision, **fields} | ({"csrf": csrf} if csrf is not None else {})
    return c.post(f"/approvals/{request_id}/decide", data=data)


def error_of(html: str) -> str:
    match = re.search(r'id="inbox-error">(.*?)</p>', html, re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


def test_what_waits_for_whom_is_what_the_policy_lets_them_decide(signed):
    with signed_in(signed, "mof.sato") as mof, signed_in(signed, "fo.tanaka") as fo:
        waiting, others = sections(mof.get("/approvals").text)
        assert PAC3 in waiting and VESSELS in waiting  # 流用: the Ministry of Finance decides
        assert FREEZE in others and FREEZE not in waiting  # a freeze is not MOF's to decide
        waiting, others = sections(fo.get("/approvals").text)
        assert FREEZE in waiting  # the Board of Audit asked; MoD finance decides
        assert PAC3 in others and VESSELS in others  # his own requests: never his to decide
    with signed_in(signed, "boa.auditor.watanabe") as boa:
        waiting, _ = sections(boa.get("/approvals").text)
        assert FREEZE not in waiting and PAC3 not in waiting


def test_a_request_shows_what_it_changes(signed):
    body = record(signed, PAC3)
    op = body["action"]["operation"]
    with signed_in(signed, "mof.sato") as c:
        html = article(c.get("/approvals").text, PAC3)
        assert f'data-yen="{body["amount_yen"]}">¥{body["amount_yen"]:,}<' in html
        assert "fo.tanaka (MoD Finance and Equipment Bureau)" in html and "1 of 2 approvals counted" in html
        assert "Ministry of Finance —" in html and "from distinct organisations" in html  # MOF still missing
        assert f'href="/budget/node?fy={op["fiscal_year"]}&amp;path={op["source"].replace(":", "%3A")}"' in html
        assert f"<code>{op['target']}</code>" in html and "PAC-3 MSE" in html  # the memo
        assert '<span title="transfer">transfer between lines (流用 / 移用)</span>' in html  # the operation by its name
        for account in body["accounts"]:
            assert f"<code>{account}</code>" in html
        assert "fo.kobayashi (MoD Finance and Equipment Bureau): approved · counts" in html
        assert re.search(r"Expires \(JST\)</dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} JST<", html)
        assert 'name="csrf"' not in html and "To decide, add a passkey first" in html  # no passkey yet
        signed.passkey("mof.sato")
        html = article(c.get("/approvals").text, PAC3)
        assert 'name="csrf"' in html and "To decide, add a passkey first" not in html
        for decision in ("approve", "reject"):  # what the buttons have the authenticator sign
            assert challenge_on(html, f"passkey-{decision}-{PAC3}") == approval_challenge(signed.journal, PAC3, decision, "mof.sato")
        c.cookies.set("ramp_lang", "ja")
        ja = article(c.get("/approvals").text, PAC3)
        assert "流用(目間の移替え)" in ja and "承認 1/2" in ja and f">{body['amount_yen'] // 10**8:,}億円<" in ja


def test_approving_with_a_fresh_code_completes_the_quorum_executes_and_moves_the_ledger(signed):
    op = record(signed, PAC3)["action"]["operation"]
    source, target = (signed.journal.read.account(budget_model.node_account(op["fiscal_year"], op[k])) for k in ("source", "target"))
    with signed_in(signed, "mof.sato") as c:
        csrf = csrf_of(c.get("/approvals").text)
        r = decide(c, PAC3, "approve", signature(signed, "mof.sato", PAC3), csrf)
        assert (r.status_code, r.headers["location"]) == (303, f"/approvals?decided={PAC3}#req-{PAC3}")
        page = c.get(r.headers["location"]).text
        done = re.search(r'id="inbox-done" data-outcome="([a-z_]+)">(.*?)</p>', page, re.S)
        assert done.group(1) == "executed" and "the quorum is met and the request executed" in done.group(2)
        assert f'href="/ledger/transfer/{PAC3}"' in done.group(2)
        waiting, others = sections(page)
        assert PAC3 not in waiting and PAC3 in others
        assert 'data-status="executed"' in page.split(f'id="req-{PAC3}"', 1)[1].split(">", 1)[0]
    with signed_in(signed, "boa.auditor.watanabe") as boa:
        r = decide(boa, PAC3, "approve", signature(signed, "boa.auditor.watanabe", PAC3), csrf_of(boa.get("/approvals").text))
        assert r.status_code == 409 and error_of(r.text).startswith("This request was executed already.")
    moved = signed.journal.engine.transfer(PAC3)
    assert moved is not None and moved.code == budget_model.Code.TRANSFER_RYUYO and int(moved.amount) == op["amount_yen"]
    after = [signed.journal.read.account(budget_model.node_account(op["fiscal_year"], op[k])) for k in ("source", "target")]
    assert after[0].balance == source.balance - op["amount_yen"]
    assert after[1].balance == target.balance + op["amount_yen"]
    decision = signed.journal.engine.record(f"request:{PAC3}:d2").body
    assert (decision["approver"], decision["via"], decision["second_factor"]) == ("mof.sato", "passkey", "passkey")
    key = signed.keys["mof.sato"]
    assert decision["assertion"]["credential_id"] == passkeys.b64url(key.credential_id) and decision["key"] == ""


def test_an_approval_that_counts_but_does_not_complete_the_quorum(signed):
    with signed_in(signed, "mof.sato") as c:
        r = decide(c, VESSELS, "approve", signature(signed, "mof.sato", VESSELS), csrf_of(c.get("/approvals").text))
        page = c.get(r.headers["location"]).text
        assert 'data-outcome="counted"' in page and "your approval counts (1 of 2)" in page
        assert "Ministry of Finance ✓" in article(page, VESSELS)
    assert signed.journal.engine.transfer(VESSELS) is None


def test_rejecting_closes_the_request_and_changes_nothing(signed):
    account = record(signed, FREEZE)["action"]["account"]
    with signed_in(signed, "fo.tanaka") as c:
        r = decide(c, FREEZE, "reject", signature(signed, "fo.tanaka", FREEZE, "reject"), csrf_of(c.get("/approvals").text))
        page = c.get(r.headers["location"]).text
        assert 'data-outcome="rejected"' in page and f"You rejected {FREEZE}: the request is closed." in page
        assert 'class="badge rejected"' in article(page, FREEZE)
    assert "frozen" not in signed.journal.read.account(account).flags


def test_refusals_say_why_and_write_nothing(signed):
    with signed_in(signed, "mof.sato") as c:
        csrf = csrf_of(c.get("/approvals").text)
        good = signature(signed, "mof.sato", PAC3)
        key = signed.keys["mof.sato"]
        signature(signed, "boa.auditor.watanabe", PAC3), signature(signed, "fo.tanaka", PAC3)  # their passkeys, registered
        size = signed.journal.size
        stranger = SoftPasskey(rp_id=key.rp_id, origin=key.origin)  # never registered
        cases = [
            (decide(c, PAC3, "approve", good, None), 403, "This form is not from your current session"),
            (decide(c, PAC3, "approve", good, "forged-token"), 403, "This form is not from your current session"),
            (decide(c, PAC3, "approve", {}, csrf), 403, "A decision in the web is signed by your passkey"),
            (decide(c, PAC3, "approve", {**good, "passkey_signature": "not base64url!"}, csrf), 400,
             "The passkey's signature does not verify"),
            (decide(c, PAC3, "approve", signature(signed, "mof.sato", PAC3, "reject"), csrf), 403,
             "The passkey's signature does not verify"),  # the rejection's statement, posted as an approval
            (decide(c, PAC3, "approve", stranger.fields(approval_challenge(signed.journal, PAC3, "approve", "mof.sato")),
                    csrf), 403, "That passkey is not one you registered"),
            (decide(c, PAC3, "maybe", good, csrf), 400, "Choose Approve or Reject."),
            (c.post(f"/approvals/{PAC3}/decide", json={"decision": "approve"}, headers={"Origin": signed.url}), 415,
             "The form could not be read"),
            (c.post(f"/approvals/{PAC3}/decide", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}), 403,
             "This form was sent from another site"),
        ]  # fmt: skip
        for r, status, says in cases:
            assert r.status_code == status and error_of(r.text).startswith(says), (status, says, error_of(r.text))
            assert r.headers["content-type"].startswith("text/html")
        r = decide(c, FREEZE, "approve", signature(signed, "mof.sato", FREEZE), csrf)  # a freeze is not MOF's to decide
        assert r.status_code == 403 and "does not let you decide" in error_of(r.text) and "not_an_approver" in r.text
        assert signed.journal.size == size  # a refused decision writes nothing
    with signed_in(signed, "boa.auditor.watanabe") as boa:
        r = decide(boa, "no-such-request", "approve", signature(signed, "boa.auditor.watanabe", "no-such-request"),
                   csrf_of(boa.get("/approvals").text))  # fmt: skip
        assert r.status_code == 404 and error_of(r.text).startswith("There is no such request.")
    with signed_in(signed, "fo.tanaka") as fo:
        r = decide(fo, VESSELS, "approve", signature(signed, "fo.tanaka", VESSELS), csrf_of(fo.get("/approvals").text))
        assert r.status_code == 403 and error_of(r.text).startswith("You made this request")


def test_a_copied_passkey_is_refused_by_its_counter(signed):
    """WebAuthn's signature counter: after an approval whose assertion said n, an assertion saying
    n or less (a copy of the key made earlier, or a replay) is refused and writes nothing."""
    with signed_in(signed, "mof.sato") as c:
        csrf = csrf_of(c.get("/approvals").text)
        assert decide(c, VESSELS, "approve", signature(signed, "mof.sato", VESSELS), csrf).status_code == 303
        key, size = signed.keys["mof.sato"], signed.journal.size
        key.counter -= 1  # the copy signs with the counter the original last used
        r = decide(c, PAC3, "approve", signature(signed, "mof.sato", PAC3), csrf)
        assert r.status_code == 403 and "may have been copied" in error_of(r.text) and "passkey_cloned" in r.text
        assert signed.journal.size == size and signed.journal.engine.transfer(PAC3) is None


def test_wrong_passkeys_pause_deciding_for_the_session_not_the_person(signed):
    """A passkey that does not verify counts like a wrong code: after the session's limit the
    form is refused before any check (429), and the person can still sign in and decide elsewhere."""
    with signed_in(signed, "mof.sato") as c:
        csrf = csrf_of(c.get("/approvals").text)
        wrong = signature(signed, "mof.sato", PAC3, "reject")  # the rejection's statement, posted as an approval
        answers = [decide(c, PAC3, "approve", wrong, csrf).status_code for _ in range(SOURCE_FAILURES_MAX + 1)]
        assert answers == [403] * SOURCE_FAILURES_MAX + [429]
        r = decide(c, PAC3, "approve", signature(signed, "mof.sato", PAC3), csrf)
        assert r.status_code == 429 and "deciding is paused" in error_of(r.text) and "retry-after" in r.headers
    assert signed.journal.engine.transfer(PAC3) is None


def test_odd_request_ids_are_a_clear_answer_never_a_500(signed):
    with signed_in(signed, "boa.auditor.watanabe") as c:
        csrf = csrf_of(c.get("/approvals").text)
        for path in ["/approvals/%00/decide", "/approvals/" + "x" * 200 + "/decide", "/approvals/UPPER/decide",
                     "/approvals/%E2%80%AE/decide"]:  # fmt: skip
            r = c.post(path, data={"csrf": csrf, "decision": "approve", **signature(signed, "boa.auditor.watanabe", "x")})
            assert r.status_code == 404 and error_of(r.text).startswith("There is no such request."), path
        assert c.post("/approvals/a%2Fb/decide", data={"csrf": csrf}).status_code == 404  # no such route


def test_a_visitor_posting_a_decision_is_sent_to_sign_in_and_back_to_the_inbox(signed):
    r = httpx.post(signed.url + f"/approvals/{PAC3}/decide", data={"decision": "approve"})
    assert (r.status_code, r.headers["location"]) == (303, "/signin?next=/approvals")
    assert httpx.get(signed.url + "/approvals").headers["location"] == "/signin?next=/approvals"


def test_open_demo_access_reads_the_inbox_and_decides_nothing(dashboard):
    page = httpx.get(dashboard.url + "/approvals").text
    assert "Sign in with web login to decide" in page and 'class="decide"' not in page
    assert PAC3 in page
    r = httpx.post(dashboard.url + f"/approvals/{PAC3}/decide", data={"decision": "approve"})
    assert r.status_code == 403 and "This server has no web login" in error_of(r.text)


def test_every_kind_of_request_has_a_name_in_both_languages():
    for kind in KINDS:
        assert f"request_kind.{kind}" in LABELS, kind
    assert all(en and ja for en, ja in LABELS.values())
