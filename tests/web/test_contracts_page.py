"""The contracts page over HTTP, against a real server: who may open it (budget readers,
inspectors, a contractor its own vendor's contracts only; a visitor is sent to sign-in), what a
contract shows, attesting a slot with the inspector's passkey (the milestone is accepted and paid
in the same batch), and every refusal said in words with nothing written."""

from __future__ import annotations

import html as html_lib
import re

from ramp.auth import passkeys
from ramp.contracts.desk import statement
from ramp.web.i18n import LABELS
from tests.web.contract_world import M1_NET, WALLET, attest_form
from tests.web.logins import challenge_on, csrf_of


def text_of(html: str, dom_id: str) -> str:
    match = re.search(rf'id="{dom_id}"[^>]*>(.*?)</p>', html, re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1)))).strip() if match else ""


def listed(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([^"]+)"', html)


def test_a_visitor_is_sent_to_sign_in_and_back(contract_site):
    with contract_site.client() as c:
        r = c.get("/contracts")
        assert r.status_code == 303 and r.headers["location"] == "/signin?next=/contracts"
        r = c.get("/contracts/c1?attested=m1")
        assert r.status_code == 303 and r.headers["location"] == "/signin?next=/contracts/c1%3Fattested%3Dm1"
        r = c.post("/contracts/c1/attest", data={"milestone": "m1", "slot": "test-evaluation"})
        assert r.status_code == 303 and r.headers["location"] == "/signin?next=/contracts/c1"  # back to the page, a GET
        assert contract_site.contract_records() == 2


def test_who_sees_which_contracts(contract_site):
    for who in ("reader.oda", "atla.insp", "vendor.kanto", "atla.co"):
        with contract_site.client(who) as c:
            assert listed(c.get("/contracts").text) == ["c1"], who
            assert c.get("/contracts/c1").status_code == 200, who
            assert 'href="/contracts"' in c.get("/overview" if who == "reader.oda" else "/contracts").text  # navigation
    with contract_site.client("vendor.other") as c:  # another vendor's contractor: not there at all
        html = c.get("/contracts").text
        assert listed(html) == [] and 'id="contracts-none"' in html
        assert c.get("/contracts/c1").status_code == 404
    with contract_site.client("bot.analytics") as c:  # no reading role: the page is not in its navigation
        assert c.get("/contracts").status_code == 403 and c.get("/contracts/c1").status_code == 403
        assert 'href="/contracts"' not in c.get("/approvals").text
    with contract_site.client("reader.oda") as c:
        for odd in ("NOPE", "c2", "a" * 41, "%00", "..%2F..", "c1%20", "-c1", "%E5%A5%91%E7%B4%84"):
            assert c.get(f"/contracts/{odd}").status_code == 404, odd
            r = c.post(f"/contracts/{odd}/attest", data={"csrf": "x"})
            assert r.status_code in (403, 404), odd  # no session token match: form.expired; never a 500
        assert listed(c.get("/contracts?status=in_progress").text) == ["c1"]
        assert listed(c.get("/contracts?status=completed").text) == []
        assert listed(c.get("/contracts?status=%3Cscript%3E").text) == ["c1"]  # an unknown status filters nothing


def test_a_contract_shows_its_milestones_slots_money_and_records(contract_site):
    with contract_site.client("reader.oda") as c:
        html = c.get("/contracts/c1").text
    assert 'id="fig-total" data-yen="10000000000">¥10,000,000,000<' in html
    assert 'id="fig-obligated" data-yen="10000000000">' in html  # all three milestones are FY2025's
    assert 'id="fig-escrow" data-yen="10000000000">' in html and 'id="fig-released" data-yen="0">' in html
    m1 = html.split('id="ms-m1"', 1)[1].split("</article>", 1)[0]
    assert 'data-status="attesting"' in m1 and "2025-07-01" in m1
    assert "attested by asdf.insp" in m1 and "test evaluation passed" in m1
    assert "Acceptance: 2 of 3 attestations" in m1
    assert 'id="ms-final"' in html
    events = html.split('id="events"', 1)[1]
    seqs = [r.seq for r in contract_site.world.state("c1").records]
    for seq in seqs:
        assert f'<td class="num">{seq}</td>' in events
    assert 'href="/ledger/transfer/sign-c1"' in events  # the signing's obligation, in the ledger explorer
    assert 'class="decide attest"' not in html  # a ledger reader has no slot to fill
    with contract_site.client("vendor.kanto") as c:
        html = c.get("/contracts/c1").text
        assert "<code>sign-c1</code>" in html and 'href="/ledger/transfer/' not in html  # no ledger pages for it


def test_attest_the_completing_slot_accepts_and_pays(contract_site):
    site = contract_site
    with site.client("atla.insp") as c:
        html = c.get("/contracts/c1").text
        forms = re.findall(r'id="attest-([^"]+)"', html)
        assert forms == ["m1-test-evaluation", "m2-test-evaluation", "m3-test-evaluation"]  # final: not yet
        assert "To attest, add a passkey first" in html and 'id="passkey-attest-' not in html
        fields = site.signature("atla.insp", "m1", "test-evaluation")
        html = c.get("/contracts/c1").text
        assert challenge_on(html, "passkey-attest-m1-test-evaluation") == passkeys.b64url(passkeys.approval_challenge(
            statement("c1", "m1", "test-evaluation", site.world.state().digest, "atla.insp")))  # fmt: skip
        before = site.size()
        r = attest_form(c, "c1", "m1", "test-evaluation", fields, page_html=html)
        assert r.status_code == 303 and r.headers["location"] == "/contracts/c1?attested=m1#ms-m1"
        html = c.get(r.headers["location"]).text
        assert text_of(html, "contract-done") == "Milestone m1 accepted and paid ¥2,850,000,000."
        assert site.size() > before
        m1 = html.split('id="ms-m1"', 1)[1].split("</article>", 1)[0]
        assert 'data-status="released"' in m1 and "attested by atla.insp" in m1
        assert 'id="fig-vendor-received" data-yen="2850000000">¥2,850,000,000<' in html
        assert 'id="fig-retention" data-yen="150000000">' in html
        assert 'id="attest-m1-' not in html  # nothing left to attest on m1
    assert site.world.balance(WALLET) == M1_NET
    record = site.world.state("c1").records[2].body
    assert record["identity"] == "atla.insp" and record["via"] == "passkey" and record["second_factor"] == "passkey"
    assert record["assertion"]["credential_id"] == passkeys.b64url(site.passkey("atla.insp").credential_id)
    assert int(record["at_ns"]) == site.world.journal.clock_ns()  # the business calendar, not the wall clock
    with site.client("atla.co") as c:  # the documents slot is still open, but the milestone is accepted
        status, text = refused(site, c, "m1", "documents", site.signature("atla.co", "m1", "documents"))
        assert status == 409 and text == "This milestone is accepted already. (milestone_accepted)"
    with site.client("reader.oda") as c:
        assert 'href="/ledger/transfer/contract.c1.5.pay"' in c.get("/contracts/c1").text
        assert c.get("/ledger/transfer/contract.c1.5.pay").status_code == 200


def refused(site, c, milestone: str, slot: str, fields: dict[str, str], **kw) -> tuple[int, str]:
    size, records = site.size(), site.contract_records()
    r = attest_form(c, "c1", milestone, slot, fields, **kw)
    assert site.size() == size and site.contract_records() == records  # nothing written
    return r.status_code, text_of(r.text, "contract-error")


def test_refusals_are_said_in_words_and_write_nothing(contract_site):
    site = contract_site
    with site.client("atla.insp") as c:
        status, text = refused(site, c, "m1", "test-evaluation", {})  # a session alone attests nothing
        assert status == 403 and text == ("An attestation in the web is signed by your passkey: add one on the Approvals "
                                          "page, then attest. Nothing was written. (passkey_required)")  # fmt: skip
        other = site.signature("atla.insp", "m2", "test-evaluation")  # m2's statement, posted for m1
        status, text = refused(site, c, "m1", "test-evaluation", other)
        assert status == 403 and text.startswith("The passkey's signature does not verify for this attestation")
        status, text = refused(site, c, "m1", "test-evaluation", site.signature("atla.insp", "m1", "test-evaluation"),
                               csrf="not-the-token")  # fmt: skip
        assert status == 403 and text.startswith("This form is not from your current session")
    with site.client("asdf.insp") as c:
        status, text = refused(site, c, "m2", "test-evaluation", site.signature("asdf.insp", "m2", "test-evaluation"))
        assert status == 403 and text == ("This slot is attested by another role or organisation: not by you. "
                                          "Nothing was written. (wrong_role)")  # fmt: skip
        assert 'id="attest-m2-test-evaluation"' not in c.get("/contracts/c1").text
    with site.client("atla.co") as c:
        c.cookies.set("ramp_lang", "ja")
        status, text = refused(site, c, "m1", "receipt", site.signature("atla.co", "m1", "receipt"))
        assert status == 403 and text == LABELS["contracts.error.wrong_role"][1] + " (wrong_role)"
    with site.client("vendor.other") as c:  # not its contract: the same 404 as no contract, before any code
        r = c.post("/contracts/c1/attest", data={"csrf": csrf_of(c.get("/contracts").text), "milestone": "m1",
                                                 "slot": "test-evaluation"})  # fmt: skip
        assert r.status_code == 404 and "contract-error" not in r.text
