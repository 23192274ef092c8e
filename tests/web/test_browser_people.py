"""Every page for every person: each demo person signs in, and headless Chromium opens every page
of the navigation the dashboard gives them (and the public visitor the public ones), at 1400 and
820 px: each page loads (no 5xx, never a script error or a failed resource), holds its width (no
horizontal overflow of the document) and leaves a screenshot in artifacts/dashboard/people/."""

from __future__ import annotations

import re

import httpx
import pytest

from ramp.demo.people import PEOPLE
from ramp.service.sessions import SESSION_COOKIE
from tests.web.logins import sign_in

pytestmark = pytest.mark.slow  # Chromium over every person's pages: `make test` runs it

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _nav(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Pages">(.*?)</nav>', html, re.S)
    assert nav is not None, "no navigation"
    return re.findall(r'href="(/[^"#]*)"', nav.group(1))


def _walk(browser, url: str, who: str, cookie: str | None, out) -> list[str]:
    """Every page of `who`'s navigation at both widths; the pages it opened."""
    seen: list[str] = []
    for width in (1400, 820):
        context = browser.new_context(viewport={"width": width, "height": 900})
        if cookie is not None:
            context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
        try:
            page.goto(url + "/")
            pages = _nav(page.content())
            assert pages, who
            for path in pages:
                response = page.goto(url + path)
                assert response is not None and response.status < 500, (who, path, response and response.status)
                assert response.status == 200, (who, path, response.status)
                assert page.evaluate(OVERFLOW) <= 0, (who, path, width)
                name = f"{who}-{path.strip('/').replace('/', '-') or 'home'}-{width}"
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            assert errors == [], (who, width, errors)
            seen += pages
        finally:
            context.close()
    return seen


def test_every_page_for_every_person(signed_module, browser, artifacts):
    served = signed_module
    out = artifacts / "people"
    out.mkdir(exist_ok=True)
    public = _walk(browser, served.url, "public", None, out)
    assert set(public) == {"/public", "/log"}
    opened: dict[str, set[str]] = {}
    for person in PEOPLE:
        with httpx.Client(base_url=served.url) as c:
            sign_in(c, person.id, served.people[person.id])
            cookie = c.cookies[SESSION_COOKIE]
        opened[person.id] = set(_walk(browser, served.url, person.id, cookie, out))
    assert all("/approvals" in pages for pages in opened.values())  # everyone signed in has an inbox
    assert "/portal" in opened["vendor.mhi"] and "/ledger" not in opened["vendor.mhi"]  # a contractor: its own
    assert "/attestations" in opened["atla.inspector.suzuki"]
    assert "/ledger" in opened["boa.auditor.watanabe"]
