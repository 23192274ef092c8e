"""`ramp demo` end to end: a real process creates the demo database, serves the dashboard, says
where and prints the demo logins, which sign in with a code from `ramp auth code`; its two
local witnesses cosign the checkpoint, and the page verifies their cosignatures (and fails on a
forged one). Ctrl-C stops it cleanly."""

from __future__ import annotations

import base64
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ramp.demo.people import DEMO_PASSWORD, PEOPLE
from tests.net import free_port
from tests.web.browser import shot, virtual_authenticator
from tests.web.logins import People, sign_in, sign_in_page

pytestmark = pytest.mark.slow  # a real `ramp demo` process on generated data: `make test` runs it, `make test-fast` does not

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def demo_process(tmp_path_factory):
    db = tmp_path_factory.mktemp("ramp-demo") / "demo.db"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ramp.cli", "demo", "--size", "small", "--db", str(db),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    output = []
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not any("Stop with Ctrl-C" in line for line in output):  # the last line of the banner
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("ramp demo did not become ready:\n" + "".join(output))
        try:
            output.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
    url = f"http://127.0.0.1:{port}"
    _wait_for_witnesses(url)
    yield url, "".join(output), proc, People(str(db))
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def _wait_for_witnesses(url: str) -> None:
    """Until both witnesses cosigned the newest checkpoint (they do in the background, off the
    write path; a sign-in writes to the log, so it makes a checkpoint for them to cosign)."""
    deadline = time.monotonic() + 20
    while len(httpx.get(url + "/dashboard/witnesses").json()["witnesses"]) < 2:
        assert time.monotonic() < deadline, "the demo's witnesses did not cosign"
        time.sleep(0.1)


def _transfer_page(page, url: str, people: People) -> None:
    """A transfer's page, signed in as the auditor, once the witnesses cosigned the log as it is."""
    path = _transfer_path(url, people)
    page.goto(url + "/signin?next=/public")
    sign_in_page(page, url, "boa.auditor.watanabe", people["boa.auditor.watanabe"])
    _wait_for_witnesses(url)
    page.goto(url + path)


def test_ramp_demo_says_where_it_serves_and_prints_the_demo_logins(demo_process):
    url, output, _, _ = demo_process
    said = url.replace("127.0.0.1", "localhost")  # a host name: passkeys take no address
    assert f"the dashboard is at {said}/" in output and "events (" in output  # created, and said what it made
    assert re.search(r"replaying the log: [\d,]+ events in [\d.]+ (s|min)", output)  # the replay said its progress
    assert "DEMO LOGINS" in output and f"password, for everyone: {DEMO_PASSWORD}" in output
    for p in PEOPLE:
        assert re.search(rf"^  {re.escape(p.id)} +{p.organisation} +.*[A-Z2-7]{{32}}$", output, re.M), p.id
    assert httpx.get(url + "/overview").headers["location"] == "/signin?next=/overview"  # sign-in, not open access
    assert "¥9,035,300,000,000" in httpx.get(url + "/public").text  # the public view needs none


def test_a_printed_login_signs_in_with_the_code_ramp_auth_code_prints(demo_process):
    url, output, _, _ = demo_process
    command = re.search(r"code: (.+) auth code --credentials (\S+) IDENTITY", output)
    assert command is not None, output
    run = subprocess.run([sys.executable, "-m", "ramp.cli", "auth", "code", "--credentials", command.group(2),
                          "atla.co.ito"], cwd=ROOT, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert run.returncode == 0, run.stderr
    code = run.stdout.strip()
    assert re.fullmatch(r"\d{6}", code) and "the next code comes in" in run.stderr
    with httpx.Client(base_url=url) as c:
        r = c.post("/signin", data={"identity": "atla.co.ito", "password": DEMO_PASSWORD, "totp": code,
                                    "next": "/overview"})  # fmt: skip
        assert (r.status_code, r.headers["location"]) == (303, "/overview"), r.text[:300]
        assert "¥9,035,300,000,000" in c.get("/overview").text


def _transfer_path(url: str, people: People) -> str:
    with httpx.Client(base_url=url) as c:
        sign_in(c, "boa.auditor.watanabe", people["boa.auditor.watanabe"])
        r = c.get("/ledger")
        example = r.text.split('href="/ledger?q=', 1)[1].split('"', 1)[0]
        found = c.get(f"/ledger?q={example}")
        assert found.status_code == 303, example
        return found.headers["location"]


def test_the_page_verifies_both_witnesses_cosignatures(demo_process, page, artifacts):
    url, _, _, people = demo_process
    _transfer_page(page, url, people)
    status = page.locator("#verify-status[data-result]")
    status.wait_for(timeout=15_000)
    assert status.get_attribute("data-result") == "ok", status.text_content()
    signers = page.locator("#verify-signers li.ok")
    assert sorted(signers.nth(k).get_attribute("data-witness") for k in range(signers.count())) == [
        "witness.demo/a", "witness.demo/b"]
    shot(page, artifacts, "ledger-witnessed")


def test_a_forged_cosignature_fails_visibly(demo_process, page, artifacts):
    url, _, _, people = demo_process

    def forge(route):
        response = route.fetch()
        lines = response.text().split("\n")
        for k, line in enumerate(lines):
            if line.startswith("\u2014 witness.demo/a "):
                raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
                raw[-1] ^= 1  # the signature's last byte
                lines[k] = f"\u2014 witness.demo/a {base64.b64encode(bytes(raw)).decode()}"
        route.fulfill(response=response, body="\n".join(lines))

    page.route("**/v1/log/checkpoint", forge)
    _transfer_page(page, url, people)
    status = page.locator("#verify-status[data-result]")
    status.wait_for(timeout=15_000)
    assert status.get_attribute("data-result") == "failed"
    assert "the cosignature of witness.demo/a does not verify" in status.text_content()
    shot(page, artifacts, "ledger-forged-cosignature")


def test_the_demo_runs_on_todays_calendar(demo_process):
    """FY2026 in progress on today's date (JST), FY2025 closed with its 決算: every yen paid,
    carried over or lapsed."""
    url, _, _, people = demo_process
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
    with httpx.Client(base_url=url) as c:
        sign_in(c, "boa.auditor.watanabe", people["boa.auditor.watanabe"])
        now = c.get("/overview").text
        assert "FY2026 at a glance" in now and "¥9,035,300,000,000" in now
        assert f'data-state="in_progress" data-as-of="{today}"' in now
        closed = c.get("/overview?fy=2025").text
        assert 'data-state="closed"' in closed and "<strong>closed</strong>" in closed
        figures = {k: int(v) for k, v in re.findall(r'id="fig-(\w+)" data-yen="(\d+)"', closed)}
        assert figures["issued"] == 8_700_500_000_000, figures
        carried_over, lapsed = (int(re.search(rf"{label} ¥([\d,]+)", closed).group(1).replace(",", ""))
                                for label in ("Carried over", "Lapsed"))  # fmt: skip
        assert carried_over > 0 and lapsed > 0


def test_an_attestation_made_in_the_page_is_paid_at_once(demo_process, browser, artifacts):
    """ATLA's inspector adds a passkey (with a fresh code), opens its queue, attests the slot the
    PAC-3 launcher modification waits on, by keyboard: the milestone is accepted and paid at once,
    today, from the money carried into FY2026."""
    url, _, _, people = demo_process
    local = url.replace("127.0.0.1", "localhost")  # WebAuthn takes a host name
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        virtual_authenticator(page)
        who = "atla.inspector.suzuki"
        page.goto(local + "/approvals")
        sign_in_page(page, local, who, people[who])
        page.fill("#passkey-code", people[who].code())  # adding a key asks for the second factor again
        with page.expect_navigation():
            page.click("#passkey-add")
        assert page.url.endswith("/approvals?passkey=added")
        page.goto(local + "/attestations")
        button = "#passkey-attest-mc25-pac3-launchers-m2-test-evaluation"
        assert "mc25-pac3-launchers" in page.text_content(button) and "m2" in page.text_content(button)
        shot(page, artifacts, "demo-queue")
        page.focus(button)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        done = page.locator("#contract-done")
        assert done.get_attribute("data-outcome") == "paid", page.text_content("main")[:600]
        assert done.text_content().startswith("Milestone m2 accepted and paid ¥")
        assert page.locator("#ms-m2").get_attribute("data-status") == "released"
        shot(page, artifacts, "demo-attested-paid")
        assert errors == [], errors
    finally:
        context.close()


def test_ctrl_c_stops_the_demo_cleanly(demo_process):
    _, _, proc, _ = demo_process
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    db = proc.args[proc.args.index("--db") + 1]
    from ramp.journal import Journal
    from ramp.store import SQLiteStore

    Journal(SQLiteStore(db)).close()  # the writer's lock was released: it opens again
