"""Where the store tests put their data: a fresh SQLite file, or a fresh PostgreSQL schema.

The PostgreSQL suite needs a server: RAMP_TEST_POSTGRES_URL names a database the tests may
create schemas in (CI sets it). Every new store location is its own schema `ramp_test_<hex>`,
selected through the URL (`?options=-csearch_path%3D<schema>`) and dropped at teardown.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from ramp.store import Store, open_store

PG_URL_ENV: Final = "RAMP_TEST_POSTGRES_URL"
SCHEMA_PREFIX: Final = "ramp_test_"
_DROP_LOCK_TIMEOUT: Final = "10s"  # a store left open must fail teardown, not hang it


def with_search_path(url: str, schema: str) -> str:
    """`url` with libpq options that make `schema` the only schema on search_path."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    option = f"-csearch_path={schema}"
    query["options"] = f"{query['options']} {option}" if query.get("options") else option
    return urlunsplit(parts._replace(query=urlencode(query)))


class Backend:
    """Fresh store locations of one backend, opened through `ramp.store.open_store`."""

    name: str

    def __init__(self) -> None:
        self._opened: list[Store] = []

    def new_url(self) -> str:
        raise NotImplementedError

    def open(self, url: str) -> Store:
        store = open_store(url)
        self._opened.append(store)
        return store

    def execute(self, url: str, sql: str) -> int:
        """Run one statement on a raw connection of its own (tampering); the rows it changed."""
        raise NotImplementedError

    def query(self, url: str, sql: str) -> list[tuple]:
        raise NotImplementedError

    def cleanup(self) -> None:
        for store in self._opened:
            store.close()


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._dir = directory
        self._count = 0

    def new_url(self) -> str:
        self._count += 1
        return str(self._dir / f"store-{self._count}.db")

    def execute(self, url: str, sql: str) -> int:
        db = sqlite3.connect(url)
        try:
            changed = db.execute(sql).rowcount
            db.commit()
        finally:
            db.close()
        return changed

    def query(self, url: str, sql: str) -> list[tuple]:
        db = sqlite3.connect(url)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, admin_url: str) -> None:
        super().__init__()
        self._admin_url = admin_url
        self._schemas: list[str] = []
        # Raises if the server is unreachable: with the URL set, that is a failure, not a skip.
        self._admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)

    def new_url(self) -> str:
        schema = SCHEMA_PREFIX + uuid.uuid4().hex
        self._admin.execute(f'CREATE SCHEMA "{schema}"')
        self._schemas.append(schema)
        return with_search_path(self._admin_url, schema)

    def execute(self, url: str, sql: str) -> int:
        with psycopg.connect(url, autocommit=True) as db:
            return db.execute(sql).rowcount

    def query(self, url: str, sql: str) -> list[tuple]:
        with psycopg.connect(url, autocommit=True) as db:
            return db.execute(sql).fetchall()

    def cleanup(self) -> None:
        try:
            super().cleanup()
            self._admin.execute(f"SET lock_timeout = '{_DROP_LOCK_TIMEOUT}'")
            for schema in self._schemas:
                self._admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            self._admin.close()


def postgres_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None
