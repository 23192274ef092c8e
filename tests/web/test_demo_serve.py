"""`ramp demo` end to end: a real process creates the demo database, serves the dashboard, says
where and that access is open demo access; its two local witnesses cosign the checkpoint, and
the page verifies their cosignatures (and fails on a forged one). Ctrl-C stops it cleanly."""

from __future__ import annotations

import base64
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.net import free_port
from tests.web.browser import shot

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
    deadline = time.monotonic() + 20  # the witnesses cosign in the background, off the write path
    while len(httpx.get(url + "/dashboard/witnesses").json()["witnesses"]) < 2:
        assert time.monotonic() < deadline, "the demo's witnesses did not cosign"
        time.sleep(0.1)
    yield url, "".join(output), proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_ramp_demo_says_where_it_serves_and_that_access_is_demo_access(demo_process):
    url, output, _ = demo_process
    assert f"the dashboard is at {url}/" in output
    assert "DEMO ACCESS" in output and "events (" in output  # created, and said what it made
    assert "¥8,700,500,000,000" in httpx.get(url + "/overview").text


def _transfer_url(url: str) -> str:
    r = httpx.get(url + "/ledger")
    example = r.text.split('href="/ledger?q=', 1)[1].split('"', 1)[0]
    found = httpx.get(f"{url}/ledger?q={example}")
    assert found.status_code == 303, example
    return url + found.headers["location"]


def test_the_page_verifies_both_witnesses_cosignatures(demo_process, page, artifacts):
    url, _, _ = demo_process
    page.goto(_transfer_url(url))
    status = page.locator("#verify-status[data-result]")
    status.wait_for(timeout=15_000)
    assert status.get_attribute("data-result") == "ok", status.text_content()
    signers = page.locator("#verify-signers li.ok")
    assert sorted(signers.nth(k).get_attribute("data-witness") for k in range(signers.count())) == [
        "witness.demo/a", "witness.demo/b"]
    shot(page, artifacts, "ledger-witnessed")


def test_a_forged_cosignature_fails_visibly(demo_process, page, artifacts):
    url, _, _ = demo_process

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
    page.goto(_transfer_url(url))
    status = page.locator("#verify-status[data-result]")
    status.wait_for(timeout=15_000)
    assert status.get_attribute("data-result") == "failed"
    assert "the cosignature of witness.demo/a does not verify" in status.text_content()
    shot(page, artifacts, "ledger-forged-cosignature")


def test_ctrl_c_stops_the_demo_cleanly(demo_process):
    _, _, proc = demo_process
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    db = proc.args[proc.args.index("--db") + 1]
    from ramp.journal import Journal
    from ramp.store import SQLiteStore

    Journal(SQLiteStore(db)).close()  # the writer's lock was released: it opens again
