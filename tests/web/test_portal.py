"""The contractor's portal and the inspector's queue over HTTP, against a real server: the queue
lists the slots the signed-in inspector may fill (naming contract, milestone and slot), attesting
from it pays the milestone, and the contractor then sees its contract, what waits on whom, the
payment in its wallet (its page carries the envelope's opening for the in-browser proof), what is
owed, the retention and penalties; another contractor sees none of it (404), nor anyone's
payment but its own; the approvals inbox and GET /v1/approvals show a contractor no request of
another party (404 to it), on the demo's data."""

from __future__ import annotations

import base64
import re

import httpx

from ramp.service.access import may_read_request
from tests.web.contract_world import M1_NET, WALLET
from tests.web.logins import challenge_on, csrf_of, sign_in


def rows(html: str, prefix: str) -> list[str]:
    return re.findall(rf'<(?:tr|article)[^>]* id="{prefix}-([^"]+)"', html)


def attest_from_queue(c: httpx.Client, site) -> httpx.Response:
    """atla.insp's attestation of c1 m1, from the queue's form: its button's challenge, signed."""
    site.passkey("atla.insp")
    html = c.get("/attestations").text
    fields = site.passkey("atla.insp").fields(challenge_on(html, "passkey-attest-c1-m1-test-evaluation"))
    return c.post("/contracts/c1/attest", data={"csrf": csrf_of(html), "milestone": "m1", "slot": "test-evaluation",
                                               **fields})  # fmt: skip


def test_the_inspectors_queue_lists_what_it_may_attest_and_attesting_pays(contract_site):
    site = contract_site
    with site.client("atla.insp") as c:
        assert "To attest, add a passkey first" in c.get("/attestations").text
        site.passkey("atla.insp")
        html = c.get("/attestations").text
        assert 'href="/attestations" aria-current="page"' in html  # in its navigation
        waiting = rows(html, "q")
        assert "c1-m1-test-evaluation" in waiting and "c1-m1-receipt" not in waiting  # receipt is asdf's
        form = html.split('id="attest-c1-m1-test-evaluation"', 1)[1].split("</form>", 1)[0]
        assert "Attest c1 · m1 · test-evaluation" in form  # the control names contract, milestone and slot
        r = attest_from_queue(c, site)
        assert r.status_code == 303 and r.headers["location"] == "/contracts/c1?attested=m1#ms-m1"
        assert "c1-m1-test-evaluation" not in rows(c.get("/attestations").text, "q")  # attested: gone
        assert 'Attest m2 · test-evaluation' in c.get("/contracts/c1").text  # the contract page's controls too
    assert site.world.balance(WALLET) == M1_NET
    with site.client("asdf.insp") as c:  # attested m1's receipt already: only its next slots
        waiting = rows(c.get("/attestations").text, "q")
        assert "c1-m2-receipt" in waiting and not any(w.startswith("c1-m1-") for w in waiting)
    with site.client("vendor.kanto") as c:  # not an inspector: no queue
        assert c.get("/attestations").status_code == 403
    with site.client("reader.oda") as c:
        assert c.get("/attestations").status_code == 403 and c.get("/portal").status_code == 403


def test_the_contractor_sees_its_contract_payment_and_what_waits(contract_site):
    site = contract_site
    with site.client("atla.insp") as c:
        assert attest_from_queue(c, site).status_code == 303
    with site.client("vendor.kanto") as c:
        html = c.get("/portal").text
        assert 'href="/portal" aria-current="page"' in html
        assert rows(html, "row") == ["c1"]
        assert f'id="fig-received" data-yen="{M1_NET}"' in html and f'id="fig-released" data-yen="{M1_NET}"' in html
        assert 'id="fig-retention" data-yen="150000000"' in html  # 5 % of m1 held until final acceptance
        assert 'id="fig-penalties" data-yen="0"' in html
        [pay] = rows(html, "pay")  # m1's payment, net of retention
        t = site.world.journal.engine.transfer(pay)
        assert pay.startswith("contract.c1.") and t.credit_account == WALLET and int(t.amount) == M1_NET
        wait = html.split('id="wait-c1-m2"', 1)[1].split("</tr>", 1)[0]
        assert 'data-what="attestation"' in wait and "inspector (asdf)" in wait and "inspector (atla)" in wait
        assert 'id="wait-c1-m1"' not in html  # paid: waits on nobody
        assert 'id="wait-c1-final" data-what="after_milestones"' in html  # final acceptance comes last
        r = c.get(f"/portal/payments/{pay}")
        assert r.status_code == 200 and 'src="/static/verify.js"' in r.text
        seq = int(re.search(r'data-seq="(\d+)"', r.text).group(1))
        body = base64.b64decode(re.search(r'data-body="([^"]+)"', r.text).group(1))
        [(salt, opened)] = site.world.journal.openings(seq, seq + 1)
        assert body == opened and f'data-salt="{salt.hex()}"' in r.text  # the envelope's opening, to verify in the page
        assert c.get("/contracts").status_code == 200 and "c1" in c.get("/contracts").text
        for other in ("contract.c1.1.ob", "nope", "x" * 65):  # not a payment to its wallet: not there
            assert c.get(f"/portal/payments/{other}").status_code == 404, other
    with site.client("vendor.other") as c:  # another contractor: nothing of kanto's
        html = c.get("/portal").text
        assert rows(html, "row") == [] and rows(html, "pay") == [] and "c1" not in html
        assert c.get(f"/portal/payments/{pay}").status_code == 404
        assert c.get("/contracts/c1").status_code == 404


def test_the_portal_in_japanese(contract_site):
    with contract_site.client("vendor.kanto") as c:
        c.cookies.set("ramp_lang", "ja")
        html = c.get("/portal").text
        assert "自社の契約" in html and "待ちの状況" in html


# --- who reads which approval request (ramp.service.access.may_read_request), on the demo ---------
FREEZE = "freeze-split-payments"  # the Board of Audit's freeze of a vendor's wallet


def test_a_contractor_sees_no_request_of_another_party(signed):
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "vendor.mhi", signed.people["vendor.mhi"])
        html = c.get("/approvals").text
        assert re.findall(r'<article class="request [a-z]+" id="req-', html) == []  # MoD's, MOF's, BoA's: none
        assert FREEZE not in html
        r = c.get("/v1/approvals")
        assert r.status_code == 200 and r.json()["requests"] == []
        r = c.get(f"/v1/approvals/{FREEZE}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "request_not_found"
        csrf = csrf_of(html)
        r = c.post(f"/v1/approvals/{FREEZE}/approve", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 404  # not "forbidden": to it the request does not exist
    with httpx.Client(base_url=signed.url) as c:  # the government's people read them, as before
        sign_in(c, "mof.sato", signed.people["mof.sato"])
        assert FREEZE in c.get("/approvals").text
        ids = [x["id"] for x in c.get("/v1/approvals?status=open&limit=100").json()["requests"]]
        assert FREEZE in ids and c.get(f"/v1/approvals/{FREEZE}").status_code == 200


def test_the_demo_contractor_reads_its_vendors_contracts(signed):
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "vendor.mhi", signed.people["vendor.mhi"])
        html = c.get("/contracts").text
        assert "mc25-ssm12-canisters" in rows(html, "row") and 'id="contracts-none"' not in html
        portal = c.get("/portal").text
        assert "mc25-ssm12-canisters" in rows(portal, "row") and rows(portal, "pay")


def test_the_read_rule_is_one_function():
    import ramp.api.approval_routes as api
    import ramp.web.inbox as inbox

    assert api.may_read_request is may_read_request and inbox.may_read_request is may_read_request
