"""The small demo (made once per session, as the dashboard's tests make it), copied for tests
that add to it, and served by a real uvicorn with every service projection."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ramp.journal import Journal
from ramp.server import create_app
from ramp.service.projections import open_service_journal
from ramp.web.access import DemoAccess
from tests.disclosure.world import Contractors, contractors
from tests.net import serve_in_thread
from tests.web.conftest import demo_db  # noqa: F401 - the session's demo database, shared with tests/web


def copy_demo(source: str, directory: Path) -> str:
    path = str(directory / "demo.db")
    with sqlite3.connect(source) as src, sqlite3.connect(path) as copy:
        src.backup(copy)
    for suffix in (".credentials", ".admin.json", ".irregularities.json", ".log.key"):
        shutil.copy2(source + suffix, path + suffix)
    shutil.copytree(source + ".keys", path + ".keys")
    return path


@dataclass
class Site:
    url: str
    db: str
    journal: Journal
    people: Contractors


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory) -> Iterator[Site]:  # noqa: F811 - the imported fixture, by name
    db = copy_demo(demo_db, tmp_path_factory.mktemp("disclosure"))
    journal, identities = open_service_journal(db)
    people = contractors(journal, db)
    app = create_app(journal, identities, web_access=DemoAccess())
    with serve_in_thread(app) as url:
        yield Site(url, db, journal, people)
    journal.close()
