"""Benchmark: the dashboard's overview must render in under 1 s on the default demo data.

    .venv/bin/python bench/dashboard.py [--db PATH] [--size default] [--requests 50] [--target-s 1]

Uses the demo database at --db (generated first when absent, as `ramp demo` does; default: a
new temporary one), opens it as `ramp demo` does and serves the dashboard with a real uvicorn
on loopback. Reports, per page, the server's full answer (HTML rendered from the read models)
as p50 / p95 / max over --requests sequential requests, and the overview's time to the `load`
event in headless Chromium (when /usr/bin/chromium is there). Baseline, same server, same run:
a static file (`/static/ramp.css`). Also reports how long `ramp demo` took to be ready (create
if it did, open, serve). Exits 1 when the overview misses the target. Not a unit test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time

import httpx
import uvicorn

from ramp.demo.load import load
from ramp.demo.serve import forget_witness_state, open_for_dashboard
from ramp.server import create_app
from ramp.web.access import DemoAccess

CHROMIUM = "/usr/bin/chromium"
PAGES = ("/overview", "/public", "/budget", "/feed")


def _timed(client: httpx.Client, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path)
        out.append(time.perf_counter() - t0)
        assert r.status_code == 200, (path, r.status_code)
    return out


def _figures(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return f"p50 {statistics.median(samples) * 1000:7.1f} ms  p95 {q[-1] * 1000:7.1f} ms  max {max(samples) * 1000:7.1f} ms"


def _browser_load_s(url: str, n: int) -> list[float] | None:
    if not os.path.exists(CHROMIUM):
        return None
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(url)  # warm the connection and the static files' cache
        for _ in range(n):
            t0 = time.perf_counter()
            page.goto(url, wait_until="load")
            out.append(time.perf_counter() - t0)
        browser.close()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", help="demo database (generated when absent; default: a temporary one)")
    p.add_argument("--size", default="default")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--target-s", type=float, default=1.0)
    args = p.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory(prefix="ramp-bench-dashboard-")
        args.db = os.path.join(tmp.name, "demo.db")
    t0 = time.perf_counter()
    created_s = 0.0
    if not os.path.exists(args.db):
        forget_witness_state(args.db)
        created_s = load(args.db, args.seed, args.size).seconds
    t1 = time.perf_counter()
    journal, identities = open_for_dashboard(args.db)
    opened_s = time.perf_counter() - t1
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(journal, identities, web_access=DemoAccess()),
                                           log_level="warning", access_log=False))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    ready_s = time.perf_counter() - t0
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            first_s = _timed(client, "/overview", 1)[0]
            baseline = _timed(client, "/static/ramp.css", args.requests)
            pages = {path: _timed(client, path, args.requests) for path in PAGES}
        browser = _browser_load_s(url + "/overview", max(5, args.requests // 5))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        journal.close()
        if tmp is not None:
            tmp.cleanup()
    overview_p95 = statistics.quantiles(pages["/overview"], n=20, method="inclusive")[-1]
    worst = max(overview_p95, first_s, max(browser) if browser else 0.0)
    ok = worst < args.target_s
    print(f"dashboard on {journal.size:,} events (size {args.size}): ready in {ready_s:.1f} s "
          f"(created {created_s:.1f} s, opened {opened_s:.1f} s)")  # fmt: skip
    print(f"  {'/static/ramp.css':<18} {_figures(baseline)}   (baseline)")
    base = statistics.median(baseline)
    for path, samples in pages.items():
        print(f"  {path:<18} {_figures(samples)}   ratio to baseline {statistics.median(samples) / base:5.1f}")
    print(f"  first /overview after start: {first_s * 1000:.1f} ms")
    if browser:
        print(f"  /overview in Chromium, navigation to load: {_figures(browser)}")
    else:
        print(f"  (no {CHROMIUM}: the in-browser measurement was not taken)")
    print(f"target: overview < {args.target_s:g} s (p95, first answer, in the browser): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
