"""Every response of the app carries the security headers, whichever route, mount, redirect or
error produced it (`ramp.service.headers`, installed by `ramp.server`); private answers are
`no-store`, public ones keep their own caching (a full tile is immutable) or revalidate."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from starlette.requests import Request
from starlette.routing import Mount, Route

from ramp.auth.credentials import CredentialFile
from ramp.client import RampClient
from ramp.demo.people import credentials_path
from ramp.server import CACHE_POLICY, create_app
from ramp.service.headers import SECURITY_HEADERS
from ramp.web.access import DemoAccess
from tests.net import serve_in_thread
from tests.web.conftest import open_demo

PARAMS = {"id": "nope", "lang": "ja", "fiscal_year": "2025", "path": "fy2025:x", "vendor": "nope"}
MOUNTED = {"/tlog": ["/tlog/checkpoint", "/tlog/tile/0/000", "/tlog/tile/0/x"], "/static": ["/static/ramp.css",
           "/static/none.css"]}  # fmt: skip


@pytest.fixture(scope="module")
def site(demo_db):
    db = demo_db  # read only: nothing here is written
    journal, identities, _budget, _activity = open_demo(db)
    # Web login on (its routes answer) and the demo's open access (every page and the feed render).
    app = create_app(journal, identities, credentials=CredentialFile(credentials_path(db)), web_access=DemoAccess())
    with serve_in_thread(app) as url:
        yield url, app, db
    journal.close()


def _requests(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the app, mounts included, path parameters filled in."""
    out = []
    for route in app.routes:
        if isinstance(route, Mount):
            out += [("GET", p) for p in MOUNTED[route.path]]
        else:
            assert isinstance(route, Route)
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m.group(1), "nope"), route.path)
            out += [(method, path) for method in sorted(route.methods or ["GET"]) if method != "HEAD"]
    return out


def _check(r: httpx.Response, *, private: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (r.request.url, r.status_code, name)
    assert "cache-control" in r.headers, r.request.url
    if private:
        assert r.headers["cache-control"] == "no-store", (r.request.url, r.status_code)


def _public(path: str) -> bool:
    return bool(CACHE_POLICY.shared.fullmatch(path) or CACHE_POLICY.public.fullmatch(path))


def test_every_route_answers_with_the_headers(site) -> None:
    url, app, _ = site
    asked = _requests(app)
    assert len(asked) > 40 and ("GET", "/dashboard/events") in asked
    with httpx.Client(base_url=url, follow_redirects=False) as client:
        for method, path in asked:
            if path == "/dashboard/events":
                continue  # streams: test_the_live_feed_streams_with_the_headers
            r = client.request(method, path)
            _check(r, private=not _public(path))


def test_redirects_errors_and_private_pages_are_no_store(site) -> None:
    url, _, _ = site
    with httpx.Client(base_url=url, follow_redirects=False) as client:
        for method, path, status in [("GET", "/", 303), ("GET", "/overview", 200), ("GET", "/nope", 404),
                                     ("DELETE", "/v1/transfers", 405), ("POST", "/v1/transfers", 401),
                                     ("GET", "/v1/accounts/x", 401), ("GET", "/lang/ja", 303), ("GET", "/signin", 303),
                                     ("POST", "/signin", 400)]:  # fmt: skip
            r = client.request(method, path)
            assert r.status_code == status, (method, path, r.status_code)
            _check(r, private=True)


def test_public_answers_keep_their_caching_and_a_sender_makes_them_private(site) -> None:
    url, _, db = site
    tile = httpx.get(url + "/tlog/tile/0/000")
    assert tile.status_code == 200 and tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    _check(tile, private=False)
    for path in ("/static/ramp.css", "/public", "/v1/log/entries?start=0&end=1", "/openapi.json"):
        r = httpx.get(url + path)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-cache", path
        _check(r, private=False)
    assert httpx.get(url + "/tlog/checkpoint").headers["cache-control"] == "no-store"  # its own: it moves
    # The same public page to a signed-in browser names its viewer: private. Static files are not.
    cookie = {"cookie": "ramp_session=anything"}
    assert httpx.get(url + "/public", headers=cookie).headers["cache-control"] == "no-store"
    assert httpx.get(url + "/static/ramp.css", headers=cookie).headers["cache-control"] == "no-cache"
    assert httpx.get(url + "/public", headers={"cookie": "ramp_lang=ja"}).headers["cache-control"] == "no-cache"
    with RampClient(url, key_file=db + ".admin.json") as signed:
        for path in ("/v1/log/entries?start=0&end=1", "/v1/accounts/treasury:issuer", "/v1/budget/years"):
            r = signed.get(path)
            _check(r, private=True)


def test_the_live_feed_streams_with_the_headers(site) -> None:
    url, _, _ = site
    with httpx.stream("GET", url + "/dashboard/events", timeout=10) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        _check(r, private=True)
        first = next(r.iter_lines())  # the stream flows through the middleware, unbuffered
        assert first.startswith((":", "event:", "data:", "id:", "retry:")), first


def test_the_servers_own_500_carries_the_headers(site) -> None:
    _, app, _ = site

    async def boom(_request: Request) -> None:
        raise RuntimeError("a bug")

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ramp.test") as client:
            return await client.get("/boom-for-test")

    app.router.routes.append(Route("/boom-for-test", boom))
    try:
        r = asyncio.run(get())
    finally:
        app.router.routes.pop()
    assert r.status_code == 500
    _check(r, private=True)


def test_https_answers_carry_strict_transport_security_and_http_ones_do_not(site) -> None:
    _, app, _ = site

    async def get(base: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base) as client:
            return await client.get("/public")

    secure, plain = asyncio.run(get("https://ramp.test")), asyncio.run(get("http://ramp.test"))
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers
