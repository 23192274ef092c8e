"""Find anything and the log monitor in headless Chromium, by keyboard, at 1400 px and 820 px,
in English and Japanese: (c) the auditor finds a vendor by part of its name, opens its payments
and downloads them as CSV, which parses back to the ledger's sums; the log monitor verifies a
consistency proof between two checkpoints in the page, and a tampered proof fails visibly; the
page's RFC 9162 consistency verifier against the RFC vectors. Screenshots in artifacts/dashboard/."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest

from ramp.tlog.cosignature import Cosigner
from tests.web.browser import shot
from tests.web.logins import sign_in_page
from tests.web.test_search import _vendor

pytestmark = pytest.mark.slow

VECTORS = Path("/work/shared/vectors/tlog/merkle/consistency")
WIDE = {"width": 1400, "height": 900}
NARROW = {"width": 820, "height": 1180}
VERIFY_TIMEOUT_MS = 15_000
WITNESS = Cosigner.generate("witness.example/w1")


def _context(browser, url: str, viewport: dict, lang: str):
    context = browser.new_context(viewport=viewport, locale="en-GB", accept_downloads=True)
    context.add_cookies([{"name": "ramp_lang", "value": lang, "url": url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


@pytest.mark.parametrize(("viewport", "lang"), [(WIDE, "en"), (NARROW, "ja"), (WIDE, "ja"), (NARROW, "en")])
def test_c_the_auditor_finds_a_vendor_by_part_of_its_name_and_exports_its_payments(signed, browser, artifacts,
                                                                                     viewport, lang):  # fmt: skip
    vendor, name, payments = _vendor(signed.journal)
    words = name.lower().split()
    part = f"{words[0][1:]} {words[1][:4]}"  # "sahi elec" of "Asahi Electric K.K. (fictitious)"
    context, page, errors = _context(browser, signed.url, viewport, lang)
    try:
        page.goto(signed.url + "/ledger")
        sign_in_page(page, signed.url, "boa.auditor.watanabe", signed.people["boa.auditor.watanabe"])
        assert page.url.endswith("/ledger")
        page.focus("#q")
        page.keyboard.type(part.upper())  # any case
        with page.expect_navigation():
            page.keyboard.press("Enter")
        row = page.locator("table.results tr", has=page.locator(f'code:text-is("{vendor}")'))
        assert row.get_attribute("data-kind") == "vendor"
        tag = f"{viewport['width']}-{lang}"
        shot(page, artifacts, f"search-vendor-{tag}")
        row.locator("a.payments").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "code=DISBURSE" in page.url
        seqs = [int(s) for s in page.locator("table.transfers tbody tr").evaluate_all("rs => rs.map(r => r.dataset.seq)")]
        newest = sorted((e.seq for e in payments), reverse=True)
        assert seqs == newest[:50]  # newest first
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # the layout holds
        shot(page, artifacts, f"vendor-payments-{tag}")
        page.focus("#page-older")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("table.transfers tbody tr").first.get_attribute("data-seq") == str(newest[50])
        page.focus("#page-newer")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("table.transfers tbody tr").first.get_attribute("data-seq") == str(newest[0])
        page.focus("#csv-account")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        raw = Path(download.value.path()).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == len(payments)
        assert sum(int(r["amount"]) for r in rows) == sum(int(e.amount) for e in payments)
        assert {r["transfer"] for r in rows} == {e.id for e in payments}
        assert errors == []
    finally:
        context.close()


def test_the_pages_consistency_verifier_on_the_rfc_vectors(dashboard, page):
    page.goto(dashboard.url + "/log")
    cases = [json.loads(p.read_text()) | {"file": str(p.relative_to(VECTORS))} for p in sorted(VECTORS.rglob("*.json"))]
    assert len(cases) > 80
    got = page.evaluate(
        """async cases => {
          const b = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
          const out = {};
          for (const v of cases) {
            try {
              await RAMPConsistency.verifyConsistency(v.size1, v.size2, (v.proof || []).map(b), b(v.root1), b(v.root2));
              out[v.file] = false;
            } catch (e) { out[v.file] = true; }
          }
          return out;
        }""",
        cases,
    )  # fmt: skip
    assert got == {v["file"]: v["wantErr"] for v in cases}


def _cosign_last_two(store) -> list[int]:
    """A witness cosigns the served log's last two checkpoints."""
    sizes = []
    for size, note in store.checkpoints()[-2:]:
        text = note.split("\n\n")[0] + "\n"
        store.add_cosignature(size, WITNESS.verifier_key().encode(), WITNESS.cosign(text, 1_765_000_000 + size).line())
        sizes.append(size)
    return sizes


def _flip_proof(body: bytes) -> bytes:
    proof = json.loads(body)
    first = bytearray(base64.b64decode(proof["proof"][0]))
    first[0] ^= 1
    proof["proof"][0] = base64.b64encode(bytes(first)).decode()
    return json.dumps(proof).encode()


@pytest.mark.parametrize(("viewport", "lang"), [(WIDE, "en"), (NARROW, "ja")])
def test_the_log_monitor_verifies_a_consistency_proof_and_a_tampered_one_fails(serve, fresh_demo, browser, artifacts,
                                                                                 viewport, lang):  # fmt: skip
    site = serve(db=fresh_demo)
    old, new = _cosign_last_two(site.journal.store)
    older = next(size for size, _ in site.journal.store.checkpoints() if size < old // 2)
    context, page, errors = _context(browser, site.url, viewport, lang)
    try:
        page.goto(f"{site.url}/log?old={old}&new={new}")  # the two the witness cosigned
        status = page.locator('#consistency-status[data-result]')
        status.wait_for(timeout=VERIFY_TIMEOUT_MS)
        assert status.get_attribute("data-result") == "ok", status.text_content()
        assert page.locator("#consistency-steps li.ok").count() == 4
        cosigned = page.locator("#consistency-steps li").nth(1).text_content()
        assert "1 witness cosignature" in cosigned or "連署 1件" in cosigned  # the witness's, verified
        first = page.locator(f'table.checkpoints tr[data-size="{new}"]')
        assert "witness.example/w1" in first.text_content() and "JST" in first.text_content()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        tag = f"{viewport['width']}-{lang}"
        shot(page, artifacts, f"log-monitor-{tag}")
        page.fill("#c-old", "")  # any two checkpoints, by keyboard
        page.focus("#c-old")
        page.keyboard.type(str(older))
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_function("size => document.querySelector('#consistency-status').dataset.result === 'ok'"
                               " && document.querySelector('#consistency-steps').textContent.includes(size)", arg=str(older))  # fmt: skip
        page.route("**/v1/log/proof/consistency*",
                   lambda route: route.fulfill(response=(r := route.fetch()), body=_flip_proof(r.body())))  # fmt: skip
        page.focus("#consistency-run")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#consistency-status').dataset.result === 'failed'")
        text = status.text_content()
        assert text.startswith("検証失敗" if lang == "ja" else "VERIFICATION FAILED") and "root" in text
        shot(page, artifacts, f"log-monitor-tampered-{tag}")
        assert errors == []
    finally:
        context.close()
