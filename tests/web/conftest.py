"""A small FY2025 demo database, and the dashboard served over it by a real uvicorn.

The demo database is generated once per session (about a second at the small size); servers
open it with the projections `ramp demo` opens it with, and demo (open) access.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ramp.api.app import create_app
from ramp.budget.projection import BudgetProjection
from ramp.demo.load import load
from ramp.journal import Journal
from ramp.journal.log import LogSigner
from ramp.policy.identities import IdentityRegistry
from ramp.store import SQLiteStore
from ramp.web.access import Access, DemoAccess
from ramp.web.activity import Activity
from tests.net import serve_in_thread
from tests.web.browser import CHROMIUM, LAPTOP

ISSUED_FY2025 = 8_700_500_000_000


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("web-demo") / "demo.db")
    load(path, seed=2025, size="small")
    return path


@dataclass
class Served:
    url: str
    journal: Journal
    budget: BudgetProjection
    activity: Activity


def open_demo(path: str) -> tuple[Journal, IdentityRegistry, BudgetProjection, Activity]:
    store = SQLiteStore(path)
    key_file, origin = store.get_meta("log_key_file"), store.get_meta("origin")
    assert key_file is not None and origin is not None
    identities, budget, activity = IdentityRegistry(), BudgetProjection(), Activity()
    journal = Journal(store, log=LogSigner.from_key_file(key_file, origin), projections=[identities, budget, activity])
    return journal, identities, budget, activity


@pytest.fixture
def serve(demo_db):
    """serve(access) -> Served, on a copy-free open of the session's demo database."""
    opened: list[Journal] = []
    stack = []

    def start(access: Access | None = None) -> Served:
        access = access or DemoAccess()
        journal, identities, budget, activity = open_demo(demo_db)
        opened.append(journal)
        cm = serve_in_thread(create_app(journal, identities, web_access=access))
        stack.append(cm)
        return Served(cm.__enter__(), journal, budget, activity)

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
    for journal in opened:
        journal.close()


@pytest.fixture
def dashboard(serve) -> Iterator[Served]:
    yield serve()


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests leave screenshots (CI keeps /artifacts/)."""
    path = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`, as .ci/run does)",
                    pytrace=False)  # fmt: skip
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()
