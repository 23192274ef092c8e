"""A tiny FY2025 demo database (the whole budget, about 4,000 payments), and the dashboard served
over it by a real uvicorn.

The demo database is generated once per session (a fraction of a second); servers open it with
the projections `ramp demo` opens it with, and demo (open) access, or web sign-in with the demo
people's logins. Read-only tests share one server a module (`dashboard`); tests that change the
data (approvals, sign-ins that count) serve a copy of it each. Tests that need more data than a
page or two say so with an assertion (more than 100 payments, more than 50 alerts), never a skip.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ramp.auth.credentials import CredentialFile
from ramp.budget.projection import BudgetProjection
from ramp.demo.load import load
from ramp.demo.people import credentials_path
from ramp.disclosure.classify import Classifier
from ramp.journal import Journal
from ramp.journal.log import LogSigner
from ramp.policy.identities import IdentityRegistry
from ramp.server import create_app
from ramp.service.activity import Activity
from ramp.service.projections import service_projections
from ramp.store import SQLiteStore
from ramp.web.access import Access, DemoAccess
from tests.auth.soft_passkey import SoftPasskey, register
from tests.net import serve_in_thread
from tests.web.browser import CHROMIUM, LAPTOP
from tests.web.contract_world import contract_site  # noqa: F401 - a fixture: a contract served with sign-in
from tests.web.logins import People

ISSUED_FY2025 = 8_700_500_000_000


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("web-demo") / "demo.db")
    load(path, seed=2025, size="tiny")
    return path


def copy_demo(demo_db: str, into: Path) -> str:
    """A copy of the demo database `demo_db` and the files beside it, in the directory `into`."""
    path = str(into / "demo.db")
    with sqlite3.connect(demo_db) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    for suffix in (".credentials", ".admin.json", ".irregularities.json"):
        shutil.copy2(demo_db + suffix, path + suffix)
    shutil.copytree(demo_db + ".keys", path + ".keys")
    return path


@pytest.fixture
def fresh_demo(demo_db, tmp_path) -> str:
    """A copy of the session's demo database, for a test that changes it."""
    return copy_demo(demo_db, tmp_path)


@dataclass
class Served:
    url: str
    journal: Journal
    budget: BudgetProjection
    activity: Activity
    people: People  # the demo people's authenticators, for this server
    keys: dict[str, SoftPasskey] = field(default_factory=dict)

    def passkey(self, who: str) -> SoftPasskey:
        """`who`'s passkey for this server's host, registered on first use (as the inbox's
        ceremony would record it): what a decision or an attestation in the web is signed with."""
        if who not in self.keys:
            self.keys[who] = register(self.journal, who, self.url)
        return self.keys[who]


def open_demo(path: str) -> tuple[Journal, IdentityRegistry, BudgetProjection, Activity]:
    """The journal as `ramp demo` opens it: every service projection fed by the one replay, and
    the classifier that decides each new event's level (as `ramp.demo.serve` has it)."""
    store = SQLiteStore(path)
    key_file, origin = store.get_meta("log_key_file"), store.get_meta("origin")
    assert key_file is not None and origin is not None
    identities, projections = service_projections()
    journal = Journal(store, log=LogSigner.from_key_file(key_file, origin), projections=projections,
                      classifier=Classifier())  # fmt: skip
    return journal, identities, journal.projection(BudgetProjection), journal.projection(Activity)


class Servers:
    """Starts dashboards (a real uvicorn each) and stops them all, with their journals, at close."""

    def __init__(self, demo_db: str) -> None:
        self.demo_db = demo_db
        self._journals: list[Journal] = []
        self._servers: list = []

    def start(self, access: Access | None = None, *, db: str | None = None, sign_in: bool = False) -> Served:
        path = db or self.demo_db
        journal, identities, budget, activity = open_demo(path)
        self._journals.append(journal)
        if sign_in:
            app = create_app(journal, identities, credentials=CredentialFile(credentials_path(path)), web_access=access)
        else:
            app = create_app(journal, identities, web_access=access or DemoAccess())
        cm = serve_in_thread(app)
        self._servers.append(cm)
        return Served(cm.__enter__(), journal, budget, activity, People(path))

    def close(self) -> None:
        for cm in reversed(self._servers):
            cm.__exit__(None, None, None)
        for journal in self._journals:
            journal.close()


@pytest.fixture
def serve(demo_db, tmp_path):
    """serve(access) -> Served, over a copy of the session's demo data (its original may be held
    by the module's `dashboard`: one writer per database); serve(db=copy, sign_in=True): web
    sign-in with the demo people's credentials."""
    servers = Servers(demo_db)

    def start(access: Access | None = None, *, db: str | None = None, sign_in: bool = False) -> Served:
        return servers.start(access, db=db or copy_demo(demo_db, Path(tempfile.mkdtemp(dir=tmp_path))), sign_in=sign_in)

    yield start
    servers.close()


@pytest.fixture(scope="module")
def dashboard(demo_db) -> Iterator[Served]:
    """The demo dashboard with open (demo) access over the session's demo data, one per test
    module: its tests only read."""
    servers = Servers(demo_db)
    yield servers.start()
    servers.close()


@pytest.fixture
def signed(serve, fresh_demo) -> Iterator[Served]:
    """The dashboard with web sign-in, over a copy of the demo data."""
    yield serve(db=fresh_demo, sign_in=True)


@pytest.fixture(scope="module")
def signed_module(demo_db, tmp_path_factory) -> Iterator[Served]:
    """One dashboard with web sign-in over a copy of the demo data for a whole test module, for
    tests that neither depend on what the module's other tests did nor change what they see."""
    servers = Servers(demo_db)
    yield servers.start(db=copy_demo(demo_db, tmp_path_factory.mktemp("signed")), sign_in=True)
    servers.close()


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
